import { isLockError, parseRecord } from '@leasehold/core';
import { describeBadInput } from '@leasehold/kube-tools/bad-input.ts';
import { describeMultiProcessElection } from '@leasehold/kube-tools/election-scenarios.ts';
import { describeQuietFollowers } from '@leasehold/kube-tools/quiet-followers.ts';
import {
  core,
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
import { ConfigMapLock, LEADER_ANNOTATION } from '../src/index.ts';

async function annotate(name: string, text: string): Promise<void> {
  const api = core();
  const cm = await api.readNamespacedConfigMap({ name, namespace: NAMESPACE });
  cm.metadata!.annotations = { ...cm.metadata!.annotations, [LEADER_ANNOTATION]: text };
  await api.replaceNamespacedConfigMap({ name, namespace: NAMESPACE, body: cm });
}

const fixture = () => {
  const name = uniqueName('conformance');
  const kc = kubeConfig();
  return {
    lock: (identity: string) => new ConfigMapLock({ name, namespace: NAMESPACE, identity, kubeConfig: kc }),
    corrupt: async () => {
      await core(kc).createNamespacedConfigMap({
        namespace: NAMESPACE,
        body: { metadata: { name, annotations: { [LEADER_ANNOTATION]: '{"holderIdentity":' } } },
      });
    },
    cleanup: async () => {
      await core(kc)
        .deleteNamespacedConfigMap({ name, namespace: NAMESPACE })
        .catch(() => {});
    },
  };
};

describeLockConformance('ConfigMapLock on kube-apiserver', fixture, {
  malformed: true,
  watch: true,
  timeoutMs: 60_000,
});

describeQuietFollowers(
  'ConfigMapLock',
  (name, identity) => new ConfigMapLock({ name, namespace: NAMESPACE, identity, kubeConfig: kubeConfig() }),
);

describe('ConfigMapLock on kube-apiserver', () => {
  it("writes the annotation byte for byte in client-go's format and keeps the ConfigMap's data", async () => {
    const name = uniqueName('format');
    const kc = kubeConfig();
    await core(kc).createNamespacedConfigMap({
      namespace: NAMESPACE,
      body: { metadata: { name }, data: { keep: 'me' } },
    });
    const lock = new ConfigMapLock({ name, namespace: NAMESPACE, identity: 'pod-a', kubeConfig: kc });
    const current = await lock.get();
    // A ConfigMap without the annotation reads as released.
    expect(current?.record.holderIdentity).toBe('');
    await lock.update(
      sampleRecord('pod-a', {
        acquireTime: new Date('2026-11-24T10:00:00.900Z'),
        renewTime: new Date('2026-11-24T10:00:05.100Z'),
        leaderTransitions: 2,
      }),
      current!.version,
    );
    const raw = (await rawGet(`/api/v1/namespaces/${NAMESPACE}/configmaps/${name}`)) as {
      data: Record<string, string>;
      metadata: { annotations: Record<string, string> };
    };
    expect(raw.metadata.annotations[LEADER_ANNOTATION]).toBe(
      '{"holderIdentity":"pod-a","leaseDurationSeconds":15,"acquireTime":"2026-11-24T10:00:00Z",' +
        '"renewTime":"2026-11-24T10:00:05Z","leaderTransitions":2}',
    );
    expect(raw.data).toEqual({ keep: 'me' });
  });

  it('a malformed annotation is a typed Malformed error, the elector survives and never overwrites it', async () => {
    const name = uniqueName('malformed');
    const kc = kubeConfig();
    await core(kc).createNamespacedConfigMap({ namespace: NAMESPACE, body: { metadata: { name } } });
    await annotate(name, 'definitely not json');
    const lock = new ConfigMapLock({ name, namespace: NAMESPACE, identity: 'pod-a', kubeConfig: kc });
    const error = await lock.get().catch((err: unknown) => err);
    expect(isLockError(error, 'Malformed')).toBe(true);
    expect(String(error)).toContain(
      `Malformed: ConfigMap default/${name}: annotation ${LEADER_ANNOTATION}: not JSON`,
    );

    const { election, errors } = electionCollectingErrors(lock);
    await waitFor(
      () => errors.length,
      (n) => n >= 1,
      10_000,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    // Reported once: repetitions are counted, not repeated (at most one count report per 10 s).
    expect(errors.map(String)).toHaveLength(1);
    expect(election.isLeader()).toBe(false);
    const after = await core(kc).readNamespacedConfigMap({ name, namespace: NAMESPACE });
    expect(after.metadata?.annotations?.[LEADER_ANNOTATION]).toBe('definitely not json');

    // Once someone fixes it by hand, the same elector takes the lock.
    await annotate(
      name,
      JSON.stringify({ holderIdentity: '', leaseDurationSeconds: 1, leaderTransitions: 5 }),
    );
    await waitFor(
      () => election.isLeader(),
      (l) => l,
      10_000,
    );
    const fixed = await core(kc).readNamespacedConfigMap({ name, namespace: NAMESPACE });
    expect(parseRecord(fixed.metadata!.annotations![LEADER_ANNOTATION]!).leaderTransitions).toBe(6);
    await election.stop();
  });

  it('an identity without RBAC permission gets a Forbidden error naming the ConfigMap', async () => {
    const lock = new ConfigMapLock({
      name: uniqueName('forbidden'),
      namespace: NAMESPACE,
      identity: 'r',
      kubeConfig: kubeConfig('restricted'),
    });
    const error = await lock.get().catch((err: unknown) => err);
    expect(isLockError(error, 'Forbidden')).toBe(true);
    expect(String(error)).toMatch(/cannot get resource "configmaps"/);
  });
});

describeMultiProcessElection('configmap');

describeBadInput('configmap', (options) => new ConfigMapLock(options));
