import {
  type Clock,
  checkLiveness,
  checkReadiness,
  ElectionConfig,
  type HealthResponse,
  healthHandler,
  LeaderElection,
} from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import { advance, advanceUntil } from '../src/time.ts';

/** A clock whose timers stop firing once `stalled` is set: an elector stuck as a deadlock would leave it. */
class StallableClock implements Clock {
  stalled = false;
  readonly inner: ManualClock;
  constructor(inner: ManualClock) {
    this.inner = inner;
  }
  now(): number {
    return this.inner.now();
  }
  wallNow(): Date {
    return this.inner.wallNow();
  }
  setTimer(ms: number, fn: () => void): unknown {
    return this.inner.setTimer(ms, () => {
      if (!this.stalled) fn();
    });
  }
  clearTimer(handle: unknown): void {
    this.inner.clearTimer(handle);
  }
}

function candidates(store: MemoryLockStore, clock: Clock, ids: readonly string[]): LeaderElection[] {
  return ids.map(
    (id) =>
      new LeaderElection(
        new ElectionConfig({
          lock: store.lock('health', id),
          leaseDuration: 15,
          renewDeadline: 10,
          retryPeriod: 2,
          clock,
          seed: 1,
          onStartedLeading: () => {},
          onStoppedLeading: () => {},
          onError: () => {},
        }),
      ),
  );
}

function response(): HealthResponse & { body: string; headers: Record<string, string> } {
  return {
    statusCode: 0,
    body: '',
    headers: {},
    setHeader(name, value) {
      this.headers[name] = value;
    },
    end(body) {
      this.body = body;
    },
  };
}

describe('health probes', () => {
  it('liveness fails for a stuck leader only past lease + tolerance; followers stay healthy', async () => {
    const manual = new ManualClock();
    const clock = new StallableClock(manual);
    const [a, b] = candidates(new MemoryLockStore({ clock: manual }), clock, ['a', 'b']);
    void a!.acquire();
    expect(await advanceUntil(manual, () => a!.isLeader(), 5_000)).toBe(true);
    void b!.acquire();
    await advance(manual, 30_000);
    // A working leader renews: healthy however long it leads.
    expect(checkLiveness(a!, 20)).toMatchObject({ ok: true });
    expect(checkLiveness(a!, 20).reason).toMatch(/leading, last renewal sent \d+\.\ds ago/);
    expect(checkLiveness(b!, 20)).toEqual({ ok: true, reason: 'MemoryLock health: follower, not leading' });

    // Stuck: no timer fires any more, so it neither renews nor steps down at its deadline.
    clock.stalled = true;
    await advance(manual, 34_000); // lease 15 s + tolerance 20 s = 35 s since the last renewal: not yet
    expect(a!.state).toBe('leader');
    expect(checkLiveness(a!, 20).ok).toBe(true);
    await advance(manual, 2_100);
    const stuck = checkLiveness(a!, 20);
    expect(stuck.ok).toBe(false);
    expect(stuck.reason).toMatch(
      /leader has not renewed for 3[56]\.\ds, past the lease \(15s\) plus the tolerance/,
    );
    expect(checkLiveness(b!, 20).ok).toBe(true);
    // Not ready either: its lease ran out on its own clock.
    expect(checkReadiness(a!).ok).toBe(false);
  });

  it('readiness is true only while leading; the handler answers 200 / 503 and leaves other paths alone', async () => {
    const clock = new ManualClock();
    const [a, b] = candidates(new MemoryLockStore({ clock }), clock, ['a', 'b']);
    void a!.acquire();
    expect(await advanceUntil(clock, () => a!.isLeader(), 5_000)).toBe(true);
    void b!.acquire();
    await advance(clock, 5_000);
    expect(checkReadiness(a!)).toEqual({ ok: true, reason: 'MemoryLock health: leading' });
    expect(checkReadiness(b!)).toEqual({
      ok: false,
      reason: 'MemoryLock health: not leading (the leader is a)',
    });

    const leaderHealth = healthHandler(a!);
    const followerHealth = healthHandler([b!], { readinessPath: '/ready' });
    const r1 = response();
    expect(leaderHealth({ url: '/readyz' }, r1)).toBe(true);
    expect([r1.statusCode, r1.body, r1.headers['Content-Type']]).toEqual([
      200,
      'MemoryLock health: leading\n',
      'text/plain; charset=utf-8',
    ]);
    const r2 = response();
    expect(followerHealth({ url: '/ready?verbose' }, r2)).toBe(true);
    expect([r2.statusCode, r2.body]).toEqual([503, 'MemoryLock health: not leading (the leader is a)\n']);
    const r3 = response();
    expect(followerHealth({ url: '/healthz' }, r3)).toBe(true);
    expect(r3.statusCode).toBe(200);
    const r4 = response();
    expect(followerHealth({ url: '/metrics' }, r4)).toBe(false);
    expect(r4.statusCode).toBe(0);

    // After a handover the roles swap.
    await a!.stop();
    expect(await advanceUntil(clock, () => b!.isLeader(), 10_000)).toBe(true);
    expect(checkReadiness(b!).ok).toBe(true);
    // It stopped: the last record it saw is its own release.
    expect(checkReadiness(a!)).toEqual({ ok: false, reason: 'MemoryLock health: not leading' });
    expect(checkLiveness(a!)).toEqual({ ok: true, reason: 'MemoryLock health: stopped, not leading' });
    await b!.stop();
  });
});
