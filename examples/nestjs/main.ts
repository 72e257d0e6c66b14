/**
 * NestJS: replicas of a Nest application, one of them leading. LeaseholdModule elects the leader with a
 * Lease; the reconcile loop (`@OnLeadership()`, reconciler.ts) runs on the leader only; each replica serves
 * `/healthz` and `/readyz` through @nestjs/terminus and `/metrics` for Prometheus. On SIGTERM or SIGINT
 * (`enableShutdownHooks()`), Nest closes the application: the loop's signal aborts, its round finishes, the
 * lease is released, and the next replica takes over at once instead of a lease later.
 *
 *   scripts/example.sh nestjs [--name nestjs] [--namespace default] [--http-port 0] [timing flags as in basic]
 *
 * Nest needs decorators, which Node's type stripping does not run: this example is compiled first
 * (`tsc -p examples/nestjs`, as `nest build` would), then run from examples/nestjs/dist. Needs get, create,
 * patch and watch on leases in the namespace: deploy/rbac.yaml.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { logger, parseOptions } from '../shared/cli.ts';
import { appModule } from './app.module.ts';

const options = parseOptions('nestjs', ['http-port']);
const log = logger(options.identity);
const app = await NestFactory.create(appModule(options), { logger: ['error', 'warn'] });
// SIGTERM/SIGINT close the application: LeaseholdModule stops the work and releases the lease then.
app.enableShutdownHooks();
await app.listen(Number(options.extra['http-port'] ?? 0), '127.0.0.1');
const { port } = app.getHttpServer().address() as AddressInfo;
log(`listening on http://127.0.0.1:${port}`);
