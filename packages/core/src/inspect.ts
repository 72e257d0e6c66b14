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
import { machineOf, snapshotOf } from './typed-statechart.ts';

/** What an inspector accepts: XState's `inspect` option (an observer, or a function of each event). */
export type ElectionInspector = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/** The running bridge: the mirror actor, and how to stop it. */
export interface ElectionInspection {
  /**
   * The mirror actor. Its `id` (the inspector's display name) is the `id` given to `inspectElection`, by
   * default the election's name and identity; its `sessionId` (what the inspector tells actors apart by)
   * names the election too: `leasehold:` and that id, with ` (2)`, ` (3)`, ... after it while another
   * running bridge in this process has it.
   */
  readonly actor: AnyActorRef;
  /** Stops mirroring and stops the actor. */
  stop(): void;
}

/** The session ids of the bridges running in this process: two actors must not share one. */
const running = new Set<string>();

/**
 * Not the id itself: @statelyai/inspect shows an actor whose id equals its session id by its machine's
 * name, and every candidate would then be called `election`.
 */
function sessionIdFor(id: string): string {
  let sessionId = `leasehold:${id}`;
  for (let n = 2; running.has(sessionId); n++) sessionId = `leasehold:${id} (${n})`;
  running.add(sessionId);
  return sessionId;
}

/**
 * Shows `election` in `inspector` from now on. `id` names the actor and its session (default: the
 * election's name and identity).
 */
export function inspectElection(
  election: LeaderElection,
  inspector: ElectionInspector,
  id = `${election.config.name} ${election.config.identity}`,
): ElectionInspection {
  // XState numbers sessions per process (`x:1`, ...): meaningless in an inspector that shows the replicas
  // of several processes, and the same in each of them. The session id is set once the actor exists; XState
  // announces the actor from its constructor, before that, so events are held until the id is set.
  const deliver = (event: InspectionEvent) =>
    typeof inspector === 'function' ? inspector(event) : inspector.next?.(event);
  let held: InspectionEvent[] | null = [];
  const inspect = (event: InspectionEvent) => (held ? held.push(event) : deliver(event));
  // The snapshot carries the whole context; the input is what the types ask for, and is not read.
  const input = machineInput(election.config, election.config.seed ?? 0);
  const actor = createActor(machineOf(election), { snapshot: snapshotOf(election), input, inspect, id });
  const sessionId = sessionIdFor(id);
  actor.sessionId = sessionId;
  const announced = held;
  held = null;
  for (const event of announced) deliver({ ...event, rootId: sessionId });
  actor.start();
  const unsubscribe = election.subscribe((info) => actor.send(info.input));
  let stopped = false;
  return {
    actor,
    stop: () => {
      if (stopped) return; // a second stop must not free the id for a bridge that took it since
      stopped = true;
      unsubscribe();
      actor.stop();
      running.delete(sessionId);
    },
  };
}
