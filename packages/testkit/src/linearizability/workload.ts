/**
 * The conformance kit's concurrent workload: many handles on one lock object of a backend (its own model,
 * on a virtual clock) making reads, creates and compare-and-swap updates at once, through the same request
 * faults the simulator injects (latency each way, so calls of different handles interleave; errors; lost
 * answers; phantom writers), each call bounded by a request timeout. Every call is recorded and the history
 * judged by the linearizability checker. One seed, one run.
 */
import type { LeaderElectionRecord, Lock, LockSnapshot } from '@leasehold/core';
import { type FaultPlan, type MemoryRequest, withFaults } from '@leasehold/memory';
import type { BackendFactory } from '../cluster.ts';
import { Random } from '../random.ts';
import { Scheduler } from '../scheduler.ts';
import { checkLinearizability, type LinearizabilityResult } from './check.ts';
import type { LockHistory } from './history.ts';
import { HistoryRecorder } from './recorder.ts';

/** How hard the workload pushes; every field has a default. */
export interface WorkloadOptions {
  /** Seed of every draw (default 1). */
  readonly seed?: number;
  /** Handles making calls at once (default 6). */
  readonly handles?: number;
  /** Calls each handle makes (default 40). */
  readonly callsPerHandle?: number;
  /** Largest one-way latency of a call (virtual ms, default 40). */
  readonly latencyMaxMs?: number;
  /** Fraction of calls whose answer is lost after they applied (default 0.08). */
  readonly lostRate?: number;
  /** Fraction of calls that fail `Unavailable` before reaching the store (default 0.05). */
  readonly errorRate?: number;
  /** Fraction of updates a phantom writer races (a rewrite of the record just before; default 0.05). */
  readonly conflictRate?: number;
  /** A call unanswered after this long is abandoned (virtual ms, default 150). */
  readonly requestTimeoutMs?: number;
  /** Largest pause between one handle's calls (virtual ms, default 200). */
  readonly thinkMaxMs?: number;
}

/** What one workload run did, and the verdict on it. */
export interface WorkloadResult {
  /** The seed it ran with. */
  readonly seed: number;
  /** Every call, as recorded. */
  readonly history: LockHistory;
  /** The linearizability verdict (reads may lag by up to the shortest lease written, one second). */
  readonly result: LinearizabilityResult;
}

const WALL_EPOCH = Date.UTC(2026, 0, 1);
/** Reads may lag by up to the shortest lease the workload writes: a follower waits that long anyway. */
const READ_LAG_MS = 1000;

class TimedOut extends Error {
  override readonly name = 'TimedOut';
}

/** Runs the workload over a fresh instance of `backend`. */
export async function runConcurrentWorkload(
  backend: BackendFactory,
  options: WorkloadOptions = {},
): Promise<WorkloadResult> {
  const seed = options.seed ?? 1;
  const handles = options.handles ?? 6;
  const calls = options.callsPerHandle ?? 40;
  const latencyMaxMs = options.latencyMaxMs ?? 40;
  const lostRate = options.lostRate ?? 0.08;
  const errorRate = options.errorRate ?? 0.05;
  const conflictRate = options.conflictRate ?? 0.05;
  const timeoutMs = options.requestTimeoutMs ?? 150;
  const thinkMaxMs = options.thinkMaxMs ?? 200;

  const sim = new Scheduler();
  const clock = sim.clock(WALL_EPOCH);
  const rng = new Random(seed);
  const made = backend(clock, { seed });
  const recorder = new HistoryRecorder(() => sim.now);
  const plan = (request: MemoryRequest): FaultPlan => ({
    requestDelayMs: rng.float(0, latencyMaxMs),
    responseDelayMs: rng.float(0, latencyMaxMs),
    ...(rng.chance(errorRate) ? { fail: 'Unavailable' as const } : {}),
    ...(rng.chance(lostRate) ? { dropResponse: true } : {}),
    ...(request.op === 'update' && rng.chance(conflictRate) ? { conflict: true } : {}),
  });
  const phantom = recorder.wrap(made.lock('workload-phantom-writer'));
  const lock = (identity: string): Lock =>
    recorder.wrap(withFaults(made.lock(identity), { clock, faults: plan, phantom }));

  let written = 0;
  /** A record of `holder`, distinct from every other written (its transitions count), with a short lease. */
  const record = (holder: string): LeaderElectionRecord => {
    written += 1;
    const now = new Date(Math.floor(clock.wallNow().getTime() / 1000) * 1000);
    return {
      holderIdentity: holder,
      leaseDurationSeconds: rng.int(1, 3),
      acquireTime: now,
      renewTime: now,
      leaderTransitions: written,
    };
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => sim.after(ms, resolve));
  /** A call abandoned after the request timeout, as the elector abandons it. */
  const bounded = <T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    return new Promise<T>((resolve, reject) => {
      const timer = sim.after(timeoutMs, () => {
        controller.abort();
        reject(new TimedOut('no answer'));
      });
      call(controller.signal).then(
        (value) => {
          sim.cancel(timer);
          resolve(value);
        },
        (err: unknown) => {
          sim.cancel(timer);
          reject(err);
        },
      );
    });
  };

  const client = async (index: number) => {
    const id = `h${index}`;
    const handle = lock(id);
    let seen: LockSnapshot | null = null;
    const versions: string[] = [];
    const remember = (snapshot: LockSnapshot | null) => {
      seen = snapshot;
      if (snapshot) versions.push(snapshot.version);
    };
    await sleep(rng.float(0, thinkMaxMs));
    for (let k = 0; k < calls; k += 1) {
      const current = seen as LockSnapshot | null;
      const roll = rng.next();
      try {
        if (current === null && roll < 0.5) remember(await bounded((signal) => handle.get({ signal })));
        else if (current === null) remember(await bounded((signal) => handle.create(record(id), { signal })));
        else if (roll < 0.3) remember(await bounded((signal) => handle.get({ signal })));
        else if (roll < 0.4 && versions.length > 1) {
          // A version read earlier: a contender acting on an old observation.
          const old = versions[rng.int(0, versions.length - 2)]!;
          remember(await bounded((signal) => handle.update(record(id), old, { signal })));
        } else if (roll < 0.45) {
          remember(await bounded((signal) => handle.create(record(id), { signal })));
        } else if (roll < 0.5) {
          // The very record stored, written again: a no-op the store may answer with the same version.
          remember(await bounded((signal) => handle.update(current.record, current.version, { signal })));
        } else {
          remember(await bounded((signal) => handle.update(record(id), current.version, { signal })));
        }
      } catch {
        // Conflict, NotFound, Unavailable or a timeout: read again before the next write.
        seen = null;
      }
      await sleep(rng.float(0, thinkMaxMs));
    }
  };

  const done = Promise.all(Array.from({ length: handles }, (_, i) => client(i)));
  await sim.run(calls * (thinkMaxMs + timeoutMs) * 2 + 10_000);
  await done;
  const history = recorder.history();
  return { seed, history, result: checkLinearizability(history, { readLagMs: READ_LAG_MS }) };
}
