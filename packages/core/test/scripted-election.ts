/**
 * Driving a `LeaderElection` over a scripted lock on a manual clock, for the tests of what an election
 * reports and logs: a compare-and-swap lock over one stored value, with a watch the test drives.
 */
import {
  ElectionConfig,
  LeaderElection,
  type LeaderElectionRecord,
  type Lock,
  LockError,
  type LockSnapshot,
  type LoggerLike,
} from '../src/index.ts';
import { ManualClock } from '../src/internal.ts';

export const NAME = 'Lease default/app';

/** What the scripted store holds: a record, a record nobody can parse, or nothing. */
type Stored = LeaderElectionRecord | 'malformed' | null;

/**
 * A compare-and-swap lock over one stored value, with a watch the test drives: `store()` writes as a person
 * with kubectl would (and the watch notifies, as the Kubernetes locks do, only of records that parse);
 * `failReads` makes every read fail as the store would while it is down.
 */
export class ScriptedLock implements Lock {
  readonly identity: string;
  stored: Stored = null;
  version = 1;
  failReads: 'Unavailable' | null = null;
  reads = 0;
  #onChange: ((snapshot: LockSnapshot | null) => void) | null = null;
  #onHealth: ((live: boolean) => void) | null = null;

  constructor(identity: string) {
    this.identity = identity;
  }

  describe(): string {
    return NAME;
  }

  #snapshot(): LockSnapshot | null {
    if (this.stored === null || this.stored === 'malformed') return null;
    return { record: this.stored, version: String(this.version), raw: null };
  }

  async get(): Promise<LockSnapshot | null> {
    this.reads += 1;
    if (this.failReads !== null) throw new LockError(this.failReads, NAME, 'get: HTTP 503');
    if (this.stored === 'malformed')
      throw new LockError(
        'Malformed',
        NAME,
        `spec.leaseDurationSeconds is missing or 0 while holderIdentity is "a": nobody can tell how long to wait`,
      );
    return this.#snapshot();
  }

  async create(record: LeaderElectionRecord): Promise<LockSnapshot> {
    if (this.stored !== null) throw new LockError('Conflict', NAME, 'create: exists');
    return this.#write(record);
  }

  async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    if (this.stored === null) throw new LockError('NotFound', NAME, 'update: gone');
    if (expectedVersion !== String(this.version)) throw new LockError('Conflict', NAME, 'update: changed');
    return this.#write(record);
  }

  watch(onChange: (snapshot: LockSnapshot | null) => void, onHealth?: (live: boolean) => void): () => void {
    this.#onChange = onChange;
    this.#onHealth = onHealth ?? null;
    return () => {
      this.#onChange = null;
    };
  }

  /** The watch reports itself live (it has delivered the current state). */
  live(): void {
    this.#onHealth?.(true);
  }

  /** Someone else writes the object: the watch notifies a record that parses, and drops one that does not. */
  store(value: Stored): void {
    this.stored = value;
    this.version += 1;
    if (value !== 'malformed') this.#onChange?.(this.#snapshot());
  }

  #write(record: LeaderElectionRecord): LockSnapshot {
    this.stored = record;
    this.version += 1;
    const snapshot = { record, version: String(this.version), raw: null };
    // The watch's event of a write arrives after the write's answer, as an API server's usually does.
    setImmediate(() => this.#onChange?.(snapshot));
    return snapshot;
  }
}

/** A record naming `holder`, renewed at `wall` (ms). */
export function held(holder: string, wall: number, leaderTransitions = 3): LeaderElectionRecord {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: new Date(wall),
    renewTime: new Date(wall),
    leaderTransitions,
  };
}

export type Entry = { level: string; message: string; fields: Record<string, unknown> };

/** A console-style logger that keeps each entry. */
export function capture(): LoggerLike & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: string) => (message: unknown, fields: unknown) =>
    entries.push({ level, message: String(message), fields: fields as Record<string, unknown> });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Lets pending promise callbacks run (one host macrotask turn). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves `clock` by `ms`, timer by timer, settling promises after each. */
export async function advance(clock: ManualClock, ms: number): Promise<void> {
  const target = clock.now() + ms;
  await settle();
  for (let due = clock.nextDue(); due !== undefined && due <= target; due = clock.nextDue()) {
    clock.advance(Math.max(0, due - clock.now()));
    await settle();
  }
  clock.advance(target - clock.now());
  await settle();
}

export function setup(identity: string) {
  const clock = new ManualClock();
  const lock = new ScriptedLock(identity);
  const log = capture();
  const errors: unknown[] = [];
  const stopped: string[] = [];
  const election = new LeaderElection(
    new ElectionConfig({
      lock,
      name: 'jobs',
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      clock,
      seed: 7,
      logger: log,
      onError: (error) => errors.push(error),
      onStartedLeading: () => {},
      onStoppedLeading: (reason) => {
        stopped.push(reason);
      },
    }),
  );
  const wall = () => clock.wallNow().getTime();
  return { clock, lock, log, errors, stopped, election, wall };
}
