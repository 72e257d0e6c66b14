/**
 * API-server and etcd outages on a real control plane, one definition for every Kubernetes lock kind. Three
 * candidate processes (with traces) and an independent observer (the processes' reports, the lock object)
 * live through three outages in turn, each longer than renewDeadline:
 *
 * - kube-apiserver paused (SIGSTOP): requests and watches hang;
 * - kube-apiserver killed, then restarted with the same flags and data: connections are refused at once;
 * - etcd paused: the API server stays up and its watches stay open, but reads and writes stall.
 *
 * Each asserts: the leader stops leading no later than renewDeadline + requestTimeout after it sent its
 * last successful renewal; no two leadership intervals overlap; some candidate leads again within the
 * liveness bound after recovery; while requests fail, no candidate sends a request sooner than one retry
 * period after a failed one (rule 7), so at most one per retry period; reports stay few (no failure reported
 * twice before a recovery, at most one per kind of failure); the
 * followers return to zero requests once their watches are live again; every process is still running.
 *
 * The control plane is this file's own: pausing the shared one would stall the other test files.
 */
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { LockErrorKind } from '@leasehold/core';
import { isContention } from '@leasehold/core/internal';
import { cadenceViolations, type LockLogEntry } from '@leasehold/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from './control-plane.ts';
import { type CandidateEvent, CandidateProcess, leadershipIntervals, overlaps } from './processes.ts';
import { uniqueName, waitFor } from './testing.ts';

export type LockKind = 'lease' | 'configmap';

const L = 3;
const D = 2;
const R = 0.5;
const REQUEST_TIMEOUT = D / 2;
const TIMING = { LEASE_DURATION: String(L), RENEW_DEADLINE: String(D), RETRY_PERIOD: String(R) };
/** docs/guarantees.md: ceil(L) + max(2.2 R, ceil(L)) + requestTimeout, plus request latencies (1 s here). */
const LIVENESS_BOUND_MS = (Math.ceil(L) + Math.max(2.2 * R, Math.ceil(L)) + REQUEST_TIMEOUT + 1) * 1000;
const REQUEST_EFFECTS = new Set(['readLock', 'createLock', 'updateLock']);
/** Timers never fire early; wall-clock stamps of two events may still differ by a few ms from the timer. */
const CLOCK_SLACK_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Reports per candidate per outage: one per kind of failure (the watch dropped, a write refused, a read
 * refused, a request unanswered) and the recovery, 0 to 5 measured (docs/guarantees.md), plus a margin of 1.
 * Without coalescing every failed request is a report of its own, and `repeatedReports` finds the repeats.
 */
const MAX_REPORTS_PER_OUTAGE = 6;

type Outage = 'pause the API server' | 'kill and restart the API server' | 'pause etcd';

interface Transition extends CandidateEvent {
  readonly input: string;
  readonly from: string;
  readonly to: string;
  readonly effects: readonly string[];
  readonly error?: LockErrorKind;
  readonly live?: boolean;
}

const transitions = (p: CandidateProcess): Transition[] =>
  p.events.filter((e): e is Transition => e.event === 'transition');
const requestsIn = (t: Transition): number => t.effects.filter((e) => REQUEST_EFFECTS.has(e)).length;

/** A process's trace as a lock log, for the simulator's own rule-7 check (`cadenceViolations`). */
function lockLog(p: CandidateProcess): LockLogEntry[] {
  const log: LockLogEntry[] = [];
  for (const t of transitions(p)) {
    const entry = { t: t.t, candidate: p.id, generation: 0, cause: t.input, from: t.from };
    if (t.input === 'LOCK_READ' || t.input === 'LOCK_WRITTEN') log.push({ ...entry, what: 'answered' });
    if (t.input === 'LOCK_FAILED') {
      // The trace names the error, not the request: a create's NotFound (a missing namespace) cannot occur here.
      const answered = t.error !== undefined && isContention(t.error, undefined);
      log.push({ ...entry, what: answered ? 'answered' : 'failed' });
    }
    for (let i = 0; i < requestsIn(t); i += 1) log.push({ ...entry, what: 'sent' });
  }
  return log;
}

/** The `onError` reports of `p` after its first `skip`, as text. */
function reportsSince(p: CandidateProcess, skip: number): string[] {
  return p.events
    .filter((e) => e.event === 'error')
    .slice(skip)
    .map((e) => String((e as CandidateEvent & { error?: unknown }).error));
}

/**
 * First reports of one failure made again before a recovery: the error policy (docs/guide.md "Errors")
 * reports a failure once and counts its repetitions (`RepeatedFailure`) until a `LockRecovered`. Failures
 * are the same when their texts match once numbers and long hex strings (ports, durations, ids) are blanked.
 */
function repeatedReports(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const text of texts) {
    if (text.startsWith('LockRecovered')) seen.clear();
    if (text.startsWith('LockRecovered') || text.startsWith('RepeatedFailure')) continue;
    const key = text.replace(/[0-9a-f]{8,}|\d+/gi, '#');
    if (seen.has(key)) repeated.push(text);
    seen.add(key);
  }
  return repeated;
}

/** The send time of the last renewal the leader saw answered before `before`. */
function lastSuccessfulRenewalSent(p: CandidateProcess, before: number): number | undefined {
  let lastWriteSent: number | undefined;
  let lastSuccess: number | undefined;
  for (const t of transitions(p)) {
    if (t.t > before) break;
    if (t.input === 'LOCK_WRITTEN' && t.to === 'leader' && lastWriteSent !== undefined)
      lastSuccess = lastWriteSent;
    if (t.effects.includes('updateLock') || t.effects.includes('createLock')) lastWriteSent = t.t;
  }
  return lastSuccess;
}

export function describeOutages(kind: LockKind): void {
  describe(`${kind}: outages of the API server and etcd, with three candidate processes`, () => {
    let plane: ControlPlane;
    let procs: CandidateProcess[] = [];
    const name = uniqueName(`${kind}-outage`);
    let kc: KubeConfig;

    const leaders = () => procs.filter((p) => p.leading);
    const holder = async (): Promise<string | null> => {
      try {
        if (kind === 'lease') {
          const lease = await kc
            .makeApiClient(CoordinationV1Api)
            .readNamespacedLease({ name, namespace: 'default' });
          return lease.spec?.holderIdentity ?? '';
        }
        const cm = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: 'default' });
        const text = cm.metadata?.annotations?.['control-plane.alpha.kubernetes.io/leader'];
        return text ? String((JSON.parse(text) as { holderIdentity?: string }).holderIdentity ?? '') : '';
      } catch {
        return null;
      }
    };
    /** Every follower's watch last reported itself live (a paused server's streams may never drop). */
    const followersWatching = () =>
      procs
        .filter((p) => !p.leading)
        .every((p) => transitions(p).findLast((t) => t.input === 'WATCH_HEALTH')?.live === true);

    beforeAll(async () => {
      plane = await startControlPlane();
      kc = new KubeConfig();
      kc.loadFromFile(plane.kubeconfig);
      procs = ['alpha', 'bravo', 'charlie'].map(
        (id) =>
          new CandidateProcess(id, {
            ...TIMING,
            KUBECONFIG: plane.kubeconfig,
            LOCK_KIND: kind,
            LOCK_NAME: name,
            LEASEHOLD_TRACE: '1',
          }),
      );
      await waitFor(leaders, (l) => l.length === 1, 30_000);
    }, 120_000);

    afterAll(async () => {
      for (const p of procs) await p.kill('SIGKILL');
      await plane?.stop();
    }, 60_000);

    const outage = async (what: Outage): Promise<{ start: number; end: number }> => {
      const start = Date.now();
      if (what === 'pause the API server') {
        plane.apiServer.pause();
        await sleep(5_000);
        plane.apiServer.resume();
      } else if (what === 'kill and restart the API server') {
        await plane.apiServer.kill();
        await sleep(4_000);
        await plane.apiServer.restart();
      } else {
        plane.etcd.pause();
        await sleep(5_000);
        plane.etcd.resume();
      }
      return { start, end: Date.now() };
    };

    for (const what of ['pause the API server', 'kill and restart the API server', 'pause etcd'] as const) {
      it(`${what}: the leader steps down in time, nobody overlaps, requests keep their cadence, the election recovers`, async () => {
        // Steady state first: one leader, every follower's watch live, a few renewals.
        const [leader] = await waitFor(leaders, (l) => l.length === 1, 30_000);
        await waitFor(
          () => followersWatching(),
          (ok) => ok,
          30_000,
        );
        await sleep(1_500);
        const errorsBefore = new Map(
          procs.map((p) => [p.id, p.events.filter((e) => e.event === 'error').length]),
        );

        const { start, end } = await outage(what);
        const outageMs = end - start;

        // 1. The leader stepped down no later than D + requestTimeout after its last successful renewal.
        const stopped = leader!.events.find((e) => e.event === 'stopped' && e.t >= start);
        expect(stopped, `${leader!.id} never stopped leading during a ${outageMs} ms outage`).toBeDefined();
        const lastRenewal = lastSuccessfulRenewalSent(leader!, stopped!.t)!;
        const stepDownMs = stopped!.t - lastRenewal;
        expect(stepDownMs).toBeLessThanOrEqual((D + REQUEST_TIMEOUT) * 1000);

        // 2. Some candidate leads again within the liveness bound after recovery.
        await waitFor(leaders, (l) => l.length === 1, LIVENESS_BOUND_MS + 5_000);
        const firstStart = Math.min(
          ...procs.flatMap((p) =>
            p.events.filter((e) => e.event === 'started' && e.t >= start).map((e) => e.t),
          ),
        );
        const recoveryMs = Math.max(0, firstStart - end);
        expect(recoveryMs).toBeLessThanOrEqual(LIVENESS_BOUND_MS);

        // 3. No overlap, ever; the lock names the leader.
        expect(overlaps(leadershipIntervals(procs, new Map()))).toEqual([]);
        await waitFor(holder, (h) => h === leaders()[0]?.id, 5_000);

        // 4. Cadence while requests failed, and the rate that gives.
        const violations = procs.flatMap((p) =>
          cadenceViolations(lockLog(p), R * 1000 - CLOCK_SLACK_MS)
            .filter((v) => v.atMs >= start && v.atMs <= end)
            .map((v) => v.detail),
        );
        expect(violations).toEqual([]);
        const rates = procs.map((p) => {
          const sent = transitions(p)
            .filter((t) => t.t >= start && t.t <= end)
            .reduce((n, t) => n + requestsIn(t), 0);
          expect(sent).toBeLessThanOrEqual(Math.ceil(outageMs / (R * 1000)) + 2);
          return `${p.id} ${sent} (${((sent * 1000) / outageMs).toFixed(2)}/s)`;
        });

        // 5. Few reports: each kind of failure once, a count, a recovery; never one per request. Coalesced: no
        // failure is reported twice before a recovery (repetitions only as counts), and each candidate makes at
        // most MAX_REPORTS_PER_OUTAGE reports, while each sends 2 to 8 requests that fail.
        const reported = procs.map((p) => reportsSince(p, errorsBefore.get(p.id)!));
        for (const [i, texts] of reported.entries()) {
          expect(repeatedReports(texts), `${procs[i]!.id}: ${texts.join(' | ')}`).toEqual([]);
          expect(texts.length, `${procs[i]!.id}: ${texts.join(' | ')}`).toBeLessThanOrEqual(
            MAX_REPORTS_PER_OUTAGE,
          );
        }
        const reports = reported.map((texts) => texts.length);

        // 6. Back to quiet: once every follower's watch is live again, followers send nothing.
        await waitFor(
          () => followersWatching(),
          (ok) => ok,
          40_000,
        );
        await sleep(L * 1000 + 1_000); // a follower's back-off timer set before the watch came back fires once
        const followers = procs.filter((p) => !p.leading);
        const count = () =>
          followers.reduce((n, p) => n + transitions(p).reduce((m, t) => m + requestsIn(t), 0), 0);
        const quietFrom = count();
        await sleep(3_000);
        const quietRequests = count() - quietFrom;
        expect(quietRequests).toBe(0);

        // 7. Nobody crashed: no unhandled rejection, no exit.
        for (const p of procs) {
          expect(p.alive, `${p.id} exited: ${p.stderr}`).toBe(true);
          expect(p.stderr).not.toMatch(/Unhandled|uncaught/i);
        }
        console.log(
          `${kind}: ${what} for ${outageMs} ms: step-down ${stepDownMs} ms after the last renewal sent ` +
            `(bound ${(D + REQUEST_TIMEOUT) * 1000}), new leader ${recoveryMs} ms after recovery ` +
            `(bound ${LIVENESS_BOUND_MS}); requests during the outage: ${rates.join(', ')}; ` +
            `reports per candidate ${reports.join('/')}; follower requests once watching again: ${quietRequests}`,
        );
      }, 180_000);
    }
  });
}
