/**
 * The Lease lock's own requests (src/kube-requests.ts): get, create and the compare-and-swap patch go over
 * the kept dispatcher without the generated client, keep only the part of the answer the lock reads, and
 * authenticate as client-node would (an exec plugin here; tokens, 401/403 and client certificates in
 * lease-lock.test.ts and connections.test.ts, which run over the same path).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { isLockError } from '@leasehold/core';
import { kubeConfig, NAMESPACE, rawGet, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { sampleRecord } from '@leasehold/testkit';
import { describe, expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';
import { execKubeConfig } from './exec-kubeconfig.ts';

type LeaseJson = { metadata: Record<string, unknown>; spec: Record<string, unknown> };

/** A KubeConfig for the test cluster whose user is an exec plugin answering `token`. */
function tokenPluginKubeConfig(token: string): ReturnType<typeof execKubeConfig> {
  return execKubeConfig(kubeConfig().getCurrentCluster()!, token);
}

describe("LeaseLock's own requests", () => {
  it('keep the metadata and spec of the answer, not managedFields, and write what the generated client reads', async () => {
    const name = uniqueName('own');
    // What undici sends for this Lease: method, path and headers (raw, as its diagnostics channel has them).
    const sent: string[] = [];
    const record = (message: unknown) => {
      const { request } = message as { request: { method: string; path: string; headers: unknown } };
      // The create goes to the collection (the name is in its body); this test's lock is the only one posting.
      if (request.path.includes(name) || request.method === 'POST')
        sent.push(`${request.method} ${String(request.headers)}`);
    };
    subscribe('undici:request:create', record);
    const lock = new LeaseLock({
      name,
      namespace: NAMESPACE,
      identity: 'pod-a',
      kubeConfig: kubeConfig(),
      labels: { app: 'demo' },
    });
    const created = await lock.create(sampleRecord('pod-a'));
    const renewTime = new Date('2026-11-24T10:11:12.345Z');
    const updated = await lock.update(
      sampleRecord('pod-a', { renewTime, leaderTransitions: 2 }),
      created.version,
    );
    expect(updated.version).not.toBe(created.version);
    const read = await lock.get();
    expect(read?.version).toBe(updated.version);
    expect(read?.record).toEqual(updated.record);
    for (const snapshot of [created, updated, read!]) {
      const raw = snapshot.raw as LeaseJson;
      expect(
        Object.keys(raw.metadata)
          .filter((key) => raw.metadata[key] !== undefined)
          .sort(),
      ).toEqual(['labels', 'name', 'namespace', 'resourceVersion', 'uid']);
      expect(raw.metadata.name).toBe(name);
    }
    expect((read!.raw as LeaseJson).spec.renewTime).toBe('2026-11-24T10:11:12.345000Z');
    // The object itself has managedFields (so leaving them out is the lock's doing).
    const full = (await rawGet(
      `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${name}`,
    )) as LeaseJson;
    expect(Array.isArray(full.metadata.managedFields)).toBe(true);
    expect(full.metadata.resourceVersion).toBe(updated.version);
    expect(full.spec).toMatchObject({ holderIdentity: 'pod-a', leaseTransitions: 2 });
    // A stale version is still refused: the patch carries it.
    const stale = await lock.update(sampleRecord('pod-a'), created.version).catch((err: unknown) => err);
    expect(isLockError(stale, 'Conflict')).toBe(true);
    unsubscribe('undici:request:create', record);
    // The lock's create, patches and get name it as docs/operations.md says (not the generated client).
    const own = sent.filter((line) => line.includes('leasehold (@leasehold/lease)'));
    expect(own.map((line) => line.split(' ')[0])).toEqual(['POST', 'PATCH', 'GET', 'PATCH']);
  });

  it("authenticate with an exec plugin's token; a token the server rejects is Forbidden", async () => {
    const adminToken = kubeConfig().getCurrentUser()!.token!;
    const good = tokenPluginKubeConfig(adminToken);
    const name = uniqueName('exec');
    const lock = new LeaseLock({ name, namespace: NAMESPACE, identity: 'pod-e', kubeConfig: good.kc });
    const created = await lock.create(sampleRecord('pod-e'));
    await lock.update(sampleRecord('pod-e', { leaderTransitions: 1 }), created.version);
    expect((await lock.get())?.record.leaderTransitions).toBe(1);
    expect((created.raw as LeaseJson).metadata.managedFields).toBeUndefined();
    expect(good.runs()).toBeGreaterThanOrEqual(1);

    const bad = tokenPluginKubeConfig('not-a-token');
    const refused = new LeaseLock({ name, namespace: NAMESPACE, identity: 'pod-x', kubeConfig: bad.kc });
    const error = await refused.get().catch((err: unknown) => err);
    expect(isLockError(error, 'Forbidden')).toBe(true);
    expect(String(error)).toContain('get: HTTP 401');
    expect(bad.runs()).toBeGreaterThanOrEqual(1);
  });
});
