/**
 * Fastify: one replica of a Fastify service whose background work runs on the leader only. Every replica
 * answers `/healthz` (liveness, `checkLiveness`) and `/readyz` (ready while leading, `checkReadiness`) as
 * Fastify routes, and `/metrics` for Prometheus. On SIGTERM or SIGINT the election stops: the work ends,
 * the Lease is released (the next replica takes over at once), then Fastify closes and the process exits 0.
 *
 *   scripts/example.sh fastify [--name fastify] [--namespace default] [--http-port 0] [timing flags as in basic]
 *
 * The election (a Lease, the reconcile loop while leading) is ../shared/election.ts. Needs get, create, patch
 * and watch on leases in the namespace: deploy/rbac.yaml.
 */
import { checkLiveness, checkReadiness, type HealthResult } from '@leasehold/core';
import { ElectionMetrics } from '@leasehold/metrics';
import Fastify, { type FastifyReply } from 'fastify';
import { logger, parseOptions, shutdownSignal } from '../shared/cli.ts';
import { reconcilerElection } from '../shared/election.ts';

const options = parseOptions('fastify', ['http-port']);
const log = logger(options.identity);
const signal = shutdownSignal(options.runFor, log);

// The shutdown signal stops the election: the work ends, then the lease is released.
const election = reconcilerElection(options, log, signal);
const metrics = new ElectionMetrics();
metrics.observe(election);

/** A probe's answer: 200 or 503, with the reason as plain text. */
const probe = (reply: FastifyReply, { ok, reason }: HealthResult) =>
  reply
    .code(ok ? 200 : 503)
    .type('text/plain; charset=utf-8')
    .send(`${reason}\n`);

const app = Fastify();
app.get('/healthz', (_request, reply) => probe(reply, checkLiveness(election)));
app.get('/readyz', (_request, reply) => probe(reply, checkReadiness(election)));
app.get('/metrics', async (_request, reply) =>
  reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
);
const address = await app.listen({ port: Number(options.extra['http-port'] ?? 0), host: '127.0.0.1' });
log(`listening on ${address}`);

await election.campaign(); // leads whenever it wins, follows otherwise, until the signal
await app.close();
log('exited cleanly');
