import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { isLockError } from '@leasehold/core';
import { describeBadInput } from '@leasehold/kube-tools/bad-input.ts';
import { describeQuietFollowers } from '@leasehold/kube-tools/quiet-followers.ts';
import {
  coordination,
  electionCollectingErrors,
  kubeConfig,
  NAMESPACE,
  rawGet,
  uniqueName,
  waitFor,
} from '@leasehold/kube-tools/testing.ts';
import { sampleRecord } from '@leasehold/testkit';
import { describeLockConformance } from '@leasehold/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { clientNodeRuntimeProblem } from '../src/client-node-runtime.ts';
import {
  kubeLockError,
  LeaseLock,
  MERGE_PATCH,
  requestOptions,
  SUPPORTED_CLIENT_NODE,
  UnsupportedClientNodeError,
} from '../src/index.ts';

const fixture = () => {
  const name = uniqueName('conformance');
  const kc = kubeConfig();
  return {
    lock: (identity: string) => new LeaseLock({ name, namespace: NAMESPACE, identity, kubeConfig: kc }),
    cleanup: async () => {
      await coordination(kc)
        .deleteNamespacedLease({ name, namespace: NAMESPACE })
        .catch(() => {});
    },
  };
};

// A Lease cannot hold an unparseable record: the API server validates every field.
describeLockConformance('LeaseLock on kube-apiserver', fixture, {
  malformed: false,
  watch: true,
  timeoutMs: 60_000,
});

describeQuietFollowers(
  'LeaseLock',
  (name, identity) => new LeaseLock({ name, namespace: NAMESPACE, identity, kubeConfig: kubeConfig() }),
);

describe('kubeLockError', () => {
  it("keeps a 429's Retry-After (seconds) as retryAfterMs, and the server's message", () => {
    const body = JSON.stringify({ kind: 'Status', message: 'too many requests, please try again later' });
    const error = kubeLockError(
      new ApiException(429, 'HTTP-Code: 429\nHeaders: {"audit-id":"f77202"}', body, { 'retry-after': '3' }),
      'Lease default/x',
      'get',
    );
    expect(error.kind).toBe('Unavailable');
    expect(error.retryAfterMs).toBe(3_000);
    expect(error.message).toBe(
      'Unavailable: Lease default/x: get: HTTP 429: too many requests, please try again later',
    );
  });

  it('leaves the response headers out of the message when the server sent no Status', () => {
    const error = kubeLockError(
      new ApiException(
        401,
        'HTTP-Code: 401\nHeaders: {"audit-id":"9f074954-74e7","date":"now"}',
        undefined,
        {},
      ),
      'Lease default/x',
      'get',
    );
    expect(error.kind).toBe('Forbidden');
    expect(error.message).toBe('Forbidden: Lease default/x: get: HTTP 401: Unauthorized');
    expect(error.retryAfterMs).toBeUndefined();
  });
});

describe('LeaseLock construction', () => {
  it('on import, refuses client-node 2 on Node older than 22.19 (its undici 8), naming both versions', () => {
    const problem = (clientNode: string, versions: Record<string, string>) =>
      clientNodeRuntimeProblem(
        clientNode,
        versions,
        ' at /app/node_modules/@kubernetes/client-node/package.json',
      );
    expect(problem('2.0.1', { node: '20.20.2' })).toBe(
      '@kubernetes/client-node 2.0.1 (at /app/node_modules/@kubernetes/client-node/package.json) cannot run ' +
        'on Node 20.20.2: client-node 2 needs Node >= 22.19 (its undici 8); install ' +
        '@kubernetes/client-node@^1.4 or use Node >= 22.19',
    );
    expect(problem('2.3.0', { node: '22.18.9' })).toMatch(/cannot run on Node 22\.18\.9/);
    // Node 23 gained the zlib zstd undici 8 binds only in 23.8.
    expect(problem('2.0.1', { node: '23.7.0' })).toMatch(
      /cannot run on Node 23\.7\.0: .*\(on Node 23, >= 23\.8\)/,
    );
    for (const node of ['22.19.0', '22.23.3', '23.8.0', '24.21.0'])
      expect(problem('2.0.1', { node }), node).toBeNull();
    // client-node 1.x runs on Node 20; an unknown version (a bundle) claims nothing; Bun and Deno run undici 8.
    expect(problem('1.4.0', { node: '20.20.2' })).toBeNull();
    expect(problem('unknown', { node: '20.20.2' })).toBeNull();
    expect(problem('2.0.1', { node: '20.20.2', bun: '1.4.5' })).toBeNull();
    expect(problem('2.0.1', { node: '20.20.2', deno: '2.9.6' })).toBeNull();
  });

  it('refuses a kubeConfig that is not a KubeConfig of the client-node it uses, naming that version', () => {
    const foreign = { loadFromDefault() {}, getCurrentCluster: () => null };
    const build = () =>
      new LeaseLock({ name: 'x', namespace: 'default', identity: 'a', kubeConfig: foreign as never });
    expect(build).toThrow(UnsupportedClientNodeError);
    expect(build).toThrow(/client-node this package uses \(2\.0\.1 at .*\); it comes from another copy/);
    // The range in messages is the peer range both Kubernetes packages declare.
    for (const pkg of ['lease', 'configmap']) {
      const manifest = JSON.parse(
        readFileSync(join(import.meta.dirname, '..', '..', pkg, 'package.json'), 'utf8'),
      );
      expect(manifest.peerDependencies['@kubernetes/client-node'], pkg).toBe(SUPPORTED_CLIENT_NODE);
    }
  });
});

describe('LeaseLock on kube-apiserver', () => {
  it('writes MicroTime with six fractional digits and the fields client-go reads', async () => {
    const name = uniqueName('format');
    const lock = new LeaseLock({ name, namespace: NAMESPACE, identity: 'pod-a', kubeConfig: kubeConfig() });
    const record = sampleRecord('pod-a', {
      leaderTransitions: 4,
      renewTime: new Date('2026-11-24T10:11:12.345Z'),
    });
    await lock.create(record);
    // Read the object as JSON straight from the API, as any other client would see it.
    const lease = (await rawGet(`/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${name}`)) as {
      spec: Record<string, unknown>;
    };
    expect(lease.spec).toMatchObject({
      holderIdentity: 'pod-a',
      leaseDurationSeconds: 15,
      leaseTransitions: 4,
      renewTime: '2026-11-24T10:11:12.345000Z',
    });
    expect(lease.spec.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const back = await lock.get();
    expect(back?.record.renewTime?.toISOString()).toBe('2026-11-24T10:11:12.345Z');
  });

  it('keeps labels and annotations it does not manage when it updates', async () => {
    const name = uniqueName('preserve');
    const kc = kubeConfig();
    const lock = new LeaseLock({
      name,
      namespace: NAMESPACE,
      identity: 'pod-a',
      kubeConfig: kc,
      labels: { app: 'demo' },
    });
    const created = await lock.create(sampleRecord('pod-a'));
    await coordination(kc).patchNamespacedLease(
      { name, namespace: NAMESPACE, body: { metadata: { annotations: { owner: 'team-x' } } } },
      requestOptions(undefined, MERGE_PATCH),
    );
    const current = await lock.get();
    expect(current!.version).not.toBe(created.version);
    await lock.update(sampleRecord('pod-a', { leaderTransitions: 1 }), current!.version);
    const lease = (await lock.get())!.raw as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    };
    expect(lease.metadata.labels).toEqual({ app: 'demo' });
    expect(lease.metadata.annotations).toEqual({ owner: 'team-x' });
  });

  it('an identity without RBAC permission gets a Forbidden error naming the lock, and the election reports it', async () => {
    const name = uniqueName('forbidden');
    const lock = new LeaseLock({
      name,
      namespace: NAMESPACE,
      identity: 'pod-r',
      kubeConfig: kubeConfig('restricted'),
    });
    const error = await lock.get().catch((err: unknown) => err);
    expect(isLockError(error, 'Forbidden')).toBe(true);
    expect(String(error)).toMatch(
      /Forbidden: Lease default\/forbidden-[0-9a-f]+: get: HTTP 403: .*leasehold-restricted.*cannot get resource "leases"/,
    );

    const { election, errors } = electionCollectingErrors(lock);
    await waitFor(
      () => errors.length,
      (n) => n >= 1,
      10_000,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    expect(election.isLeader()).toBe(false);
    // Each refusal once: the reads (repetitions are counted, not repeated) and the watch (said once).
    expect(errors.every((e) => isLockError(e, 'Forbidden'))).toBe(true);
    expect(errors.length).toBeLessThanOrEqual(2);
    await election.stop();
  });
});

describeBadInput('lease', (options) => new LeaseLock(options));
