/**
 * A Leasehold candidate in its own process, for multi-process tests on the real control plane. Prints one
 * JSON line per event on stdout: {"t": epoch ms, "id", "event": "ready" | "started" | "stopped" |
 * "leader" | "error" | "exit", ...}. SIGTERM or SIGINT stops the election (releasing the lock) and exits 0.
 *
 * Environment: KUBECONFIG, LOCK_KIND (lease | configmap), LOCK_NAME, IDENTITY, NAMESPACE (default
 * "default"), LEASE_DURATION / RENEW_DEADLINE / RETRY_PERIOD in seconds (3 / 2 / 0.5), LEASEHOLD_TRACE
 * (set: also a "transition" line per step of the statechart).
 */
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

emit('ready');
// Stay a candidate for the life of the process: acquire() keeps campaigning after a loss.
void election.acquire();
