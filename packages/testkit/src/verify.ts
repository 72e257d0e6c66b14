/**
 * Everything `leasehold check` runs on a backend, in one call: the conformance checks (call by call, in real
 * time), the concurrent workloads (many handles at once on the virtual clock, each history judged for
 * linearizability) and the simulated clusters (`checkBackend`: every guarantee, the lock's history
 * included). The command prints what this returns; the bug zoo's tests call it to be judged the same way.
 */
import { systemClock } from '@leasehold/core';
import type { BackendFactory } from './cluster.ts';
import { checksFor, runLockConformance } from './conformance.ts';
import { runConcurrentWorkload, type WorkloadResult } from './linearizability/workload.ts';
import { type BackendCheckOptions, type BackendCheckResult, checkBackend } from './property.ts';

/** Options of `verifyBackend`: those of `checkBackend`, and how many concurrent workloads. */
export interface VerifyOptions extends BackendCheckOptions {
  /** Concurrent workloads to run (default 10), seeded from the sequence seed. */
  readonly workloads?: number;
}

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
  /**
   * `FAIL`: a conformance check, a workload or a cluster found a violation. `UNKNOWN`: none did, but some
   * history could not be judged within the checker's budget (not a pass). `PASS`: neither.
   */
  readonly verdict: 'PASS' | 'FAIL' | 'UNKNOWN';
}

/** Runs conformance, the concurrent workloads and the simulated clusters over `backend`. */
export async function verifyBackend(
  backend: BackendFactory,
  options: VerifyOptions = {},
): Promise<BackendVerification> {
  const seed = options.seed ?? Math.floor(Math.random() * 0x7fff_ffff);
  // Conformance on fresh objects, in real time (a model has no timers of its own).
  const probe = backend(systemClock).lock('leasehold-check-probe');
  const conformanceOptions = { malformed: false, watch: typeof probe.watch === 'function' };
  const failures = await runLockConformance(() => {
    const made = backend(systemClock);
    return { lock: (identity) => made.lock(identity) };
  }, conformanceOptions);

  const workloads = {
    runs: 0,
    linearizable: 0,
    staleReads: 0,
    unknown: 0,
    violation: null as WorkloadResult | null,
  };
  for (let i = 0; i < (options.workloads ?? 10) && !workloads.violation; i += 1) {
    const result = await runConcurrentWorkload(backend, { seed: (seed + i * 7919) % 0x7fff_ffff });
    workloads.runs += 1;
    const { verdict } = result.result;
    if (verdict === 'linearizable') workloads.linearizable += 1;
    else if (verdict === 'stale-reads') workloads.staleReads += 1;
    else if (verdict === 'unknown') workloads.unknown += 1;
    else workloads.violation = result;
  }

  const simulation = await checkBackend(backend, { ...options, seed });
  const failed = failures.length > 0 || workloads.violation !== null || simulation.failure !== null;
  const unknown = workloads.unknown > 0 || simulation.histories.unknown > 0;
  return {
    conformance: { checks: checksFor(conformanceOptions).length, watch: conformanceOptions.watch, failures },
    workloads,
    simulation,
    verdict: failed ? 'FAIL' : unknown ? 'UNKNOWN' : 'PASS',
  };
}
