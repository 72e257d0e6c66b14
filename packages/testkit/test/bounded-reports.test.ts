/**
 * Bounded reports (docs/guide.md "Errors"): 500 distinct malformed values written in a row into a lock a
 * candidate waits on (up to 200 KB each) give a first report per shape of failure, then counts; every
 * message stays under 1 KiB, and the heap does not grow with the values. Measured in a process of its own
 * (bounded-reports.heap.ts), where a forced garbage collection makes heap sizes comparable.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPEAT_REPORT_MS } from '@leasehold/core';
import { describe, expect, it } from 'vitest';

interface Measured {
  values: number;
  shapes: number;
  intervalMs: number;
  reads: number;
  readsMeasured: number;
  reports: number;
  counted: number;
  kinds: string[];
  contexts: string[];
  longestMessage: number;
  firstMessages: string[];
  heapGrowthBytes: number;
  state: string;
}

const SCRIPT = fileURLToPath(new URL('./bounded-reports.heap.ts', import.meta.url));

function measure(values: number, intervalMs: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--conditions=source', SCRIPT, String(values), String(intervalMs)],
      { timeout: 120_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        const line = stdout.trim().split('\n').at(-1) ?? '';
        resolve(JSON.parse(line) as Measured);
      },
    );
  });
}

describe('bounded reports', () => {
  it('500 distinct malformed values (up to 200 KB each): first reports then counts, short messages, flat heap', async () => {
    const m = await measure(500, 40); // 20 s of the manual clock: long enough for counts to be reported
    console.log(
      `500 bad values, one read each: ${m.reads} reads, ${m.reports} reports (${m.kinds.slice(0, 12).join(', ')}; ` +
        `${m.counted} counted), ` +
        `longest message ${m.longestMessage} characters, heap growth ${(m.heapGrowthBytes / 1024).toFixed(0)} KiB ` +
        `over ${m.readsMeasured} measured reads`,
    );
    // Every value was read (one read each), and the candidate is still waiting.
    expect(m.reads).toBeGreaterThanOrEqual(m.values);
    expect(m.state).toBe('follower');
    // Soft: a break shows every bound it breaks, not only the first.
    // Reports: at most a first report per shape of failure, then a count per shape per REPEAT_REPORT_MS
    // (20 s: two), never one per value.
    const firsts = m.kinds.filter((k) => k === 'LockError').length;
    expect.soft(firsts).toBeLessThanOrEqual(m.shapes);
    expect.soft(m.kinds.filter((k) => k !== 'LockError').every((k) => k === 'RepeatedFailure')).toBe(true);
    const runMs = m.values * m.intervalMs;
    expect.soft(m.reports).toBeLessThanOrEqual(m.shapes * (1 + Math.ceil(runMs / REPEAT_REPORT_MS)));
    expect.soft(m.reports).toBeLessThanOrEqual(15);
    // ...and the counts account for the values read but not reported on their own.
    expect.soft(m.counted).toBeGreaterThan(0);
    expect.soft(firsts + m.counted).toBeLessThanOrEqual(m.reads);
    expect.soft(m.contexts).toEqual(['lock request on MemoryLock app']);
    // Every message (and its cause's) is short, whatever the value's size.
    expect.soft(m.longestMessage).toBeLessThan(1024);
    // The heap does not keep what was read: under 5 MiB over 480 reads of up to 200 KB.
    expect.soft(m.heapGrowthBytes).toBeLessThan(5 * 1024 * 1024);
  }, 150_000);
});
