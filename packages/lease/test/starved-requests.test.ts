/**
 * Issue 25, "the starved process that grew to 22 GB": a lock's requests that outlive their timeout must not
 * pile up. The driver aborts a request's signal when it times out (and drops a late answer); the lock must
 * honour the signal, so an API server (or a process) too slow to answer holds at most one request per
 * election, however long it stays slow. Against a local server that accepts every request and never
 * answers, the lock requests still open at the server are counted (the watches, open by design, are not): a
 * bound on in-flight requests, not a timing.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';
import { localKubeConfig } from './local-kubeconfig.ts';

const ELECTIONS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('a server that never answers holds at most one request per election: timed-out requests are aborted', async () => {
  let open = 0;
  let maxOpen = 0;
  let total = 0;
  let own = 0;
  const server = createServer((req) => {
    // The watches (one shared stream, the first lock's own before it) are long-lived by design: not counted.
    if (req.url?.includes('watch=true')) return;
    total += 1;
    // The lock's own requests (kube-requests.ts) name it; the generated client's do not.
    if (String(req.headers['user-agent']).startsWith('leasehold')) own += 1;
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    req.socket.on('close', () => {
      open -= 1;
    });
    // Never answered: the client's abort is the only way the request ends.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = localKubeConfig(port);
  const elections = Array.from(
    { length: ELECTIONS },
    (_, i) =>
      new LeaderElection(
        new ElectionConfig({
          lock: new LeaseLock({ name: `starved-${i}`, namespace: 'default', identity: 'a', kubeConfig }),
          leaseDuration: 2,
          renewDeadline: 1,
          retryPeriod: 0.2,
          requestTimeout: 0.3,
          onStartedLeading: () => {},
          onStoppedLeading: () => {},
          onError: () => {},
        }),
      ),
  );
  try {
    for (const election of elections) void election.acquire().catch(() => {});
    // About ten request timeouts per election: a lock ignoring its signal would leave them all open.
    await sleep(5_000);
    console.log(
      `never-answering server: ${total} requests (${own} the lock's own), at most ${maxOpen} open at once, ${open} open now, for ${ELECTIONS} elections`,
    );
    expect(total).toBeGreaterThanOrEqual(3 * ELECTIONS); // the timeouts did happen, several per election
    expect(own).toBe(total); // the lock's own request path (kube-requests.ts) is the one measured
    // One per election, with room for an abort the server has not yet seen close when the next request
    // comes (a loaded machine); a lock ignoring its signal keeps every one open (90 over these 5 s).
    expect(maxOpen).toBeLessThanOrEqual(ELECTIONS * 1.5);
  } finally {
    await Promise.all(elections.map((e) => e.stop()));
    server.closeAllConnections();
    server.close();
  }
}, 60_000);
