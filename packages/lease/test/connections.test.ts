/**
 * Connection reuse: a leader renewing every retry period sends its requests over kept-alive connections
 * instead of opening a new TCP and TLS connection per request (client-node 2 makes a new dispatcher per
 * request; the lock hands every request the one kept for its KubeConfig context). Counted with undici's own
 * diagnostics channel. A rotated client certificate replaces the kept dispatcher: the API server then sees
 * the new certificate's user.
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
import { expect, it } from 'vitest';
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
    // The requests share a keep-alive pool, and the ten watches one stream (shared-watch.test.ts): a
    // connection or two for requests, one for the first lock's own watch before the shared one, one shared.
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
