/**
 * Connection reuse: a leader renewing every retry period sends its requests over kept-alive connections
 * instead of opening a new TCP and TLS connection per request (client-node 2 makes a new dispatcher per
 * request; the lock hands every request the one kept for its KubeConfig context). Counted with undici's own
 * diagnostics channel. A rotated client certificate replaces the kept dispatcher: the API server then sees
 * the new certificate's user. A lock's watch is one more stream on the connection its requests use.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  electionWithErrors,
  kubeConfig,
  kubeconfigPath,
  NAMESPACE,
  uniqueName,
} from '@leasehold/kube-tools/testing.ts';
import { sampleRecord } from '@leasehold/testkit';
import { expect, it, vi } from 'vitest';
import { LeaseLock, requestOptions } from '../src/index.ts';

it('ten elections in one process renew over a handful of connections, not one per request', async () => {
  let connections = 0;
  const counter = () => {
    connections += 1;
  };
  subscribe('undici:client:connected', counter);
  const kc = kubeConfig();
  let requests = 0;
  const elections = Array.from({ length: 10 }, (_, i) => {
    const { election } = electionWithErrors(
      new LeaseLock({
        name: uniqueName(`conn-${i}`),
        namespace: NAMESPACE,
        identity: 'pod-a',
        kubeConfig: kc,
      }),
    );
    election.subscribe((info) => {
      requests += info.effects.filter(
        (e) => e.type === 'readLock' || e.type === 'createLock' || e.type === 'updateLock',
      ).length;
    });
    return election;
  });
  try {
    await Promise.all(elections.map((e) => e.acquire()));
    await new Promise((r) => setTimeout(r, 5_000));
    console.log(
      `connections: ${connections} new connections for ${requests} lock requests of 10 elections (watches included)`,
    );
    expect(requests).toBeGreaterThan(80); // about 10 renewals each
    // The requests share a keep-alive pool, and the ten watches one stream (shared-watch.test.ts) on it
    // (the test below); a few to spare for the pool.
    expect(connections).toBeLessThanOrEqual(5);
  } finally {
    await Promise.all(elections.map((e) => e.stop()));
    unsubscribe('undici:client:connected', counter);
  }
}, 60_000);

it('a rotated client certificate is picked up: requests after the rotation authenticate as the new one', async () => {
  // Two users of the test control plane, authenticated by client certificates signed by its client CA.
  const plane = new KubeConfig();
  plane.loadFromFile(kubeconfigPath());
  const [a, b] = ['cert-a', 'cert-b'].map((user) => plane.getUser(user)!);
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-rotation-'));
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  /** Writes the user's certificate and key in place of the files, atomically (as a Secret volume does). */
  const install = (user: typeof a) => {
    for (const [file, data] of [
      [certFile, user!.certData!],
      [keyFile, user!.keyData!],
    ] as const) {
      writeFileSync(`${file}.new`, Buffer.from(data, 'base64'));
      renameSync(`${file}.new`, file);
    }
  };
  install(a);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [plane.getCluster('leasehold')!],
    users: [{ name: 'rotating', certFile, keyFile }],
    contexts: [{ name: 'rotating', cluster: 'leasehold', user: 'rotating' }],
    currentContext: 'rotating',
  });
  // Who the API server takes a request for (SelfSubjectReview), sent with the lock's request options: over
  // the dispatcher the locks of this KubeConfig share.
  const auth = kc.makeApiClient(AuthenticationV1Api);
  const whoami = async () =>
    (
      await auth.createSelfSubjectReview(
        { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
        requestOptions(undefined, undefined, kc),
      )
    ).status?.userInfo?.username;
  let connections = 0;
  const counter = () => {
    connections += 1;
  };
  subscribe('undici:client:connected', counter);
  const lock = new LeaseLock({
    name: uniqueName('rotation'),
    namespace: NAMESPACE,
    identity: 'pod-a',
    kubeConfig: kc,
  });
  try {
    const before: unknown[] = [];
    for (let i = 0; i < 5; i++) before.push(await whoami(), await lock.get());
    const connectionsBefore = connections;
    install(b);
    const after: unknown[] = [];
    for (let i = 0; i < 5; i++) after.push(await whoami(), await lock.get());
    console.log(
      `connections: ${connectionsBefore} connections for 10 requests as cert-a, ` +
        `${connections - connectionsBefore} more for 10 requests after rotating to cert-b`,
    );
    expect(before.filter((_, i) => i % 2 === 0)).toEqual(Array(5).fill('leasehold-cert-a'));
    expect(after.filter((_, i) => i % 2 === 0)).toEqual(Array(5).fill('leasehold-cert-b'));
    // The lock's reads went through (system:masters), and the pools were reused, not one per request.
    expect(after.filter((_, i) => i % 2 === 1)).toEqual(Array(5).fill(null));
    expect(connectionsBefore).toBeLessThanOrEqual(3);
    expect(connections - connectionsBefore).toBeLessThanOrEqual(3);
  } finally {
    unsubscribe('undici:client:connected', counter);
  }
}, 60_000);

it("a lock's watch goes over the connection its requests opened: it opens none of its own", async () => {
  const kc = kubeConfig();
  // Its own named watch (not the shared one), through watch-stream.ts.
  const lock = new LeaseLock({
    name: uniqueName('watch-conn'),
    namespace: NAMESPACE,
    identity: 'pod-a',
    kubeConfig: kc,
    sharedWatch: false,
  });
  let connections = 0;
  const counter = () => {
    connections += 1;
  };
  subscribe('undici:client:connected', counter);
  const heard: string[] = [];
  let live = false;
  let stop = () => {};
  try {
    const created = await lock.create(sampleRecord('pod-a'));
    const opened = connections;
    stop = lock.watch(
      (snapshot) => {
        if (snapshot) heard.push(snapshot.version);
      },
      (isLive) => {
        live = isLive;
      },
    );
    const until = async (what: string, done: () => boolean) => {
      for (const deadline = Date.now() + 20_000; !done(); await new Promise((r) => setTimeout(r, 50)))
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    };
    // A named watch starts afresh: the server first sends the Lease as it is.
    await until('the watch to be live and send the Lease', () => live && heard.includes(created.version));
    const renewed = await lock.update(
      sampleRecord('pod-a', { renewTime: new Date(Date.now() + 1_000) }),
      created.version,
    );
    await until('the renewal as a watch event', () => heard.includes(renewed.version));
    console.log(
      `watch over the kept connection: ${opened} connection(s) for the create, ${connections - opened} more for the watch and a renewal; heard ${JSON.stringify(heard)}`,
    );
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(connections - opened).toBe(0);
  } finally {
    stop();
    unsubscribe('undici:client:connected', counter);
  }
}, 60_000);

it('a burst of 300 lock requests at once goes over one connection, at most 90 streams in flight (issue 25)', async () => {
  const kc = kubeConfig();
  const lock = new LeaseLock({
    name: uniqueName('burst'),
    namespace: NAMESPACE,
    identity: 'a',
    kubeConfig: kc,
  });
  await lock.create(sampleRecord('a')); // the kept connection, open before counting
  let connections = 0;
  let open = 0;
  let most = 0;
  const onConnect = () => {
    connections += 1;
  };
  const onCreate = (message: unknown) => {
    const path = (message as { request?: { path?: string } }).request?.path ?? '';
    if (path.includes('watch=true')) return;
    open += 1;
    most = Math.max(most, open);
  };
  const onDone = () => {
    open -= 1;
  };
  subscribe('undici:client:connected', onConnect);
  subscribe('undici:request:create', onCreate);
  subscribe('undici:request:trailers', onDone);
  subscribe('undici:request:error', onDone);
  try {
    // Answers held up (a collection's pause, a stalled event loop) put renewals in flight together; undici's
    // pool opens another HTTP/2 connection once one has 100 streams, to close it 4 s later (docs/benchmarks.md,
    // "Where a thousand elections' memory goes").
    // The gate's bounded waits (kube-requests.ts: past them a request goes over the cap) are held with fake
    // timers, so the slots freed by answers are what the 210 beyond the cap wait for, however slow the machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const answers = await Promise.all(Array.from({ length: 300 }, () => lock.get()));
    vi.useRealTimers();
    console.log(`burst: 300 requests, ${connections} new connection(s), at most ${most} in flight`);
    expect(answers.every((a) => a !== null)).toBe(true);
    expect(connections).toBe(0);
    expect(most).toBeLessThanOrEqual(90);
  } finally {
    vi.useRealTimers();
    unsubscribe('undici:client:connected', onConnect);
    unsubscribe('undici:request:create', onCreate);
    unsubscribe('undici:request:trailers', onDone);
    unsubscribe('undici:request:error', onDone);
  }
}, 60_000);

it('a request waiting its turn in a burst that is aborted is not sent, and frees nothing it did not hold', async () => {
  const kc = kubeConfig();
  const lock = new LeaseLock({
    name: uniqueName('burst-abort'),
    namespace: NAMESPACE,
    identity: 'a',
    kubeConfig: kc,
  });
  await lock.create(sampleRecord('a'));
  let sent = 0;
  const onCreate = (message: unknown) => {
    const path = (message as { request?: { path?: string } }).request?.path ?? '';
    if (!path.includes('watch=true')) sent += 1;
  };
  subscribe('undici:request:create', onCreate);
  try {
    // 90 take the slots; 60 more wait, and are aborted before any slot frees. The gate's bounded waits are
    // held (fake timers), so none of the 60 goes over the cap, however slow the machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const controller = new AbortController();
    const first = Array.from({ length: 90 }, () => lock.get());
    const waiting = Array.from({ length: 60 }, () => lock.get({ signal: controller.signal }));
    // One turn of the event loop: every request has reached the gate (90 sent, 60 queued), no answer is in.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toBe(90);
    controller.abort(new Error('given up'));
    const settled = await Promise.allSettled(waiting);
    const outcomes = settled.map((s) => (s.status === 'rejected' ? String(s.reason) : 'answered'));
    expect(outcomes.filter((o) => o.includes('given up'))).toHaveLength(60);
    expect((await Promise.all(first)).every((a) => a !== null)).toBe(true);
    expect(sent).toBe(90);
    // Every slot is free again, and none freed twice: of a burst larger than the cap, exactly 90 are sent at
    // once (an aborted waiter that freed a slot it never held would let more through).
    const again = Array.from({ length: 120 }, () => lock.get());
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toBe(180);
    await Promise.all(again);
    expect(sent).toBe(210);
  } finally {
    vi.useRealTimers();
    unsubscribe('undici:request:create', onCreate);
  }
}, 60_000);
