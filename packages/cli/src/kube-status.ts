/**
 * `leasehold status` and `leasehold watch`: a live Lease or ConfigMap lock, read (and followed) with the same
 * lock classes the election uses, so the record is read exactly as candidates read it. Loaded only by these
 * commands: client-node 2 needs Node 22.19 or later.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigMapLock } from '@leasehold/configmap';
import { isLockError, type LockSnapshot } from '@leasehold/core';
import { LeaseLock } from '@leasehold/lease';
import { CliError } from './errors.ts';

export interface LockAddress {
  readonly kind: 'lease' | 'configmap';
  readonly name: string;
  readonly namespace: string;
  readonly kubeconfig: string | undefined;
}

function open(address: LockAddress): { lock: LeaseLock | ConfigMapLock; server: string } {
  const kubeConfig = new KubeConfig();
  try {
    if (address.kubeconfig) kubeConfig.loadFromFile(address.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new CliError(3, `cannot load the kubeconfig: ${err instanceof Error ? err.message : String(err)}`);
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new CliError(3, 'the kubeconfig names no cluster (set KUBECONFIG or --kubeconfig)');
  const options = { name: address.name, namespace: address.namespace, identity: 'leasehold-cli', kubeConfig };
  return { lock: address.kind === 'configmap' ? new ConfigMapLock(options) : new LeaseLock(options), server };
}

async function read(
  address: LockAddress,
): Promise<{ snapshot: LockSnapshot; describe: string; lock: ReturnType<typeof open>['lock'] }> {
  const { lock, server } = open(address);
  let snapshot: LockSnapshot | null;
  try {
    snapshot = await lock.get({ signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    if (isLockError(err, 'Malformed')) throw new CliError(1, err.message);
    const message = err instanceof Error ? err.message : String(err);
    if (isLockError(err, 'Forbidden'))
      throw new CliError(3, `not allowed to read ${lock.describe()} on ${server}: ${message}`);
    throw new CliError(3, `cannot reach the API server at ${server}: ${message}`);
  }
  if (!snapshot) throw new CliError(1, `no ${lock.describe()} on ${server}`);
  return { snapshot, describe: lock.describe(), lock };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Prints the lock as it is now; resolves with exit code 0. */
export async function status(address: LockAddress, out: (line: string) => void): Promise<0> {
  const { snapshot, describe } = await read(address);
  const { record, version } = snapshot;
  const now = Date.now();
  out(describe);
  out(`  holder           ${record.holderIdentity || '(none: released, anyone may take it)'}`);
  out(`  lease duration   ${record.leaseDurationSeconds}s`);
  out(`  transitions      ${record.leaderTransitions}`);
  out(`  acquired         ${record.acquireTime?.toISOString() ?? '-'} (the holder's clock)`);
  if (record.renewTime) {
    const age = now - record.renewTime.getTime();
    out(
      `  renewed          ${record.renewTime.toISOString()} (the holder's clock), ${seconds(age)} ago by this machine's clock`,
    );
    if (record.holderIdentity)
      out(
        `  lease left       about ${seconds(Math.max(0, record.leaseDurationSeconds * 1000 - age))} by this machine's clock ` +
          '(candidates never compare clocks: each waits a full lease after it sees a change)',
      );
  } else out('  renewed          -');
  out(`  version          ${version}`);
  return 0;
}

/**
 * Follows the lock, a line per change with the time since the previous line as seen here, until
 * `forSeconds` pass or SIGINT; resolves with exit code 0. With `changesOnly` (`--changes`), a line only when
 * the holder changes (a deletion counts): renewals are not shown.
 */
export async function watch(
  address: LockAddress,
  forSeconds: number | undefined,
  out: (line: string) => void,
  changesOnly = false,
): Promise<0> {
  const { snapshot, describe, lock } = await read(address);
  let last = Date.now();
  const line = (s: LockSnapshot | null, note: string) => {
    const now = Date.now();
    const record = s?.record;
    out(
      `${new Date(now).toISOString()} ${record ? `holder=${record.holderIdentity || '(none)'} transitions=${record.leaderTransitions} version=${s.version}` : 'deleted'} ${note}`,
    );
    last = now;
  };
  out(`watching ${describe} (Ctrl-C to stop)`);
  line(snapshot, '(now)');
  let seen = snapshot.version;
  // null: deleted. A renewal keeps the holder; a release, a takeover or a deletion changes it.
  let holder: string | null = snapshot.record.holderIdentity;
  const close = lock.watch(
    (next) => {
      if (next?.version === seen) return; // the watch starts with the current object
      seen = next?.version ?? '';
      const nextHolder = next ? next.record.holderIdentity : null;
      if (changesOnly && nextHolder === holder) return;
      holder = nextHolder;
      line(
        next,
        `(+${seconds(Date.now() - last)} since the previous ${changesOnly ? 'change of holder' : 'change'} seen here)`,
      );
    },
    (live) => out(`${new Date().toISOString()} watch ${live ? 'live' : 'lost: reconnecting'}`),
    (error) =>
      out(
        `${new Date().toISOString()} watch error: ${error instanceof Error ? error.message : String(error)}`,
      ),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    if (forSeconds !== undefined) setTimeout(stop, forSeconds * 1000).unref();
  });
  close();
  return 0;
}
