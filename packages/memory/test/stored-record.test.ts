/**
 * A write's answer is the record as stored: what reading the stored text back gives (`peek` parses it), field
 * for field and in the same key order, whether the store copied the record (`recordAsStored`) or parsed its
 * text (or, for text a reader refuses, the empty record, as before); and it shares no Date with the record
 * written.
 */
import { emptyRecord, type LeaderElectionRecord, LockError } from '@leasehold/core';
import { describe, expect, it } from 'vitest';
import { MemoryLockStore } from '../src/index.ts';
import { recordAsStored } from '../src/stored-record.ts';

const t = (iso: string) => new Date(iso);

const records: [string, LeaderElectionRecord][] = [
  [
    'a renewal',
    {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: t('2026-01-01T00:00:00.123Z'),
      renewTime: t('2026-01-01T00:00:09.999Z'),
      leaderTransitions: 3,
    },
  ],
  [
    'a release',
    { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: null, renewTime: null, leaderTransitions: 4 },
  ],
  [
    'coordinated fields',
    {
      holderIdentity: 'b',
      leaseDurationSeconds: 15,
      acquireTime: t('2026-01-01T00:00:00Z'),
      renewTime: t('2026-01-01T00:00:00Z'),
      leaderTransitions: 0,
      strategy: 'OldestEmulationVersion',
      preferredHolder: 'c',
    },
  ],
  [
    'empty coordinated fields (the reader drops them)',
    {
      holderIdentity: 'b',
      leaseDurationSeconds: 15,
      acquireTime: t('2026-01-01T00:00:00Z'),
      renewTime: t('2026-01-01T00:00:00Z'),
      leaderTransitions: 0,
      strategy: '',
      preferredHolder: '',
    },
  ],
  [
    'the first and last four-digit years',
    {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: t('0000-01-01T00:00:00.000Z'),
      renewTime: t('9999-12-31T23:59:59.999Z'),
      leaderTransitions: 1,
    },
  ],
  [
    'a year the reader refuses (five digits)',
    {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: t('2026-01-01T00:00:00Z'),
      renewTime: new Date(Date.UTC(10_000, 0, 1)),
      leaderTransitions: 1,
    },
  ],
  [
    'extra fields (the reader ignores them)',
    {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: null,
      renewTime: null,
      leaderTransitions: 2,
      extra: 'x',
    } as LeaderElectionRecord,
  ],
];

describe('a write answers the record as stored', () => {
  for (const [name, record] of records) {
    it(name, async () => {
      const store = new MemoryLockStore();
      const lock = store.lock('x', 'a');
      for (const written of [await lock.create(record), await lock.update(record, '1')]) {
        // What a reader gets: the parsed text, or for text it refuses the empty record a write answers then.
        let stored: LeaderElectionRecord | undefined;
        try {
          stored = store.peek('x')?.record;
        } catch (err) {
          expect(err).toBeInstanceOf(LockError);
          stored = emptyRecord();
        }
        // Same fields in the same order (the trace and the watchers see JSON), the same instants.
        expect(JSON.stringify(written.record)).toBe(JSON.stringify(stored));
        expect(written.record).toEqual(stored);
        if (record.renewTime !== null && written.record.renewTime !== null)
          expect(written.record.renewTime).not.toBe(record.renewTime);
      }
    });
  }

  it('copies the documented shape and leaves the rest to the parse', () => {
    const [, renewal] = records[0] as [string, LeaderElectionRecord];
    expect(recordAsStored(renewal, '{}')).toEqual(renewal);
    const [, fiveDigits] = records[5] as [string, LeaderElectionRecord];
    expect(recordAsStored(fiveDigits, '{}')).toBeUndefined();
    expect(recordAsStored(renewal, 'x'.repeat(20_000))).toBeUndefined();
  });
});
