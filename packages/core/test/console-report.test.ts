/**
 * Console reports carry no response headers or bodies (docs/operations.md "Logging"): a `LockError`'s cause
 * is the store's answer (client-node's ApiException: headers with a Set-Cookie from an auth proxy, a body),
 * so the default reporter, `util.inspect` and console-style loggers show its kind, lock, message and at most
 * a short first line of the cause.
 */
import { format, inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { DuplicateIdentityError, LockError, LockRecovered, RepeatedFailure } from '../src/errors.ts';
import { asLogger, formatReport, logError } from '../src/logging.ts';
import { reportToConsole } from '../src/system.ts';

/** What client-node throws for a 503 behind an auth proxy: secrets in the headers, the body and the message. */
function apiException(): Error {
  const err = new Error(
    'HTTP-Code: 503\nMessage: Service Unavailable\nBody: <html>BODY-SECRET</html>\nHeaders: {"set-cookie":"session=COOKIE-SECRET"}',
  );
  Object.assign(err, {
    code: 503,
    body: '<html>BODY-SECRET</html>',
    headers: { 'set-cookie': 'session=COOKIE-SECRET', 'retry-after': '1' },
  });
  return err;
}

const lockError = () =>
  new LockError('Unavailable', 'Lease ns/app', 'get: HTTP 503: Service Unavailable', {
    cause: apiException(),
  });

const secret = /SECRET/;

describe('console reports', () => {
  it('the default reporter prints kind, lock, message and the first line of the cause, one line', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      reportToConsole(lockError(), 'lock request on Lease ns/app');
      reportToConsole(new RepeatedFailure(lockError(), 4, 10_000), 'lock request on Lease ns/app');
      const printed = spy.mock.calls.map((args) => format(...args));
      expect(printed[0]).toBe(
        '[leasehold] lock request on Lease ns/app: LockError: Unavailable: Lease ns/app: get: HTTP 503: ' +
          'Service Unavailable (cause: HTTP-Code: 503)',
      );
      expect(printed[1]).toMatch(/^\[leasehold\] .*: RepeatedFailure: repeated 4 more times in 10\.0s: /);
      for (const line of printed) {
        expect(line).not.toMatch(secret);
        expect(line).not.toContain('\n');
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('util.inspect of a LockError, alone or as a cause, shows no headers or body', () => {
    expect(inspect(lockError())).not.toMatch(secret);
    expect(inspect(new RepeatedFailure(lockError(), 2, 1_000))).not.toMatch(secret);
    expect(inspect({ error: lockError() }, { depth: 10 })).not.toMatch(secret);
    expect(lockError().cause).toMatchObject({ code: 503 }); // still there for code that wants it
  });

  it('a console-style logger given the report shows no headers or body', () => {
    const lines: string[] = [];
    const sink = (...args: unknown[]) => lines.push(format(...args));
    const logger = asLogger({ info: sink, warn: sink, error: sink });
    logError(logger, 'app', lockError(), 'lock request on Lease ns/app');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Unavailable: Lease ns\/app/);
    expect(lines[0]).not.toMatch(secret);
  });

  it("a callback's own error keeps its stack, cut to 2 KiB", () => {
    const err = new Error(`callback failed ${'x'.repeat(10_000)}`);
    const report = formatReport(err);
    expect(report.startsWith('Error: callback failed')).toBe(true);
    expect(report.length).toBeLessThan(2_100);
  });

  /** A Malformed read as the Kubernetes locks word it: their message quotes the parse error, its cause. */
  const malformed = () =>
    new LockError(
      'Malformed',
      'Lease default/my-app',
      'spec.leaseDurationSeconds is missing or 0 while holderIdentity is "r1": nobody can tell how long to wait',
      {
        cause: new Error(
          'leaseDurationSeconds is missing or 0 while holderIdentity is "r1": nobody can tell how long to wait',
        ),
      },
    );
  const SENTENCE = 'missing or 0 while holderIdentity is "r1"';
  const times = (text: string, part: string) => text.split(part).length - 1;

  it("the election's own reports print as one line under util.inspect, without stack frames", () => {
    const reports = [
      new RepeatedFailure(malformed(), 6, 15_700),
      new RepeatedFailure(new Error('callback failed\nsecond line'), 2, 10_000),
      new DuplicateIdentityError('r1', 'Lease default/my-app', '433'),
      new LockRecovered('Lease default/my-app', { failures: 3, since: 0 }, 4_200),
    ];
    expect(reports.map((r) => inspect(r))).toEqual([
      `RepeatedFailure: repeated 6 more times in 15.7s: ${malformed().message}`,
      'RepeatedFailure: repeated 2 more times in 10.0s: callback failed second line',
      'DuplicateIdentityError: DuplicateIdentity: Lease default/my-app: the lock was renewed as "r1" ' +
        '(version 433) by a write this candidate did not send: another candidate uses the same identity; ' +
        'stepping down',
      'LockRecovered: Lease default/my-app: recovered after 3 failed requests over 4.2s',
    ]);
    // The default console reporter prints the same lines.
    for (const r of reports) expect(formatReport(r)).toBe(inspect(r));
    // Their fields stay on the objects for code (and pino-style loggers) that want them.
    expect(reports[0]).toMatchObject({ count: 6, periodMs: 15_700 });
    expect(reports[2]).toMatchObject({ identity: 'r1', version: '433' });
  });

  it('a message is printed once by util.inspect, not again as the cause it quotes', () => {
    expect(times(inspect(malformed()), SENTENCE)).toBe(1);
    expect(times(inspect(new RepeatedFailure(malformed(), 6, 15_700)), SENTENCE)).toBe(1);
    // A cause the message does not quote is still summarised (the first test above).
    expect(inspect(lockError())).toMatch(/\(cause: HTTP-Code: 503\)$/);
  });

  it('a console-style logger shows a report in its entry and its error field, not three times, and no stack', () => {
    for (const report of [malformed(), new RepeatedFailure(malformed(), 6, 15_700)]) {
      const lines: string[] = [];
      const sink = (...args: unknown[]) => lines.push(format(...args));
      logError(asLogger({ info: sink, warn: sink, error: sink }), 'app', report, 'lock request on x');
      expect(lines).toHaveLength(1);
      expect(times(lines[0]!, SENTENCE)).toBe(2);
      expect(lines[0]).not.toMatch(/\n\s+at /);
    }
    const lines: string[] = [];
    const sink = (...args: unknown[]) => lines.push(format(...args));
    const twin = new DuplicateIdentityError('r1', 'Lease default/my-app', '433');
    logError(asLogger({ info: sink, warn: sink, error: sink }), 'app', twin, 'lock Lease default/my-app');
    expect(lines[0]).not.toMatch(/\n\s+at /);
    expect(times(lines[0]!, 'another candidate uses the same identity')).toBe(2);
  });
});
