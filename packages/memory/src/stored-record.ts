/**
 * The record a write stores, as reading its text back would give it, without reading it back. The store
 * keeps each record as its JSON text (so `corrupt()` can plant anything) and answers a write, and each of
 * its watchers, with that text parsed again: on every renewal, about a twentieth of what one allocated
 * (docs/benchmarks.md, "A renewal that allocates less"). For a record of the documented shape the parse
 * gives back the same fields, so they are copied instead (new Dates: nothing is shared with the writer);
 * for anything else (a wrong type, a time `toISOString` writes outside four-digit years, text over the
 * readers' limit) this answers `undefined` and the store parses the text as before.
 */
import { type LeaderElectionRecord, MAX_RECORD_CHARS } from '@leasehold/core';

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** A time the text carries as `YYYY-MM-DDTHH:MM:SS.sssZ`, which the reader parses back to the same instant. */
function isPlainTime(t: unknown): t is Date | null {
  if (t === null) return true;
  if (!(t instanceof Date)) return false;
  const year = t.getUTCFullYear();
  return year >= 0 && year <= 9999;
}

/** `parseRecord(text)` for `text = serialize(record)`, by copy; `undefined` where only the parse can tell. */
export function recordAsStored(record: LeaderElectionRecord, text: string): LeaderElectionRecord | undefined {
  const { holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaderTransitions } = record;
  const { strategy, preferredHolder } = record;
  if (
    text.length > MAX_RECORD_CHARS ||
    typeof holderIdentity !== 'string' ||
    !isCount(leaseDurationSeconds) ||
    !isCount(leaderTransitions) ||
    !isPlainTime(acquireTime) ||
    !isPlainTime(renewTime) ||
    (strategy !== undefined && typeof strategy !== 'string') ||
    (preferredHolder !== undefined && typeof preferredHolder !== 'string')
  )
    return undefined;
  const copy: { -readonly [K in keyof LeaderElectionRecord]: LeaderElectionRecord[K] } = {
    holderIdentity,
    leaseDurationSeconds,
    acquireTime: acquireTime && new Date(acquireTime.getTime()),
    renewTime: renewTime && new Date(renewTime.getTime()),
    leaderTransitions,
  };
  // The reader keeps these only when not empty, after the others (recordFromJSON).
  if (strategy) copy.strategy = strategy;
  if (preferredHolder) copy.preferredHolder = preferredHolder;
  return copy;
}
