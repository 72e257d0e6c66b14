/**
 * Health probes for an election, as Kubernetes asks them (docs/operations.md "Probes"):
 *
 * - **Liveness**, with client-go's `HealthzAdaptor` semantics: a candidate that is not leading is healthy
 *   (a follower waiting is working as it should); a leader is unhealthy once its last successful renewal
 *   was sent longer ago than the lease duration plus a tolerance. A working leader renews every retry
 *   period and steps down at the renew deadline, so this fires only when the elector is stuck (its timers
 *   do not run, a callback blocks it): the kubelet then restarts the process rather than leave a leader that
 *   others will take over from while it still believes it leads.
 * - **Readiness**: ready only while leading (`isLeader()`), for a Service that must reach the leader only.
 *
 * Plain functions over a `LeaderElection` and its clock, plus `healthHandler`, a request handler for
 * `node:http` (and Express, Fastify's `raw`, or anything with the same three response members). No I/O here.
 */
import type { LeaderElection } from './driver.ts';
import { validitySentAt } from './machine/rules.ts';
import { systemClock } from './system.ts';

/** What a probe found. */
export interface HealthResult {
  /** Healthy (liveness) or ready (readiness). */
  readonly ok: boolean;
  /** Why, for the probe's response body and for logs. */
  readonly reason: string;
}

/** client-go's components use 20 s for the leader election health check's tolerance. */
export const DEFAULT_LIVENESS_TOLERANCE_SECONDS = 20;

/**
 * Liveness: unhealthy only for a leader whose last successful renewal was sent more than
 * `leaseDuration + toleranceSeconds` ago on the election's clock.
 */
export function checkLiveness(
  election: LeaderElection,
  toleranceSeconds = DEFAULT_LIVENESS_TOLERANCE_SECONDS,
): HealthResult {
  const { config } = election;
  if (election.state !== 'leader')
    return { ok: true, reason: `${config.name}: ${election.state}, not leading` };
  const now = (config.clock ?? systemClock).now();
  const sinceMs = now - validitySentAt(election.snapshot.context);
  const limitMs = (config.leaseDuration + toleranceSeconds) * 1000;
  const since = `${(sinceMs / 1000).toFixed(1)}s`;
  if (sinceMs > limitMs)
    return {
      ok: false,
      reason:
        `${config.name}: leader has not renewed for ${since}, past the lease (${config.leaseDuration}s) ` +
        `plus the tolerance (${toleranceSeconds}s): the elector is stuck`,
    };
  return { ok: true, reason: `${config.name}: leading, last renewal sent ${since} ago` };
}

/** Readiness: ready while this candidate leads and its lease is valid on its own clock. */
export function checkReadiness(election: LeaderElection): HealthResult {
  const { name } = election.config;
  if (election.isLeader()) return { ok: true, reason: `${name}: leading` };
  const leader = election.leader;
  return { ok: false, reason: `${name}: not leading${leader ? ` (the leader is ${leader})` : ''}` };
}

/** The parts of a `node:http` request a health handler reads. */
export interface HealthRequest {
  /** The request's path and query. */
  readonly url?: string | undefined;
}

/** The parts of a `node:http` response a health handler writes. */
export interface HealthResponse {
  /** Set to 200 or 503. */
  statusCode: number;
  /** Sets `Content-Type`. */
  setHeader(name: string, value: string): unknown;
  /** Sends the body and ends the response. */
  end(body: string): unknown;
}

/** Where the handler answers, and for which elections. */
export interface HealthHandlerOptions {
  /** Liveness path; default `/healthz`. */
  readonly livenessPath?: string;
  /** Readiness path; default `/readyz`. */
  readonly readinessPath?: string;
  /** Seconds past the lease before a stuck leader is unhealthy; default 20 (client-go's). */
  readonly toleranceSeconds?: number;
}

/**
 * A request handler serving liveness and readiness for `elections` (all must pass): 200 with their reasons,
 * or 503 with the failing ones, as plain text. For any other path it answers nothing and returns `false`,
 * so it can sit in front of other routes (`if (!health(req, res)) ...`).
 */
export function healthHandler(
  elections: LeaderElection | readonly LeaderElection[],
  options: HealthHandlerOptions = {},
): (request: HealthRequest, response: HealthResponse) => boolean {
  const list: readonly LeaderElection[] = 'config' in elections ? [elections] : elections;
  const livenessPath = options.livenessPath ?? '/healthz';
  const readinessPath = options.readinessPath ?? '/readyz';
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    let results: HealthResult[];
    if (path === livenessPath) results = list.map((e) => checkLiveness(e, options.toleranceSeconds));
    else if (path === readinessPath) results = list.map(checkReadiness);
    else return false;
    const failing = results.filter((r) => !r.ok);
    response.statusCode = failing.length === 0 ? 200 : 503;
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.end(`${(failing.length === 0 ? results : failing).map((r) => r.reason).join('\n')}\n`);
    return true;
  };
}
