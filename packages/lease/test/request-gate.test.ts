/**
 * The soft cap on a shared pool's lock requests in flight (kube-requests.ts): a request past the cap waits
 * for a slot at most `MAX_WAIT_MS`, then goes anyway, so a slow server holding 90 requests cannot make a
 * renewal time out unsent; writes get freed slots before reads; no slot leaks or is freed twice. Against a
 * local server that holds every GET until told, and with the gate alone under fake timers for the order.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sampleRecord } from '@leasehold/testkit';
import { expect, it, vi } from 'vitest';
import { LeaseLock } from '../src/index.ts';
import { Gate, MAX_IN_FLIGHT, MAX_WAIT_MS } from '../src/kube-requests.ts';
import { localKubeConfig } from './local-kubeconfig.ts';

const LEASE = JSON.stringify({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'gate', namespace: 'default', resourceVersion: '7' },
  spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
});

async function until(what: string, done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 20_000; !done(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

/** `until` for a stretch with fake timers: polls once per turn of the event loop. */
async function untilTurns(what: string, done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 20_000; !done(); await new Promise((r) => setImmediate(r)))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}

it('a renewal behind 90 requests the server holds reaches the server, and every slot is freed after', async () => {
  const held: ServerResponse[] = [];
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.method ?? '');
    if (req.method === 'GET') held.push(res);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(LEASE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const lock = new LeaseLock({
    name: 'gate',
    namespace: 'default',
    identity: 'a',
    kubeConfig: localKubeConfig(port),
  });
  let sent = 0;
  const onCreate = () => {
    sent += 1;
  };
  subscribe('undici:request:create', onCreate);
  try {
    const slow = Array.from({ length: MAX_IN_FLIGHT }, () => lock.get());
    await until('the server to hold 90 reads', () => held.length === MAX_IN_FLIGHT);
    const renewal = lock.update(sampleRecord('a'), '7');
    // Sent over the cap once it waited its bounded time: the server answers it while the 90 are still held.
    await until('the renewal to reach the server', () => seen.includes('PATCH'));
    expect((await renewal).version).toBe('7');
    expect(held).toHaveLength(MAX_IN_FLIGHT);
    // A read whose wait ends (its turn) and whose signal aborts before it is sent: no request is made, it
    // rejects with the signal's reason, and its slot goes back (the burst below finds all 90).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const timers = vi.getTimerCount();
    const controller = new AbortController();
    const late = lock.get({ signal: controller.signal });
    await untilTurns('the read to wait for a slot', () => vi.getTimerCount() > timers);
    const sentBefore = sent;
    vi.advanceTimersByTime(MAX_WAIT_MS);
    controller.abort(new Error('given up'));
    await expect(late).rejects.toThrow('given up');
    vi.useRealTimers();
    expect(sent).toBe(sentBefore);
    for (const res of held) res.writeHead(200, { 'content-type': 'application/json' }).end(LEASE);
    expect((await Promise.all(slow)).every((a) => a !== null)).toBe(true);
    // Every slot free again, none freed twice: of a burst past the cap, exactly 90 are sent, and the rest
    // only once their wait ends. The gate's waits are held (fake setTimeout) so no load can end them early.
    held.length = 0;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const before = sent;
    const burst = Array.from({ length: MAX_IN_FLIGHT + 30 }, () => lock.get());
    await untilTurns('the server to hold 90 reads', () => held.length === MAX_IN_FLIGHT);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent - before).toBe(MAX_IN_FLIGHT);
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS);
    vi.useRealTimers();
    await until('the whole burst to reach the server', () => held.length === MAX_IN_FLIGHT + 30);
    for (const res of held) res.writeHead(200, { 'content-type': 'application/json' }).end(LEASE);
    await Promise.all(burst);
  } finally {
    vi.useRealTimers();
    unsubscribe('undici:request:create', onCreate);
    server.closeAllConnections();
    server.close();
  }
}, 60_000);

it('the gate hands a freed slot to a waiting write before earlier reads, and over the cap after its wait', async () => {
  vi.useFakeTimers();
  try {
    const gate = new Gate(2, 50);
    const order: string[] = [];
    await gate.take(false, undefined);
    await gate.take(false, undefined);
    void gate.take(false, undefined).then(() => order.push('read 1'));
    void gate.take(false, undefined).then(() => order.push('read 2'));
    void gate.take(true, undefined).then(() => order.push('write'));
    const settle = () => vi.advanceTimersByTimeAsync(0); // promise callbacks only: no wait expires
    gate.release();
    await settle();
    expect(order).toEqual(['write']);
    expect(gate.inFlight).toBe(2);
    gate.release();
    await settle();
    expect(order).toEqual(['write', 'read 1']);
    // Nothing frees: read 2 goes over the cap after its wait, counted.
    await vi.advanceTimersByTimeAsync(50);
    expect(order).toEqual(['write', 'read 1', 'read 2']);
    expect(gate.inFlight).toBe(3);
    // Over the cap, a release frees no slot for a waiting request: the count comes down to the cap first.
    let r3 = false;
    void gate.take(false, undefined).then(() => {
      r3 = true;
    });
    gate.release();
    await settle();
    expect(r3).toBe(false);
    expect(gate.inFlight).toBe(2);
    gate.release();
    await settle();
    expect(r3).toBe(true);
    expect(gate.inFlight).toBe(2);
    // A request aborted while waiting holds nothing; the releases bring the count back to zero, not below.
    const controller = new AbortController();
    const aborted = gate.take(true, controller.signal);
    controller.abort(new Error('given up'));
    await expect(aborted).rejects.toThrow('given up');
    for (let i = 0; i < 2; i++) gate.release();
    expect(gate.inFlight).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(gate.inFlight).toBe(0);
  } finally {
    vi.useRealTimers();
  }
});
