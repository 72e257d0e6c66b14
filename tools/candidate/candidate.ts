/**
 * A Leasehold candidate in its own process, for multi-process tests on the real control plane. Prints one
 * JSON line per event on stdout: {"t": epoch ms, "id", "event": "ready" | "started" | "stopped" |
 * "leader" | "error" | "exit", ...}. SIGTERM or SIGINT stops the election (releasing the lock) and exits 0.
 *
 * Environment: KUBECONFIG, LOCK_KIND (lease | configmap), LOCK_NAME, IDENTITY, NAMESPACE (default
 * "default"), LEASE_DURATION / RENEW_DEADLINE / RETRY_PERIOD in seconds (3 / 2 / 0.5), LEASEHOLD_TRACE
 * (set: also a "transition" line per step of the statechart).
 *
 * Heap probes, for the soak (bench/outage-soak.ts) only: when the parent opens an IPC channel, the message
 * {type: "heap-sample", seq} answers a "heap" line with heapUsed and rss after a full collection (the parent
 * starts the process with --expose-gc), and {type: "heap-snapshot", seq, file} writes a V8 heap snapshot to
 * `file` and answers a "heap-snapshot" line with its path and how long the process stood still for it.
 */
import { writeHeapSnapshot } from 'node:v8';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigMapLock } from '@leasehold/configmap';
import { ElectionConfig, LeaderElection, type Lock, type TransitionInfo } from '@leasehold/core';
import { LeaseLock } from '@leasehold/lease';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`candidate: ${name} is not set`);
  return value;
};

const id = env('IDENTITY');
const emit = (event: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ t: Date.now(), id, event, ...extra })}\n`);
};

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(env('KUBECONFIG'));
const options = { name: env('LOCK_NAME'), namespace: env('NAMESPACE', 'default'), identity: id, kubeConfig };
const kind = env('LOCK_KIND');
const lock: Lock =
  kind === 'lease'
    ? new LeaseLock(options)
    : kind === 'configmap'
      ? new ConfigMapLock(options)
      : (() => {
          throw new Error(`candidate: LOCK_KIND must be lease or configmap, not ${kind}`);
        })();

const election = new LeaderElection(
  new ElectionConfig({
    lock,
    leaseDuration: Number(env('LEASE_DURATION', '3')),
    renewDeadline: Number(env('RENEW_DEADLINE', '2')),
    retryPeriod: Number(env('RETRY_PERIOD', '0.5')),
    onStartedLeading: () => emit('started'),
    onStoppedLeading: () => emit('stopped'),
    onNewLeader: (leader) => emit('leader', { leader }),
    onError: (error) => emit('error', { error: String(error) }),
  }),
  {
    // LEASEHOLD_TRACE=1: one "transition" line per step, for reading a failed run.
    ...(process.env.LEASEHOLD_TRACE
      ? {
          onTransition: (info: TransitionInfo) =>
            emit('transition', {
              input: info.input.type,
              ...('snapshot' in info.input ? { version: info.input.snapshot?.version ?? null } : {}),
              ...('live' in info.input ? { live: info.input.live } : {}),
              ...(info.input.type === 'LOCK_FAILED' ? { error: info.input.error } : {}),
              from: info.from,
              to: info.to,
              effects: info.effects.map((e) => e.type + ('timer' in e ? `:${e.timer}` : '')),
            }),
        }
      : {}),
  },
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await election.stop();
  emit('exit');
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/** A request of the soak's heap probe (tools/candidate only: nothing shipped answers such messages). */
type HeapRequest =
  | { type: 'heap-sample'; seq: number }
  | { type: 'heap-snapshot'; seq: number; file: string };

const collect = (): boolean => {
  if (typeof globalThis.gc !== 'function') return false;
  globalThis.gc();
  return true;
};

const answerHeapRequest = (request: HeapRequest): void => {
  if (request.type === 'heap-sample') {
    const collected = collect();
    const { heapUsed, rss } = process.memoryUsage();
    emit('heap', { seq: request.seq, heapUsed, rss, collected });
  } else {
    // V8 collects all garbage before it writes a snapshot, so the file holds only what is still reachable.
    const t0 = performance.now();
    const path = writeHeapSnapshot(request.file);
    const ms = Math.round(performance.now() - t0);
    emit('heap-snapshot', { seq: request.seq, path, ms, heapUsed: process.memoryUsage().heapUsed });
  }
};

if (process.send) {
  process.on('message', (message) => answerHeapRequest(message as HeapRequest));
  // The channel must not keep the process alive or change when it exits: the election decides that.
  process.channel?.unref();
}

emit('ready');
// Stay a candidate for the life of the process: acquire() keeps campaigning after a loss.
void election.acquire();
