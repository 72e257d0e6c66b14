import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../src/index.ts';
import { draw, learnSpread, MAX_SPREAD, slotOf } from '../src/machine/herd.ts';
import { renewDelayMs } from '../src/machine/rules.ts';
import { lockAt, record, Script, TIMING, WALL0 } from './harness.ts';

describe('acquire', () => {
  it('creates an absent lock at once and leads from the moment the write was sent', () => {
    const m = new Script();
    expect(m.feed(0, { type: 'START' })).toContainEqual({ type: 'readLock' });
    m.feed(100, { type: 'LOCK_READ', snapshot: null });
    const created = m.only('createLock').record;
    expect(created).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaderTransitions: 0 });
    expect(created.renewTime?.getTime()).toBe(WALL0 + 100);

    m.feed(400, { type: 'LOCK_WRITTEN', snapshot: lockAt('1', created) });
    expect(m.state).toBe('leader');
    expect(m.effects).toContainEqual({ type: 'notify', event: 'startedLeading' });
    expect(m.effects).toContainEqual({ type: 'notify', event: 'newLeader', identity: 'a' });
    // Validity counts from the send (t=100), not the answer (t=400): deadline at 100 + 10 000.
    expect(m.timer('deadline')).toBe(100 + 10_000 - 400);
    // The first renewal goes on the phase it drew, within one retry period of the answer (rules.ts).
    expect(m.timer('renew')).toBe(renewDelayMs(TIMING.timing, m.context.renewPhase, 400));
    expect(m.timer('renew')).toBeGreaterThan(0);
    expect(m.timer('renew')).toBeLessThanOrEqual(2_000);
  });

  it('takes a released lock (empty holder) at once, with a compare-and-swap and the next transition number', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(10, { type: 'LOCK_READ', snapshot: lockAt('7', record('', { leaderTransitions: 4 })) });
    const update = m.only('updateLock');
    expect(update.expectedVersion).toBe('7');
    expect(update.record).toMatchObject({ holderIdentity: 'a', leaderTransitions: 5 });
  });

  it('waits out a held lease on its own clock, then takes over with the version it read', () => {
    const m = new Script();
    m.feed(1_000, { type: 'START' });
    m.feed(1_000, { type: 'LOCK_READ', snapshot: lockAt('9', record('b')) });
    expect(m.effects.some((e) => e.type === 'updateLock' || e.type === 'createLock')).toBe(false);
    const retry = m.timer('retry')!;
    expect(retry).toBeGreaterThanOrEqual(2_000);
    expect(retry).toBeLessThan(2_000 * 2.2);

    // Same version seen again just before the lease runs out: still waiting.
    m.feed(15_999, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(15_999, { type: 'LOCK_READ', snapshot: lockAt('9', record('b')) });
    expect(m.effects.find((e) => e.type === 'updateLock')).toBeUndefined();

    m.feed(16_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(16_000, { type: 'LOCK_READ', snapshot: lockAt('9', record('b')) });
    expect(m.only('updateLock')).toMatchObject({
      expectedVersion: '9',
      record: { holderIdentity: 'a', leaderTransitions: 4 },
    });
  });

  it('restarts the wait whenever the version changes (the holder renewed)', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    m.feed(14_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(14_000, { type: 'LOCK_READ', snapshot: lockAt('2', record('b')) });
    m.feed(20_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(20_000, { type: 'LOCK_READ', snapshot: lockAt('2', record('b')) });
    expect(m.effects.find((e) => e.type === 'updateLock')).toBeUndefined();
    m.feed(29_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(29_000, { type: 'LOCK_READ', snapshot: lockAt('2', record('b')) });
    expect(m.only('updateLock').expectedVersion).toBe('2');
  });

  it.each([
    ['far in the past', new Date('2000-01-01T00:00:00Z')],
    ['far in the future', new Date('2100-01-01T00:00:00Z')],
  ])('judges expiry on the local clock when renewTime is %s', (_label, renewTime) => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('5', record('b', { renewTime })) });
    // Neither "long expired" nor "valid for a century": a full lease on our clock, then takeover.
    expect(m.effects.find((e) => e.type === 'updateLock')).toBeUndefined();
    m.feed(14_999, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(14_999, { type: 'LOCK_READ', snapshot: lockAt('5', record('b', { renewTime })) });
    expect(m.effects.find((e) => e.type === 'updateLock')).toBeUndefined();
    m.feed(15_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(15_000, { type: 'LOCK_READ', snapshot: lockAt('5', record('b', { renewTime })) });
    expect(m.only('updateLock').expectedVersion).toBe('5');
  });

  it('retries at the lease expiry when that comes before the jittered retry period', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('9', record('b')) });
    m.feed(14_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(14_000, { type: 'LOCK_READ', snapshot: lockAt('9', record('b')) });
    expect(m.timer('retry')).toBe(1_000);
  });

  it("uses the holder's own leaseDurationSeconds from the record", () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('5', record('b', { leaseDurationSeconds: 60 })) });
    m.feed(59_999, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(59_999, { type: 'LOCK_READ', snapshot: lockAt('5', record('b', { leaseDurationSeconds: 60 })) });
    expect(m.effects.find((e) => e.type === 'updateLock')).toBeUndefined();
    m.feed(60_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(60_000, { type: 'LOCK_READ', snapshot: lockAt('5', record('b', { leaseDurationSeconds: 60 })) });
    expect(m.only('updateLock').expectedVersion).toBe('5');
  });

  it('does not retry a lost compare-and-swap: it waits and reads again', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('5', record('')) });
    m.feed(5, { type: 'LOCK_FAILED', error: 'Conflict' });
    expect(m.state).toBe('follower');
    expect(m.effects.map((e) => e.type)).toEqual(['startTimer']);
    m.feed(5_000, { type: 'TIMER_FIRED', timer: 'retry' });
    expect(m.effects).toContainEqual({ type: 'readLock' });
  });

  it('after losing a create race, a lock that vanishes before it was read counts as held: waits a lease', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: null });
    m.only('createLock');
    m.feed(10, { type: 'LOCK_FAILED', error: 'Conflict' }); // someone else created it first
    m.feed(1_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(1_010, { type: 'LOCK_READ', snapshot: null }); // deleted by hand before this candidate read it
    expect(m.effects.find((e) => e.type === 'createLock')).toBeUndefined();
    expect(m.timer('retry')).toBeLessThanOrEqual(10 + 15_000 - 1_010);
    expect(m.context.lease.knownLeader).toBe(''); // the placeholder is never reported as a leader
    m.feed(15_010, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(15_010, { type: 'LOCK_READ', snapshot: null });
    expect(m.only('createLock').record.holderIdentity).toBe('a');
  });

  it('after losing a create race, reads the winner and waits out its lease as usual', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: null });
    m.feed(10, { type: 'LOCK_FAILED', error: 'Conflict' });
    m.feed(1_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(1_010, { type: 'LOCK_READ', snapshot: lockAt('7', record('b')) });
    expect(m.effects.find((e) => e.type === 'updateLock')).toBeUndefined();
    m.feed(16_010, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(16_010, { type: 'LOCK_READ', snapshot: lockAt('7', record('b')) });
    expect(m.only('updateLock').record.leaderTransitions).toBe(record('b').leaderTransitions + 1);
  });

  it('does not lead on a write answered after its own deadline', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: null });
    m.feed(10_000, { type: 'LOCK_WRITTEN', snapshot: lockAt('1', m.only('createLock').record) });
    expect(m.state).toBe('follower');
    expect(m.effects).not.toContainEqual({ type: 'notify', event: 'startedLeading' });
    expect(m.timer('retry')).toBeDefined();
  });

  it('after seeing a holder, treats a deleted lock as a change and waits a full lease before creating', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('5', record('b')) });
    m.feed(3_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(3_000, { type: 'LOCK_READ', snapshot: null });
    expect(m.effects.find((e) => e.type === 'createLock')).toBeUndefined();
    m.feed(17_999, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(17_999, { type: 'LOCK_READ', snapshot: null });
    expect(m.effects.find((e) => e.type === 'createLock')).toBeUndefined();
    m.feed(18_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(18_000, { type: 'LOCK_READ', snapshot: null });
    // The fencing token continues from the last record seen.
    expect(m.only('createLock').record.leaderTransitions).toBe(4);
  });
});

describe('a follower with a live watch', () => {
  const live = (m: Script, at: number, up = true) => m.feed(at, { type: 'WATCH_HEALTH', live: up });

  it('sleeps until the observed lease runs out, then writes on the version its watch showed, no read first', () => {
    const m = new Script();
    live(m, 0);
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('9', record('b')) });
    expect(m.timer('retry')).toBe(15_000);
    m.feed(15_000, { type: 'TIMER_FIRED', timer: 'retry' });
    expect(m.only('updateLock').expectedVersion).toBe('9');
  });

  it('moves its wake-up a lease past each renewal it is notified of, sending nothing meanwhile', () => {
    const m = new Script();
    live(m, 0);
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    for (let k = 2; k <= 20; k += 1) {
      const effects = m.feed(k * 2_000, { type: 'LOCK_CHANGED', snapshot: lockAt(String(k), record('b')) });
      expect(effects).toEqual([{ type: 'startTimer', timer: 'retry', ms: 15_000 }]);
    }
    // A repeated notification of the same version does not push the wake-up further.
    m.feed(45_000, { type: 'LOCK_CHANGED', snapshot: lockAt('20', record('b')) });
    expect(m.timer('retry')).toBe(40_000 + 15_000 - 45_000);
  });

  it('takes a released lock at once from the notification', () => {
    const m = new Script();
    live(m, 0);
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    m.feed(3_000, { type: 'LOCK_CHANGED', snapshot: lockAt('2', record('')) });
    expect(m.only('updateLock').expectedVersion).toBe('2');
  });

  it('goes back to polling when the watch is lost, and keeps polling after failed requests', () => {
    const m = new Script();
    live(m, 0);
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    expect(m.timer('retry')).toBe(15_000);
    live(m, 1_000, false);
    const retry = m.timer('retry')!;
    expect(retry).toBeGreaterThanOrEqual(2_000);
    expect(retry).toBeLessThan(2_000 * 2.2);
    expect(m.context.watchLive).toBe(false);

    m.feed(3_500, { type: 'TIMER_FIRED', timer: 'retry' });
    m.only('readLock');
    m.feed(3_600, { type: 'LOCK_FAILED', error: 'Unavailable' });
    expect(m.timer('retry')!).toBeLessThan(2_000 * 2.2);
  });

  it('a read answered after a notification of a release does not step back to the older holder', () => {
    const m = new Script();
    live(m, 0);
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    m.feed(15_000, { type: 'ATTEMPT' }); // tryAcquireOrRenew() reads, whatever the watch says
    m.only('readLock');
    // The holder releases while the read is in flight; the read was served before the release.
    expect(m.feed(15_005, { type: 'LOCK_CHANGED', snapshot: lockAt('2', record('')) })).toEqual([]);
    m.feed(15_010, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    expect(m.only('updateLock').expectedVersion).toBe('2');
  });

  it('without a live watch, a read answer is taken as it comes', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_CHANGED', snapshot: lockAt('2', record('')) });
    m.feed(10, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
    expect(m.context.lease.observed?.snapshot?.version).toBe('1');
  });

  it('without a live watch, notifications leave the poll schedule alone', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    expect(m.feed(2_000, { type: 'LOCK_CHANGED', snapshot: lockAt('2', record('b')) })).toEqual([]);
  });

  it('a watch that is live but missed a renewal costs one lost write at expiry, then a read, never a takeover', () => {
    const m = new Script();
    live(m, 0);
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    m.feed(15_000, { type: 'TIMER_FIRED', timer: 'retry' });
    expect(m.only('updateLock').expectedVersion).toBe('1');
    // The holder renewed to version 2 and the watch never said: the compare-and-swap loses.
    m.feed(15_010, { type: 'LOCK_FAILED', error: 'Conflict' });
    expect(m.context.mustRead).toBe(true);
    m.feed(15_010 + m.timer('retry')!, { type: 'TIMER_FIRED', timer: 'retry' });
    m.only('readLock');
    // The read shows the renewal: a new version, so a full lease from now.
    m.feed(19_000, { type: 'LOCK_READ', snapshot: lockAt('2', record('b')) });
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
    expect(m.timer('retry')).toBe(15_000);
  });

  it('a lost takeover the watch has already explained needs no read', () => {
    const m = new Script();
    live(m, 0);
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    m.feed(3_000, { type: 'LOCK_CHANGED', snapshot: lockAt('2', record('')) });
    m.only('updateLock');
    // Another follower's takeover is notified while this write is in flight, which then loses.
    m.feed(3_004, { type: 'LOCK_CHANGED', snapshot: lockAt('3', record('c')) });
    m.feed(3_008, { type: 'LOCK_FAILED', error: 'Conflict' });
    expect(m.context.mustRead).toBe(false);
    const woken = 3_008 + m.timer('retry')!;
    m.feed(woken, { type: 'TIMER_FIRED', timer: 'retry' });
    expect(m.effects.filter((e) => e.type === 'readLock' || e.type === 'updateLock')).toEqual([]);
    expect(m.timer('retry')).toBe(3_004 + 15_000 - woken); // sleeps until the winner's lease runs out
  });
});

describe('the takeover stagger (rule 9)', () => {
  const SLOT = 25;
  const live = (m: Script, at: number) => m.feed(at, { type: 'WATCH_HEALTH', live: true });
  /**
   * A follower watching lock version 1 held by b, then b's renewal `termMs` into its term (version 1r;
   * default 20 s, more than the 15 s lease), then told of its release as version `released`. `own`: this
   * follower's timing, where it differs from b's.
   */
  const released = (
    identity: string,
    spread: number,
    released = '2',
    tenureMs = 0,
    termMs = 20_000,
    own: Partial<typeof TIMING.timing> = {},
  ) => {
    const m = new Script({ identity, timing: { ...TIMING.timing, takeoverSlotMs: SLOT, ...own } });
    live(m, 0);
    m.feed(0, { type: 'START' });
    // The holder b, first seen having led for `tenureMs` (its renewTime that much after its acquireTime).
    m.feed(0, {
      type: 'LOCK_READ',
      snapshot: lockAt('1', record('b', { renewTime: new Date(WALL0 + tenureMs) })),
    });
    m.feed(500, {
      type: 'LOCK_CHANGED',
      snapshot: lockAt('1r', record('b', { renewTime: new Date(WALL0 + Math.max(tenureMs, termMs)) })),
    });
    m.snapshot = { ...m.snapshot, context: { ...m.context, herd: { ...m.context.herd, spread } } };
    m.feed(1_000, { type: 'LOCK_CHANGED', snapshot: lockAt(released, record('')) });
    return m;
  };

  it('at the release of a term no longer than a lease, waits its own slot only: nobody can be newer', () => {
    // b's last record 15 s into its term (the lease: not more): a newer candidate would have first seen b
    // more than a lease into it. Spread 0: at once, as at an expiry.
    const m = released('a', 0, '2', 0, 15_000);
    expect(m.only('updateLock').expectedVersion).toBe('2');
    // With a spread, its slot and no more.
    const id = ['a', 'c', 'd', 'e', 'f', 'g', 'h'].find((x) => slotOf(x, '2', 6) > 0) ?? 'a';
    expect(slotOf(id, '2', 6)).toBeGreaterThan(0);
    expect(released(id, 6, '2', 0, 3_000).timer('retry')).toBe(slotOf(id, '2', 6) * SLOT);
    // A record without an acquireTime says nothing of the term: a newer candidate may wait, a slot is left it.
    const unknown = new Script({ identity: 'a', timing: { ...TIMING.timing, takeoverSlotMs: SLOT } });
    live(unknown, 0);
    unknown.feed(0, { type: 'START' });
    unknown.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b', { acquireTime: null })) });
    expect(unknown.context.lease.holderTenure).toBe(null);
    unknown.feed(1_000, { type: 'LOCK_CHANGED', snapshot: lockAt('2', record('')) });
    expect(unknown.timer('retry')).toBe(SLOT);
  });

  it('at the release of a term longer than a lease, with spread 0, writes one slot later: newer candidates go first', () => {
    const m = released('a', 0);
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
    expect(m.timer('retry')).toBe(SLOT);
    expect(m.context.herd.racingFor).toBe('2');
    m.feed(1_000 + SLOT, { type: 'TIMER_FIRED', timer: 'retry' });
    expect(m.only('updateLock').expectedVersion).toBe('2');
  });

  it('at a release, a candidate that joined well into the term of the holder writes at once, whatever its slot', () => {
    // When this candidate first saw the holder, it had led for 20 s, more than a lease: this candidate
    // joined well into its term (a new replica of a rolling update).
    const m = released('a', MAX_SPREAD, '2', 20_000);
    expect(m.only('updateLock').expectedVersion).toBe('2');
    // One that saw the term begin is an old replica, and one that saw it 10 s in was started with it (a new
    // deployment): each waits its slot, plus one (the term, 20 s, was longer than a lease).
    const old = released('a', MAX_SPREAD, '2', 0);
    expect(old.timer('retry')).toBe((slotOf('a', '2', MAX_SPREAD) + 1) * SLOT);
    const sibling = released('a', MAX_SPREAD, '2', 10_000);
    expect(sibling.timer('retry')).toBe((slotOf('a', '2', MAX_SPREAD) + 1) * SLOT);
  });

  it("measures a term against the holder's lease, not its own: replicas with other lease durations agree", () => {
    // A rolling update that lengthens the lease: this candidate's own is 30 s, the holder b's record says 15.
    // b led 20 s: longer than b's lease, so a newer candidate may wait and this one leaves it the slot.
    const follower = (tenureMs: number) =>
      released('a', 0, '2', tenureMs, 20_000, { leaseDurationMs: 30_000, renewDeadlineMs: 20_000 });
    const old = follower(0);
    expect(old.context.lease.holderLeaseMs).toBe(15_000);
    expect(old.effects.some((e) => e.type === 'updateLock')).toBe(false);
    expect(old.timer('retry')).toBe(SLOT);
    // First seen 16 s into b's term: more than b's lease (not than its own 30 s): it is the newer one.
    expect(follower(16_000).only('updateLock').expectedVersion).toBe('2');
  });

  it('waits its slot, computed from identity and version alone, then writes unless someone took over', () => {
    const slots = ['a', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => slotOf(id, '2', 6));
    expect(new Set(slots).size).toBeGreaterThan(1); // the identities spread over several slots
    for (const id of ['a', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const m = released(id, 6);
      const slot = slotOf(id, '2', 6) + 1; // a release: one slot for newer candidates first
      expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
      expect(m.timer('retry')).toBe(slot * SLOT);
      m.feed(1_000 + slot * SLOT, { type: 'TIMER_FIRED', timer: 'retry' });
      expect(m.only('updateLock').expectedVersion).toBe('2'); // no read: the watch is live
    }
  });

  it('stands down when the watch shows a winner before its slot, and learns the spread from the winner', () => {
    const id = ['a', 'c', 'd', 'e', 'f', 'g', 'h'].find((x) => slotOf(x, '2', 6) > 0) ?? 'a';
    const m = released(id, 6);
    const winner = 'w';
    m.feed(1_001, { type: 'LOCK_CHANGED', snapshot: lockAt('3', record(winner)) });
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
    expect(m.timer('retry')).toBe(15_000);
    expect(m.context.herd.racingFor).toBe(null);
    expect(m.context.herd.spread).toBe(learnSpread(6, id, winner, '2', 1 / 25));
  });

  it('learns: a winner in a later slot gives its draw plus one, one in slot 0 grows the spread fast', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `pod-${i}`);
    const withDraw = (g: number) => ids.find((x) => draw(x, '7') === g) ?? 'none';
    // A winner with draw 2 under spread 5 (slot 3), seen by a follower with draw 0 (slot 5): log2 N ~ 2,
    // so down towards 3, one slot per race; up at once.
    expect(learnSpread(5, withDraw(0), withDraw(2), '7', 5)).toBe(4);
    expect(learnSpread(4, withDraw(0), withDraw(2), '7', 5)).toBe(3);
    expect(learnSpread(3, withDraw(0), withDraw(2), '7', 5)).toBe(3);
    expect(learnSpread(8, withDraw(0), withDraw(7), '7', 5)).toBe(8);
    expect(learnSpread(6, withDraw(0), withDraw(5), '7', 5)).toBe(6);
    // The same winner seen by a follower with draw 4 (slot 1, before the winner's): it raced on a smaller spread.
    expect(learnSpread(5, withDraw(4), withDraw(2), '7', 5)).toBe(5);
    // A winner that arrived before a slot had passed, with a draw below the spread: it raced on a smaller
    // spread or a newer start; nothing to learn.
    expect(learnSpread(5, withDraw(0), withDraw(2), '7', 0.5)).toBe(5);
    // A winner in slot 0: the spread was too small.
    expect(learnSpread(3, withDraw(0), withDraw(3), '7', 5)).toBe(8);
    expect(learnSpread(0, withDraw(0), withDraw(0), '7', 5)).toBe(2);
    expect(learnSpread(MAX_SPREAD, withDraw(0), withDraw(MAX_SPREAD), '7', 5)).toBe(MAX_SPREAD);
  });

  it('draws are geometric: about half 0, a quarter 1, an eighth 2', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 8_000; i += 1) {
      const g = draw(`pod-${i}`, '12345');
      if (g < 3) counts[g] = (counts[g] ?? 0) + 1;
    }
    expect(counts[0]! / 8_000).toBeCloseTo(0.5, 1);
    expect(counts[1]! / 8_000).toBeCloseTo(0.25, 1);
    expect(counts[2]! / 8_000).toBeCloseTo(0.125, 1);
  });

  it('without a live watch there is no stagger: a polling follower writes on its read', () => {
    const m = new Script({ identity: 'a', timing: { ...TIMING.timing, takeoverSlotMs: SLOT } });
    m.feed(0, { type: 'START' });
    m.snapshot = {
      ...m.snapshot,
      context: { ...m.context, herd: { ...m.context.herd, spread: MAX_SPREAD } },
    };
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('2', record('')) });
    m.only('updateLock');
  });

  it('retakes its own record at once, whatever the spread', () => {
    const m = new Script({ identity: 'a', timing: { ...TIMING.timing, takeoverSlotMs: 25 } });
    m.feed(0, { type: 'WATCH_HEALTH', live: true });
    m.feed(0, { type: 'START' });
    m.snapshot = {
      ...m.snapshot,
      context: { ...m.context, herd: { ...m.context.herd, spread: MAX_SPREAD } },
    };
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('2', record('a')) });
    m.only('updateLock');
  });
});

describe('renew', () => {
  it('renews with one compare-and-swap on the version it wrote, keeping acquireTime and the count', () => {
    const m = new Script();
    const written = m.lead(0, '1');
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    const update = m.only('updateLock');
    expect(update.expectedVersion).toBe('1');
    expect(update.record.acquireTime).toEqual(written.record.acquireTime);
    expect(update.record.renewTime?.getTime()).toBe(WALL0 + 2_000);
    expect(update.record.leaderTransitions).toBe(written.record.leaderTransitions);

    m.feed(2_300, { type: 'LOCK_WRITTEN', snapshot: lockAt('2', update.record) });
    expect(m.state).toBe('leader');
    expect(m.timer('deadline')).toBe(2_000 + 10_000 - 2_300);
    expect(m.timer('renew')).toBe(renewDelayMs(TIMING.timing, m.context.renewPhase, 2_300));
  });

  it('does not extend its lease on a write the store answered as a no-op (same version)', () => {
    const m = new Script();
    const written = m.lead(0, '1');
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    m.feed(2_100, { type: 'LOCK_WRITTEN', snapshot: lockAt('1', written.record) });
    expect(m.state).toBe('leader');
    expect(m.timer('deadline')).toBe(10_000 - 2_100);
  });

  it('leads even when the watch reported its own write before the write was answered', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('4', record('')) });
    const update = m.only('updateLock');
    m.feed(5, { type: 'LOCK_CHANGED', snapshot: lockAt('5', update.record) });
    m.feed(9, { type: 'LOCK_WRITTEN', snapshot: lockAt('5', update.record) });
    expect(m.state).toBe('leader');
    // And a renewal whose notification comes first still extends the lease.
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    const renewal = m.only('updateLock');
    m.feed(2_005, { type: 'LOCK_CHANGED', snapshot: lockAt('6', renewal.record) });
    m.feed(2_010, { type: 'LOCK_WRITTEN', snapshot: lockAt('6', renewal.record) });
    expect(m.timer('deadline')).toBe(2_000 + 10_000 - 2_010);
  });

  it('does not lead on an acquiring write that left the version unchanged', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('4', record('a')) });
    m.feed(10, { type: 'LOCK_WRITTEN', snapshot: lockAt('4', record('a')) });
    expect(m.state).toBe('follower');
    expect(m.timer('retry')).toBeDefined();
  });

  it('steps down when renewDeadline passes without a successful renewal', () => {
    const m = new Script();
    m.lead(0, '1');
    for (const at of [2_000, 4_000, 6_000, 8_000]) {
      m.feed(at, { type: 'TIMER_FIRED', timer: 'renew' });
      m.feed(at + 100, { type: 'LOCK_FAILED', error: 'Unavailable' });
      expect(m.state).toBe('leader');
      expect(m.timer('renew')).toBe(2_000);
    }
    m.feed(10_000, { type: 'TIMER_FIRED', timer: 'deadline' });
    expect(m.state).toBe('follower');
    expect(m.effects).toEqual(
      expect.arrayContaining([
        { type: 'notify', event: 'stoppedLeading', reason: 'lost' },
        { type: 'cancelTimer', timer: 'renew' },
        { type: 'cancelTimer', timer: 'deadline' },
      ]),
    );
  });

  it('steps down on any input that arrives after the deadline (a paused process), before acting on it', () => {
    const m = new Script();
    m.lead(0, '1');
    m.feed(25_000, { type: 'TIMER_FIRED', timer: 'renew' });
    expect(m.state).toBe('follower');
    expect(m.effects).toContainEqual({ type: 'notify', event: 'stoppedLeading', reason: 'lost' });
    expect(m.effects.find((e) => e.type === 'updateLock')).toBeUndefined();
  });

  it('re-reads after a conflict instead of rewriting, and steps down if another holder appears', () => {
    const m = new Script();
    m.lead(0, '1');
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    m.feed(2_010, { type: 'LOCK_FAILED', error: 'Conflict' });
    expect(m.effects).toEqual([{ type: 'readLock' }]);
    m.feed(2_020, { type: 'LOCK_READ', snapshot: lockAt('3', record('b')) });
    expect(m.state).toBe('follower');
    expect(m.effects).toContainEqual({ type: 'notify', event: 'stoppedLeading', reason: 'lost' });
    expect(m.effects).toContainEqual({ type: 'notify', event: 'newLeader', identity: 'b' });
  });

  it('after a conflict, renews on the fresh version when the lock is still its own', () => {
    const m = new Script();
    const written = m.lead(0, '1');
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    m.feed(2_010, { type: 'LOCK_FAILED', error: 'Conflict' });
    m.feed(2_020, { type: 'LOCK_READ', snapshot: lockAt('4', written.record) });
    expect(m.state).toBe('leader');
    expect(m.only('updateLock').expectedVersion).toBe('4');
  });
});

describe('coordinated: yielding to the preferred holder', () => {
  it('a leader whose lock names another preferred holder hands over to it, once per leadership', () => {
    const m = new Script({ coordinated: true });
    const me = m.context.identity;
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record(me)) });
    const mine = m.only('updateLock').record;
    m.feed(10, { type: 'LOCK_WRITTEN', snapshot: lockAt('2', mine) });
    expect(m.state).toBe('leader');
    const yields = () => m.effects.filter((e) => e.type === 'stopWork');
    expect(yields()).toEqual([]);
    // The chart starts the handover itself, as handover('c') would: the work stops first.
    m.feed(20, { type: 'LOCK_CHANGED', snapshot: lockAt('3', { ...mine, preferredHolder: 'c' }) });
    expect(yields()).toEqual([{ type: 'stopWork', handoverTo: 'c' }]);
    expect(m.context.lifecycle.pending).toEqual({ kind: 'handover', to: 'c' });
    m.feed(30, { type: 'LOCK_CHANGED', snapshot: lockAt('4', { ...mine, preferredHolder: 'c' }) });
    expect(m.state).toBe('leader');
    expect(yields()).toEqual([]);
    // Once the work has stopped, the handover's record names c.
    m.feed(40, { type: 'WORK_STOPPED' });
    expect(m.state).toBe('handingOver');
    expect(m.only('updateLock').record.holderIdentity).toBe('c');
  });
});

describe('stop and release', () => {
  it('a leader releases with an empty holder, keeping the transition count, then stops', () => {
    const m = new Script();
    m.lead(0, '1');
    // The leader's work stops first, the leader still leading; then the stop goes ahead.
    expect(m.feed(1_000, { type: 'STOP', release: true })).toEqual([{ type: 'stopWork', handoverTo: null }]);
    expect(m.state).toBe('leader');
    m.feed(1_000, { type: 'WORK_STOPPED' });
    expect(m.state).toBe('releasing');
    expect(m.effects).toContainEqual({ type: 'notify', event: 'stoppedLeading', reason: 'stopped' });
    const release = m.only('updateLock');
    expect(release.expectedVersion).toBe('1');
    expect(release.record).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaderTransitions: 0,
    });
    m.feed(1_050, { type: 'LOCK_WRITTEN', snapshot: lockAt('2', release.record) });
    expect(m.state).toBe('stopped');
  });

  it('names why leadership ended in the stoppedLeading effect: the stop, a step-down, a handover', () => {
    const stoppedBy = (input: Parameters<Script['feed']>[1]) => {
      const m = new Script();
      m.lead(0, '1');
      m.feed(1_000, input);
      m.feed(1_000, { type: 'WORK_STOPPED' });
      return m.effects.find((e) => e.type === 'notify' && e.event === 'stoppedLeading');
    };
    expect(stoppedBy({ type: 'STOP', release: false })).toMatchObject({ reason: 'stopped' });
    expect(stoppedBy({ type: 'STOP', release: true, reason: 'steppedDown' })).toMatchObject({
      reason: 'steppedDown',
    });
    expect(stoppedBy({ type: 'HANDOVER', to: 'b' })).toMatchObject({ reason: 'handedOver' });
  });

  it('without release, a leader stops at once and writes nothing', () => {
    const m = new Script();
    m.lead(0, '1');
    m.feed(1_000, { type: 'STOP', release: false });
    m.feed(1_000, { type: 'WORK_STOPPED' });
    expect(m.state).toBe('stopped');
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
  });

  it('waits for a renewal in flight, then releases on the version it produced', () => {
    const m = new Script();
    const written = m.lead(0, '1');
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    m.feed(2_001, { type: 'STOP', release: true });
    m.feed(2_001, { type: 'WORK_STOPPED' });
    expect(m.state).toBe('releasing');
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
    m.feed(2_050, { type: 'LOCK_WRITTEN', snapshot: lockAt('2', written.record) });
    expect(m.only('updateLock')).toMatchObject({ expectedVersion: '2', record: { holderIdentity: '' } });
  });

  it('a follower stopped while its acquiring write is in flight releases what it won', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: null });
    const created = m.only('createLock').record;
    m.feed(5, { type: 'STOP', release: true });
    expect(m.state).toBe('releasing');
    m.feed(10, { type: 'LOCK_WRITTEN', snapshot: lockAt('1', created) });
    expect(m.only('updateLock').record.holderIdentity).toBe('');
    expect(m.effects).not.toContainEqual({ type: 'notify', event: 'startedLeading' });
  });

  it('gives up releasing after a bounded number of attempts', () => {
    const m = new Script();
    m.lead(0, '1');
    m.feed(1_000, { type: 'STOP', release: true });
    m.feed(1_000, { type: 'WORK_STOPPED' });
    let at = 1_000;
    while (m.state === 'releasing') {
      at += 10;
      m.feed(at, { type: 'LOCK_FAILED', error: 'Unavailable' });
      if (m.state === 'releasing' && m.effects.some((e) => e.type === 'readLock')) {
        at += 10;
        m.feed(at, { type: 'LOCK_READ', snapshot: lockAt('1', record('a')) });
      }
      expect(at).toBeLessThan(2_000);
    }
    expect(m.state).toBe('stopped');
  });
});

describe('illegal inputs are bugs', () => {
  it('throws on a lock answer with no request in flight', () => {
    const m = new Script();
    m.lead(0);
    expect(() => m.feed(1, { type: 'LOCK_READ', snapshot: null })).toThrow(IllegalTransitionError);
  });

  it('throws on a timer that is not running in the current state', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_FAILED', error: 'Unavailable' });
    expect(() => m.feed(1, { type: 'TIMER_FIRED', timer: 'renew' })).toThrow(/timer renew/);
    expect(() => new Script().feed(0, { type: 'ATTEMPT' })).toThrow(/illegal input ATTEMPT in state stopped/);
  });
});

describe('determinism', () => {
  it('one seed gives one sequence of retry delays; another seed a different one', () => {
    const delays = (seed: number) => {
      const m = new Script({ seed });
      m.feed(0, { type: 'START' });
      const out: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        m.feed(i, { type: 'LOCK_FAILED', error: 'Unavailable' });
        out.push(m.timer('retry')!);
        m.feed(i, { type: 'TIMER_FIRED', timer: 'retry' });
      }
      return out;
    };
    expect(delays(7)).toEqual(delays(7));
    expect(delays(7)).not.toEqual(delays(8));
  });
});

describe('coordinated (the API server picks the holder)', () => {
  it('never takes a free, expired or absent lock; takes one that names it at once', () => {
    const m = new Script({ coordinated: true });
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: null });
    expect(m.effects.some((e) => e.type === 'createLock')).toBe(false);
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(2_000, { type: 'LOCK_READ', snapshot: lockAt('1', record('')) });
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
    m.feed(4_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(4_000, { type: 'LOCK_READ', snapshot: lockAt('2', record('b')) });
    m.feed(20_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(20_000, { type: 'LOCK_READ', snapshot: lockAt('2', record('b')) });
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false); // b's lease ran out: still not ours
    // The controller names this candidate: it takes the lock with its own write.
    m.feed(22_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(22_000, { type: 'LOCK_READ', snapshot: lockAt('3', record('a', { leaderTransitions: 4 })) });
    expect(m.only('updateLock').record).toMatchObject({ holderIdentity: 'a', leaderTransitions: 4 });
  });
});
