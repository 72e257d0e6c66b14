/**
 * The fault layer at the store-client boundary (store-faults.ts): latency on the virtual clock that lets
 * two handles' calls interleave, failures in the store's own error type, lost answers that applied, duplicated
 * deliveries, all drawn from a seed (the same seed, the same faults), and none after the faults end.
 */
import { describe, expect, it } from 'vitest';
import {
  defaultStoreFaults,
  Random,
  Scheduler,
  storeBackend,
  verifyBackend,
  withStoreFaults,
} from '../src/index.ts';
import { store as careful } from './zoo/kv-lock.ts';
import { RequestTimeout, ServiceUnavailable } from './zoo/kv-store.ts';
import { store as timeoutAsNotFound } from './zoo/timeout-as-not-found.ts';

/** A store with one counter: `add` applies at once; `sync` is not async and must pass through as it is. */
class CounterStore {
  #value = 0;
  readonly applied: number[] = [];
  async add(n: number): Promise<number> {
    this.#value += n;
    this.applied.push(n);
    return this.#value;
  }
  sync(): number {
    return this.#value;
  }
}

class StoreError extends Error {
  readonly kind: string;
  constructor(kind: string, call: string) {
    super(`${kind} on ${call}`);
    this.kind = kind;
  }
}

/** Makes `calls` calls of `add(1)`, one after another, and says how each ended. */
async function drive(
  seed: number,
  calls: number,
  rates: { errorRate?: number; lostRate?: number; duplicateRate?: number; faultsEndAtMs?: number },
) {
  const sim = new Scheduler();
  const clock = sim.clock(0);
  const plain = new CounterStore();
  const store = withStoreFaults(plain, {
    clock,
    seed,
    error: (kind, call) => new StoreError(kind, call),
    ...rates,
  });
  const outcomes: string[] = [];
  const done = (async () => {
    for (let i = 0; i < calls; i += 1) {
      try {
        await store.add(1);
        outcomes.push('ok');
      } catch (err) {
        outcomes.push((err as StoreError).kind);
      }
    }
  })();
  await sim.run(1_000_000);
  await done;
  return { outcomes, plain, store, endedAt: sim.now };
}

describe('withStoreFaults', () => {
  it('defaults to the rates docs/model-checking.md states, and draws about them', async () => {
    expect(defaultStoreFaults).toEqual({
      latencyMaxMs: 5,
      errorRate: 0.03,
      lostRate: 0.03,
      duplicateRate: 0.02,
    });
    const { outcomes, plain } = await drive(9, 5000, {});
    const share = (what: string) => outcomes.filter((o) => o === what).length / outcomes.length;
    const duplicated = (plain.applied.length - outcomes.filter((o) => o !== 'unavailable').length) / 5000;
    console.log(
      `5000 calls at the defaults: ${share('unavailable')} unavailable, ${share('timeout')} timed out, ${duplicated} duplicated`,
    );
    expect(share('unavailable')).toBeGreaterThan(0.02);
    expect(share('unavailable')).toBeLessThan(0.04);
    expect(share('timeout')).toBeGreaterThan(0.02);
    expect(share('timeout')).toBeLessThan(0.04);
    expect(duplicated).toBeGreaterThan(0.01);
    expect(duplicated).toBeLessThan(0.03);
  });

  it('fails calls in the store own error type: unavailable ones never applied, timed-out ones did', async () => {
    const { outcomes, plain } = await drive(7, 400, { errorRate: 0.2, lostRate: 0.2, duplicateRate: 0 });
    const count = (what: string) => outcomes.filter((o) => o === what).length;
    console.log(
      `400 calls: ${count('ok')} ok, ${count('unavailable')} unavailable, ${count('timeout')} timed out`,
    );
    expect(count('unavailable')).toBeGreaterThan(0);
    expect(count('timeout')).toBeGreaterThan(0);
    // What applied: every answered call and every timed-out one, none of the unavailable ones.
    expect(plain.applied.length).toBe(count('ok') + count('timeout'));
  });

  it('delivers some calls twice: the duplicate applies too, its answer is dropped', async () => {
    const { outcomes, plain } = await drive(3, 200, { errorRate: 0, lostRate: 0, duplicateRate: 0.25 });
    expect(outcomes.every((o) => o === 'ok')).toBe(true);
    expect(plain.applied.length).toBeGreaterThan(200);
    expect(plain.sync()).toBe(plain.applied.length);
  });

  it('delivers the duplicate after the first delivery applied, even when the store itself is slow', async () => {
    const sim = new Scheduler();
    const clock = sim.clock(0);
    const random = new Random(3);
    /** A compare-and-set cell that takes up to 20 ms to apply: a second delivery racing the first would win. */
    class SlowCell {
      version = 0;
      async setIf(expected: number): Promise<number> {
        await new Promise<void>((resolve) => clock.setTimer(random.float(0, 20), resolve));
        if (this.version !== expected) throw new Error('condition failed');
        this.version += 1;
        return this.version;
      }
    }
    const cell = new SlowCell();
    const store = withStoreFaults(cell, {
      clock,
      seed: 2,
      error: (kind, call) => new StoreError(kind, call),
      errorRate: 0,
      lostRate: 0,
      duplicateRate: 0.5,
    });
    const failures: unknown[] = [];
    const done = (async () => {
      for (let i = 0; i < 100; i += 1) await store.setIf(cell.version).catch((err) => failures.push(err));
    })();
    await sim.run(1_000_000);
    await done;
    // Every call's own delivery applied first: its duplicate, on a version that moved, changed nothing.
    expect(failures).toEqual([]);
    expect(cell.version).toBe(100);
  });

  it('draws from its seed: the same seed gives the same faults, another seed others', async () => {
    const rates = { errorRate: 0.1, lostRate: 0.1, duplicateRate: 0.1 };
    const a = await drive(11, 100, rates);
    const b = await drive(11, 100, rates);
    const c = await drive(12, 100, rates);
    expect(b.outcomes).toEqual(a.outcomes);
    expect(b.plain.applied.length).toBe(a.plain.applied.length);
    expect(c.outcomes).not.toEqual(a.outcomes);
  });

  it('injects nothing once the faults end (latency only)', async () => {
    const { outcomes, plain } = await drive(5, 200, {
      errorRate: 0.5,
      lostRate: 0.5,
      duplicateRate: 0.5,
      faultsEndAtMs: 0,
    });
    expect(outcomes.every((o) => o === 'ok')).toBe(true);
    expect(plain.applied.length).toBe(200);
  });

  it('delays calls on the virtual clock, so that two handles calls interleave; other methods pass through', async () => {
    const sim = new Scheduler();
    const clock = sim.clock(0);
    const plain = new CounterStore();
    const store = withStoreFaults(plain, {
      clock,
      seed: 1,
      error: (kind, call) => new StoreError(kind, call),
      latencyMaxMs: 10,
      errorRate: 0,
      lostRate: 0,
      duplicateRate: 0,
    });
    const order: string[] = [];
    const handle = async (name: string) => {
      for (let i = 0; i < 20; i += 1) {
        await store.add(1);
        order.push(name);
      }
    };
    const both = Promise.all([handle('a'), handle('b')]);
    expect(store.sync()).toBe(0); // not async: called at once, on the store itself
    await sim.run(100_000);
    await both;
    expect(sim.now).toBeGreaterThan(0);
    // Neither handle ran all its calls before the other began: answers arrived in an interleaved order.
    const switches = order.filter((x, i) => i > 0 && x !== order[i - 1]).length;
    expect(switches).toBeGreaterThan(2);
  });
});

describe('storeBackend', () => {
  it('makes the lock meet its store own errors (ServiceUnavailable, RequestTimeout) in a run', async () => {
    const sim = new Scheduler();
    const clock = sim.clock(0);
    const backend = storeBackend(careful, { errorRate: 0.3, lostRate: 0.3, duplicateRate: 0 });
    const lock = backend(clock, { seed: 4 }).lock('a');
    const seen = new Set<string>();
    const done = (async () => {
      for (let i = 0; i < 50; i += 1) {
        await lock.get().catch((err: Error) => {
          const cause = (err as { cause?: unknown }).cause;
          if (cause instanceof ServiceUnavailable) seen.add('ServiceUnavailable');
          if (cause instanceof RequestTimeout) seen.add('RequestTimeout');
        });
      }
    })();
    await sim.run(1_000_000);
    await done;
    expect([...seen].sort()).toEqual(['RequestTimeout', 'ServiceUnavailable']);
  });

  it('is what catches a lock that mishandles its store timeouts: PASS without it, FAIL with it', async () => {
    const without = await verifyBackend(timeoutAsNotFound, { seed: 1, runs: 10, storeFaults: false });
    const withFaults = await verifyBackend(timeoutAsNotFound, { seed: 1, runs: 10 });
    console.log(`timeout-as-not-found: ${without.verdict} without store faults, ${withFaults.verdict} with`);
    expect(without.storeFaults).toBe(false);
    expect(without.verdict).toBe('PASS');
    expect(withFaults.storeFaults).toBe(true);
    expect(withFaults.verdict).toBe('FAIL');
    expect(withFaults.workloads.violation).not.toBeNull();
  }, 120_000);
});
