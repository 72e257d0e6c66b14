/**
 * A simulated run's candidates in an inspector: each election of a candidate is one actor, and it is sent
 * exactly the inputs that candidate processed. (The WebSocket round trip through @statelyai/inspect is
 * examples/inspector/inspector.test.ts.)
 */
import { expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { scenarioFromSeed, simulate } from '../src/index.ts';

it('any candidate of a simulated run can be inspected, one actor per process generation', async () => {
  const actors: string[] = [];
  const events: string[] = [];
  const inspect = (e: InspectionEvent) => {
    if (e.type === '@xstate.actor' && 'id' in e.actorRef) actors.push(String(e.actorRef.id));
    if (e.type === '@xstate.event' && !e.event.type.startsWith('xstate.')) events.push(e.event.type);
  };
  const run = await simulate(scenarioFromSeed(42), { inspect: (c) => (c === 'c0' ? inspect : undefined) });
  expect(actors[0]).toBe('c0#0');
  expect(events).toEqual(run.trace.filter((t) => t.candidate === 'c0').map((t) => t.input));
});
