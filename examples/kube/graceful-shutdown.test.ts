import { coordination, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess, FAST } from './example-process.ts';

describe('example: graceful shutdown (SIGTERM/SIGINT finish the work, release, exit 0)', () => {
  const procs: ExampleProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} the leader finishes its job, releases, and the next replica starts right after`, async () => {
      const name = uniqueName('graceful');
      const args = ['--name', name, '--job-seconds', '1.5', ...FAST];
      const a = new ExampleProcess('graceful-shutdown', [...args, '--identity', 'grace-a']);
      procs.push(a);
      await a.waitFor(/grace-a started leading/);
      const b = new ExampleProcess('graceful-shutdown', [...args, '--identity', 'grace-b']);
      procs.push(b);
      await a.waitFor(/job 2 started/);
      await new Promise((r) => setTimeout(r, 300)); // mid-job
      a.kill(signal);
      expect(await a.exited).toBe(0);

      const order = [
        new RegExp(`${signal}: stopping`),
        /job 2 finished/,
        /work finished cleanly/,
        /stopped leading; lease released/,
        /exited cleanly/,
      ].map((p) => a.indexOf(p));
      expect(
        order.every((i) => i >= 0),
        a.transcript(),
      ).toBe(true);
      expect([...order].sort((x, y) => x - y)).toEqual(order);
      expect(a.matching(/job 3 started/)).toEqual([]); // no new job after the signal

      // B starts only after A's work has ended, and without waiting out the 4 s lease.
      const finished = a.lines[order[2]!]!.at;
      const started = await b.waitFor(/grace-b started leading/, 10_000);
      expect(started.at).toBeGreaterThanOrEqual(finished);
      // Order, not speed: before the 4 s lease (less one 1 s retry period) could have run out, so the
      // release was used; the handover's speed is measured in bench/.
      expect(started.at - a.lines.at(-1)!.at).toBeLessThan(4_000 - 1_000);
      b.kill(signal);
      expect(await b.exited).toBe(0);
      const lease = await coordination().readNamespacedLease({ name, namespace: NAMESPACE });
      expect(lease.spec?.holderIdentity ?? '').toBe('');
    });
  }
});
