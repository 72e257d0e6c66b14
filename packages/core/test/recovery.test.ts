/**
 * The recovery after a malformed record is repaired by hand (docs/guide.md "Errors"): one `LockRecovered`
 * when the record reads again, though the repaired record arrives through the watch and no read follows
 * (a follower takes a record naming it with a write; a leader sends no reads). A record from the watch
 * ends no run of reads that failed for another reason.
 */
import { describe, expect, it } from 'vitest';
import { LockError, LockRecovered, RepeatedFailure } from '../src/index.ts';
import { advance, held, setup } from './scripted-election.ts';

const recoveries = (errors: readonly unknown[]) => errors.filter((e) => e instanceof LockRecovered);

describe('a malformed record repaired by hand', () => {
  it('is reported recovered once, when the watch delivers it readable, though no read follows', async () => {
    const { clock, lock, errors, election, wall } = setup('b');
    lock.stored = 'malformed';
    void election.campaign();
    lock.live();
    await advance(clock, 30_000);
    // The malformed reads: reported once, then counted; nothing recovered yet.
    expect(errors[0]).toBeInstanceOf(LockError);
    expect((errors[0] as LockError).kind).toBe('Malformed');
    expect(errors.some((e) => e instanceof RepeatedFailure)).toBe(true);
    expect(recoveries(errors)).toEqual([]);

    // Repaired as the newcomer did: the record names this candidate again, so it takes the record back
    // with a write, and, leading, sends no read at all.
    const readsBefore = lock.reads;
    lock.store(held('b', wall()));
    await advance(clock, 20_000);
    expect(election.state).toBe('leader');
    expect(lock.reads).toBe(readsBefore);
    const recovered = recoveries(errors) as LockRecovered[];
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.message).toMatch(/^Lease default\/app: recovered after \d+ failed requests? over/);
    // Renewals reach the watch too: they say nothing more.
    expect(errors.at(-1)).toBe(recovered[0]);
    await election.stop();
  });

  it('a watch that delivers records while reads fail for another reason says nothing recovered', async () => {
    const { clock, lock, errors, election, wall } = setup('b');
    lock.stored = held('a', wall());
    lock.failReads = 'Unavailable';
    void election.campaign();
    // The holder renews every 2 s, and the watch delivers each renewal, while this candidate's polls fail:
    // a watch's record says the store answers the watch, not that reads work.
    const renewals = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await advance(clock, 2_000);
        lock.store(held('a', wall()));
      }
    };
    await renewals(10);
    expect(lock.reads).toBeGreaterThan(2);
    expect(errors.filter((e) => e instanceof LockError && e.kind === 'Unavailable')).toHaveLength(1);
    expect(recoveries(errors)).toEqual([]);
    // A read answered: now it has recovered, once.
    lock.failReads = null;
    await renewals(10);
    expect(recoveries(errors)).toHaveLength(1);
    await election.stop();
  });
});
