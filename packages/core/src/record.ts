import { clip, QUOTE_LIMIT, quote } from './quote.ts';

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
  if (typeof value !== 'string')
    throw new RecordParseError(`${field} must be an RFC 3339 string or null, got ${quote(value)}`);
  const text = PYTHON_NAIVE.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const date = RFC3339.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new RecordParseError(`${field} is not an RFC 3339 time: ${quote(value)}`);
  return date;
}

/** A non-negative integer a `number` holds exactly (beyond 2^53 - 1, `+ 1` may change nothing). */
function parseInteger(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RecordParseError(`${field} must be a non-negative integer, got ${quote(value)}`);
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
      `leaseDurationSeconds must be a non-negative integer or decimal string, got ${quote(value)}`,
    );
  }
}

function parseString(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new RecordParseError(`${field} must be a string, got ${quote(value)}`);
  return value;
}

/**
 * Parses the JSON object form. Missing fields take Go's zero values, as client-go's decoder gives them;
 * fields of the wrong type throw `RecordParseError`. kubernetes_asyncio's dialect (lease duration as a string,
 * zone-less `YYYY-MM-DD HH:MM:SS.ffffff` times, no `leaderTransitions`) is read too; writes are always
 * client-go's form. Messages quote at most `QUOTE_LIMIT` characters of a value and never walk into a nested
 * one.
 */
export function recordFromJSON(json: unknown): LeaderElectionRecord {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new RecordParseError(`a leader election record must be a JSON object, got ${quote(json)}`);
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

/**
 * The longest record text Leasehold reads (characters of the annotation's JSON). The largest record it can
 * write is about 2.5 KiB (two identities at `MAX_IDENTITY_LENGTH`, a strategy, two times); a longer one was
 * not written by a candidate, and is refused before it is parsed, so a planted value of any size or depth
 * costs one length check.
 */
export const MAX_RECORD_CHARS = 16_384;

/** Parses the annotation string; invalid JSON, or text over `MAX_RECORD_CHARS`, throws `RecordParseError`. */
export function parseRecord(text: string): LeaderElectionRecord {
  if (text.length > MAX_RECORD_CHARS) {
    throw new RecordParseError(
      `the record is ${text.length} characters long (at most ${MAX_RECORD_CHARS}): ${quote(text)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RecordParseError(`not JSON: ${clip((err as Error).message, 2 * QUOTE_LIMIT)}`);
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
 * The largest `leaderTransitions` (the fencing term) Leasehold accepts: int32's maximum, as the Lease
 * schema's `spec.leaseTransitions` is an int32 (the API server refuses a larger one). A larger term in an
 * annotation was planted, and is refused: past 2^53 `+ 1` changes nothing (every later leader would get
 * the same fencing token), and a term Leasehold wrote past int32 could not be read by client-go's Lease code.
 *
 * client-go with a huge term: its record's `LeaderTransitions` is a Go `int`; reading a Lease it converts
 * `*spec.LeaseTransitions` (int32) up, and writing it converts down with `int32(...)`, which wraps, so at
 * 2^31 - 1 its takeover writes -2^31 and the API server refuses it ("must be greater than or equal to 0"):
 * nobody can take the Lease over. Reading an annotation, its JSON decoder refuses a number that is not an
 * integer in int64 (1e300), and keeps 9007199254740993 exactly. At 2^31 - 1 a Leasehold takeover would
 * compute 2^31, which would jam the lock (the API server refuses it for a Lease, and a ConfigMap or
 * memory lock would store a term every later read reports `Malformed`): the driver refuses such a write
 * itself (`LockError` `Malformed` naming the term at its maximum), so the record stays readable.
 */
export const MAX_LEADER_TRANSITIONS = 2 ** 31 - 1;

/**
 * The coordinated-election strategies Kubernetes defines (`coordination.k8s.io/v1` `CoordinatedLeaseStrategy`).
 * The API server also accepts a third-party strategy as a prefixed qualified name (`example.com/my-strategy`);
 * so does `checkStoredRecord`.
 */
export const COORDINATED_STRATEGIES: readonly string[] = ['OldestEmulationVersion'];

/** A DNS-1123 subdomain (at most 253 characters, checked apart) then `/` and a qualified name's name part. */
const PREFIXED_STRATEGY =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;

/** Whether the API server would accept `strategy` in a Lease (its `ValidateCoordinatedLeaseStrategy`). */
export function isKnownStrategy(strategy: string): boolean {
  if (COORDINATED_STRATEGIES.includes(strategy)) return true;
  const slash = strategy.indexOf('/');
  return slash > 0 && slash <= 253 && PREFIXED_STRATEGY.test(strategy);
}

function checkIdentity(value: string, field: string): void {
  if (value.length > MAX_IDENTITY_LENGTH) {
    throw new RecordParseError(
      `${field} is ${value.length} characters long (at most ${MAX_IDENTITY_LENGTH}): ${quote(value)}`,
    );
  }
}

/**
 * Checks what a parsed record may still get wrong for a lock stored where anyone can write (a Kubernetes
 * object): a holder without a usable lease duration (missing, zero, or beyond `MAX_LEASE_SECONDS`), an
 * identity (`holderIdentity`, `preferredHolder`) longer than `MAX_IDENTITY_LENGTH`, a term beyond
 * `MAX_LEADER_TRANSITIONS`, or a `strategy` the API server would not accept (`isKnownStrategy`). Throws
 * `RecordParseError` naming the field; a released record (no holder) needs no duration. The Kubernetes
 * locks and the memory lock report such a record as `Malformed` and never overwrite it.
 */
export function checkStoredRecord(record: LeaderElectionRecord): LeaderElectionRecord {
  const holder = record.holderIdentity;
  checkIdentity(holder, 'holderIdentity');
  if (record.preferredHolder) checkIdentity(record.preferredHolder, 'preferredHolder');
  if (record.strategy && !isKnownStrategy(record.strategy)) {
    throw new RecordParseError(
      `strategy ${quote(record.strategy)} is not a coordinated-election strategy (${COORDINATED_STRATEGIES.join(', ')}, or a prefixed name such as example.com/mine)`,
    );
  }
  const term = record.leaderTransitions;
  if (!Number.isSafeInteger(term) || term < 0 || term > MAX_LEADER_TRANSITIONS) {
    throw new RecordParseError(
      `leaderTransitions is ${quote(term)} (an int32 from 0 to ${MAX_LEADER_TRANSITIONS}, as the Lease schema's leaseTransitions)`,
    );
  }
  if (holder !== '' && !(record.leaseDurationSeconds > 0)) {
    throw new RecordParseError(
      `leaseDurationSeconds is missing or 0 while holderIdentity is ${quote(holder)}: nobody can tell how long to wait`,
    );
  }
  if (!(record.leaseDurationSeconds <= MAX_LEASE_SECONDS)) {
    throw new RecordParseError(
      `leaseDurationSeconds is ${quote(record.leaseDurationSeconds)} (at most ${MAX_LEASE_SECONDS}, one day, is honoured)`,
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
