/**
 * A hostile namespace neighbour (issue 21): 2,000 foreign Leases of ~100 KB each share the namespace with a
 * process leading 10 Lease elections through one shared watch. The process (shared-watch-memory-child.ts,
 * a child started with --expose-gc) keeps none of them: its heap grows by less than 20 MiB over the run
 * and stays flat across a forced re-list, while its elections lead and renew as usual.
 *
 * The re-list is real: the child is frozen (SIGSTOP), a ConfigMap is created (so the version the child
 * last saw is behind the store), the API server is restarted, and once its watch cache answers, the child
 * is thawed: its resumed watch asks the new cache for a version older than the cache's first, is answered
 * 410 Gone, and starts afresh (the child counts its fresh collection watches). The control plane is this file's own: restarting the
 * shared one would break the other test files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { type ControlPlane, startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';

const NAMESPACE = 'neighbours';
const FOREIGN = 2_000;
const ANNOTATION_BYTES = 100_000;
const LOCKS = 10;
const CONCURRENCY = 16;
const MiB = 1024 * 1024;

let plane: ControlPlane | undefined;
let child: ChildProcess | undefined;

beforeAll(async () => {
  plane = await startControlPlane();
}, 300_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await plane?.stop();
}, 60_000);

interface Phase {
  readonly phase: string;
  readonly t: number;
  readonly heapUsed?: number;
  readonly rss?: number;
  readonly renewals?: number[];
  readonly errors?: Record<string, number>;
  readonly collectionWatches?: unknown[];
  readonly watches: { fresh: number; resumed: number; named: number };
}

const mib = (bytes: number | undefined) => ((bytes ?? 0) / MiB).toFixed(1);

/** The child's phases as they arrive (logged), and a wait for one. */
function phasesOf(proc: ChildProcess) {
  const phases: Phase[] = [];
  let stderr = '';
  let buffer = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const phase = JSON.parse(line) as Phase;
      phases.push(phase);
      console.log(`child ${phase.phase}: heap ${mib(phase.heapUsed)} MiB, RSS ${mib(phase.rss)} MiB`);
    }
  });
  const wait = async (name: string, ms: number): Promise<Phase> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = phases.find((p) => p.phase === name);
      if (found) return found;
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`child: no "${name}" (exit ${proc.exitCode}); stderr:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { phases, wait };
}

it('2,000 foreign Leases of 100 KB: ten elections sharing a watch keep their heap flat, across a re-list too', async () => {
  const started = Date.now();
  const kc = new KubeConfig();
  kc.loadFromFile(plane?.kubeconfig ?? '');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
  const leases = kc.makeApiClient(CoordinationV1Api);
  // Plain HTTPS POSTs over kept-alive connections: client-node's serializer would triple the time.
  const cluster = kc.getCurrentCluster();
  const agent = new Agent({
    keepAlive: true,
    maxSockets: CONCURRENCY,
    ca: Buffer.from(cluster?.caData ?? '', 'base64'),
  });
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        `${cluster?.server}/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${kc.getCurrentUser()?.token}`,
            'content-type': 'application/json',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 201 ? resolve() : reject(new Error(`create: HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  /** Whether a watch of the namespace's Leases from `version` is answered 410 Gone (in the stream or not). */
  const watchIsGone = (version: string) =>
    new Promise<boolean>((resolve) => {
      const path = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases?watch=true&resourceVersion=${version}&timeoutSeconds=1`;
      const req = request(
        `${cluster?.server}${path}`,
        { agent, headers: { authorization: `Bearer ${kc.getCurrentUser()?.token}` } },
        (res) => {
          let head = '';
          res.on('data', (chunk: Buffer) => {
            head += chunk.toString();
            if (head.length > 4_000) res.destroy();
          });
          res.on('close', () =>
            resolve(res.statusCode === 410 || head.slice(0, 4_000).includes('"code":410')),
          );
        },
      );
      req.on('error', () => resolve(false));
      req.end();
    });
  let next = 0;
  const createSome = async () => {
    for (let i = next++; i < FOREIGN; i = next++) {
      const blob = randomBytes((ANNOTATION_BYTES * 3) / 4).toString('base64');
      await post(
        JSON.stringify({
          metadata: { name: `neighbour-${i}`, annotations: { 'neighbour.example/blob': blob } },
          spec: { holderIdentity: `neighbour-${i}` },
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, createSome));
  const created = Date.now();
  console.log(
    `created ${FOREIGN} foreign Leases of ${ANNOTATION_BYTES / 1000} KB in ${(created - started) / 1000} s`,
  );

  child = spawn(
    process.execPath,
    ['--expose-gc', '--conditions=source', join(import.meta.dirname, 'shared-watch-memory-child.ts')],
    {
      env: { ...process.env, KUBECONFIG_FILE: plane?.kubeconfig, NAMESPACE, LOCKS: String(LOCKS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const { wait } = phasesOf(child);
  const baseline = await wait('baseline', 60_000);
  const steady = await wait('steady', 180_000);

  // Force a re-list: freeze the child, move the store past what it saw, restart the API server, thaw it.
  const oldVersion =
    (await leases.readNamespacedLease({ name: 'neighbour-0', namespace: NAMESPACE })).metadata
      ?.resourceVersion ?? '';
  child.kill('SIGSTOP');
  // A write the child's Lease stream does not carry (a Lease created now could still reach its socket
  // buffer before the server dies, and move its version along).
  await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
    namespace: NAMESPACE,
    body: { metadata: { name: 'moves-the-store-on' } },
  });
  await plane?.apiServer.restart();
  // The restarted server lists the 2,000 Leases into its watch cache for a few seconds; a watch sent before
  // that is served from etcd, which can still resume the child's version. Thaw the child once the cache
  // answers: a version from before the restart is then 410 Gone.
  const deadline = Date.now() + 120_000;
  while (!(await watchIsGone(oldVersion))) {
    if (Date.now() > deadline) throw new Error('the restarted API server never answered 410 Gone');
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill('SIGCONT');
  const relisting = await wait('relisting', 240_000);
  const relisted = await wait('relisted', 240_000);
  await wait('done', 60_000);
  agent.destroy();

  const grown = (relisted.heapUsed ?? 0) - (baseline.heapUsed ?? 0);
  const acrossRelist = (relisted.heapUsed ?? 0) - (steady.heapUsed ?? 0);
  console.log(
    [
      `heap MiB: baseline ${mib(baseline.heapUsed)}, steady ${mib(steady.heapUsed)}, after re-list ${mib(relisted.heapUsed)}`,
      `RSS MiB: baseline ${mib(baseline.rss)}, steady ${mib(steady.rss)}, after re-list ${mib(relisted.rss)}`,
      `watch requests: ${JSON.stringify(relisted.watches)}; renewals each, steady ${JSON.stringify(steady.renewals)}, after re-list ${JSON.stringify(relisted.renewals)}`,
      `collection watches (second sent, status): ${JSON.stringify(relisted.collectionWatches)}`,
      `errors reported: ${JSON.stringify(relisted.errors)}; run ${(Date.now() - started) / 1000} s`,
    ].join('\n'),
  );

  // A re-list happened: the shared stream started afresh twice (once at first, once after the 410).
  expect(relisting.watches.fresh).toBeGreaterThanOrEqual(2);
  // The elections led and renewed before and after it (the child waited for every election to lead, renew
  // and be notified of its own writes through the stream, past the whole list, before each measurement).
  expect(steady.renewals?.every((n) => n >= 3)).toBe(true);
  expect(relisted.renewals?.every((n) => n >= 2)).toBe(true);
  // The bounds.
  expect((steady.heapUsed ?? 0) - (baseline.heapUsed ?? 0)).toBeLessThan(20 * MiB);
  expect(grown).toBeLessThan(20 * MiB);
  // Grown by less than 5 MiB across the re-list: the list read again is not kept. A drop is not bounded:
  // the heap after the re-list has measured below the baseline taken before any election started (30.9 and
  // 31.0 MiB against 34.7, the stream over the kept dispatcher), so what it sheds is the process's own.
  expect(acrossRelist).toBeLessThan(5 * MiB);
}, 900_000);
