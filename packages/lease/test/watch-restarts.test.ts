/**
 * How a watch stream restarts (issue 21, "Watch restarts are wasteful"), against a local HTTP server that
 * plays a misbehaving proxy or an API server's watch protocol line by line: `keepWatching` must not
 * reconnect ten times a second to a server that closes or refuses every stream, and must resume from the
 * last resourceVersion after every failure but 410 Gone. The server counts the requests and records each
 * one's `resourceVersion` parameter. (The real API server's side: shared-watch-memory.test.ts.)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { keepWatching } from '../src/watch-stream.ts';
import { localKubeConfig } from './local-kubeconfig.ts';

const PATH = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Scripted {
  readonly server: Server;
  readonly kubeConfig: KubeConfig;
  /** The `resourceVersion` parameter of each watch request, in order (null: none, a fresh start). */
  readonly versions: (string | null)[];
}

/** A server answering the n-th watch request (0-based) with `answer(n, req, res)`. */
async function scriptedServer(
  answer: (n: number, req: IncomingMessage, res: ServerResponse) => void,
): Promise<Scripted> {
  const versions: (string | null)[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== PATH || url.searchParams.get('watch') !== 'true') {
      res.writeHead(404).end();
      return;
    }
    versions.push(url.searchParams.get('resourceVersion'));
    answer(versions.length - 1, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = localKubeConfig(port);
  return { server, kubeConfig, versions };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Watches through `server` for `ms`; returns how many watch requests reached it. */
async function requestsIn(server: Scripted, ms: number): Promise<number> {
  const close = keepWatching(
    server.kubeConfig,
    { collectionPath: PATH, resume: true, lockName: 'test' },
    { onEvent: () => {}, onHealth: () => {}, onError: () => {} },
  );
  await sleep(ms);
  close();
  return server.versions.length;
}

const lease = (name: string, resourceVersion: string) => ({
  kind: 'Lease',
  apiVersion: 'coordination.k8s.io/v1',
  metadata: { name, namespace: 'default', resourceVersion },
  spec: {},
});
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
const streaming = (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });

/**
 * Back-off bound: over WINDOW_MS a back-off of 1 s, 2 s, 4 s (each drawn from its upper half) allows at most
 * 5 attempts (at 0, >= 0.5, >= 1.5, >= 3.5, >= 7.5 s); a restart every 0.1 s would make about 70.
 */
const WINDOW_MS = 8_000;
const MAX_ATTEMPTS = 5;

it('a proxy that accepts every watch and closes it at once is not reconnected to ten times a second', async () => {
  const server = await scriptedServer((_n, _req, res) => {
    streaming(res);
    res.end();
  });
  cleanups.push(() => server.server.close());
  const count = await requestsIn(server, WINDOW_MS);
  console.log(`streams closed at once: ${count} watch requests in ${WINDOW_MS / 1000} s`);
  expect(count).toBeGreaterThanOrEqual(2); // it does retry
  expect(count).toBeLessThanOrEqual(MAX_ATTEMPTS);
}, 30_000);

it('a proxy that accepts every watch and resets it at once is backed off the same way', async () => {
  const server = await scriptedServer((_n, req, res) => {
    streaming(res);
    res.write(line('BOOKMARK', { metadata: { resourceVersion: '5' } }));
    setTimeout(() => req.socket.destroy(), 20);
  });
  cleanups.push(() => server.server.close());
  const count = await requestsIn(server, WINDOW_MS);
  console.log(`streams reset at once: ${count} watch requests in ${WINDOW_MS / 1000} s`);
  expect(count).toBeGreaterThanOrEqual(2);
  expect(count).toBeLessThanOrEqual(MAX_ATTEMPTS);
}, 30_000);

it('a server refusing every watch (503) is backed off', async () => {
  const server = await scriptedServer((_n, _req, res) => {
    res.writeHead(503, { 'content-type': 'application/json' }).end('{}');
  });
  cleanups.push(() => server.server.close());
  const count = await requestsIn(server, WINDOW_MS);
  console.log(`refused watches: ${count} watch requests in ${WINDOW_MS / 1000} s`);
  expect(count).toBeGreaterThanOrEqual(2);
  expect(count).toBeLessThanOrEqual(MAX_ATTEMPTS);
}, 30_000);

it('a server answering 410 Gone to every watch, fresh ones too, is backed off after the first re-list', async () => {
  const server = await scriptedServer((_n, _req, res) => {
    streaming(res);
    res.end(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired' }));
  });
  cleanups.push(() => server.server.close());
  const count = await requestsIn(server, WINDOW_MS);
  console.log(`410 to every watch: ${count} watch requests in ${WINDOW_MS / 1000} s`);
  expect(count).toBeGreaterThanOrEqual(2);
  expect(count).toBeLessThanOrEqual(MAX_ATTEMPTS + 1); // the first re-list goes at once
}, 30_000);

it('resumes from the last resourceVersion after a reset, a refusal and a clean end; starts afresh only on 410', async () => {
  // Each stream that lives stays open 1.2 s, past the one second that makes it healthy.
  const server = await scriptedServer((n, req, res) => {
    if (n === 0) {
      streaming(res);
      res.write(line('ADDED', lease('a', '10')));
      res.write(line('BOOKMARK', { kind: 'Lease', metadata: { resourceVersion: '12' } }));
      setTimeout(() => req.socket.destroy(), 1_200); // a connection reset: a failure
    } else if (n === 1) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{}'); // refused
    } else if (n === 2) {
      streaming(res);
      res.write(line('MODIFIED', lease('a', '13')));
      setTimeout(() => res.end(), 1_200); // a clean end
    } else if (n === 3) {
      streaming(res);
      res.write(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired' })); // compacted
    } else {
      streaming(res); // the fresh start: held open
      res.write(line('ADDED', lease('a', '20')));
    }
  });
  cleanups.push(() => server.server.close());
  const seen: string[] = [];
  const starts: boolean[] = [];
  const close = keepWatching<{ metadata: { resourceVersion: string } }>(
    server.kubeConfig,
    { collectionPath: PATH, resume: true, lockName: 'test' },
    {
      onEvent: (_phase, object) => seen.push(object.metadata.resourceVersion),
      onHealth: () => {},
      onError: () => {},
      onStart: (fresh) => starts.push(fresh),
    },
  );
  cleanups.push(close);
  const deadline = Date.now() + 20_000;
  while (server.versions.length < 5 && Date.now() < deadline) await sleep(100);
  await sleep(300);
  console.log(`watch requests' resourceVersion: ${JSON.stringify(server.versions)}`);
  expect(server.versions).toEqual([null, '12', '12', '13', null]);
  expect(starts).toEqual([true, false, false, false, true]);
  expect(seen).toEqual(['10', '13', '20']);
}, 30_000);
