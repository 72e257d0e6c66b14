import { coordination, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess } from './example-process.ts';

const holder = async (name: string) =>
  (await coordination().readNamespacedLease({ name, namespace: NAMESPACE })).spec?.holderIdentity ?? '';

describe('example: multi-component (two independent elections in one process)', () => {
  const procs: ExampleProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  it('each component has its own lock and timings; stopping one election leaves the other leading', async () => {
    const name = uniqueName('multi');
    const a = new ExampleProcess('multi-component', [
      '--name',
      name,
      '--identity',
      'proc-a',
      '--stop-reporter-after',
      '5',
      '--run-for',
      '14',
    ]);
    procs.push(a);
    await a.waitFor(/\[scheduler\] started leading/);
    await a.waitFor(/\[reporter\] started leading/);
    const b = new ExampleProcess('multi-component', [
      '--name',
      name,
      '--identity',
      'proc-b',
      '--run-for',
      '20',
    ]);
    procs.push(b);

    // A stops only its reporter election: B takes the reporter, A keeps the scheduler.
    await a.waitFor(/\[reporter\] stopped leading/, 10_000);
    await b.waitFor(/\[reporter\] started leading/, 5_000);
    expect(await holder(`${name}-scheduler`)).toBe('proc-a');
    expect(await holder(`${name}-reporter`)).toBe('proc-b');
    expect(a.matching(/\[scheduler\] stopped leading/)).toEqual([]);

    // Each Lease carries its own component's lease duration.
    const leases = await Promise.all(
      ['scheduler', 'reporter'].map((c) =>
        coordination().readNamespacedLease({ name: `${name}-${c}`, namespace: NAMESPACE }),
      ),
    );
    expect(leases.map((l) => l.spec?.leaseDurationSeconds)).toEqual([4, 8]);

    // When A ends, B takes the scheduler too.
    expect(await a.exited).toBe(0);
    await b.waitFor(/\[scheduler\] started leading/, 5_000);
    expect(await holder(`${name}-scheduler`)).toBe('proc-b');
    b.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });
});
