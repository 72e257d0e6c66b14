import { coordination, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess, FAST } from './example-process.ts';

describe('example: basic (Lease lock, leader work loop, callbacks)', () => {
  const procs: ExampleProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  it('one copy leads and works, the other follows; when the leader finishes, the follower takes over at once', async () => {
    const name = uniqueName('basic');
    const a = new ExampleProcess('basic', [
      '--name',
      name,
      '--identity',
      'basic-a',
      '--run-for',
      '6',
      ...FAST,
    ]);
    procs.push(a);
    await a.waitFor(/basic-a started leading/);
    const b = new ExampleProcess('basic', [
      '--name',
      name,
      '--identity',
      'basic-b',
      '--run-for',
      '12',
      ...FAST,
    ]);
    procs.push(b);
    await b.waitFor(/basic-b the leader is basic-a/);
    await a.waitFor(/working \(tick 3\)/);

    expect(await a.exited).toBe(0);
    const released = a.lines.at(-1)!.at;
    const took = await b.waitFor(/basic-b started leading/, 10_000);
    // A released on its way out. Order, not speed: without the release B could not lead before the 4 s lease
    // ran out, counted from the last renewal it saw (at most one 1 s retry period before A exited).
    console.log(`basic: B led ${took.at - released} ms after A exited`);
    expect(took.at - released).toBeLessThan(4_000 - 1_000);
    // A's work loop ended before B started leading.
    expect(a.lines.find((l) => /work loop ended/.test(l.text))!.at).toBeLessThanOrEqual(took.at);
    expect(a.indexOf(/stopped leading/)).toBeGreaterThan(a.indexOf(/work loop ended/));
    expect(a.lines.at(-1)!.text).toMatch(/exited cleanly/);

    // The identity is the host name plus a random suffix when not given.
    const c = new ExampleProcess('basic', ['--name', name, '--run-for', '1', ...FAST]);
    procs.push(c);
    const campaigning = await c.waitFor(/campaigning for Lease/);
    expect(campaigning.text).toMatch(/ \S+-[0-9a-f]{6} campaigning for Lease default\//);

    expect(await b.exited).toBe(0);
    expect(await c.exited).toBe(0);
    const lease = await coordination().readNamespacedLease({ name, namespace: NAMESPACE });
    expect(lease.spec?.holderIdentity ?? '').toBe(''); // the last leader released it too
  });
});
