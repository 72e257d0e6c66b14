/**
 * Connection reuse: a leader renewing every retry period sends its requests over kept-alive connections
 * instead of opening a new TCP and TLS connection per request (client-node 2 makes a new dispatcher per
 * request; the lock hands every request the first one). Counted with undici's own diagnostics channel.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { electionWithErrors, kubeConfig, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';

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
    // The requests share a keep-alive pool, and the ten watches one stream (shared-watch.test.ts): a
    // connection or two for requests, one for the first lock's own watch before the shared one, one shared.
    expect(connections).toBeLessThanOrEqual(5);
  } finally {
    await Promise.all(elections.map((e) => e.stop()));
    unsubscribe('undici:client:connected', counter);
  }
}, 60_000);
