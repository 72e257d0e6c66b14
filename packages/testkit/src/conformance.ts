/**
 * The Lock conformance suite: what every lock backend must do for the elector to be safe on it. One
 * definition, run by the in-memory lock, the Kubernetes adapters and any user's custom lock:
 *
 *   describeLockConformance('MyLock', async () => ({ lock: (identity) => new MyLock(name, identity) }));
 *
 * Each call of the fixture factory must address a fresh, never-created lock object.
 */

import {
  isLockError,
  type LeaderElectionRecord,
  type Lock,
  type LockErrorKind,
  type LockSnapshot,
} from '@leasehold/core';
import fc from 'fast-check';

/** One fresh lock object of the backend under test, and how to handle it. */
export interface LockFixture {
  /** A handle on this fixture's lock object for one identity. */
  lock(identity: string): Lock;
  /** Stores a value that is not a valid record in the lock object. Omit if the backend cannot hold one. */
  corrupt?(): Promise<void>;
  /** Removes the lock object; called after each check. */
  cleanup?(): Promise<void>;
}

/** Makes a fixture on a fresh, never-created lock object; called once per check. */
export type LockFixtureFactory = () => Promise<LockFixture> | LockFixture;

/** One conformance check: a name, and a run that throws `ConformanceError` when the lock breaks the contract. */
export interface ConformanceCheck {
  /** What it checks, as a sentence. */
  readonly name: string;
  /** Runs it against a fixture. */
  readonly run: (fixture: LockFixture) => Promise<void>;
}

/** A lock broke the `Lock` contract; the message says how. */
export class ConformanceError extends Error {
  /** Always `ConformanceError`. */
  override readonly name = 'ConformanceError';
}

function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

async function expectLockError(promise: Promise<unknown>, kind: LockErrorKind, what: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    ensure(isLockError(err), `${what}: expected a LockError of kind ${kind}, got ${String(err)}`);
    ensure(err.kind === kind, `${what}: expected kind ${kind}, got ${err.kind} (${err.message})`);
    ensure(err.lock.length > 0, `${what}: the LockError must name the lock`);
    return;
  }
  throw new ConformanceError(`${what}: expected a ${kind} error, but it succeeded`);
}

const second = (d: Date | null) => (d === null ? null : Math.floor(d.getTime() / 1000));

/** Records compare to the second: the coarsest precision a backend may store (ConfigMap annotations). */
function sameRecord(actual: LeaderElectionRecord, expected: LeaderElectionRecord): boolean {
  return (
    actual.holderIdentity === expected.holderIdentity &&
    actual.leaseDurationSeconds === expected.leaseDurationSeconds &&
    actual.leaderTransitions === expected.leaderTransitions &&
    second(actual.acquireTime) === second(expected.acquireTime) &&
    second(actual.renewTime) === second(expected.renewTime)
  );
}

function show(r: LeaderElectionRecord): string {
  return JSON.stringify(r);
}

/** A plausible record held by `holder` (fields overridable), for tests of locks. */
export function sampleRecord(holder: string, over: Partial<LeaderElectionRecord> = {}): LeaderElectionRecord {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: now,
    renewTime: now,
    leaderTransitions: 0,
    ...over,
  };
}

const recordArb = fc.record({
  holderIdentity: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,40}$/),
  leaseDurationSeconds: fc.integer({ min: 1, max: 3600 }),
  acquireTime: fc.option(
    fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
  ),
  renewTime: fc.option(
    fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
  ),
  leaderTransitions: fc.integer({ min: 0, max: 1_000_000 }),
});

/** The checks every lock must pass (compare-and-swap, versions, not-found, conflicts, ...). */
export function lockConformanceChecks(): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [
    {
      name: 'get on an object never created answers null',
      run: async (f) => {
        ensure((await f.lock('a').get()) === null, 'get before create must answer null');
      },
    },
    {
      name: 'create then get round-trips the record and its version',
      run: async (f) => {
        const lock = f.lock('a');
        const record = sampleRecord('a', { leaderTransitions: 7 });
        const created = await lock.create(record);
        ensure(
          typeof created.version === 'string' && created.version.length > 0,
          'create must return a version',
        );
        ensure(sameRecord(created.record, record), `create returned ${show(created.record)}`);
        const got = await f.lock('b').get();
        ensure(got !== null, 'get after create must find the object');
        ensure(
          got.version === created.version,
          `get version ${got.version} differs from create's ${created.version}`,
        );
        ensure(sameRecord(got.record, record), `get returned ${show(got.record)}, wrote ${show(record)}`);
      },
    },
    {
      name: 'round-trips a released record (empty holder) and absent times',
      run: async (f) => {
        const lock = f.lock('a');
        const created = await lock.create(sampleRecord('a'));
        const released = sampleRecord('', { leaseDurationSeconds: 1, leaderTransitions: 3 });
        await lock.update(released, created.version);
        const got = await lock.get();
        ensure(
          got !== null && sameRecord(got.record, released),
          `released record read back as ${got && show(got.record)}`,
        );
      },
    },
    {
      name: 'create on an existing object fails with Conflict and changes nothing',
      run: async (f) => {
        const first = await f.lock('a').create(sampleRecord('a'));
        await expectLockError(f.lock('b').create(sampleRecord('b')), 'Conflict', 'second create');
        const got = await f.lock('a').get();
        ensure(
          got?.version === first.version && got.record.holderIdentity === 'a',
          'a failed create must not write',
        );
      },
    },
    {
      name: 'update with the current version succeeds and changes the version',
      run: async (f) => {
        const lock = f.lock('a');
        const created = await lock.create(sampleRecord('a'));
        const next = sampleRecord('a', { leaderTransitions: 1 });
        const updated = await lock.update(next, created.version);
        ensure(updated.version !== created.version, 'a successful update must change the version');
        ensure(sameRecord(updated.record, next), `update returned ${show(updated.record)}`);
        // Writing an identical record may keep the version (Kubernetes treats it as a no-op) or change it;
        // either way it must succeed on the current version and answer the version now stored.
        const again = await lock.update(next, updated.version);
        const stored = await lock.get();
        ensure(stored?.version === again.version, 'an identical write must answer the version now stored');
      },
    },
    {
      name: 'update with a stale version fails with Conflict and changes nothing (compare-and-swap)',
      run: async (f) => {
        const a = f.lock('a');
        const b = f.lock('b');
        const created = await a.create(sampleRecord('a'));
        const byB = await b.update(sampleRecord('b', { leaderTransitions: 1 }), created.version);
        await expectLockError(
          a.update(sampleRecord('a', { leaderTransitions: 2 }), created.version),
          'Conflict',
          'stale update',
        );
        const got = await a.get();
        ensure(got?.version === byB.version, 'a stale update must not write');
        ensure(
          got.record.holderIdentity === 'b',
          `holder after a stale update is ${got.record.holderIdentity}`,
        );
      },
    },
    {
      name: 'update of an object that does not exist fails with NotFound',
      run: async (f) => {
        await expectLockError(
          f.lock('a').update(sampleRecord('a'), '12345'),
          'NotFound',
          'update of a missing object',
        );
      },
    },
    {
      name: 'concurrent creates: exactly one wins, the rest get Conflict',
      run: async (f) => {
        const ids = ['a', 'b', 'c', 'd', 'e'];
        const results = await Promise.allSettled(ids.map((id) => f.lock(id).create(sampleRecord(id))));
        const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<LockSnapshot>[];
        ensure(won.length === 1, `${won.length} of ${ids.length} concurrent creates succeeded`);
        for (const r of results) {
          if (r.status === 'rejected')
            ensure(isLockError(r.reason, 'Conflict'), `a losing create failed with ${String(r.reason)}`);
        }
        const got = await f.lock('a').get();
        ensure(
          got?.record.holderIdentity === won[0]!.value.record.holderIdentity,
          'the stored holder is not the winner',
        );
      },
    },
    {
      name: 'concurrent contenders on one version: exactly one update wins each round (property)',
      run: async (f) => {
        const lock = f.lock('seed');
        let current = await lock.create(sampleRecord('seed'));
        await fc.assert(
          fc.asyncProperty(fc.array(recordArb, { minLength: 2, maxLength: 6 }), async (records) => {
            const base = current;
            const results = await Promise.allSettled(
              records.map((r, i) => f.lock(`c${i}`).update({ ...r, holderIdentity: `c${i}` }, base.version)),
            );
            const won = results.filter(
              (r) => r.status === 'fulfilled',
            ) as PromiseFulfilledResult<LockSnapshot>[];
            ensure(
              won.length === 1,
              `${won.length} of ${records.length} updates on version ${base.version} succeeded`,
            );
            for (const r of results) {
              if (r.status === 'rejected')
                ensure(isLockError(r.reason, 'Conflict'), `a losing update failed with ${String(r.reason)}`);
            }
            const got = await lock.get();
            ensure(
              got !== null && got.version === won[0]!.value.version,
              'the stored version is not the winner',
            );
            ensure(sameRecord(got.record, won[0]!.value.record), 'the stored record is not the winner');
            current = got;
          }),
          { numRuns: 15 },
        );
      },
    },
    {
      name: 'any record round-trips to the second (property)',
      run: async (f) => {
        const lock = f.lock('a');
        let current = await lock.create(sampleRecord('a'));
        await fc.assert(
          fc.asyncProperty(recordArb, async (record) => {
            current = await lock.update(record, current.version);
            const got = await lock.get();
            ensure(
              got !== null && sameRecord(got.record, record),
              `wrote ${show(record)}, read ${got && show(got.record)}`,
            );
          }),
          { numRuns: 20 },
        );
      },
    },
  ];
  return checks;
}

/** The check for backends that can hold an unparseable value (`fixture.corrupt`). */
export const malformedCheck: ConformanceCheck = {
  name: 'an unparseable stored record is reported as Malformed, never as absent or empty',
  run: async (f) => {
    ensure(f.corrupt !== undefined, 'the fixture has no corrupt()');
    await f.corrupt();
    await expectLockError(f.lock('a').get(), 'Malformed', 'get of a corrupt record');
  },
};

const WATCH_WAIT_MS = 10_000;

/** Polls `condition` every 10 ms until it holds or `ms` pass; returns whether it held. */
async function eventually(condition: () => boolean, ms = WATCH_WAIT_MS): Promise<boolean> {
  for (const start = Date.now(); Date.now() - start < ms; ) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
}

/**
 * The check for backends whose watch reports health (`onHealth`): once it says live, every later change is
 * notified, in order, with the version the write returned; after close, nothing more arrives. A watch that
 * claims to be live and drops changes makes followers sleep through a renewal (a slower failover).
 */
export const watchCheck: ConformanceCheck = {
  name: 'a watch that reports itself live notifies every later change in order, and nothing after close',
  run: async (f) => {
    const writer = f.lock('writer');
    const watching = f.lock('watcher');
    ensure(typeof watching.watch === 'function', 'the lock has no watch()');
    const seen: (LockSnapshot | null)[] = [];
    let live = false;
    const close = watching.watch(
      (snapshot) => seen.push(snapshot),
      (up) => {
        live = up;
      },
    );
    let closed = false;
    try {
      ensure(await eventually(() => live), `the watch did not report itself live within ${WATCH_WAIT_MS} ms`);
      const versions: string[] = [];
      let current = await writer.create(sampleRecord('writer'));
      versions.push(current.version);
      for (let i = 1; i <= 3; i += 1) {
        current = await writer.update(sampleRecord('writer', { leaderTransitions: i }), current.version);
        versions.push(current.version);
      }
      const last = versions[versions.length - 1];
      ensure(
        await eventually(() => seen.some((x) => x?.version === last)),
        `the live watch did not deliver the last write (version ${last}); saw ${seen.map((x) => x?.version ?? 'null').join(', ') || 'nothing'}`,
      );
      const delivered = seen.flatMap((x) => (x !== null && versions.includes(x.version) ? [x.version] : []));
      ensure(
        delivered.join() === versions.join(),
        `the live watch must deliver every write once and in order: wrote ${versions.join(', ')}, saw ${delivered.join(', ')}`,
      );
      const final = seen.find((x) => x?.version === last);
      ensure(
        final && final.record.leaderTransitions === 3 && final.record.holderIdentity === 'writer',
        `the notification of version ${last} must carry the record written: ${final ? show(final.record) : 'none'}`,
      );
      close();
      closed = true;
      const count = seen.length;
      await writer.update(sampleRecord('writer', { leaderTransitions: 4 }), last!);
      await new Promise((resolve) => setTimeout(resolve, 500));
      ensure(seen.length === count, 'the watch notified a change after it was closed');
    } finally {
      if (!closed) close();
    }
  },
};

/** Which optional checks apply to the backend. */
export interface ConformanceOptions {
  /** The backend can store an unparseable value: the fixture implements `corrupt` (see `malformedCheck`). */
  readonly malformed: boolean;
  /** The lock has a watch that reports health (see `watchCheck`). */
  readonly watch?: boolean;
}

/** The checks that apply to a backend with these options. */
export function checksFor(options: ConformanceOptions): ConformanceCheck[] {
  const checks = lockConformanceChecks();
  if (options.malformed) checks.push(malformedCheck);
  if (options.watch) checks.push(watchCheck);
  return checks;
}

/** Runs every check outside vitest; returns the names of those that failed (with their errors). */
export async function runLockConformance(
  makeFixture: LockFixtureFactory,
  options: ConformanceOptions = { malformed: true },
): Promise<{ name: string; error: string }[]> {
  const checks = checksFor(options);
  const failures: { name: string; error: string }[] = [];
  for (const check of checks) {
    const fixture = await makeFixture();
    try {
      await check.run(fixture);
    } catch (err) {
      failures.push({ name: check.name, error: String(err) });
    } finally {
      await fixture.cleanup?.();
    }
  }
  return failures;
}
