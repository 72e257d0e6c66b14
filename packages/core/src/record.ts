/**
 * The leader election record: what a lock stores. The JSON form is client-go's
 * `resourcelock.LeaderElectionRecord`, field for field and in the same order, so a ConfigMap annotation written
 * by Leasehold reads back in client-go and kubernetes_asyncio and the other way round.
 *
 * Times are wall-clock `Date`s and are for humans and fencing only: no election decision compares them with
 * a local clock (see the statechart). JSON carries them as RFC 3339 with second precision, as Go's
 * `metav1.Time` does; the Lease adapter carries microseconds (truncated to the millisecond a `Date` holds).
 */
export interface LeaderElectionRecord {
  /** Who holds the lock; `''` means nobody (released), and anyone may take it at once. */
  readonly holderIdentity: string;
  /** How long others must wait, on their own clocks, after seeing the record change. */
  readonly leaseDurationSeconds: number;
  /** When the current holder took the lock (wall clock of the taker); `null` when never held. */
  readonly acquireTime: Date | null;
  /** When the holder last renewed (its wall clock): for humans and fencing, never compared with a local clock. */
  readonly renewTime: Date | null;
  /** Incremented on every change of holder: usable as a fencing token. */
  readonly leaderTransitions: number;
  /** Coordinated leader election fields of newer client-go versions; kept when read, written when set. */
  readonly strategy?: string;
  /** The identity a coordinated election prefers as the next holder (client-go's `preferredHolder`). */
  readonly preferredHolder?: string;
}

/** The JSON object form, exactly as client-go marshals it (absent times are `null`). */
export interface LeaderElectionRecordJSON {
  /** See `LeaderElectionRecord.holderIdentity`. */
  holderIdentity: string;
  /** See `LeaderElectionRecord.leaseDurationSeconds`. */
  leaseDurationSeconds: number;
  /** RFC 3339, whole seconds, or `null`. */
  acquireTime: string | null;
  /** RFC 3339, whole seconds, or `null`. */
  renewTime: string | null;
  /** See `LeaderElectionRecord.leaderTransitions`. */
  leaderTransitions: number;
  /** See `LeaderElectionRecord.strategy`. */
  strategy?: string;
  /** See `LeaderElectionRecord.preferredHolder`. */
  preferredHolder?: string;
}

/**
 * A record with no holder and Go's zero values, as client-go reads an object without a record (a ConfigMap
 * without the annotation): anyone may take it at once.
 */
export function emptyRecord(): LeaderElectionRecord {
  return {
    holderIdentity: '',
    leaseDurationSeconds: 0,
    acquireTime: null,
    renewTime: null,
    leaderTransitions: 0,
  };
}

/** Formats a time as Go's `metav1.Time` does in JSON: RFC 3339, UTC, whole seconds. */
export function formatRfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The record as client-go marshals it: the same fields in the same order, times as RFC 3339 seconds. */
export function recordToJSON(record: LeaderElectionRecord): LeaderElectionRecordJSON {
  const json: LeaderElectionRecordJSON = {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime ? formatRfc3339Seconds(record.acquireTime) : null,
    renewTime: record.renewTime ? formatRfc3339Seconds(record.renewTime) : null,
    leaderTransitions: record.leaderTransitions,
  };
  if (record.strategy) json.strategy = record.strategy;
  if (record.preferredHolder) json.preferredHolder = record.preferredHolder;
  return json;
}

/** Serialises a record to the compact JSON string client-go writes into the annotation. */
export function stringifyRecord(record: LeaderElectionRecord): string {
  return JSON.stringify(recordToJSON(record));
}

/** Why a stored value is not a record; the message names the field. */
export class RecordParseError extends Error {
  /** Always `RecordParseError`. */
  override readonly name = 'RecordParseError';
}

/** RFC 3339 as Kubernetes writes it (`Z` or an offset, optional fraction). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
/** Python's `str(datetime)` with no zone, as kubernetes_asyncio writes into a ConfigMap annotation. */
const PYTHON_NAIVE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/;

/**
 * Parses a record time. kubernetes_asyncio's zone-less times are read as UTC: times are informational (no
 * decision compares them with a clock), so a wrong zone can mislead a human, never the election.
 */
function parseTime(value: unknown, field: string): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new RecordParseError(`${field} must be an RFC 3339 string or null`);
  const text = PYTHON_NAIVE.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const date = RFC3339.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new RecordParseError(`${field} is not an RFC 3339 time: ${value}`);
  return date;
}

function parseInteger(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RecordParseError(`${field} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The lease duration: an integer as client-go writes it, or a decimal string as kubernetes_asyncio writes it
 * (`str(lease_duration)`, e.g. `"15"` or `"2.5"`), rounded up to whole seconds so a reader never waits less.
 */
function parseLeaseDuration(value: unknown): number {
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value));
  try {
    return parseInteger(value, 'leaseDurationSeconds');
  } catch {
    throw new RecordParseError(
      `leaseDurationSeconds must be a non-negative integer or decimal string, got ${JSON.stringify(value)}`,
    );
  }
}

function parseString(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new RecordParseError(`${field} must be a string`);
  return value;
}

/**
 * Parses the JSON object form. Missing fields take Go's zero values, as client-go's decoder gives them;
 * fields of the wrong type throw `RecordParseError`. kubernetes_asyncio's dialect (lease duration as a string,
 * zone-less `YYYY-MM-DD HH:MM:SS.ffffff` times, no `leaderTransitions`) is read too; writes are always
 * client-go's form.
 */
export function recordFromJSON(json: unknown): LeaderElectionRecord {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new RecordParseError('a leader election record must be a JSON object');
  }
  const o = json as Record<string, unknown>;
  const strategy = parseString(o.strategy, 'strategy');
  const preferredHolder = parseString(o.preferredHolder, 'preferredHolder');
  return {
    holderIdentity: parseString(o.holderIdentity, 'holderIdentity'),
    leaseDurationSeconds: parseLeaseDuration(o.leaseDurationSeconds),
    acquireTime: parseTime(o.acquireTime, 'acquireTime'),
    renewTime: parseTime(o.renewTime, 'renewTime'),
    leaderTransitions: parseInteger(o.leaderTransitions, 'leaderTransitions'),
    ...(strategy ? { strategy } : {}),
    ...(preferredHolder ? { preferredHolder } : {}),
  };
}

/** Parses the annotation string; invalid JSON throws `RecordParseError`. */
export function parseRecord(text: string): LeaderElectionRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RecordParseError(`not JSON: ${(err as Error).message}`);
  }
  return recordFromJSON(json);
}

/**
 * The longest lease Leasehold honours, in seconds (one day). A record that asks others to wait longer is
 * taken for an error rather than followed: a follower would otherwise wait for a lifetime (68 years at
 * int32's maximum) without a word.
 */
export const MAX_LEASE_SECONDS = 86_400;

/** The longest identity Leasehold writes or accepts (a pod name plus a UUID is under 300). */
export const MAX_IDENTITY_LENGTH = 1_024;

/**
 * Checks what a parsed record may still get wrong for a lock stored where anyone can write (a Kubernetes
 * object): a holder without a usable lease duration (missing, zero, or beyond `MAX_LEASE_SECONDS`), or an
 * identity longer than `MAX_IDENTITY_LENGTH`. Throws `RecordParseError` naming the field; a released record
 * (no holder) needs no duration. The Kubernetes locks report such a record as `Malformed` and never
 * overwrite it.
 */
export function checkStoredRecord(record: LeaderElectionRecord): LeaderElectionRecord {
  const holder = record.holderIdentity;
  if (holder.length > MAX_IDENTITY_LENGTH) {
    throw new RecordParseError(
      `holderIdentity is ${holder.length} characters long (at most ${MAX_IDENTITY_LENGTH}): "${holder.slice(0, 40)}..."`,
    );
  }
  if (holder !== '' && !(record.leaseDurationSeconds > 0)) {
    throw new RecordParseError(
      `leaseDurationSeconds is missing or 0 while holderIdentity is "${holder}": nobody can tell how long to wait`,
    );
  }
  if (record.leaseDurationSeconds > MAX_LEASE_SECONDS) {
    throw new RecordParseError(
      `leaseDurationSeconds is ${record.leaseDurationSeconds} (at most ${MAX_LEASE_SECONDS}, one day, is honoured)`,
    );
  }
  return record;
}

/** Field-by-field equality, times compared to the millisecond. */
export function recordsEqual(a: LeaderElectionRecord, b: LeaderElectionRecord): boolean {
  const t = (d: Date | null) => (d ? d.getTime() : null);
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    t(a.acquireTime) === t(b.acquireTime) &&
    t(a.renewTime) === t(b.renewTime) &&
    a.leaderTransitions === b.leaderTransitions &&
    (a.strategy ?? '') === (b.strategy ?? '') &&
    (a.preferredHolder ?? '') === (b.preferredHolder ?? '')
  );
}
