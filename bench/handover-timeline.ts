/**
 * Benchmark aid: where a SIGTERM handover's time goes. Three Leasehold candidates on one lock (the peer
 * benchmark's failover timings: lease 4 s, renew deadline 2.5 s, retry 1 s) on the real control plane with an
 * audit log; the leader is sent SIGTERM as in bench/peer-comparison.ts, and for each kill one timeline is
 * printed, in ms from the kill: every statechart step of every candidate (`LEASEHOLD_TRACE`, stamped by the
 * candidate itself) and every request on the lock as the API server received and answered it.
 *
 *   node --conditions=source bench/handover-timeline.ts [--kills 6] [--kind lease|configmap]
 *
 * (after `bash tools/kube/build.sh`, which scripts/bench.sh runs for the other benchmarks). Its findings are in
 * docs/benchmarks.md, "Where a SIGTERM handover's time goes".
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { CandidateProcess } from '@leasehold/kube-tools/processes.ts';

const { values } = parseArgs({
  options: { kills: { type: 'string', default: '6' }, kind: { type: 'string', default: 'lease' } },
});
const KILLS = Number(values.kills);
const kind = values.kind!;
const name = `timeline-${kind}`;

const plane = await startControlPlane({ auditLog: true });
let serial = 0;
const procs: CandidateProcess[] = [];
const add = () => {
  serial += 1;
  const env = {
    KUBECONFIG: plane.kubeconfig,
    LOCK_KIND: kind,
    LOCK_NAME: name,
    LEASE_DURATION: '4',
    RENEW_DEADLINE: '2.5',
    RETRY_PERIOD: '1',
    LEASEHOLD_TRACE: '1',
  };
  const proc = new CandidateProcess(`c${serial}`, env);
  procs.push(proc);
  return proc;
};

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function leader(): Promise<CandidateProcess> {
  let found: CandidateProcess | undefined;
  await until(
    () => {
      const leading = procs.filter((p) => p.leading);
      found = leading.length === 1 ? leading[0] : undefined;
      return found !== undefined;
    },
    60_000,
    'a leader',
  );
  return found!;
}

interface AuditEvent {
  stage: string;
  verb: string;
  user?: { username?: string };
  userAgent?: string;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  objectRef?: { name?: string };
  responseStatus?: { code?: number };
}

const audit = (): AuditEvent[] =>
  readFileSync(plane.auditLog!, 'utf8')
    .split('\n')
    .filter((line) => line.includes(name))
    .map((line) => JSON.parse(line) as AuditEvent);

const summary: number[] = [];
try {
  for (let i = 0; i < 3; i += 1) add();
  await until(() => procs.every((p) => p.events.some((e) => e.event === 'ready')), 60_000, 'ready');
  for (let k = 0; k < KILLS; k += 1) {
    const old = await leader();
    await sleep(1_500 + Math.random() * 1_000);
    const killed = Date.now();
    await old.kill('SIGTERM');
    const next = await leader();
    const started = next.events.findLast((e) => e.event === 'started')!.t;
    await sleep(300); // the audit log's last lines
    const rel = (t: number) => String(t - killed).padStart(6);
    const lines: [number, string][] = [];
    for (const p of procs) {
      for (const e of p.events) {
        if (e.t < killed - 5 || e.t > started + 5) continue;
        const detail =
          e.event === 'transition'
            ? `${e.input}${e.version ? ` v${e.version}` : ''} ${e.from} -> ${e.to} [${(e.effects as string[]).join(',')}]`
            : e.event;
        lines.push([e.t, `${rel(e.t)}  ${p.id.padEnd(4)} ${detail}`]);
      }
    }
    // The policy omits the RequestReceived stage: a completed request carries both times.
    for (const e of audit()) {
      if (e.verb === 'watch' || e.stage !== 'ResponseComplete') continue;
      const received = Date.parse(e.requestReceivedTimestamp);
      const done = Date.parse(e.stageTimestamp);
      if (done < killed - 5 || received > started + 5) continue;
      lines.push([received, `${rel(received)}  api  ${e.verb} received`]);
      lines.push([done, `${rel(done)}  api  ${e.verb} answered ${e.responseStatus?.code ?? ''}`]);
    }
    lines.sort((a, b) => a[0] - b[0]);
    console.log(`\nkill ${k + 1}: ${old.id} SIGTERM, ${next.id} started after ${started - killed} ms`);
    for (const [, line] of lines) console.log(line);
    summary.push(started - killed);
    const replacement = add();
    await until(() => replacement.events.some((e) => e.event === 'ready'), 60_000, 'replacement ready');
    await sleep(1_000);
  }
} finally {
  for (const p of procs) await p.kill('SIGKILL');
  await plane.stop();
}
console.log(`\n${kind} SIGTERM: ${summary.join(' ')} ms (load average ${loadavg()[0]!.toFixed(1)})`);
