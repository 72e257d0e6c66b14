/**
 * examples/express and examples/fastify on the test control plane, one replica each: it leads, its
 * /healthz, /readyz and /metrics answer over HTTP as a leader's, and SIGTERM ends its work, releases the
 * Lease (an empty holder) and exits 0.
 */
import { coordination, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess, FAST } from './example-process.ts';

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

describe('examples: express and fastify', () => {
  const procs: ExampleProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  for (const framework of ['express', 'fastify'] as const) {
    it(`${framework}: leads, serves probes and metrics, releases on SIGTERM`, {
      timeout: 300_000,
    }, async () => {
      const name = uniqueName(framework);
      const p = new ExampleProcess(framework, ['--name', name, '--identity', `${framework}-a`, ...FAST]);
      procs.push(p);
      const url = (await p.waitFor(/listening on (http:\S+)/, 120_000)).text.match(/(http:\S+)/)![1]!;
      await p.waitFor(/started leading/, 60_000);

      const healthz = await get(`${url}/healthz`);
      expect(healthz.status, healthz.body).toBe(200);
      expect(healthz.body).toMatch(/leading, last renewal sent/);
      const readyz = await get(`${url}/readyz`);
      expect(readyz.status, readyz.body).toBe(200);
      const metrics = await get(`${url}/metrics`);
      expect(metrics.type).toMatch(/^text\/plain/);
      expect(metrics.body).toMatch(/^leader_election_master_status\{name="[^"]*"\} 1$/m);

      p.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      const order = [
        /SIGTERM: stopping/,
        /work finished/,
        /stopped leading \(stopped\)/,
        /exited cleanly/,
      ].map((re) => p.indexOf(re));
      expect(
        order.every((i) => i >= 0),
        p.transcript(),
      ).toBe(true);
      expect([...order].sort((x, y) => x - y)).toEqual(order);
      const lease = await coordination().readNamespacedLease({ name, namespace: NAMESPACE });
      expect(lease.spec?.holderIdentity ?? '').toBe('');
    });
  }
});
