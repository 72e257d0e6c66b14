/**
 * Shared watches (issue 15): the Lease locks of one process in one namespace receive their changes through
 * one watch stream on the collection, routed by name; under a Role that forbids the collection watch they
 * fall back to a watch each, silently; a lock joining the live stream under a new name reads its own
 * state first, with one GET over the kept connection. Watch requests and connections are counted with
 * undici's diagnostics channel.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { LockSnapshot } from '@leasehold/core';
import {
  kubeConfig,
  NAMESPACE,
  namespaceWithRestrictedRole,
  uniqueName,
  waitFor,
} from '@leasehold/kube-tools/testing.ts';
import { afterEach, expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';

const record = (holder: string) => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: new Date(),
  renewTime: new Date(),
  leaderTransitions: 0,
});

/** Watch requests sent while counting: whole-collection and by-name. */
function countWatches() {
  const counts = { collection: 0, named: 0 };
  const onRequest = (message: unknown) => {
    const path = (message as { request?: { path?: string } }).request?.path ?? '';
    if (!path.includes('watch=true') || !path.includes('/leases')) return;
    if (path.includes('fieldSelector')) counts.named += 1;
    else counts.collection += 1;
  };
  subscribe('undici:request:create', onRequest);
  return { counts, stop: () => unsubscribe('undici:request:create', onRequest) };
}

interface Watching {
  readonly lock: LeaseLock;
  readonly seen: (LockSnapshot | null)[];
  readonly errors: unknown[];
  live: boolean;
  close: () => void;
}

function watching(lock: LeaseLock): Watching {
  const w: Watching = { lock, seen: [], errors: [], live: false, close: () => {} };
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

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const nameOf = (snapshot: LockSnapshot | null) =>
  (snapshot?.raw as { metadata?: { name?: string } } | undefined)?.metadata?.name;

it('ten Lease locks in one namespace watch through one stream, each told only of its own Lease', async () => {
  const kc = kubeConfig();
  const names = Array.from({ length: 10 }, (_, i) => uniqueName(`shared-${i}`));
  const locks = names.map(
    (name) => new LeaseLock({ name, namespace: NAMESPACE, identity: 'a', kubeConfig: kc }),
  );
  const created = await Promise.all(locks.map((lock) => lock.create(record('a'))));
  const watches = countWatches();
  cleanups.push(watches.stop);
  const ws = locks.map(watching);
  cleanups.push(() => {
    for (const w of ws) w.close();
  });
  await waitFor(() => ws.every((w) => w.live), Boolean, 10_000);
  // Each lock first hears of its own Lease (the stream's initial state, routed by name).
  await waitFor(() => ws.every((w) => w.seen.length > 0), Boolean, 10_000);
  console.log(
    `shared watch: ${watches.counts.collection} collection stream(s), ${watches.counts.named} by name`,
  );
  expect(watches.counts.collection).toBe(1);
  expect(watches.counts.named).toBeLessThanOrEqual(1); // the first lock's, before there was a second

  const before = ws.map((w) => w.seen.length);
  const written = await locks[3]?.update(record('b'), created[3]?.version ?? '');
  await waitFor(() => ws[3]?.seen.some((s) => s?.version === written?.version), Boolean, 10_000);
  for (const [i, w] of ws.entries()) {
    for (const snapshot of w.seen) expect(nameOf(snapshot)).toBe(names[i]);
    if (i !== 3) expect(w.seen.length).toBe(before[i]);
  }

  // A lock joining the live stream hears its Lease's current state at once, with no request of its own.
  const late = watching(
    new LeaseLock({ name: names[3] ?? '', namespace: NAMESPACE, identity: 'c', kubeConfig: kc }),
  );
  cleanups.push(late.close);
  expect(late.live).toBe(true);
  expect(late.seen.map((s) => s?.version)).toEqual([written?.version]);
  expect(watches.counts.collection + watches.counts.named).toBeLessThanOrEqual(2);

  // Closed, a lock hears nothing more; the others still do.
  ws[3]?.close();
  late.close();
  const closedSeen = ws[3]?.seen.length;
  const again = await locks[3]?.update(record('a'), written?.version ?? '');
  const w4 = await locks[4]?.update(record('b'), created[4]?.version ?? '');
  await waitFor(() => ws[4]?.seen.some((s) => s?.version === w4?.version), Boolean, 10_000);
  expect(ws[3]?.seen.length).toBe(closedSeen);
  expect(late.seen.some((s) => s?.version === again?.version)).toBe(false);
  for (const w of ws) expect(w.errors).toEqual([]);
}, 60_000);

it('a Role that allows watching only the named Leases: each lock falls back to its own watch, silently', async () => {
  const [a, b] = [uniqueName('named-a'), uniqueName('named-b')];
  const namespace = await namespaceWithRestrictedRole('sharedwatch', 'elect-named-watch', [
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      verbs: ['get', 'create', 'update', 'patch'],
    },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['watch'], resourceNames: [a, b] },
  ]);
  const kc = kubeConfig('restricted');
  const watches = countWatches();
  cleanups.push(watches.stop);
  const locks = [a, b].map((name) => new LeaseLock({ name, namespace, identity: 'a', kubeConfig: kc }));
  const created = await Promise.all(locks.map((lock) => lock.create(record('a'))));
  const ws = locks.map(watching);
  cleanups.push(() => {
    for (const w of ws) w.close();
  });
  await waitFor(() => ws.every((w) => w.live), Boolean, 15_000);
  const written = await locks[1]?.update(record('b'), created[1]?.version ?? '');
  await waitFor(() => ws[1]?.seen.some((s) => s?.version === written?.version), Boolean, 10_000);
  console.log(
    `refused shared watch: ${watches.counts.collection} collection attempt(s), ${watches.counts.named} by name`,
  );
  expect(watches.counts.collection).toBe(1); // tried once, refused, not retried
  expect(watches.counts.named).toBe(2);
  for (const w of ws) expect(w.errors).toEqual([]);
}, 60_000);

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

/**
 * A lock joining a live shared watch under a name the stream never kept (issue 21: the stream keeps objects
 * only for watched names) reads its current state with one GET over the locks' kept connection (issue 25:
 * not a watch of its own, which client-node opens on a new connection), is live once it has it, and is then
 * served by the shared stream: it hears of each change once.
 */
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
  // Its read delivers the current state and makes it live, without a watch by name.
  await waitFor(() => joined.live && joined.seen.length > 0, Boolean, 15_000);
  expect(named.counts.named).toBe(0);
  expect(joined.seen.map((s) => s?.version)).toEqual([first.version]);

  // A change reaches it through the shared stream.
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
  expect(named.counts.named).toBe(0); // never opened
  for (const w of [...ws, joined]) expect(w.errors).toEqual([]);
}, 60_000);

/**
 * Issue 25: fifty locks joining a live shared stream under new names read their state over the one kept
 * connection: no watch by name and no connection each (a watch through client-node makes a new dispatcher,
 * so a new TLS connection and HTTP/2 session, for every watch: 0.8 sessions kept per election at 1,000).
 */
it('fifty locks joining a live shared watch open no connection and no watch of their own', async () => {
  const kc = kubeConfig();
  const lock = (name: string) => new LeaseLock({ name, namespace: NAMESPACE, identity: 'x', kubeConfig: kc });
  const first = [uniqueName('many-a'), uniqueName('many-b')].map(lock);
  await Promise.all(first.map((l) => l.create(record('x'))));
  const ws = first.map(watching);
  cleanups.push(() => {
    for (const w of ws) w.close();
  });
  await waitFor(() => ws.every((w) => w.live && w.seen.length > 0), Boolean, 15_000);
  const late = Array.from({ length: 50 }, (_, i) => lock(uniqueName(`many-late-${i}`)));
  const created = await Promise.all(late.map((l) => l.create(record('x'))));

  let connections = 0;
  const counter = () => {
    connections += 1;
  };
  subscribe('undici:client:connected', counter);
  cleanups.push(() => unsubscribe('undici:client:connected', counter));
  const watches = countWatches();
  cleanups.push(watches.stop);
  const joined = late.map(watching);
  cleanups.push(() => {
    for (const w of joined) w.close();
  });
  await waitFor(() => joined.every((w) => w.live && w.seen.length > 0), Boolean, 30_000);
  console.log(
    `50 joining locks: ${connections} new connection(s), ${watches.counts.named} watch(es) by name, ${watches.counts.collection} collection stream(s)`,
  );
  for (const [i, w] of joined.entries()) expect(w.seen.map((s) => s?.version)).toEqual([created[i]?.version]);
  expect(watches.counts.named).toBe(0);
  expect(watches.counts.collection).toBe(0); // the live stream serves them
  // The reads share the connection the creates used; one more if the API server closed it meanwhile.
  expect(connections).toBeLessThanOrEqual(1);

  // Served by the shared stream from then on: each change heard once.
  const changed = await Promise.all(
    late.slice(0, 5).map((l, i) => l.update(record('y'), created[i]?.version ?? '')),
  );
  for (const [i, c] of changed.entries()) {
    await waitFor(() => joined[i]?.seen.some((s) => s?.version === c.version), Boolean, 10_000);
  }
  for (const w of joined.slice(0, 5)) expect(w.seen.length).toBe(2);
  for (const w of [...ws, ...joined]) expect(w.errors).toEqual([]);
}, 90_000);

it("a renewal the stream carries back is told from the lock's own answer, unparsed (issue 25)", async () => {
  const kc = kubeConfig();
  const names = [uniqueName('again-a'), uniqueName('again-b')];
  const locks = names.map(
    (name) => new LeaseLock({ name, namespace: NAMESPACE, identity: 'a', kubeConfig: kc }),
  );
  const created = await Promise.all(locks.map((lock) => lock.create(record('a'))));
  const ws = locks.map(watching);
  cleanups.push(() => {
    for (const w of ws) w.close();
  });
  await waitFor(() => ws.every((w) => w.live && w.seen.length > 0), Boolean, 10_000);
  // Twenty renewals of one lock, each waited for through the stream: the watch event of a version the lock's
  // own write answered is told with that answer's snapshot (the same object), not a parse of the line.
  let version = created[0]?.version ?? '';
  let fromAnswer = 0;
  for (let i = 0; i < 20; i++) {
    const answer = await locks[0]!.update(record('a'), version);
    version = answer.version;
    const heard = await waitFor(
      () => ws[0]?.seen.find((s) => s?.version === answer.version),
      Boolean,
      10_000,
    );
    expect(heard?.record).toEqual(answer.record);
    if (heard === answer) fromAnswer += 1;
  }
  // The stream's event can overtake the answer (then it is parsed, as before): which comes first is a race,
  // logged only. The order each way is asserted against a scripted server (shared-watch-answer.test.ts).
  console.log(`renewals heard from the lock's own answer: ${fromAnswer} of 20`);
  // The other lock hears nothing of them; a write that is not its own answer is parsed and told as before.
  expect(ws[1]?.seen.map((s) => s?.version)).toEqual([created[1]?.version]);
  for (const w of ws) expect(w.errors).toEqual([]);
}, 60_000);
