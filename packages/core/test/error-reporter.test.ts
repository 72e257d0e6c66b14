/**
 * The error policy's table of distinct failures is bounded (docs/guide.md "Errors"): keyed by a blanked,
 * cut fingerprint (a stream of distinct bad values is one failure), at most MAX_DISTINCT_FAILURES entries
 * (least recently seen dropped first), each forgotten FORGET_FAILURE_MS after it was last seen.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  ErrorReporter,
  FORGET_FAILURE_MS,
  MAX_DISTINCT_FAILURES,
  RECORD,
  REPEAT_REPORT_MS,
} from '../src/error-reporter.ts';
import { LockError, LockRecovered, RepeatedFailure } from '../src/errors.ts';
import { quote } from '../src/quote.ts';

function reporter() {
  let now = 0;
  const reports: { error: unknown; context: string }[] = [];
  const r = new ErrorReporter(
    (error, context) => reports.push({ error, context }),
    () => now,
  );
  return { r, reports, tick: (ms: number) => (now += ms) };
}

/** `i` in letters (a number would be blanked out of the fingerprint): distinct for distinct `i`. */
const letters = (i: number): string =>
  [...i.toString(26)].map((d) => String.fromCharCode(97 + Number.parseInt(d, 26))).join('');

const malformed = (value: string) =>
  new LockError('Malformed', 'Lease ns/app', `spec.renewTime is not an RFC 3339 time: ${quote(value)}`);

describe('ErrorReporter', () => {
  it('a stream of distinct bad values is one failure: reported once, then counted', () => {
    const { r, reports, tick } = reporter();
    const n = 1_000;
    for (let i = 0; i < n; i++) {
      r.report(malformed(`${i}-${Math.random()}-${'x'.repeat(i * 10)}`), 'lock request on Lease ns/app');
      tick(20);
    }
    expect(reports[0]!.error).toBeInstanceOf(LockError);
    expect(reports.slice(1).every((x) => x.error instanceof RepeatedFailure)).toBe(true);
    // The first, then a count at most once per REPEAT_REPORT_MS (the last value came at (n - 1) * 20 ms).
    expect(reports.length).toBe(1 + Math.floor(((n - 1) * 20) / REPEAT_REPORT_MS));
    expect(r.distinctFailures).toBe(1);
    for (const { error } of reports) expect((error as Error).message.length).toBeLessThan(1024);
  });

  it('failures that differ in kind, lock or the shape of their message stay apart', () => {
    const { r, reports } = reporter();
    r.report(new LockError('Unavailable', 'Lease ns/a', 'get: HTTP 500: x'), 'c');
    r.report(new LockError('Forbidden', 'Lease ns/a', 'get: HTTP 500: x'), 'c');
    r.report(new LockError('Unavailable', 'Lease ns/b', 'get: HTTP 500: x'), 'c');
    r.report(new LockError('Unavailable', 'Lease ns/a', 'update: HTTP 500: x'), 'c');
    r.report(new LockError('Unavailable', 'Lease ns/a', 'get: HTTP 500: x'), 'c'); // the first again
    expect(reports).toHaveLength(4);
  });

  it(`remembers at most ${MAX_DISTINCT_FAILURES} distinct failures, dropping the least recently seen`, () => {
    const { r, reports, tick } = reporter();
    const shape = (i: number) => new Error(`failure ${letters(i)}`);
    // 10,000 distinct shapes, each once.
    for (let i = 0; i < 10_000; i++) {
      r.report(shape(i), 'ctx');
      tick(1);
      expect(r.distinctFailures).toBeLessThanOrEqual(MAX_DISTINCT_FAILURES);
    }
    expect(reports).toHaveLength(10_000);
    expect(r.distinctFailures).toBe(64);
    // The most recent 64 are remembered (a repeat is counted), an older one is reported anew.
    const before = reports.length;
    r.report(shape(9_999), 'ctx');
    expect(reports.length).toBe(before);
    r.report(shape(9_999 - MAX_DISTINCT_FAILURES), 'ctx');
    expect(reports.length).toBe(before + 1);
  });

  it('a repeated failure stays while newer ones come and go (recency, not age of the first report)', () => {
    const { r, reports, tick } = reporter();
    const kept = new Error('kept');
    r.report(kept, 'ctx');
    for (let i = 0; i < 5 * MAX_DISTINCT_FAILURES; i++) {
      r.report(new Error(`other ${letters(i)}`), 'ctx');
      r.report(kept, 'ctx'); // seen again: the most recent
      tick(1);
    }
    expect(reports.filter((x) => x.error === kept)).toHaveLength(1);
  });

  it(`forgets a failure not seen for ${FORGET_FAILURE_MS / 60_000} minutes`, () => {
    const { r, reports, tick } = reporter();
    r.report(new Error('gone'), 'ctx');
    expect(FORGET_FAILURE_MS).toBe(5 * 60_000);
    tick(FORGET_FAILURE_MS - 1);
    r.report(new Error('other'), 'ctx');
    expect(r.distinctFailures).toBe(2);
    tick(1);
    r.report(new Error('other'), 'ctx'); // the first is now FORGET_FAILURE_MS old: dropped
    expect(r.distinctFailures).toBe(1);
    r.report(new Error('gone'), 'ctx');
    expect(reports.map((x) => (x.error as Error).message)).toEqual(['gone', 'other', 'gone']);
  });

  it('a LockError carries at most 512 characters of what the store sent', () => {
    const err = new LockError('Unavailable', 'Lease ns/app', `get: HTTP 500: ${'s'.repeat(100_000)}`);
    expect(err.message.length).toBeLessThanOrEqual('Unavailable: Lease ns/app: '.length + 512 + 30);
    expect(err.message).toMatch(/\.\.\. \(100015 characters\)$/);
  });

  it('an onError that throws or rejects is contained and written to the console once', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      let calls = 0;
      const throwing = new ErrorReporter(
        () => {
          calls += 1;
          throw new Error('sink broke');
        },
        () => 0,
      );
      throwing.report(new Error('one'), 'ctx');
      throwing.report(new Error('two'), 'ctx');
      expect(calls).toBe(2); // later reports still go to onError
      const rejecting = new ErrorReporter(
        async () => {
          throw new Error('async sink broke');
        },
        () => 0,
      );
      rejecting.report(new Error('three'), 'ctx');
      rejecting.report(new Error('four'), 'ctx');
      await new Promise((resolve) => setImmediate(resolve));
      const lines = spy.mock.calls.map((c) => String(c[0]));
      expect(lines.filter((l) => l.includes('Error: sink broke'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('Error: async sink broke'))).toHaveLength(1);
      expect(lines).toHaveLength(2);
      expect(lines.every((l) => l.startsWith('[leasehold] onError threw'))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('a run of Malformed reads ends when the record is read again, by a read or by the watch', () => {
    const lock = { describe: () => 'Lease ns/app' };
    const { r, reports, tick } = reporter();
    const recovered = () => reports.filter((x) => x.error instanceof LockRecovered);
    r.lockFailed('get', 'Malformed');
    tick(2_000);
    r.lockFailed('get', 'Malformed');
    r.lockAnswered('update', lock); // another operation's answer: the record is still unreadable
    expect(recovered()).toHaveLength(0);
    r.lockAnswered(RECORD, lock); // the watch delivered the record, parsed
    r.lockAnswered(RECORD, lock); // and again: one recovery per run
    expect(recovered().map((x) => (x.error as Error).message)).toEqual([
      'Lease ns/app: recovered after 2 failed requests over 2.0s',
    ]);
    r.lockFailed('get', 'Malformed');
    r.lockAnswered('get', lock); // a read works as well
    expect(recovered()).toHaveLength(2);
  });

  it('a record from the watch ends no run of reads that failed otherwise (the store, not the record)', () => {
    const lock = { describe: () => 'Lease ns/app' };
    const { r, reports } = reporter();
    for (const kind of ['Unavailable', 'Forbidden'] as const) {
      r.lockFailed('get', kind);
      r.lockAnswered(RECORD, lock);
      expect(reports).toEqual([]);
      r.lockAnswered('get', lock);
      expect(reports.filter((x) => x.error instanceof LockRecovered)).toHaveLength(1);
      reports.length = 0;
    }
    // Nor a run whose reads found the record malformed and then failed otherwise: the store is down now.
    r.lockFailed('get', 'Malformed');
    r.lockFailed('get', 'Unavailable');
    r.lockAnswered(RECORD, lock);
    expect(reports.filter((x) => x.error instanceof LockRecovered)).toEqual([]);
  });
});
