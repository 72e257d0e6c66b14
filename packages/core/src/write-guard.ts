/**
 * The last check before a record leaves the driver. A takeover or a handover adds 1 to the term; at
 * `MAX_LEADER_TRANSITIONS` that gives a term no reader accepts, which would jam the lock for everyone (every
 * later read reports it `Malformed`; the API server refuses it in a Lease). The term is a fencing token, so
 * it must not wrap either (client-go's `int32(...)` would): the write is refused with a typed report instead.
 */
import { LockError } from './errors.ts';
import { type LeaderElectionRecord, MAX_LEADER_TRANSITIONS } from './record.ts';

/** `record` unchanged when its term is readable; else throws `LockError` `Malformed` naming the field. */
export function guardWrite(record: LeaderElectionRecord, lock: { describe(): string }): LeaderElectionRecord {
  if (record.leaderTransitions <= MAX_LEADER_TRANSITIONS) return record;
  throw new LockError(
    'Malformed',
    lock.describe(), // named only when refusing: a write that passes builds no string
    `refusing to write leaderTransitions ${record.leaderTransitions}: the term at its maximum is ${MAX_LEADER_TRANSITIONS} (MAX_LEADER_TRANSITIONS); a fencing term must grow, so no change of holder is possible until an operator resets the lock`,
  );
}
