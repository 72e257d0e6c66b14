/**
 * docs/operations.md's metrics table against the registry: every metric ElectionMetrics registers is in the
 * table with its type and labels, and the table names no other.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { advance, advanceUntil } from '@leasehold/testkit';
import { expect, it } from 'vitest';
import { ElectionMetrics } from '../src/index.ts';

interface Row {
  readonly type: string;
  readonly labels: string[];
}

function documented(): Map<string, Row> {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'operations.md'), 'utf8');
  const table = doc.slice(doc.indexOf('| metric | type | labels | meaning |'));
  const rows = new Map<string, Row>();
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('| `')) break;
    const [name, type, labels] = line
      .split('|')
      .slice(1, 4)
      .map((cell) => cell.trim());
    rows.set(name!.replaceAll('`', ''), {
      type: type!,
      labels: [...labels!.matchAll(/`(\w+)`/g)].map((m) => m[1]!).sort(),
    });
  }
  return rows;
}

it('the metrics table in docs/operations.md matches what ElectionMetrics registers', async () => {
  // Two candidates on one lock, each in its own registry (as two processes): between them every metric
  // gets a series, so its labels can be read off the registry.
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const registries = ['a', 'b'].map((id) => {
    const metrics = new ElectionMetrics();
    const election = new LeaderElection(
      new ElectionConfig({
        lock: store.lock('doc', id),
        leaseDuration: 15,
        renewDeadline: 10,
        retryPeriod: 2,
        clock,
        onStartedLeading: () => {},
        onStoppedLeading: () => {},
        onError: () => {},
      }),
    );
    metrics.observe(election);
    return { metrics, election };
  });
  void registries[0]!.election.acquire();
  expect(await advanceUntil(clock, () => registries[0]!.election.isLeader(), 5_000)).toBe(true);
  void registries[1]!.election.acquire();
  await advance(clock, 10_000);
  await registries[0]!.election.stop();
  await advance(clock, 5_000);

  const actual = new Map<string, Row>();
  for (const { metrics } of registries)
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      const labels = new Set(actual.get(metric.name)?.labels ?? []);
      for (const value of metric.values)
        for (const key of Object.keys(value.labels)) if (key !== 'le') labels.add(key);
      actual.set(metric.name, { type: String(metric.type), labels: [...labels].sort() });
    }
  expect(Object.fromEntries(documented())).toEqual(Object.fromEntries(actual));
  await registries[1]!.election.stop();
});
