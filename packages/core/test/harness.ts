/** Scripted driving of the pure machine: feed inputs, read effects. */
import type { Effect, Input, LeaderElectionRecord, LockSnapshot } from '../src/index.ts';
import {
  type ElectionSnapshot,
  initialSnapshot,
  type MachineInput,
  stateOf,
  step,
} from '../src/statechart.ts';

export const TIMING: MachineInput = {
  identity: 'a',
  timing: {
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    jitterFactor: 1.2,
    takeoverSlotMs: 0,
  },
  recordLeaseSeconds: 15,
  seed: 42,
};

export const WALL0 = Date.UTC(2026, 0, 1);

export function record(holder: string, over: Partial<LeaderElectionRecord> = {}): LeaderElectionRecord {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: new Date(WALL0),
    renewTime: new Date(WALL0),
    leaderTransitions: 3,
    ...over,
  };
}

export function lockAt(version: string, rec: LeaderElectionRecord): LockSnapshot {
  return { record: rec, version, raw: null };
}

type Body<T> = T extends unknown ? Omit<T, 'at' | 'wall'> : never;

/** A machine under test: `feed` stamps inputs with a scripted time. */
export class Script {
  snapshot: ElectionSnapshot;
  effects: readonly Effect[] = [];

  constructor(input: Partial<MachineInput> = {}) {
    this.snapshot = initialSnapshot({ ...TIMING, ...input });
  }

  feed(at: number, input: Body<Input>): readonly Effect[] {
    const [next, effects] = step(this.snapshot, { ...input, at, wall: WALL0 + at } as Input);
    this.snapshot = next;
    this.effects = effects;
    return effects;
  }

  get state() {
    return stateOf(this.snapshot);
  }

  get context() {
    return this.snapshot.context;
  }

  /** The one effect of the given type in the last step (fails the test if not exactly one). */
  only<T extends Effect['type']>(type: T): Extract<Effect, { type: T }> {
    const found = this.effects.filter((e) => e.type === type);
    if (found.length !== 1) throw new Error(`expected one ${type}, got ${JSON.stringify(this.effects)}`);
    return found[0] as Extract<Effect, { type: T }>;
  }

  timer(name: string): number | undefined {
    const e = this.effects.find((x) => x.type === 'startTimer' && x.timer === name);
    return e?.type === 'startTimer' ? e.ms : undefined;
  }

  /** Drives a fresh machine to leader at time `at` via create; returns the written snapshot. */
  lead(at = 0, version = '1'): LockSnapshot {
    this.feed(at, { type: 'START' });
    this.feed(at, { type: 'LOCK_READ', snapshot: null });
    const written = lockAt(version, this.only('createLock').record);
    this.feed(at, { type: 'LOCK_WRITTEN', snapshot: written });
    return written;
  }
}
