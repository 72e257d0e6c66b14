/**
 * A lock joining a live shared watch under a name the stream never kept (issue 21: the stream keeps objects
 * only for watched names). It reads its own state through a watch of its own by name, is live through it,
 * and hands over to the shared stream once both have delivered the same version: from then on it hears of
 * each change once. Watch requests are counted with undici's diagnostics channel.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { LockSnapshot } from '@leasehold/core';
import { kubeConfig, NAMESPACE, uniqueName, waitFor } from '@leasehold/kube-tools/testing.ts';
import { afterEach, expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';

const record = (holder: string) => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: new Date(),
  renewTime: new Date(),
  leaderTransitions: 0,
});

interface Watching {
  readonly seen: (LockSnapshot | null)[];
  readonly errors: unknown[];
  live: boolean;
  close: () => void;
}

function watching(lock: LeaseLock): Watching {
  const w: Watching = { seen: [], errors: [], live: false, close: () => {} };
  w.close =
    lock.watch?.(
      (snapshot) => w.seen.push(snapshot),
      (live) => {
        w.live = live;
      },
      (error) => w.errors.push(error),
    ) ?? (() => {});
  return w;
}

/** Watch requests by name (with a fieldSelector) for the Lease `name`, sent while counting. */
function countNamedWatches(name: string) {
  const counts = { named: 0 };
  const onRequest = (message: unknown) => {
    const path = (message as { request?: { path?: string } }).request?.path ?? '';
    if (path.includes('watch=true') && path.includes(`metadata.name%3D${name}`)) counts.named += 1;
  };
  subscribe('undici:request:create', onRequest);
  return { counts, stop: () => unsubscribe('undici:request:create', onRequest) };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

it('a lock of a new name joining a live shared watch gets its current state, then is served by the shared stream', async () => {
  const kc = kubeConfig();
  const [a, b, late] = [uniqueName('join-a'), uniqueName('join-b'), uniqueName('join-late')];
  const lock = (name: string) => new LeaseLock({ name, namespace: NAMESPACE, identity: 'x', kubeConfig: kc });
  const [lockA, lockB, lockLate] = [lock(a), lock(b), lock(late)];
  await Promise.all([lockA, lockB].map((l) => l.create(record('x'))));
  const ws = [lockA, lockB].map(watching);
  cleanups.push(() => {
    for (const w of ws) w.close();
  });
  await waitFor(() => ws.every((w) => w.live && w.seen.length > 0), Boolean, 15_000);

  // The late lock's Lease exists before it joins, written while nobody watched its name.
  const first = await lockLate.create(record('x'));
  const named = countNamedWatches(late);
  cleanups.push(named.stop);
  const joined = watching(lockLate);
  cleanups.push(joined.close);
  // Its own watch by name delivers the current state and makes it live.
  await waitFor(() => joined.live && joined.seen.length > 0, Boolean, 15_000);
  expect(named.counts.named).toBe(1);
  expect(joined.seen.map((s) => s?.version)).toEqual([first.version]);

  // A change reaches it (both streams deliver this version: the own watch closes).
  const second = await lockLate.update(record('y'), first.version);
  await waitFor(() => joined.seen.some((s) => s?.version === second.version), Boolean, 10_000);
  // Later changes come once each, from the shared stream alone, and the lock stays live.
  let version = second.version;
  for (const holder of ['z', 'w', 'v']) {
    version = (await lockLate.update(record(holder), version)).version;
    const expected = version;
    await waitFor(() => joined.seen.some((s) => s?.version === expected), Boolean, 10_000);
  }
  await new Promise((r) => setTimeout(r, 500));
  const versions = joined.seen.map((s) => s?.version);
  console.log(
    `late lock: ${named.counts.named} watch(es) by name; versions heard: ${JSON.stringify(versions)}`,
  );
  expect(new Set(versions).size).toBe(versions.length); // no change heard twice
  expect(versions.at(-1)).toBe(version);
  expect(joined.live).toBe(true);
  expect(named.counts.named).toBe(1); // not reopened
  for (const w of [...ws, joined]) expect(w.errors).toEqual([]);
}, 60_000);
