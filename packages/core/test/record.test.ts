import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkStoredRecord,
  type LeaderElectionRecord,
  parseRecord,
  RecordParseError,
  recordFromJSON,
  recordToJSON,
  stringifyRecord,
} from '../src/index.ts';
import { recordsEqual } from '../src/internal.ts';

describe('LeaderElectionRecord JSON', () => {
  it('writes the exact bytes client-go writes into the annotation', () => {
    const record: LeaderElectionRecord = {
      holderIdentity: 'pod-a_1f2e',
      leaseDurationSeconds: 15,
      acquireTime: new Date('2026-11-24T10:00:00.250Z'),
      renewTime: new Date('2026-11-24T10:00:12.999Z'),
      leaderTransitions: 3,
    };
    expect(stringifyRecord(record)).toBe(
      '{"holderIdentity":"pod-a_1f2e","leaseDurationSeconds":15,"acquireTime":"2026-11-24T10:00:00Z",' +
        '"renewTime":"2026-11-24T10:00:12Z","leaderTransitions":3}',
    );
  });

  it("reads client-go's zero values: null times, missing fields", () => {
    expect(
      parseRecord('{"holderIdentity":"","leaseDurationSeconds":0,"acquireTime":null,"renewTime":null}'),
    ).toEqual({
      holderIdentity: '',
      leaseDurationSeconds: 0,
      acquireTime: null,
      renewTime: null,
      leaderTransitions: 0,
    });
  });

  it('keeps the coordinated-election fields of newer client-go', () => {
    const text =
      '{"holderIdentity":"a","leaseDurationSeconds":15,"acquireTime":null,"renewTime":null,"leaderTransitions":0,' +
      '"strategy":"OldestEmulationVersion","preferredHolder":"b"}';
    expect(stringifyRecord(parseRecord(text))).toBe(text);
  });

  it.each([
    ['not json', /not JSON/],
    ['[1]', /JSON object/],
    ['{"holderIdentity":5}', /holderIdentity must be a string/],
    ['{"leaseDurationSeconds":"fifteen"}', /leaseDurationSeconds must be a non-negative integer/],
    ['{"leaseDurationSeconds":1.5}', /leaseDurationSeconds must be a non-negative integer/],
    ['{"acquireTime":"March 7, 2026"}', /acquireTime is not an RFC 3339 time/],
    ['{"leaderTransitions":-1}', /leaderTransitions/],
    ['{"renewTime":"yesterday"}', /renewTime is not an RFC 3339 time/],
  ])('rejects %s with a RecordParseError naming the problem', (text, message) => {
    expect(() => parseRecord(text)).toThrow(RecordParseError);
    expect(() => parseRecord(text)).toThrow(message);
  });

  it("reads kubernetes_asyncio's dialect: string lease duration, zone-less times, no transition count", () => {
    // Exactly what kubernetes_asyncio 36's ConfigMapLock writes (json.dumps of str() values).
    const text =
      '{"holderIdentity": "py-1", "leaseDurationSeconds": "2.5", "acquireTime": "2026-11-24 10:00:00.250000", ' +
      '"renewTime": "2026-11-24 10:00:04.5"}';
    expect(parseRecord(text)).toEqual({
      holderIdentity: 'py-1',
      leaseDurationSeconds: 3,
      acquireTime: new Date('2026-11-24T10:00:00.250Z'),
      renewTime: new Date('2026-11-24T10:00:04.500Z'),
      leaderTransitions: 0,
    });
    // Written back in client-go's form.
    expect(stringifyRecord(parseRecord(text))).toBe(
      '{"holderIdentity":"py-1","leaseDurationSeconds":3,"acquireTime":"2026-11-24T10:00:00Z",' +
        '"renewTime":"2026-11-24T10:00:04Z","leaderTransitions":0}',
    );
  });

  it('round-trips any record to the second (property)', () => {
    const time = fc.option(
      fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
    );
    fc.assert(
      fc.property(
        fc.string(),
        fc.nat(1_000_000),
        time,
        time,
        fc.nat(1_000_000),
        (holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaderTransitions) => {
          const seconds = (d: Date | null) => (d ? new Date(Math.floor(d.getTime() / 1000) * 1000) : null);
          const record = { holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaderTransitions };
          const back = recordFromJSON(JSON.parse(JSON.stringify(recordToJSON(record))));
          expect(
            recordsEqual(back, {
              ...record,
              acquireTime: seconds(acquireTime),
              renewTime: seconds(renewTime),
            }),
          ).toBe(true);
        },
      ),
    );
  });

  it.each([
    [
      { holderIdentity: 'b', leaseDurationSeconds: 0 },
      /leaseDurationSeconds is missing or 0 while holderIdentity is "b"/,
    ],
    [
      { holderIdentity: 'b', leaseDurationSeconds: 2_147_483_647 },
      /leaseDurationSeconds is 2147483647 \(at most 86400/,
    ],
    [
      { holderIdentity: 'x'.repeat(10_240), leaseDurationSeconds: 15 },
      /holderIdentity is 10240 characters long/,
    ],
  ])('checkStoredRecord refuses a record nobody can follow: %o', (fields, message) => {
    const record = { acquireTime: null, renewTime: null, leaderTransitions: 0, ...fields };
    expect(() => checkStoredRecord(record)).toThrow(RecordParseError);
    expect(() => checkStoredRecord(record)).toThrow(message);
  });

  it('checkStoredRecord accepts a released record without a duration, and an ordinary one', () => {
    const released = {
      holderIdentity: '',
      leaseDurationSeconds: 0,
      acquireTime: null,
      renewTime: null,
      leaderTransitions: 2,
    };
    expect(checkStoredRecord(released)).toBe(released);
    const held = { ...released, holderIdentity: 'b', leaseDurationSeconds: 15 };
    expect(checkStoredRecord(held)).toBe(held);
  });
});
