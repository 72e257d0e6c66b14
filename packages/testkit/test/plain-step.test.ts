/**
 * `step()` runs a plain transition (one targetless transition of `steps(...)`, in a state without an
 * eventless transition) without XState's interpreter (packages/core/src/machine/step.ts, `plainStep`). This
 * replays every step of simulated runs through XState's own pure `transition()` from the snapshot before it
 * and requires the same state, the same context and the same effects, in order: for the election machine
 * and for variants that swap steps (`withSteps`), whose swapped steps a plain step must run too.
 */
import { type Effect, LeaderElection, type TransitionInfo } from '@leasehold/core';
import { type ElectionSnapshot, machineOf, snapshotOf } from '@leasehold/core/statechart';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { type ScenarioOverrides, scenarioFromSeed, simulate } from '../src/index.ts';

interface Replay {
  steps: number;
  /** Steps whose snapshot changed but kept the tag set of the one before: only a plain step does that. */
  plain: number;
  mismatches: string[];
}

const acquire = LeaderElection.prototype.acquire;
let replay: Replay;

/** Replays each step of every election the simulator starts, from the moment it first calls `acquire()`. */
beforeEach(() => {
  replay = { steps: 0, plain: 0, mismatches: [] };
  const started = new WeakSet<LeaderElection>();
  LeaderElection.prototype.acquire = function (this: LeaderElection) {
    if (!started.has(this)) {
      started.add(this);
      const machine = machineOf(this);
      let before: ElectionSnapshot = snapshotOf(this);
      this.subscribe((info: TransitionInfo) => {
        // Listeners run after the driver's loop: `info.snapshot` is this step's own.
        const mine = info.snapshot as ElectionSnapshot;
        const [next, actions] = transition(machine, before, info.input);
        const effects: Effect[] = actions.flatMap((a) => (a.type === 'effect' ? [a.params as Effect] : []));
        replay.steps += 1;
        if (mine !== before && mine.tags === before.tags) replay.plain += 1;
        if (
          next.value !== mine.value ||
          JSON.stringify(next.context) !== JSON.stringify(mine.context) ||
          JSON.stringify(effects) !== JSON.stringify(info.effects)
        ) {
          replay.mismatches.push(
            `${this.config.identity} ${info.input.type} from ${info.from}: XState ${String(next.value)} ` +
              `${JSON.stringify(effects)}, step() ${String(mine.value)} ${JSON.stringify(info.effects)}`,
          );
        }
        before = mine;
      });
    }
    return acquire.call(this);
  };
});

afterEach(() => {
  LeaderElection.prototype.acquire = acquire;
});

async function replayRuns(seeds: readonly number[], overrides: ScenarioOverrides = {}): Promise<Replay> {
  for (const seed of seeds) await simulate(scenarioFromSeed(seed, overrides));
  return replay;
}

const SEEDS = Array.from({ length: 24 }, (_, i) => i + 1);

describe('a plain step is the step XState takes', () => {
  it('on every step of simulated runs of the election machine', { timeout: 120_000 }, async () => {
    const { steps, plain, mismatches } = await replayRuns(SEEDS);
    console.log(`plain-step: ${steps} steps replayed, ${plain} of them plain, ${mismatches.length} differ`);
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The replay covers the plain path: a renewal is three plain steps.
    expect(plain).toBeGreaterThan(steps / 10);
  });

  it('with steps swapped by a variant (a renewal runs the variant extendLease)', {
    timeout: 120_000,
  }, async () => {
    const { steps, plain, mismatches } = await replayRuns(SEEDS.slice(0, 12), {
      variant: 'validity-from-answer',
    });
    console.log(
      `plain-step (validity-from-answer): ${steps} steps, ${plain} plain, ${mismatches.length} differ`,
    );
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(plain).toBeGreaterThan(steps / 10);
  });
});
