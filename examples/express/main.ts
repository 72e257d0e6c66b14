/**
 * Express: one replica of an Express service whose background work runs on the leader only. Every replica
 * serves `/healthz` (liveness) and `/readyz` (ready while leading) with `healthHandler`, and `/metrics` for
 * Prometheus. On SIGTERM or SIGINT the election stops: the work ends, the Lease is released (the next
 * replica takes over at once), then the server closes and the process exits 0.
 *
 *   scripts/example.sh express [--name express] [--namespace default] [--http-port 0] [timing flags as in basic]
 *
 * The election (a Lease, the reconcile loop while leading) is ../shared/election.ts. Needs get, create, patch
 * and watch on leases in the namespace: deploy/rbac.yaml.
 */
import type { AddressInfo } from 'node:net';
import { healthHandler } from '@leasehold/core';
import { ElectionMetrics } from '@leasehold/metrics';
import express from 'express';
import { logger, parseOptions, shutdownSignal } from '../shared/cli.ts';
import { reconcilerElection } from '../shared/election.ts';

const options = parseOptions('express', ['http-port']);
const log = logger(options.identity);
const signal = shutdownSignal(options.runFor, log);

// The shutdown signal stops the election: the work ends, then the lease is released.
const election = reconcilerElection(options, log, signal);
const metrics = new ElectionMetrics();
metrics.observe(election);
const health = healthHandler(election); // Express's request and response are node:http's

const app = express();
app.get(['/healthz', '/readyz'], (request, response) => {
  health(request, response);
});
app.get('/metrics', async (_request, response) => {
  response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
});
const server = app.listen(Number(options.extra['http-port'] ?? 0), '127.0.0.1', () => {
  log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

await election.campaign(); // leads whenever it wins, follows otherwise, until the signal
await new Promise((resolve) => server.close(resolve));
log('exited cleanly');
