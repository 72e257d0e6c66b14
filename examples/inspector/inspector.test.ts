/**
 * The inspector example end to end: the example runs as its own process with @statelyai/inspect's WebSocket
 * inspector pointed at a WebSocket listener here. The listener must receive each candidate as an actor with
 * the machine's definition, and exactly the inputs each candidate processed, in order.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { electionMachine } from '@leasehold/core/statechart';
import { expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

interface Received {
  readonly type: string;
  readonly sessionId: string;
  readonly name?: string;
  readonly definition?: string;
  readonly event?: { readonly type: string };
  readonly snapshot?: { readonly value?: string };
}

it('a WebSocket listener receives each candidate with its definition and exactly the inputs it processed', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const received: Received[] = [];
  server.on('connection', (socket) =>
    socket.on('message', (data) => received.push(JSON.parse(String(data)))),
  );
  const { port } = server.address() as AddressInfo;
  try {
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        join(import.meta.dirname, 'main.ts'),
        '--url',
        `ws://127.0.0.1:${port}`,
        '--run-for',
        '2',
        '--print-inputs',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/^done$/m);

    const processed = new Map<string, unknown[]>();
    for (const line of stdout.split('\n')) {
      const match = line.match(/^input (pod-[abc]) (.*)$/);
      if (match) processed.set(match[1]!, [...(processed.get(match[1]!) ?? []), JSON.parse(match[2]!)]);
    }
    expect([...processed.keys()].sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);

    for (const [identity, inputs] of processed) {
      const actor = received.find((e) => e.type === '@xstate.actor' && e.name === identity);
      expect(actor, `actor ${identity}`).toBeDefined();
      // The session is named after the election (the example names each bridge by its identity), not x:N.
      expect(actor!.sessionId).toBe(`leasehold:${identity}`);
      const definition = JSON.parse(actor!.definition!) as { id: string; states: Record<string, unknown> };
      expect(definition.id).toBe(electionMachine.id);
      expect(Object.keys(definition.states).sort()).toEqual(Object.keys(electionMachine.states).sort());
      expect(Object.keys(definition.states)).toContain('leader');
      const events = received
        .filter((e) => e.type === '@xstate.event' && e.sessionId === actor!.sessionId)
        .map((e) => e.event!)
        .filter((event) => !event.type.startsWith('xstate.'));
      expect(events, identity).toEqual(inputs);
      const last = received
        .filter((e) => e.type === '@xstate.snapshot' && e.sessionId === actor!.sessionId)
        .at(-1);
      expect(last?.snapshot?.value, identity).toBe('stopped');
    }
    console.log(
      `inspector: ${received.length} messages; inputs per candidate ${[...processed].map(([id, i]) => `${id} ${i.length}`).join(', ')}`,
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}, 60_000);
