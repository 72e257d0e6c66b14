/**
 * The election in the Stately inspector: three in-memory candidates, each shown as an actor through
 * @statelyai/inspect's WebSocket inspector, then a handover. Start an inspector server first (the Stately
 * Inspector's, or any WebSocket listener), then:
 *
 *   node --conditions=source examples/inspector/main.ts [--url ws://localhost:8080] [--run-for 3]
 *
 * Each actor shows the machine's definition, every input the candidate processed and every snapshot. With
 * `--print-inputs` it also prints each processed input as a JSON line (`input <candidate> <json>`), which
 * the example's test compares with what the listener received.
 */
import { parseArgs } from 'node:util';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { inspectElection } from '@leasehold/core/statechart';
import { MemoryLockStore } from '@leasehold/memory';
import { createWebSocketInspector } from '@statelyai/inspect';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://localhost:8080' },
    'run-for': { type: 'string', default: '3' },
    'print-inputs': { type: 'boolean', default: false },
  },
});
const inspector = createWebSocketInspector({ url: values.url });
const store = new MemoryLockStore();
const candidates = ['pod-a', 'pod-b', 'pod-c'].map((identity) => {
  const election = new LeaderElection(
    new ElectionConfig({
      lock: store.lock('inspected', identity),
      name: 'inspected',
      leaseDuration: 0.9,
      renewDeadline: 0.6,
      retryPeriod: 0.2,
      onStartedLeading: () => console.log(`${identity} leads`),
      onStoppedLeading: () => {},
    }),
  );
  const printing = values['print-inputs']
    ? election.subscribe((info) => console.log(`input ${identity} ${JSON.stringify(info.input)}`))
    : () => {};
  // The whole bridge: no casts, the inspector's own `inspect` observer.
  const inspection = inspectElection(election, inspector.inspect, identity);
  return { identity, election, inspection, printing };
});

for (const c of candidates) void c.election.acquire();
const runFor = Number(values['run-for']) * 1000;
await new Promise((r) => setTimeout(r, runFor / 2));
// A handover for the inspector to show: the leader stops (releasing the lock) and another takes over.
await candidates.find((c) => c.election.isLeader())?.election.stop();
await new Promise((r) => setTimeout(r, runFor / 2));
await Promise.all(candidates.map((c) => c.election.stop()));
for (const c of candidates) {
  c.inspection.stop();
  c.printing();
}
// Let the inspector flush what it queued before the socket opened, then close.
await new Promise((r) => setTimeout(r, 500));
inspector.stop();
console.log('done');
