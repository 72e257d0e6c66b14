/**
 * `leasehold status` and `leasehold watch`: a live Lease or ConfigMap lock, read (and followed) with the same
 * lock classes the election uses, so the record is read exactly as candidates read it. Loaded only by these
 * commands: client-node 2 needs Node 22.19 or later.
 *
 * Everything the cluster says goes through `printable` on its way to standard output (main.ts escapes error
 * messages the same way): whoever can write the lock object must not be able to write to the operator's
 * terminal.
 */

import { delimiter } from 'node:path';
import { ConfigMapLock } from '@leasehold/configmap';
import { isLockError, type LockSnapshot } from '@leasehold/core';
import { KubeConfigError, kubeConfigSource, LeaseLock, loadKubeConfig } from '@leasehold/lease';
import { CliError } from './errors.ts';
import { printable, printableMessage } from './printable.ts';

export interface LockAddress {
  readonly kind: 'lease' | 'configmap';
  readonly name: string;
  /** `-n`; when not given, the kubeconfig context's namespace, else `default`, as kubectl picks it. */
  readonly namespace: string | undefined;
  readonly kubeconfig: string | undefined;
}

/** How long the first read may take before the command gives up. */
const READ_TIMEOUT_SECONDS = 10;

/**
 * A kubeconfig the lock package's loader refused, in the CLI's words: `kubeconfig FILE: fault` (exit 3), the
 * file as given or found in KUBECONFIG, without the ConfigError's own prefix (it would say it twice).
 */
function kubeconfigError(err: KubeConfigError): CliError {
  const where = err.files.length > 0 ? `kubeconfig ${err.files.join(delimiter)}` : err.source;
  return new CliError(3, `${where}: ${err.fault}`);
}

function open(address: LockAddress): { lock: LeaseLock | ConfigMapLock; server: string } {
  let kubeConfig: ReturnType<typeof loadKubeConfig>;
  try {
    // --kubeconfig, else KUBECONFIG, ~/.kube/config or the Pod's service account, as kubectl finds it.
    kubeConfig = loadKubeConfig('leasehold', address.kubeconfig);
  } catch (err) {
    if (err instanceof KubeConfigError) throw kubeconfigError(err);
    throw err;
  }
  const source = kubeConfigSource(kubeConfig) ?? 'kubeconfig';
  // The loader checked that the current context names a cluster with a server.
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  // As kubectl: -n, else the current context's namespace (in a Pod, client-node sets the service account's),
  // else `default`.
  const namespace =
    address.namespace ??
    (kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || 'default');
  const options = { name: address.name, namespace, identity: 'leasehold-cli', kubeConfig };
  try {
    return {
      lock: address.kind === 'configmap' ? new ConfigMapLock(options) : new LeaseLock(options),
      server,
    };
  } catch (err) {
    if (err instanceof KubeConfigError) throw kubeconfigError(err);
    throw new CliError(3, `cannot use ${source}: ${text(err)}`);
  }
}

const text = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Whether `err` is an aborted request: our own deadline passed (`signal`), or a DOMException TimeoutError or
 * AbortError anywhere in its cause chain. Such an error carries DOMException's legacy `code` (23 for a
 * timeout), which an API-error mapping may read as an HTTP status; the command names it for what it is.
 */
function isTimeout(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1)
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  return false;
}

async function read(
  address: LockAddress,
): Promise<{ snapshot: LockSnapshot; describe: string; lock: ReturnType<typeof open>['lock'] }> {
  const { lock, server } = open(address);
  const describe = lock.describe();
  let snapshot: LockSnapshot | null;
  const signal = AbortSignal.timeout(READ_TIMEOUT_SECONDS * 1000);
  try {
    snapshot = await lock.get({ signal });
  } catch (err) {
    if (isLockError(err, 'Malformed')) throw new CliError(1, text(err));
    if (isTimeout(err, signal))
      throw new CliError(
        3,
        `cannot reach the API server at ${server}: timed out after ${READ_TIMEOUT_SECONDS} s reading ${describe}`,
      );
    if (isLockError(err, 'Forbidden'))
      throw new CliError(3, `not allowed to read ${describe} on ${server}: ${text(err)}`);
    throw new CliError(3, `cannot reach the API server at ${server}: ${text(err)}`);
  }
  if (!snapshot) throw new CliError(1, `no ${describe} on ${server}`);
  return { snapshot, describe, lock };
}

/** A holder identity as printed: escaped, or what an empty one means. */
const shownHolder = (identity: string, empty: string) => (identity ? printable(identity) : empty);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * A time between two lines of `watch`: under 1 s in milliseconds (`36ms`: a handover takes tens of them,
 * which `0.0s` would hide), 1 s and over in seconds with one decimal (`1.2s`). A negative one (this machine's
 * clock stepped back) is 0.
 */
export function sinceText(ms: number): string {
  const at = Math.max(0, ms);
  return Math.round(at) < 1000 ? `${Math.round(at)}ms` : seconds(at);
}

/** Prints the lock as it is now; resolves with exit code 0. */
export async function status(address: LockAddress, out: (line: string) => void): Promise<0> {
  const { snapshot, describe } = await read(address);
  const { record, version } = snapshot;
  const now = Date.now();
  out(printable(describe));
  out(`  holder           ${shownHolder(record.holderIdentity, '(none: released, anyone may take it)')}`);
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
  out(`  version          ${printable(version)}`);
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
      `${new Date(now).toISOString()} ${record ? `holder=${shownHolder(record.holderIdentity, '(none)')} transitions=${record.leaderTransitions} version=${printable(s.version)}` : 'deleted'} ${note}`,
    );
    last = now;
  };
  out(`watching ${printable(describe)} (Ctrl-C to stop)`);
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
        `(+${sinceText(Date.now() - last)} since the previous ${changesOnly ? 'change of holder' : 'change'} seen here)`,
      );
    },
    (live) => out(`${new Date().toISOString()} watch ${live ? 'live' : 'lost: reconnecting'}`),
    (error) =>
      out(
        `${new Date().toISOString()} watch error: ${isTimeout(error) ? 'timed out' : printableMessage(text(error))}`,
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
