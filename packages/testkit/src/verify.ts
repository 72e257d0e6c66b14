/**
 * Everything `leasehold check` runs on a backend, in one call: the conformance checks (call by call, in real
 * time), the concurrent workloads (many handles at once on the virtual clock, each history judged for
 * linearizability) and the simulated clusters (`checkBackend`: every guarantee, the lock's history
 * included). The command prints what this returns; the bug zoo's tests call it to be judged the same way.
 *
 * A backend that offers its store (`StoreBackend`) gets faults inside the lock too: its store calls are slow,
 * fail, lose their answers and are delivered twice in the workloads and the clusters (store-faults.ts).
 */
import { systemClock } from '@leasehold/core';
import type { BackendFactory } from './cluster.ts';
import { checksFor, runLockConformance } from './conformance.ts';
import { runConcurrentWorkload, type WorkloadResult } from './linearizability/workload.ts';
import { type BackendCheckOptions, type BackendCheckResult, checkBackend } from './property.ts';
import { isStoreBackend, type StoreBackend, type StoreFaultOptions, storeBackend } from './store-faults.ts';

/**
 * Concurrent workloads `verifyBackend` runs by default: sized by the bug zoo (docs/model-checking.md), in
 * which the latest first catch of any bug over 100 sequence seeds came well inside this number.
 */
export const DEFAULT_WORKLOADS = 10;

/** Options of `verifyBackend`: those of `checkBackend`, how many concurrent workloads, the store faults. */
export interface VerifyOptions extends BackendCheckOptions {
  /** Concurrent workloads to run (default `DEFAULT_WORKLOADS`), seeded from the sequence seed. */
  readonly workloads?: number;
  /** Faults inside the lock, for a `StoreBackend` (default `defaultStoreFaults`; `false`: none). */
  readonly storeFaults?: StoreFaultOptions | false;
}

/** The verdict: see `BackendVerification.verdict`. */
export type Verdict = 'PASS' | 'WARN' | 'FAIL' | 'UNKNOWN';

/** What `verifyBackend` found, part by part, and the verdict. */
export interface BackendVerification {
  /** The conformance checks run, whether the watch check was among them, and those that failed. */
  readonly conformance: {
    readonly checks: number;
    readonly watch: boolean;
    readonly failures: readonly { readonly name: string; readonly error: string }[];
  };
  /** The concurrent workloads: how many ran, their verdicts, and the first violation. */
  readonly workloads: {
    readonly runs: number;
    readonly linearizable: number;
    readonly staleReads: number;
    readonly unknown: number;
    readonly violation: WorkloadResult | null;
  };
  /** The simulated clusters. */
  readonly simulation: BackendCheckResult;
  /** Whether the store's own calls were put behind faults (the backend offered its store). */
  readonly storeFaults: boolean;
  /**
   * `FAIL`: a guarantee broke: a conformance check, a workload (a history no compare-and-swap register could
   * give) or a cluster (two leaders, tokens out of order, a stuck election, a non-linearizable history).
   * `UNKNOWN`: none did, but some history could not be judged within the checker's budget (not a pass).
   * `WARN`: none did and every history was judged, but some only with reads lagging the writes: the election
   * tolerates that, at the cost in `warnings`. `PASS`: none of these.
   */
  readonly verdict: Verdict;
  /** For `WARN`: each deviation and what it costs the election. */
  readonly warnings: readonly string[];
}

/** Runs conformance, the concurrent workloads and the simulated clusters over `backend`. */
export async function verifyBackend(
  backend: BackendFactory | StoreBackend,
  options: VerifyOptions = {},
): Promise<BackendVerification> {
  const seed = options.seed ?? Math.floor(Math.random() * 0x7fff_ffff);
  const store = isStoreBackend(backend);
  // Conformance calls in real time: over the store as it is (its faults need the virtual clock).
  const plain = store ? storeBackend(backend, false) : backend;
  const faulty = store ? storeBackend(backend, options.storeFaults ?? {}) : backend;
  const probe = plain(systemClock).lock('leasehold-check-probe');
  const conformanceOptions = { malformed: false, watch: typeof probe.watch === 'function' };
  const failures = await runLockConformance(() => {
    const made = plain(systemClock);
    return { lock: (identity) => made.lock(identity) };
  }, conformanceOptions);

  const workloads = {
    runs: 0,
    linearizable: 0,
    staleReads: 0,
    unknown: 0,
    violation: null as WorkloadResult | null,
  };
  let workloadLagMs = 0;
  for (let i = 0; i < (options.workloads ?? DEFAULT_WORKLOADS) && !workloads.violation; i += 1) {
    const result = await runConcurrentWorkload(faulty, { seed: (seed + i * 7919) % 0x7fff_ffff });
    workloads.runs += 1;
    const { result: verdict } = result;
    if (verdict.verdict === 'linearizable') workloads.linearizable += 1;
    else if (verdict.verdict === 'stale-reads') {
      workloads.staleReads += 1;
      workloadLagMs = verdict.readLagMs;
    } else if (verdict.verdict === 'unknown') workloads.unknown += 1;
    else workloads.violation = result;
  }

  const { storeFaults: _, workloads: __, ...clusterOptions } = options;
  const simulation = await checkBackend(faulty, { ...clusterOptions, seed });
  const failed = failures.length > 0 || workloads.violation !== null || simulation.failure !== null;
  const unknown = workloads.unknown > 0 || simulation.histories.unknown > 0;
  const warnings: string[] = [];
  if (workloads.staleReads > 0)
    warnings.push(
      `stale reads: ${workloads.staleReads} of ${workloads.runs} concurrent workloads are linearizable only if reads may lag the writes (by up to ${workloadLagMs} ms); every write is still an exact compare-and-swap. Cost: a contender acts on an old record, so a takeover can come that much later`,
    );
  if (simulation.histories.staleReads > 0)
    warnings.push(
      `stale reads: ${simulation.histories.staleReads} of ${simulation.runs} clusters' lock histories are linearizable only if reads may lag the writes (by up to one lease). Cost: a follower sees an expired lease late, so failover after a crash can take up to one lease longer`,
    );
  return {
    conformance: { checks: checksFor(conformanceOptions).length, watch: conformanceOptions.watch, failures },
    workloads,
    simulation,
    storeFaults: store && options.storeFaults !== false,
    verdict: failed ? 'FAIL' : unknown ? 'UNKNOWN' : warnings.length > 0 ? 'WARN' : 'PASS',
    warnings: failed || unknown ? [] : warnings,
  };
}
