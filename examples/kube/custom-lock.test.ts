import { type LeaderElectionRecord, type LockCallOptions, stringifyRecord } from '@leasehold/core';
import { core, kubeConfig, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { MERGE_PATCH, requestOptions } from '@leasehold/lease';
import { runLockConformance } from '@leasehold/testkit';
import { describeLockConformance } from '@leasehold/testkit/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { RECORD_KEY, SecretLock } from '../custom-lock/secret-lock.ts';
import { ExampleProcess, FAST } from './example-process.ts';

const fixture = (make: (name: string, identity: string) => SecretLock) => () => {
  const name = uniqueName('secret-lock');
  return {
    lock: (identity: string) => make(name, identity),
    corrupt: async () => {
      await core().createNamespacedSecret({
        namespace: NAMESPACE,
        body: {
          metadata: { name },
          data: { [RECORD_KEY]: Buffer.from('{"holderIdentity":').toString('base64') },
        },
      });
    },
    cleanup: async () => {
      await core()
        .deleteNamespacedSecret({ name, namespace: NAMESPACE })
        .catch(() => {});
    },
  };
};

// The user's lock, checked by the conformance kit exactly as a user would check theirs.
describeLockConformance(
  'SecretLock (a user-written lock) on kube-apiserver',
  fixture((name, identity) => new SecretLock(name, NAMESPACE, identity, kubeConfig())),
  { malformed: true, timeoutMs: 60_000 },
);

/** What not to do: the same lock, but its update is a plain merge patch with no resourceVersion. */
class PlainPatchSecretLock extends SecretLock {
  override async update(record: LeaderElectionRecord, _expectedVersion: string, options?: LockCallOptions) {
    const body = { data: { [RECORD_KEY]: Buffer.from(stringifyRecord(record)).toString('base64') } };
    const secret = await core().patchNamespacedSecret(
      { name: this.name, namespace: this.namespace, body },
      requestOptions(options?.signal, MERGE_PATCH),
    );
    return { record, version: secret.metadata!.resourceVersion!, raw: secret };
  }
}

describe('example: custom lock', () => {
  const procs: ExampleProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  it('a Secret lock that patches without resourceVersion fails conformance: stale writes win', async () => {
    const failures = await runLockConformance(
      fixture((name, identity) => new PlainPatchSecretLock(name, NAMESPACE, identity, kubeConfig())),
      { malformed: false },
    );
    const names = failures.map((f) => f.name).join('\n');
    expect(names).toMatch(/stale/i);
    expect(names).toMatch(/concurrent|contender/i);
  });

  it('runs an election on the Secret lock: one leader, and a stopped leader hands over at once', async () => {
    const name = uniqueName('custom');
    const a = new ExampleProcess('custom-lock', ['--name', name, '--identity', 'secret-a', ...FAST]);
    procs.push(a);
    await a.waitFor(/secret-a started leading on Secret default\//);
    const b = new ExampleProcess('custom-lock', ['--name', name, '--identity', 'secret-b', ...FAST]);
    procs.push(b);
    await b.waitFor(/the leader is secret-a/);
    a.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const exited = a.lines.at(-1)!.at;
    const took = await b.waitFor(/secret-b started leading/, 10_000);
    // Released: no 4 s wait. This lock has no watch, so it takes one jittered poll (up to 2.2 s) at most.
    expect(took.at - exited).toBeLessThan(3_500);
    b.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });
});
