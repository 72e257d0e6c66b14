/**
 * Planned handover (issue 16) through the driver, over the in-memory lock on a manual clock: the leader's
 * work stops before the record naming the chosen candidate is written; the chosen one takes over with a
 * write of its own at once; nobody else leads; the term moves on; a handover to a candidate that never
 * takes it costs a lease, as a crash would.
 */
import type { LeaderElection } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import { checkRun, describeFailure, type FaultEvent, scenarioFromSeed, simulate } from '../src/index.ts';
import { advance, settle } from '../src/time.ts';
import { memoryElection } from './memory-election.ts';

function cluster(ids: string[]) {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const log: string[] = [];
  const elections = ids.map((id) =>
    memoryElection(store, clock, id, {
      onStartedLeading: async (signal) => {
        log.push(`${id} started at ${clock.now()}`);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        // The work takes 500 ms to wind down; the lease is still renewed meanwhile.
        await new Promise<void>((resolve) => clock.setTimer(500, () => resolve()));
        log.push(`${id} work done at ${clock.now()}`);
      },
      onStoppedLeading: () => {
        log.push(`${id} stopped at ${clock.now()}`);
      },
    }),
  );
  return { clock, store, log, elections };
}

describe('handover', () => {
  it('hands leadership to the chosen candidate: its work stops first, then it leads at once', async () => {
    const { clock, store, log, elections } = cluster(['a', 'b', 'c']);
    const [a, b, c] = elections as [LeaderElection, LeaderElection, LeaderElection];
    void a.run();
    await advance(clock, 100);
    void b.run();
    void c.run();
    await advance(clock, 5_000);
    expect(a.isLeader()).toBe(true);
    const term = store.peek('app')?.record.leaderTransitions ?? -1;

    const t0 = clock.now();
    const handed = a.handover('c');
    await advance(clock, 1_000);
    expect(await handed).toBe(true);
    expect(c.isLeader()).toBe(true);
    expect(a.isLeader()).toBe(false);
    expect(b.isLeader()).toBe(false);
    // The term moved on once (the handover's write), and c's own write kept it.
    expect(store.peek('app')?.record).toMatchObject({ holderIdentity: 'c', leaderTransitions: term + 1 });
    // a's work finished, then a stopped leading, then c started: never two at once.
    const order = log.filter((l) => !l.startsWith('a started'));
    expect(order).toEqual([
      `a work done at ${t0 + 500}`,
      `a stopped at ${t0 + 500}`,
      `c started at ${t0 + 500}`,
    ]);
    await advance(clock, 60_000);
    expect(c.isLeader()).toBe(true);
    for (const e of elections) void e.stop();
    await advance(clock, 5_000);
  });

  it('a handover to a candidate that never takes it costs a lease, as a crash would', async () => {
    const { clock, store, elections } = cluster(['a', 'b']);
    const [a, b] = elections as [LeaderElection, LeaderElection];
    void a.run();
    await advance(clock, 100);
    void b.run();
    await advance(clock, 5_000);
    const handed = a.handover('gone');
    await advance(clock, 600);
    expect(await handed).toBe(true);
    expect(store.peek('app')?.record.holderIdentity).toBe('gone');
    await advance(clock, 14_000);
    expect(b.isLeader()).toBe(false); // the lease that record names still runs
    await advance(clock, 6_000);
    expect(b.isLeader()).toBe(true);
    for (const e of elections) void e.stop();
    await advance(clock, 5_000);
  });

  it('refuses its own identity or an empty one, and is false when not leading', async () => {
    const { clock, elections } = cluster(['a', 'b']);
    const [a, b] = elections as [LeaderElection, LeaderElection];
    void a.run();
    await advance(clock, 100);
    void b.run();
    await advance(clock, 1_000);
    await expect(a.handover('a')).rejects.toThrow(TypeError);
    await expect(a.handover('')).rejects.toThrow(TypeError);
    expect(await b.handover('a')).toBe(false);
    for (const e of elections) void e.stop();
    await advance(clock, 5_000);
    await settle();
  });
});

describe('handover in the simulator', () => {
  it('leaders hand over to the next candidate every 3 s and step down now and then, under latency and faults: no violation', async () => {
    let handovers = 0;
    let toChosen = 0;
    let gaps: number[] = [];
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      const base = scenarioFromSeed(seed, {
        candidates: 4,
        timing: { leaseDuration: 3, renewDeadline: 2, retryPeriod: 0.5, requestTimeout: 1 },
        counts: { partition: 1, pause: 0, crash: 0, stop: 0, refusals: 0, outage: 0 },
        faults: { errorRate: 0.02, timeoutRate: 0.01, conflictRate: 0 },
        faultPhaseLeases: 20,
      });
      const extra: FaultEvent[] = Array.from({ length: 15 }, (_, i) => ({
        atMs: 4_000 + i * 3_000,
        kind: 'handover',
        candidate: 'leader',
        durationMs: 0,
      }));
      // Step-downs in between (not counted below): the leader steps aside for 2 s, then campaigns again.
      const stepDowns: FaultEvent[] = Array.from({ length: 5 }, (_, i) => ({
        atMs: 5_500 + i * 9_000,
        kind: 'stepDown',
        candidate: 'leader',
        durationMs: 2_000,
      }));
      const schedule = [...base.schedule, ...extra, ...stepDowns].sort((a, b) => a.atMs - b.atMs);
      const scenario = { ...base, schedule };
      const run = await simulate(scenario);
      const violations = checkRun(run);
      expect(violations, describeFailure(run, violations)).toEqual([]);
      const lease = (run.scenario.timing.leaseDuration * 1000) / (1 + run.scenario.faults.driftMax);
      for (const fault of extra) {
        const ended = run.intervals.find(
          (i) => i.start < fault.atMs && i.end >= fault.atMs && i.end < fault.atMs + 2_000,
        );
        if (!ended) continue; // no leader then (a partition), or it lapsed on its own
        const next = run.intervals.filter((i) => i.start >= ended.end).sort((a, b) => a.start - b.start)[0];
        if (!next) continue;
        handovers += 1;
        gaps.push(next.start - ended.end);
        const chosen = `c${(Number(ended.candidate.slice(1)) + 1) % 4}`;
        // Did the store apply the old leader's write naming the chosen one? (From the lock's history.)
        const handedOver = run.history.some(
          (op) =>
            op.handle === ended.candidate &&
            op.op === 'update' &&
            op.record?.split('|')[0] === chosen &&
            op.outcome.type === 'snapshot' &&
            op.callMs >= fault.atMs &&
            op.callMs <= ended.end,
        );
        if (handedOver) {
          // Per handover: the chosen one takes it, or nobody does before the lease that record names ran
          // out (the chosen one was cut off); never the old leader or a bystander.
          if (next.candidate !== chosen)
            expect(next.start - ended.end, `seed ${seed}, handover at ${fault.atMs}`).toBeGreaterThanOrEqual(
              lease - 1,
            );
          else toChosen += 1;
        } else {
          // The write failed (the store's injected errors): the old leader may retake the lock that is still
          // its own at once (or the chosen one take it, if the write applied but its answer was lost); no
          // bystander before the lease ran out. That lease runs from the old leader's last write the store
          // applied, which can be earlier than its end (seed 12: a renewal failed before the handover did).
          const lastWrite = ended.writes.at(-1)?.sent ?? ended.end;
          if (next.candidate !== ended.candidate && next.candidate !== chosen)
            expect(next.start - lastWrite, `seed ${seed}, handover at ${fault.atMs}`).toBeGreaterThanOrEqual(
              lease - 1,
            );
        }
      }
    }
    gaps = gaps.sort((a, b) => a - b);
    console.log(
      `handover in the simulator: ${handovers} handovers (${toChosen} to the chosen candidate), gap from the old leader's end to the new one's start: median ${gaps[Math.floor(gaps.length / 2)]?.toFixed(0)} ms, max ${gaps.at(-1)?.toFixed(0)} ms`,
    );
    expect(handovers).toBeGreaterThan(40);
    expect(toChosen).toBeGreaterThan(0);
  }, 60_000);
});
