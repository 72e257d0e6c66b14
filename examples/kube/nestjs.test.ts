/**
 * examples/nestjs on the test control plane, as three replicas (three processes): exactly one leads; its
 * probes and metrics say so over HTTP; SIGTERM (Nest's shutdown hooks) stops its work, releases the Lease
 * and the next replica leads before the lease could have run out; SIGKILL leaves the lease to run out, and
 * the last replica takes over only after that. Latencies are logged; the bounds are order, not speed.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { coordination, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExampleProcess, FAST } from './example-process.ts';

const example = join(import.meta.dirname, '..', 'nestjs');
const main = join(example, 'dist', 'nestjs', 'main.js');
const LEASE_MS = 4_000;
const RETRY_MS = 1_000;

/** The replica's HTTP base URL, from its "listening on" line. */
async function baseUrl(p: ExampleProcess): Promise<string> {
  // Generous: three Nest processes start at once on a shared 2-core machine.
  const line = await p.waitFor(/listening on (http:\S+)/, 180_000);
  return line.text.match(/listening on (http:\S+)/)![1]!;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

const masterStatus = (metrics: string) =>
  Number(metrics.match(/^leader_election_master_status\{name="[^"]*"\} (\d)$/m)?.[1]);

describe('example: nestjs (three replicas of a Nest app)', () => {
  const procs: ExampleProcess[] = [];
  beforeAll(async () => {
    // As `nest build`: Node runs no decorators, so the example is compiled first.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', example], { timeout: 240_000 });
  }, 300_000);
  afterAll(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  it('one leader of three; probes and metrics over HTTP; handover on SIGTERM; failover on SIGKILL', {
    timeout: 420_000,
  }, async () => {
    const name = uniqueName('nestjs');
    const ids = ['nest-a', 'nest-b', 'nest-c'];
    const replicas = ids.map(
      (id) => new ExampleProcess('nestjs', ['--name', name, '--identity', id, ...FAST], { main }),
    );
    procs.push(...replicas);
    const urls = await Promise.all(replicas.map(baseUrl));
    const lead = (p: ExampleProcess) => p.matching(/started leading/).length > 0;
    const first = await Promise.any(replicas.map((p) => p.waitFor(/started leading/, 120_000)));
    const leader = replicas.find((p) => p.lines.includes(first))!;
    const leaderId = ids[replicas.indexOf(leader)]!;
    // Three more renewals: still exactly one leader, and the Lease names it.
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect(replicas.filter(lead)).toEqual([leader]);
    const lease = await coordination().readNamespacedLease({ name, namespace: NAMESPACE });
    expect(lease.spec?.holderIdentity).toBe(leaderId);

    // Over HTTP: every replica alive; ready and master_status 1 on the leader only.
    for (const [i, p] of replicas.entries()) {
      const url = urls[i]!;
      const healthz = await get(`${url}/healthz`);
      expect(healthz.status, healthz.body).toBe(200);
      expect(JSON.parse(healthz.body).details['leader-election'].leader).toBe(leaderId);
      expect((await get(`${url}/readyz`)).status).toBe(p === leader ? 200 : 503);
      const metrics = await get(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(masterStatus(metrics.body)).toBe(p === leader ? 1 : 0);
    }

    // SIGTERM: Nest's shutdown hooks close the app; the work ends, the Lease is released, the next leads.
    const followers = replicas.filter((p) => p !== leader);
    const termAt = Date.now();
    leader.kill('SIGTERM');
    await leader.exited;
    const order = [/work finished/, /stopped leading \(stopped\)/].map((re) => leader.indexOf(re));
    expect(
      order.every((i) => i >= 0),
      leader.transcript(),
    ).toBe(true);
    expect(order[0]).toBeLessThan(order[1]!);
    const workEnded = leader.lines[order[0]!]!.at;
    const next = await Promise.any(followers.map((p) => p.waitFor(/started leading/, 30_000)));
    const second = followers.find((p) => p.lines.includes(next))!;
    const handoverMs = next.at - workEnded;
    console.log(
      `nestjs handover on SIGTERM: next leader ${handoverMs} ms after the old work finished (${next.at - termAt} ms after the signal)`,
    );
    // Released, not expired: before the 4 s lease, less one retry period, could have run out.
    expect(next.at).toBeGreaterThanOrEqual(workEnded);
    expect(handoverMs).toBeLessThan(LEASE_MS - RETRY_MS);
    expect(followers.filter(lead)).toEqual([second]);

    // SIGKILL: nothing is released; the last replica waits the lease out, then takes over.
    const last = followers.find((p) => p !== second)!;
    await second.waitFor(/reconcile round 2/, 30_000);
    const killAt = Date.now();
    second.kill('SIGKILL');
    const taken = await last.waitFor(/started leading/, 60_000);
    const failoverMs = taken.at - killAt;
    console.log(`nestjs failover on SIGKILL: ${failoverMs} ms (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`);
    // Not before the lease the killed leader last renewed (at most one retry period before the kill) ran out.
    expect(failoverMs).toBeGreaterThanOrEqual(LEASE_MS - RETRY_MS);
    const holder = await coordination().readNamespacedLease({ name, namespace: NAMESPACE });
    expect(holder.spec?.holderIdentity).toBe(ids[replicas.indexOf(last)]);
    const readyz = await get(`${urls[replicas.indexOf(last)]}/readyz`);
    expect(readyz.status).toBe(200);
  });
});
