/**
 * What a stored record may not be (docs/guide.md "Bad records and misconfiguration"): a term beyond int32,
 * an over-long preferredHolder, an unknown strategy, an oversized or deeply nested value. Each is a
 * `RecordParseError` naming the field, and no message quotes more than `QUOTE_LIMIT` characters of a value.
 */
import { describe, expect, it } from 'vitest';
import {
  checkStoredRecord,
  type LeaderElectionRecord,
  MAX_IDENTITY_LENGTH,
  MAX_LEADER_TRANSITIONS,
  parseRecord,
  RecordParseError,
  recordFromJSON,
} from '../src/index.ts';
import { QUOTE_LIMIT, quote } from '../src/internal.ts';

const held: LeaderElectionRecord = {
  holderIdentity: 'a',
  leaseDurationSeconds: 15,
  acquireTime: null,
  renewTime: null,
  leaderTransitions: 3,
};

/** The error `fn` throws; fails the test if it returns. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('terms', () => {
  it('accepts int32 terms up to 2^31 - 1', () => {
    expect(checkStoredRecord({ ...held, leaderTransitions: MAX_LEADER_TRANSITIONS }).leaderTransitions).toBe(
      2_147_483_647,
    );
    const text = `{"holderIdentity":"a","leaseDurationSeconds":15,"leaderTransitions":${MAX_LEADER_TRANSITIONS}}`;
    expect(checkStoredRecord(parseRecord(text)).leaderTransitions).toBe(MAX_LEADER_TRANSITIONS);
  });

  it.each([
    ['2^31', '2147483648'],
    ['past 2^53 (+1 changes nothing)', '9007199254740993'],
    ['1e300', '1e300'],
  ])('refuses a term of %s in an annotation, naming leaderTransitions', (_, value) => {
    const text = `{"holderIdentity":"a","leaseDurationSeconds":15,"leaderTransitions":${value}}`;
    const err = thrown(() => checkStoredRecord(parseRecord(text)));
    expect(err).toBeInstanceOf(RecordParseError);
    expect(err.message).toMatch(/^leaderTransitions /);
  });

  it('refuses a term past int32 in a record read from a Lease spec (no JSON on the way)', () => {
    for (const term of [2 ** 31, 2 ** 53 + 2, 1e300, Number.POSITIVE_INFINITY, Number.NaN, -1, 1.5]) {
      const err = thrown(() => checkStoredRecord({ ...held, leaderTransitions: term }));
      expect(err).toBeInstanceOf(RecordParseError);
      expect(err.message).toMatch(/^leaderTransitions is .* \(an int32 from 0 to 2147483647/);
    }
  });
});

describe('coordinated fields', () => {
  it('accepts the strategy Kubernetes defines and prefixed third-party names', () => {
    for (const strategy of ['OldestEmulationVersion', 'example.com/mine', 'a.b-c.io/X_y.z'])
      expect(checkStoredRecord({ ...held, strategy, preferredHolder: 'b' }).strategy).toBe(strategy);
  });

  it.each([
    ['an unknown name', 'NewestFirst'],
    ['two slashes', 'a.io/b/c'],
    ['an empty name part', 'example.com/'],
    ['an upper-case prefix', 'Example.com/mine'],
    ['a name part over 63 characters', `example.com/${'n'.repeat(64)}`],
    ['200 KB', 'S'.repeat(200_000)],
  ])('refuses a strategy with %s, naming strategy, quoting at most 64 characters', (_, strategy) => {
    const err = thrown(() => checkStoredRecord({ ...held, strategy }));
    expect(err).toBeInstanceOf(RecordParseError);
    expect(err.message).toMatch(/^strategy /);
    expect(err.message.length).toBeLessThan(300);
  });

  it('refuses a preferredHolder longer than an identity may be', () => {
    expect(checkStoredRecord({ ...held, preferredHolder: 'p'.repeat(MAX_IDENTITY_LENGTH) })).toBeTruthy();
    const err = thrown(() => checkStoredRecord({ ...held, preferredHolder: 'p'.repeat(200_000) }));
    expect(err).toBeInstanceOf(RecordParseError);
    expect(err.message).toMatch(/^preferredHolder is 200000 characters long \(at most 1024\)/);
    expect(err.message.length).toBeLessThan(300);
  });
});

describe('oversized and nested values', () => {
  it('refuses record text over MAX_RECORD_CHARS before parsing it, with a short message', () => {
    const text = `{"holderIdentity":"a","renewTime":"${'r'.repeat(200_000)}"}`;
    const err = thrown(() => parseRecord(text));
    expect(err).toBeInstanceOf(RecordParseError);
    expect(err.message).toMatch(
      new RegExp(`^the record is ${text.length} characters long \\(at most 16384\\)`),
    );
    expect(err.message.length).toBeLessThan(300);
    // The largest record a candidate writes is well within the limit.
    const largest = JSON.stringify({
      holderIdentity: 'h'.repeat(MAX_IDENTITY_LENGTH),
      leaseDurationSeconds: 86_400,
      acquireTime: '2026-01-01T00:00:00Z',
      renewTime: '2026-01-01T00:00:00Z',
      leaderTransitions: MAX_LEADER_TRANSITIONS,
      strategy: `${'d'.repeat(253)}/${'n'.repeat(63)}`,
      preferredHolder: 'p'.repeat(MAX_IDENTITY_LENGTH),
    });
    expect(largest.length).toBeLessThan(4 * 1024);
    expect(() => parseRecord(largest)).not.toThrow();
  });

  it('a value nested 100,000 deep is a RecordParseError naming the field, not a RangeError', () => {
    const deep = JSON.parse(`{"leaderTransitions":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(() => JSON.stringify(deep)).toThrow(RangeError); // what the old message built
    const err = thrown(() => recordFromJSON(deep));
    expect(err).toBeInstanceOf(RecordParseError);
    expect(err.message).toBe('leaderTransitions must be a non-negative integer, got an array of 1 items');
    for (const field of ['holderIdentity', 'renewTime', 'leaseDurationSeconds', 'strategy']) {
      const nested = JSON.parse(`{"${field}":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`);
      const e = thrown(() => recordFromJSON(nested));
      expect(e).toBeInstanceOf(RecordParseError);
      expect(e.message).toMatch(new RegExp(`^${field} .*an object$`));
    }
  });

  it.each([
    ['renewTime', (v: string) => ({ renewTime: v })],
    ['acquireTime', (v: string) => ({ acquireTime: v })],
    ['leaseDurationSeconds', (v: string) => ({ leaseDurationSeconds: v })],
    ['leaderTransitions', (v: string) => ({ leaderTransitions: v })],
    ['holderIdentity', (v: string) => ({ holderIdentity: { v } })],
  ])('a bad %s quotes at most 64 characters of the value', (field, json) => {
    const value = `${'v'.repeat(100_000)}\u001b[2J`;
    const err = thrown(() => recordFromJSON(json(value)));
    expect(err).toBeInstanceOf(RecordParseError);
    expect(err.message.startsWith(field)).toBe(true);
    expect(err.message.length).toBeLessThan(QUOTE_LIMIT + 120);
  });

  it('quote cuts strings and describes containers without walking into them', () => {
    expect(quote('short')).toBe('"short"');
    expect(quote('x'.repeat(100))).toBe(`"${'x'.repeat(64)}..." (100 characters)`);
    expect(quote([1, 2, 3])).toBe('an array of 3 items');
    expect(quote({ a: 1 })).toBe('an object');
    expect(quote(2 ** 31)).toBe('2147483648');
    expect(quote(null)).toBe('null');
    expect(quote(undefined)).toBe('undefined');
  });
});
