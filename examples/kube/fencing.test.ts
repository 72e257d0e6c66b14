/**
 * The fencing example (issue 16): the leader's writes carry its term; a second leader's writes a newer one;
 * the old leader's write is refused by its local guard, by the term stored in the ConfigMap, and, when a
 * newer term writes between its read and its write, by the resourceVersion precondition (409).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { ElectionConfig, LeaderElection, type Leadership, LeadershipLostError } from '@leasehold/core';
import { core, kubeConfig, NAMESPACE, uniqueName, waitFor } from '@leasehold/kube-tools/testing.ts';
import { LeaseLock } from '@leasehold/lease';
import { afterEach, expect, it } from 'vitest';
import { type ConfigMapApi, FencedError, fencedWrite, TERM_ANNOTATION } from '../fencing/fenced-write.ts';
import { ExampleProcess, FAST } from './example-process.ts';

const procs: ExampleProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill();
});

it('the example: each leader writes its beats under its own term; a successor writes the next term', async () => {
  const name = uniqueName('fencing');
  const a = new ExampleProcess('fencing', [
    '--name',
    name,
    '--identity',
    'fence-a',
    '--run-for',
    '4',
    ...FAST,
  ]);
  procs.push(a);
  await a.waitFor(/fence-a wrote beat 2 in term 0/);
  const b = new ExampleProcess('fencing', [
    '--name',
    name,
    '--identity',
    'fence-b',
    '--run-for',
    '12',
    ...FAST,
  ]);
  procs.push(b);
  expect(await a.exited).toBe(0);
  await b.waitFor(/fence-b wrote beat 2 in term 1/, 10_000);
  const output = await core().readNamespacedConfigMap({ name: `${name}-output`, namespace: NAMESPACE });
  expect(output.metadata?.annotations?.[TERM_ANNOTATION]).toBe('1');
  expect(output.data?.leader).toBe('fence-b');
  b.kill();
}, 60_000);

it('a stale leader cannot write: its guard, the stored term, and the precondition each refuse', async () => {
  const name = uniqueName('fenced');
  const output = `${name}-output`;
  const api = kubeConfig().makeApiClient(CoreV1Api);
  const held = new Map<string, Leadership>();
  const make = (id: string) =>
    new LeaderElection(
      new ElectionConfig({
        lock: new LeaseLock({ name, namespace: NAMESPACE, identity: id, kubeConfig: kubeConfig() }),
        leaseDuration: 4,
        renewDeadline: 2.5,
        retryPeriod: 1,
        onStartedLeading: (_signal, leadership) => {
          held.set(id, leadership);
        },
        onStoppedLeading: () => {},
        onError: () => {},
      }),
    );
  const a = make('pod-a');
  const b = make('pod-b');
  try {
    await a.acquire();
    void b.acquire();
    const aTerm = held.get('pod-a')!;
    await fencedWrite(api, NAMESPACE, output, aTerm, { by: 'pod-a' });

    // A race: pod-a reads the ConfigMap, then (as if paused) pod-b takes over and writes, then pod-a's
    // replace arrives. Its read saw term 0 (no refusal), but the precondition fails: 409.
    const racing: ConfigMapApi = {
      readNamespacedConfigMap: async (param) => {
        const read = await api.readNamespacedConfigMap(param);
        expect(await a.handover('pod-b')).toBe(true);
        await waitFor(() => held.get('pod-b')?.isCurrent() ?? false, Boolean, 10_000);
        await fencedWrite(api, NAMESPACE, output, held.get('pod-b')!, { by: 'pod-b' });
        return read;
      },
      createNamespacedConfigMap: (param) => api.createNamespacedConfigMap(param),
      replaceNamespacedConfigMap: (param) => api.replaceNamespacedConfigMap(param),
    };
    const raced = await fencedWrite(
      racing,
      NAMESPACE,
      output,
      aTerm,
      { by: 'pod-a' },
      { skipLocalCheck: true },
    ).then(
      () => null,
      (err: unknown) => err,
    );
    expect((raced as { code?: number }).code).toBe(409);

    // The stored term is now pod-b's: pod-a's write is refused where it lands, even past its own guard.
    await expect(
      fencedWrite(api, NAMESPACE, output, aTerm, { by: 'pod-a' }, { skipLocalCheck: true }),
    ).rejects.toBeInstanceOf(FencedError);
    // And its guard refuses before anything is sent.
    await expect(fencedWrite(api, NAMESPACE, output, aTerm, { by: 'pod-a' })).rejects.toBeInstanceOf(
      LeadershipLostError,
    );
    const stored = await api.readNamespacedConfigMap({ name: output, namespace: NAMESPACE });
    expect(stored.data).toEqual({ by: 'pod-b' });
    expect(stored.metadata?.annotations?.[TERM_ANNOTATION]).toBe(String(aTerm.term + 1));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}, 60_000);
