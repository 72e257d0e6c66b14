/**
 * The process shared-watch-memory.test.ts measures: LOCKS Lease elections in NAMESPACE, one LeaseLock each
 * through one KubeConfig (so they share one watch stream of the namespace's Leases), each campaigning
 * until told to stop. Run as `node --expose-gc --conditions=source`; it prints one JSON line per phase on
 * stdout, each with the heap (after two full collections) and RSS:
 *
 * - `baseline`: modules loaded, locks built, nothing started;
 * - `steady`: every election leads, has renewed three times, and the stream's list has been read through
 *   (each election was notified of a version it wrote after the stream was sent: the server sends such
 *   a change after the whole list);
 * - `relisting`: the shared stream has started afresh a second time (a re-list: the test forces one);
 * - `relisted`: after the re-list every election leads again, has renewed twice, and the latest list has
 *   been read through (as above);
 * - `done`: the elections stopped.
 *
 * Watch requests are counted with undici's diagnostics channel: collection watches without
 * resourceVersion (fresh starts), with one (resumed), and watches of one name.
 */
import { subscribe } from 'node:diagnostics_channel';
import { KubeConfig } from '@kubernetes/client-node';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { LeaseLock } from '../src/index.ts';

const collect = globalThis.gc;
if (!collect) throw new Error('run with --expose-gc');
const kubeconfigFile = process.env.KUBECONFIG_FILE ?? '';
const namespace = process.env.NAMESPACE ?? '';
const count = Number(process.env.LOCKS ?? '10');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const measure = () => {
  collect();
  collect();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
};
const watches = { fresh: 0, resumed: 0, named: 0 };
const say = (phase: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ phase, t: Date.now(), watches, ...extra })}\n`);

/** The collection watch requests in order, with the second they were sent and the status they got. */
const collectionWatches: { s: number; kind: 'fresh' | 'resumed'; status?: number }[] = [];
const sent = new WeakMap<object, (typeof collectionWatches)[number]>();
const startedAt = Date.now();
/** When the latest fresh collection watch was sent: the list it gets is the state as of then. */
let lastFreshAt = 0;
subscribe('undici:request:create', (message) => {
  const request = (message as { request?: { path?: string } }).request;
  const path = request?.path ?? '';
  if (!request || !path.includes('watch=true') || !path.includes(`/namespaces/${namespace}/leases`)) return;
  if (path.includes('fieldSelector')) watches.named += 1;
  else {
    const kind: 'fresh' | 'resumed' = path.includes('resourceVersion=') ? 'resumed' : 'fresh';
    watches[kind] += 1;
    if (kind === 'fresh') lastFreshAt = Date.now();
    const entry = { s: Math.round((Date.now() - startedAt) / 100) / 10, kind };
    collectionWatches.push(entry);
    sent.set(request, entry);
  }
});
subscribe('undici:request:headers', (message) => {
  const { request, response } = message as { request: object; response: { statusCode: number } };
  const entry = sent.get(request);
  if (entry) entry.status = response.statusCode;
});

/** Waits until `done()` holds; throws (the test sees the exit code and stderr) after `ms`. */
async function until(what: string, done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; watches: ${JSON.stringify(collectionWatches)}`);
    }
    await sleep(100);
  }
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigFile);
const renewals = new Array<number>(count).fill(0);
/**
 * Per election: when it sent the write whose version the watch has most recently notified it of. A
 * version written after a fresh watch was sent reaches that watch after its whole list, so a notice of one
 * proves the list has been read through.
 */
const readThrough = new Array<number>(count).fill(0);
const errors: Record<string, number> = {};
const elections = Array.from({ length: count }, (_, i) => {
  const lock = new LeaseLock({ name: `mine-${i}`, namespace, identity: `me-${i}`, kubeConfig });
  const election = new LeaderElection(
    new ElectionConfig({
      lock,
      leaseDuration: 4,
      renewDeadline: 3,
      retryPeriod: 1,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      onError: (err) => {
        const kind = (err as { kind?: string }).kind ?? (err as Error).name;
        errors[kind] = (errors[kind] ?? 0) + 1;
      },
    }),
  );
  /** The send time of each version this election wrote (the last few), and of the write in flight. */
  const sentAt = new Map<string, number>();
  let sending = 0;
  election.subscribe((info) => {
    const { input } = info;
    if (info.effects.some((e) => e.type === 'updateLock' || e.type === 'createLock')) sending = Date.now();
    if (input.type === 'LOCK_WRITTEN') {
      if (info.from === 'leader') renewals[i] = (renewals[i] ?? 0) + 1;
      sentAt.set(input.snapshot.version, sending);
      if (sentAt.size > 50) sentAt.delete(sentAt.keys().next().value ?? '');
    }
    const sent = input.type === 'LOCK_CHANGED' ? sentAt.get(input.snapshot?.version ?? '') : undefined;
    if (sent !== undefined) readThrough[i] = Math.max(readThrough[i] ?? 0, sent);
  });
  return election;
});
const allLead = () => elections.every((e) => e.isLeader());

say('baseline', measure());
for (const election of elections) void election.campaign();
/** Every election has been notified of a write it sent after the latest fresh watch was sent. */
const listReadThrough = () => readThrough.every((t) => t > lastFreshAt);
await until('every election to lead', allLead, 120_000);
let from = [...renewals];
await until(
  'three renewals each, and the list read through',
  () => renewals.every((n, i) => n - (from[i] ?? 0) >= 3) && listReadThrough(),
  120_000,
);
say('steady', { ...measure(), renewals: renewals.map((n, i) => n - (from[i] ?? 0)), errors });

await until('a re-list', () => watches.fresh >= 2, 240_000);
say('relisting');
from = [...renewals];
await until(
  'leading, renewing and the new list read through',
  () => allLead() && renewals.every((n, i) => n - (from[i] ?? 0) >= 2) && listReadThrough(),
  180_000,
);
say('relisted', {
  ...measure(),
  renewals: renewals.map((n, i) => n - (from[i] ?? 0)),
  errors,
  collectionWatches,
});
await Promise.all(elections.map((e) => e.stop()));
say('done');
process.exit(0);
