/**
 * The election in the XState / Stately inspector. The driver does not run an XState actor (it steps the
 * machine with pure `transition()` calls), so the bridge runs one beside it: an actor of the same machine,
 * started from the election's current snapshot, sent exactly the inputs the election processes, in order.
 * The machine is pure, so the actor passes through the same snapshots; the inspector sees a real actor
 * (its definition, every event, every snapshot) through XState's own inspection API.
 *
 *   import { createWebSocketInspector } from '@statelyai/inspect';
 *   const inspector = createWebSocketInspector({ url: 'ws://localhost:8080' });
 *   inspectElection(election, inspector.inspect);
 *
 * For debugging and demos: the mirror doubles the work of each step.
 */
import { type AnyActorRef, createActor, type InspectionEvent, type Observer } from 'xstate';
import { type LeaderElection, machineInput } from './driver.ts';

/** What an inspector accepts: XState's `inspect` option (an observer, or a function of each event). */
export type ElectionInspector = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/** The running bridge: the mirror actor, and how to stop it. */
export interface ElectionInspection {
  /** The mirror actor (its `sessionId` names the election in the inspector). */
  readonly actor: AnyActorRef;
  /** Stops mirroring and stops the actor. */
  stop(): void;
}

/**
 * Shows `election` in `inspector` from now on. `id` names the actor (default: the election's name and
 * identity).
 */
export function inspectElection(
  election: LeaderElection,
  inspector: ElectionInspector,
  id = `${election.config.name} ${election.config.identity}`,
): ElectionInspection {
  // The snapshot carries the whole context; the input is what the types ask for, and is not read.
  const input = machineInput(election.config, election.config.seed ?? 0);
  const actor = createActor(election.machine, { snapshot: election.snapshot, input, inspect: inspector, id });
  actor.start();
  const unsubscribe = election.subscribe((info) => actor.send(info.input));
  return {
    actor,
    stop: () => {
      unsubscribe();
      actor.stop();
    },
  };
}
