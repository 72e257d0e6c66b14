/**
 * The HA controller operated as in production, on the real control plane: three replica processes serving
 * /healthz, /readyz and /metrics. Scrapes the metrics and sees client-go's leader gauge move on a failover,
 * reads the leadership Events back from the Lease, and freezes a leader's elector (as a deadlock would) to
 * see its controller stop on its own clock and its liveness check fail while another replica takes over.
 * The replicas run tools/kube/stuck-replica.ts: the example plus the test's fault switch (SIGUSR2 freezes the
 * elector), which lives in the test tooling; nothing under examples/ has it.
 */
import { join } from 'node:path';
import { leaderEvents, uniqueName, waitFor } from '@leasehold/kube-tools/testing.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess, FAST } from './example-process.ts';

interface Replica {
  readonly id: string;
  readonly proc: ExampleProcess;
  readonly port: number;
}

async function get(replica: Replica, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${replica.port}${path}`, {
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: await response.text() };
}

/** One sample of the Prometheus exposition, by metric name and label set as written. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('example: HA controller with probes, metrics and events', () => {
  const procs: ExampleProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  async function start(name: string, id: string): Promise<Replica> {
    const proc = new ExampleProcess(
      'ha-controller',
      [
        ...[
          '--name',
          name,
          '--identity',
          id,
          '--http-port',
          '0',
          '--liveness-tolerance',
          '1',
          '--resync',
          '1',
        ],
        ...FAST,
      ],
      { main: join(import.meta.dirname, '..', '..', 'tools', 'kube', 'stuck-replica.ts') },
    );
    procs.push(proc);
    const line = await proc.waitFor(/serving \/healthz, \/readyz and \/metrics on port \d+$/, 30_000);
    return { id, proc, port: Number(line.text.match(/port (\d+)$/)![1]) };
  }

  it('gauges follow a failover, events land on the Lease, a frozen leader fails liveness', async () => {
    const name = uniqueName('ops');
    const replicas = [
      await start(name, 'replica-a'),
      await start(name, 'replica-b'),
      await start(name, 'replica-c'),
    ];
    const status = `leader_election_master_status{name="${name}"}`;
    const gauges = async () =>
      Promise.all(replicas.map(async (r) => sample((await get(r, '/metrics')).body, status)));
    const first = await waitFor(gauges, (g) => g.filter((v) => v === 1).length === 1, 20_000);
    expect(first.filter((v) => v === 0)).toHaveLength(2);
    const leader = replicas[first.indexOf(1)]!;
    const followers = replicas.filter((r) => r !== leader);

    // Probes: all live; only the leader ready.
    for (const r of replicas) expect((await get(r, '/healthz')).status).toBe(200);
    expect(await get(leader, '/readyz')).toEqual({ status: 200, body: `${name}: leading\n` });
    for (const r of followers) {
      const ready = await get(r, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toBe(`${name}: not leading (the leader is ${leader.id})\n`);
    }
    // Quiet followers show in the metrics: their watch is live and they send (almost) nothing.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const r of followers) {
      const body = (await get(r, '/metrics')).body;
      expect(sample(body, `leasehold_watch_live{name="${name}"}`)).toBe(1);
      const sent = ['get', 'create', 'update'].map(
        (request) =>
          sample(
            body,
            `leasehold_lock_requests_total{name="${name}",request="${request}",role="follower"}`,
          ) ?? 0,
      );
      console.log(`operations: follower ${r.id} sent ${sent.join('/')} get/create/update requests in all`);
      expect(sent.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4);
    }
    const leaderBody = (await get(leader, '/metrics')).body;
    expect(sample(leaderBody, `leasehold_renewal_duration_seconds_count{name="${name}"}`)).toBeGreaterThan(0);
    expect(
      sample(leaderBody, `leasehold_leadership_transitions_total{name="${name}",transition="started"}`),
    ).toBe(1);

    // Failover: the leader stops; the gauge moves to another replica.
    leader.proc.kill('SIGTERM');
    expect(await leader.proc.exited).toBe(0);
    const after = await waitFor(
      () => Promise.all(followers.map(async (r) => sample((await get(r, '/metrics')).body, status))),
      (g) => g.filter((v) => v === 1).length === 1,
      20_000,
    );
    const next = followers[after.indexOf(1)]!;
    const last = followers.find((r) => r !== next)!;
    expect((await get(next, '/readyz')).status).toBe(200);
    console.log(`operations: failover ${leader.id} -> ${next.id}`);

    // Events on the Lease, as client-go words them.
    const events = await waitFor(
      () => leaderEvents(name),
      (list) => list.length >= 3,
      10_000,
    );
    expect(events.map((e) => e.note)).toEqual([
      `${leader.id} became leader`,
      `${leader.id} stopped leading`,
      `${next.id} became leader`,
    ]);
    expect(events.every((e) => e.regarding?.kind === 'Lease' && e.regarding.name === name)).toBe(true);

    // Liveness: freeze the new leader's elector. It neither renews nor steps down; after the lease (4 s)
    // plus the tolerance (1 s) its /healthz fails, while the last replica takes over.
    next.proc.kill('SIGUSR2');
    const frozenLine = await next.proc.waitFor(/elector frozen/, 5_000);
    const frozenAt = Date.now();
    // Its controller does not wait for the elector: its own check of the leadership (the lease, on its own
    // clock) ends the work, though the elector never cancels it.
    const stopped = await next.proc.waitFor(
      /controller stopped: replica-\w no longer leads in term \d+: the lease is no longer valid/,
      10_000,
      frozenLine.at,
    );
    console.log(
      `operations: frozen leader's controller stopped ${stopped.at - frozenAt} ms after the freeze`,
    );
    const unhealthy = await waitFor(
      () => get(next, '/healthz'),
      (r) => r.status === 503,
      15_000,
    );
    console.log(`operations: frozen leader unhealthy ${Date.now() - frozenAt} ms after the freeze`);
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(4_000);
    expect(unhealthy.body).toMatch(
      new RegExp(
        `^${name}: leader has not renewed for \\d+\\.\\ds, past the lease \\(4s\\) plus the tolerance \\(1s\\)`,
      ),
    );
    expect((await get(next, '/readyz')).status).toBe(503);
    await waitFor(
      async () => sample((await get(last, '/metrics')).body, status),
      (v) => v === 1,
      15_000,
    );
    expect((await get(last, '/healthz')).status).toBe(200);
    // The frozen one's elector still believes it leads (that is what the probe is for): its gauge says 1 too.
    expect(sample((await get(next, '/metrics')).body, status)).toBe(1);
    // But its controller did no work after its own check failed, and the elector never cancelled it.
    expect(next.proc.lines.filter((l) => l.at > stopped.at && /reconcile:/.test(l.text))).toEqual([]);
    expect(next.proc.indexOf(/controller cancelled|stopped leading/)).toBe(-1);
    const takenOver = await last.proc.waitFor(/controller started/, 1_000, frozenLine.at);
    console.log(
      `operations: the frozen leader's controller stopped ${takenOver.at - stopped.at} ms before another started`,
    );
    // What docs/operations.md says: the frozen leader's work has stopped before another replica's starts.
    expect(stopped.at).toBeLessThan(takenOver.at);
    for (const r of [next, last]) r.proc.kill('SIGTERM');
    expect(await last.proc.exited).toBe(0);
  }, 120_000);
});
