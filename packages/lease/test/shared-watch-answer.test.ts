/**
 * A renewal the shared stream carries back (shared-watch.ts `#known`): when the stream's line comes after
 * the lock's own answer of that version, the lock is told again from its answer (the same snapshot object,
 * no parse); when the line comes first, it is parsed and told as before, and the answer changes nothing.
 * Against a scripted API server that orders the two itself, so neither order is left to a race.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LockSnapshot } from '@leasehold/core';
import { afterEach, expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';
import { localKubeConfig } from './local-kubeconfig.ts';

const PATH = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
const TIME = '2026-12-02T12:00:00.000000Z';

async function waitFor<T>(what: string, get: () => T | undefined): Promise<T> {
  for (const deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 10))) {
    const value = get();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Stream {
  readonly res: ServerResponse;
  readonly name: string | null; // the fieldSelector's name; null: the whole collection
  closed: boolean;
}

/** A server keeping two Leases, a and b; `hold` makes a PATCH's answer wait until the test releases it. */
async function scripted() {
  const leases = new Map<string, { metadata: Record<string, string>; spec: unknown }>();
  let version = 0;
  const put = (name: string, spec: unknown) => {
    version += 1;
    const object = {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { name, namespace: 'default', resourceVersion: String(version) },
      spec,
    };
    leases.set(name, object);
    return object;
  };
  for (const name of ['a', 'b'])
    put(name, {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: TIME,
      renewTime: TIME,
      leaseTransitions: 0,
    });
  const streams: Stream[] = [];
  const line = (type: string, object: { metadata: Record<string, string> }) => {
    for (const s of streams)
      if (!s.closed && (s.name === null || s.name === object.metadata.name))
        s.res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const state = { lineFirst: false, release: null as (() => void) | null };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === PATH && url.searchParams.get('watch') === 'true') {
      const selector = url.searchParams.get('fieldSelector');
      const stream: Stream = {
        res,
        name: selector ? selector.replace('metadata.name=', '') : null,
        closed: false,
      };
      streams.push(stream);
      res.on('close', () => {
        stream.closed = true;
      });
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      if (url.searchParams.get('resourceVersion') === null)
        for (const object of leases.values())
          if (stream.name === null || stream.name === object.metadata.name)
            res.write(`${JSON.stringify({ type: 'ADDED', object })}\n`);
      return;
    }
    const name = url.pathname.startsWith(`${PATH}/`) ? url.pathname.slice(PATH.length + 1) : '';
    const object = leases.get(name);
    if (object === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(object));
      return;
    }
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const patched = put(name, (JSON.parse(body) as { spec: unknown }).spec);
      const answer = () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(patched));
      if (state.lineFirst) {
        line('MODIFIED', patched);
        state.release = answer;
      } else {
        answer();
        state.release = () => line('MODIFIED', patched);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { kubeConfig: localKubeConfig((server.address() as AddressInfo).port), streams, state };
}

it("a renewal heard after the lock's own answer is told from that answer; one heard before it is parsed", async () => {
  const { kubeConfig, streams, state } = await scripted();
  const locks = ['a', 'b'].map(
    (name) => new LeaseLock({ name, namespace: 'default', identity: 'a', kubeConfig }),
  );
  const seen: LockSnapshot[][] = [[], []];
  for (const [i, lock] of locks.entries()) {
    const close = lock.watch?.(
      (snapshot) => {
        if (snapshot) seen[i]!.push(snapshot);
      },
      () => {},
      () => {},
    );
    cleanups.push(() => close?.());
  }
  // The two locks share the collection's stream, their own watches closed.
  await waitFor(
    'the shared stream alone',
    () =>
      streams.some((s) => s.name === null && !s.closed) && streams.every((s) => s.name === null || s.closed),
  );
  await waitFor('the first events', () => seen[0]!.length > 0 && seen[1]!.length > 0);
  const lock = locks[0]!;
  const current = await lock.get();
  const record = { ...current!.record, renewTime: new Date('2026-12-02T12:00:01Z') };

  // The answer first, then the stream's line of the same version: the same snapshot object.
  const answer = await lock.update(record, current!.version);
  state.release?.();
  const heard = await waitFor('the renewal on the stream', () =>
    seen[0]!.find((s) => s.version === answer.version),
  );
  expect(heard).toBe(answer);

  // The line first, held answer after: the line is parsed (another object, the same record).
  state.lineFirst = true;
  const renewing = lock.update({ ...record, renewTime: new Date('2026-12-02T12:00:02Z') }, answer.version);
  const early = await waitFor('the line before the answer', () =>
    seen[0]!.find((s) => s.version !== answer.version && s.version !== current!.version && s !== current),
  );
  state.release?.();
  const second = await renewing;
  expect(early.version).toBe(second.version);
  expect(early).not.toBe(second);
  expect(early.record).toEqual(second.record);
  // Lock b heard nothing of a's renewals.
  expect(seen[1]!.map((s) => s.version)).toEqual(['2']);
}, 60_000);
