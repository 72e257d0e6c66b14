/**
 * `@leasehold/metrics`: Prometheus metrics for Leasehold elections, with prom-client (a peer dependency).
 * client-go's `leader_election_master_status` and `leader_election_slowpath_total` keep their names, so
 * existing dashboards and alerts work; Leasehold's own are prefixed `leasehold_`.
 *
 * @packageDocumentation
 */

export type { ElectionMetricsOptions } from './election-metrics.ts';
export { ElectionMetrics } from './election-metrics.ts';
