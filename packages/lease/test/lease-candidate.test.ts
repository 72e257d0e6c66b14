/**
 * LeaseCandidate on the real API server, as a neighbour or a skewed clock would push it: a burst of pings
 * is answered by at most one renewal in flight and one pending, a clock behind the controller's does not
 * make it renew in a loop, a second start() sets up nothing more, and a throwing or rejecting onError is
 * contained.
 * Requests are counted with undici's diagnostics channels (each request's start and end); the test's own
 * pings go over node:https, which those channels do not see.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { request as httpsRequest } from 'node:https';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1beta1Api, KubeConfig } from '@kubernetes/client-node';
import { isLockError } from '@leasehold/core';
import { kubeConfig, NAMESPACE, uniqueName, waitFor } from '@leasehold/kube-tools/testing.ts';
import { afterEach, expect, it, vi } from 'vitest';
import { LeaseCandidate, type LeaseCandidateOptions } from '../src/index.ts';

interface Seen {
  readonly method: string;
  readonly path: string;
  answered: boolean;
  ended: boolean;
}

/** Every undici request whose path contains `fragment`, with whether it has ended, and the most in flight. */
function trackRequests(fragment: string) {
  const seen = new Map<object, Seen>();
  let inFlight = 0;
  let maxInFlight = 0;
  const created = ({ request }: { request: { method: string; path: string } }) => {
    if (!request.path.includes(fragment)) return;
    seen.set(request, { method: request.method, path: request.path, answered: false, ended: false });
    if (request.method === 'PATCH') maxInFlight = Math.max(maxInFlight, ++inFlight);
  };
  const ended = ({ request }: { request: object }) => {
    const entry = seen.get(request);
    if (!entry || entry.ended) return;
    entry.ended = true;
    if (entry.method === 'PATCH') inFlight -= 1;
  };
  const answered = ({ request }: { request: object }) => {
    const entry = seen.get(request);
    if (entry) entry.answered = true;
  };
  const channels = ['undici:request:trailers', 'undici:request:error'];
  subscribe('undici:request:create', created as (message: unknown) => void);
  subscribe('undici:request:headers', answered as (message: unknown) => void);
  for (const channel of channels) subscribe(channel, ended as (message: unknown) => void);
  const matching = (method: string, query: string) =>
    [...seen.values()].filter((s) => s.method === method && s.path.includes(query));
  return {
    count: (method: string, query = '') => matching(method, query).length,
    /** Requests whose response has begun (for a watch: it is streaming). */
    answered: (method: string, query = '') => matching(method, query).filter((s) => s.answered).length,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    dispose: () => {
      unsubscribe('undici:request:create', created as (message: unknown) => void);
      unsubscribe('undici:request:headers', answered as (message: unknown) => void);
      for (const channel of channels) unsubscribe(channel, ended as (message: unknown) => void);
    },
  };
}

/** Merge-patches the LeaseCandidate as the election controller does to ping it, over node:https. */
function ping(identity: string, pingTimeMs: number): Promise<void> {
  const kc = kubeConfig();
  const cluster = kc.getCurrentCluster()!;
  // A MicroTime: six fractional digits.
  const pingTime = new Date(pingTimeMs).toISOString().replace('Z', '000Z');
  const path = `/apis/coordination.k8s.io/v1beta1/namespaces/${NAMESPACE}/leasecandidates/${identity}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${cluster.server}${path}`,
      {
        method: 'PATCH',
        ca: Buffer.from(cluster.caData!, 'base64'),
        headers: {
          authorization: `Bearer ${kc.getCurrentUser()!.token}`,
          'content-type': 'application/merge-patch+json',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`ping: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ spec: { pingTime } }));
  });
}

/**
 * A TCP proxy to the API server that delays every chunk by `delayMs` each way (TLS passes through): the
 * candidate's requests and watch events then take longer than the test's burst of pings.
 */
async function delayingProxy(delayMs: number): Promise<{ kubeConfig: KubeConfig; close: () => void }> {
  const base = kubeConfig();
  const target = new URL(base.getCurrentCluster()!.server);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(socket);
      });
    }
    client.on('data', (chunk) => setTimeout(() => upstream.write(chunk), delayMs));
    upstream.on('data', (chunk) => setTimeout(() => client.write(chunk), delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...base.getCurrentCluster()!, server: `https://127.0.0.1:${port}` }],
    users: base.users,
    contexts: base.contexts,
    currentContext: base.getCurrentContext(),
  });
  return {
    kubeConfig: kc,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A started-later candidate with a fresh identity, stopped after the test; its onError collects. */
function candidate(options: Pick<LeaseCandidateOptions, 'kubeConfig' | 'renewInterval' | 'onError'>) {
  const identity = uniqueName('cand');
  const errors: unknown[] = [];
  const made = new LeaseCandidate({
    leaseName: uniqueName('contended'),
    namespace: NAMESPACE,
    identity,
    binaryVersion: '1.37.0',
    onError: (e) => errors.push(e),
    ...options,
  });
  cleanup.push(() => made.stop());
  return { candidate: made, identity, errors };
}

it('a burst of pings: one renewal in flight and one pending; a clock behind the controller does not loop', async () => {
  const delayMs = 1_000;
  const proxy = await delayingProxy(delayMs);
  cleanup.push(proxy.close);
  const requests = trackRequests(`/leasecandidates`);
  cleanup.push(requests.dispose);
  // Only pings make it renew here.
  const {
    candidate: c,
    identity,
    errors,
  } = candidate({ kubeConfig: proxy.kubeConfig, renewInterval: 3_600 });
  await c.start();
  // Its watch is streaming (every chunk takes a second each way: the TLS handshake alone takes seconds).
  await waitFor(
    () => requests.answered('GET', 'watch=true'),
    (n) => n === 1,
    20_000,
  );
  const before = requests.count('PATCH');

  /**
   * Waits until no renewal is in flight and none has started for `quietMs` (a loaded machine stretches any
   * fixed sleep past a renewal still on its way), or until `deadlineMs`; says whether it got quiet.
   */
  const quiet = async (quietMs: number, deadlineMs: number): Promise<boolean> => {
    const end = performance.now() + deadlineMs;
    let count = requests.count('PATCH');
    let lastActivity = performance.now();
    while (performance.now() < end) {
      await sleep(100);
      const now = requests.count('PATCH');
      if (now !== count || requests.inFlight() > 0) {
        count = now;
        lastActivity = performance.now();
      } else if (performance.now() - lastActivity >= quietMs) return true;
    }
    return false;
  };

  // 40 pings in a row, each newer than the last and an hour ahead of this candidate's clock, as a controller
  // whose clock is ahead would send them: every one is newer than any renewTime the candidate can write.
  const started = performance.now();
  for (let i = 0; i < 40; i++) await ping(identity, Date.now() + 3_600_000 + i);
  const burstMs = performance.now() - started;
  // The first answer takes 2 s at least (1 s each way), so the burst ends while it is in flight.
  await waitFor(
    () => requests.count('PATCH'),
    (n) => n > before,
    30_000,
  );
  // The pending renewal goes and comes back, then nothing more is asked of it.
  const quietAfterBurst = await quiet(3_000, 40_000);
  const answers = requests.count('PATCH') - before;
  // More than two round trips more: a loop on its own renewals would show here (and would not get quiet).
  await sleep(5_000);
  const quietLater = await quiet(3_000, 20_000);
  const later = requests.count('PATCH') - before;
  // Coalescing: one renewal in flight, one pending. Each renewal takes a round trip through the proxy (at
  // least 2 delays), so the burst can outlast at most ceil(burst / round trip) of them, plus the one in
  // flight when it began and the pending one it leaves.
  const roundTripMs = 2 * delayMs;
  const bound = 2 + Math.ceil(burstMs / roundTripMs);
  console.log(
    `lease-candidate: 40 pings in ${burstMs.toFixed(0)} ms answered by ${answers} renewals (bound ${bound}; ` +
      `most in flight at once: ${requests.maxInFlight()}); ${later - answers} more after; ` +
      `quiet after the burst: ${quietAfterBurst}, later: ${quietLater}`,
  );
  expect(errors).toEqual([]);
  expect(requests.maxInFlight()).toBe(1);
  expect(answers).toBeGreaterThanOrEqual(1);
  expect(answers).toBeLessThanOrEqual(bound);
  expect(later).toBe(answers);
  expect(quietAfterBurst).toBe(true);
}, 150_000);

it('a second start() sets up no second watch or timer; stop() leaves nothing renewing', async () => {
  const requests = trackRequests(`/leasecandidates`);
  cleanup.push(requests.dispose);
  const { candidate: c, errors } = candidate({ kubeConfig: kubeConfig(), renewInterval: 0.3 });
  await Promise.all([c.start(), c.start()]);
  await c.start();
  await sleep(1_500);
  const watches = requests.count('GET', 'watch=true');
  const creates = requests.count('POST');
  const renewals = requests.count('PATCH');
  await c.stop();
  const stoppedAt = requests.count('PATCH');
  await sleep(1_500); // five renewal periods
  console.log(
    `lease-candidate: 3 starts made ${creates} create, ${watches} watch, ${renewals} renewals in 1.5 s; ` +
      `${requests.count('PATCH') - stoppedAt} renewals after stop()`,
  );
  expect(creates).toBe(1);
  expect(watches).toBe(1);
  expect(renewals).toBeLessThanOrEqual(7); // one timer: about 5 in 1.5 s (two would make about 10)
  expect(requests.count('PATCH')).toBe(stoppedAt);
  expect(errors).toEqual([]);

  // Stopped, it starts again: a new create, a new watch.
  await c.start();
  expect(requests.count('POST')).toBe(2);
  await waitFor(
    () => requests.count('GET', 'watch=true'),
    (n) => n === 2,
    5_000,
  );
}, 30_000);

it('stop() while start() is creating: the candidate is deleted once created, and nothing keeps running', async () => {
  const requests = trackRequests(`/leasecandidates`);
  cleanup.push(requests.dispose);
  const { candidate: c, identity, errors } = candidate({ kubeConfig: kubeConfig(), renewInterval: 0.2 });
  const starting = c.start();
  await c.stop();
  await starting;
  await sleep(1_000); // five renewal periods
  expect(requests.count('PATCH')).toBe(0);
  expect(requests.count('GET', 'watch=true')).toBe(0);
  const api = kubeConfig().makeApiClient(CoordinationV1beta1Api);
  await expect(api.readNamespacedLeaseCandidate({ name: identity, namespace: NAMESPACE })).rejects.toThrow(
    /HTTP-Code: 404/,
  );
  expect(errors).toEqual([]);
}, 30_000);

it.each([
  [
    'a throwing',
    (): void => {
      throw new Error('the reporter broke');
    },
  ],
  [
    'an async rejecting',
    async (): Promise<void> => {
      throw new Error('the reporter broke');
    },
  ],
])(
  '%s onError is contained: no unhandled rejection, the candidate keeps renewing',
  async (_, fail) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanup.push(() => process.off('unhandledRejection', onUnhandled));
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    cleanup.push(() => consoleError.mockRestore());
    const reported: unknown[] = [];
    const { candidate: c, identity } = candidate({
      kubeConfig: kubeConfig(),
      renewInterval: 0.2,
      onError: (e) => {
        reported.push(e);
        return fail();
      },
    });
    await c.start();
    // Deleted behind its back: every renewal now fails (404), and onError throws each time.
    await kubeConfig()
      .makeApiClient(CoordinationV1beta1Api)
      .deleteNamespacedLeaseCandidate({ name: identity, namespace: NAMESPACE });
    await waitFor(
      () => reported.length,
      (n) => n >= 3,
      10_000,
    );
    await expect(c.renew()).resolves.toBeUndefined();
    await sleep(300);
    expect(unhandled).toEqual([]);
    expect(reported.every((e) => isLockError(e, 'NotFound'))).toBe(true);
    const written = consoleError.mock.calls.map((args) => args.join(' '));
    expect(written).toEqual([
      `LeaseCandidate ${NAMESPACE}/${identity}: onError threw (reported once): Error: the reporter broke`,
    ]);
  },
  30_000,
);
