import type { Lock } from '@leasehold/core';
import { type MemoryLock, MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import { type LockFixture, runLockConformance, withoutCompareAndSwap } from '../src/index.ts';
import { describeLockConformance } from '../src/vitest.ts';

let n = 0;
const memoryFixture = () => {
  const store = new MemoryLockStore();
  n += 1;
  const name = `lock-${n}`;
  return {
    store,
    name,
    lock: (identity: string) => store.lock(name, identity),
    corrupt: async () => store.corrupt(name, '{"holderIdentity":'),
  };
};

describeLockConformance('MemoryLock', memoryFixture, { malformed: true, watch: true });

/** The memory lock without its watch; `change` replaces any of its operations to break it on purpose. */
const altered = (change: (inner: MemoryLock) => Partial<Lock>) => (): LockFixture => {
  const f = memoryFixture();
  return {
    ...f,
    lock: (identity: string): Lock => {
      const inner = f.lock(identity);
      return {
        identity,
        describe: () => inner.describe(),
        get: (o) => inner.get(o),
        create: (r, o) => inner.create(r, o),
        update: (r, v, o) => inner.update(r, v, o),
        ...change(inner),
      };
    },
  };
};

describe('the conformance suite fails broken locks', () => {
  it('a lock without compare-and-swap fails the compare-and-swap check', async () => {
    const failures = await runLockConformance(() => {
      const f = memoryFixture();
      return { ...f, lock: (identity: string) => withoutCompareAndSwap(f.lock(identity)) };
    });
    const names = failures.map((x) => x.name);
    expect(names).toContain(
      'update with a stale version fails with Conflict and changes nothing (compare-and-swap)',
    );
    // Read-then-write under a plain patch still loses only to writes between its read and its write, so
    // the stale-version check is the one that pins it down; creating on a missing object is wrong too.
    expect(names).toEqual([
      'update with a stale version fails with Conflict and changes nothing (compare-and-swap)',
      'update of an object that does not exist fails with NotFound',
    ]);
    expect(failures.find((x) => x.name.startsWith('update with a stale'))?.error).toMatch(
      /expected a Conflict error, but it succeeded/,
    );
  });

  it('a watch that reports itself live but drops a notification fails the watch check', async () => {
    const failures = await runLockConformance(
      altered((inner) => {
        let n = 0;
        return {
          watch: (onChange, onHealth) =>
            inner.watch((snapshot) => {
              n += 1;
              if (n !== 2) onChange(snapshot); // a stalled stream that loses one event
            }, onHealth),
        };
      }),
      { malformed: true, watch: true },
    );
    expect(failures.map((x) => x.name)).toEqual([
      'a watch that reports itself live notifies every later change in order, and nothing after close',
    ]);
    expect(failures[0]?.error).toMatch(/deliver every write once and in order/);
  });

  it('a lock without a watch fails the watch check when it claims one', async () => {
    const failures = await runLockConformance(
      altered(() => ({})),
      { malformed: true, watch: true },
    );
    expect(failures).toEqual([
      {
        name: 'a watch that reports itself live notifies every later change in order, and nothing after close',
        error: 'ConformanceError: the lock has no watch()',
      },
    ]);
  });

  it('a lock that hides a corrupt record as absent fails the Malformed check', async () => {
    const failures = await runLockConformance(
      altered((inner) => ({ get: (o) => inner.get(o).catch(() => null) })),
    );
    expect(failures.map((x) => x.name)).toEqual([
      'an unparseable stored record is reported as Malformed, never as absent or empty',
    ]);
  });

  it('a lock whose create overwrites an existing object fails the create checks', async () => {
    const failures = await runLockConformance(
      altered((inner) => ({
        create: async (r, o) => {
          const current = await inner.get(o);
          return current ? inner.update(r, current.version, o) : inner.create(r, o);
        },
      })),
    );
    expect(failures.map((x) => x.name)).toContain(
      'create on an existing object fails with Conflict and changes nothing',
    );
  });
});
