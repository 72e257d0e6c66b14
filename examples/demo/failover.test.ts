import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('the demo runs to the end by itself and shows a crash failover and a release handover', async () => {
  const script = join(import.meta.dirname, 'failover.ts');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=source', script, '--seed', '7'],
    {
      timeout: 60_000,
    },
  );
  expect(stdout).toMatch(/candidate-\d +STARTED LEADING \(leaderTransitions=0\)/);
  expect(stdout).toMatch(/KILLED/);
  expect(stdout).toMatch(/STARTED LEADING \(leaderTransitions=1\)/);
  expect(stdout).toMatch(/STARTED LEADING \(leaderTransitions=2\)/);
  const summary = stdout.match(/failover after a crash (\d+) ms; handover after a graceful stop (\d+) ms/);
  expect(summary).not.toBeNull();
  // Crash failover cannot beat the lease; a release hands over without waiting for it.
  expect(Number(summary![1])).toBeGreaterThan(1_000);
  expect(Number(summary![2])).toBeLessThan(1_000);
  expect(stdout).toMatch(/leaders left running: 0\./);
}, 60_000);
