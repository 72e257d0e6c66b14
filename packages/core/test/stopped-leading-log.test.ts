/**
 * The `stopped leading` log entry (docs/operations.md "Logging"): one entry naming whose leadership ended,
 * why, and the holder that took the lock (or the candidate a handover goes to).
 */
import { describe, expect, it } from 'vitest';
import { advance, held, setup } from './scripted-election.ts';

describe('the stopped leading entry', () => {
  it('names the candidate, the reason and the holder that took the lock, in one entry', async () => {
    const { clock, lock, log, stopped, election, wall } = setup('b');
    void election.campaign();
    await advance(clock, 5_000);
    expect(election.state).toBe('leader');
    // Another candidate takes the lock (an operator's edit): the leader's next notification shows it.
    lock.store(held('c', wall(), 9));
    await advance(clock, 1);
    expect(stopped).toEqual(['lost']);
    const entries = log.entries.filter((e) => e.message === 'stopped leading');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.level).toBe('info');
    expect(entries[0]!.fields).toEqual({
      election: 'jobs',
      from: 'leader',
      to: 'follower',
      identity: 'b',
      reason: 'lost',
      leader: 'c',
    });
    await election.stop();
  });

  it('says a stop, and names no other holder when there is none', async () => {
    const { clock, log, election } = setup('b');
    void election.campaign();
    await advance(clock, 5_000);
    expect(election.state).toBe('leader');
    const stopping = election.stop();
    await advance(clock, 1_000);
    await stopping;
    const entries = log.entries.filter((e) => e.message === 'stopped leading');
    expect(entries.map((e) => e.fields)).toEqual([
      { election: 'jobs', from: 'leader', to: 'releasing', identity: 'b', reason: 'stopped' },
    ]);
  });

  it('names the candidate a handover goes to', async () => {
    const { clock, log, election, lock } = setup('b');
    void election.campaign();
    await advance(clock, 5_000);
    const handing = election.handover('c');
    await advance(clock, 1_000);
    // The record naming `c` is written, and handover() says so though this lock answers at once (the write
    // has ended `handingOver` before handover() resumes from the work's end).
    expect(await handing).toBe(true);
    expect(lock.stored).toMatchObject({ holderIdentity: 'c' });
    const entries = log.entries.filter((e) => e.message === 'stopped leading');
    expect(entries.map((e) => e.fields)).toEqual([
      {
        election: 'jobs',
        from: 'leader',
        to: 'handingOver',
        identity: 'b',
        reason: 'handedOver',
        handoverTo: 'c',
      },
    ]);
    await election.stop();
  });
});
