/**
 * The start of one watch event line, read without parsing the line: its `type`, and its object's
 * `metadata.name` and `metadata.resourceVersion`, for the shared watch (shared-watch.ts) to decide whether
 * the rest is worth a `JSON.parse`. At a thousand elections nearly every line is a leader's renewal that
 * the leader already holds (the answer to its own write carried the same resourceVersion): a parse of the
 * whole Lease, `managedFields` and all, a snapshot and a record for nothing, every renewal
 * (docs/benchmarks.md, "... (issue 25, leasemem)"). Events for names no lock of the process watches are
 * dropped here too, before any of that.
 *
 * Strict on purpose: it reads the line as JSON, token by token, only as far as it has to, and answers
 * `null` (the caller then parses the line in full, as before) at anything it does not expect: whitespace
 * aside, the line must open `{"type":"ADDED"` (or MODIFIED, DELETED: a BOOKMARK or an ERROR is parsed in
 * full) `,"object":{`, the object's members before `metadata` must be
 * plain strings (`kind`, `apiVersion`), and `metadata`'s members are read while they are plain strings.
 * A string with an escape, a byte outside ASCII, or more than `MAX_PREFIX_STRING` bytes, a number, `null`,
 * an array or an object where a string is read, a line cut short: `null`, or a name or version left
 * undefined when the member that would give it was not reached. The API server writes the metadata's
 * members in Go's order (name, generateName, namespace, selfLink, uid, resourceVersion, then
 * creationTimestamp, labels ... managedFields), all plain strings up to the version, so for its lines both
 * are read within the first two hundred bytes or so.
 *
 * Duplicate member names (which the API server never writes) would make `JSON.parse`, which keeps the last,
 * differ from the prefix (a second `resourceVersion` or `name`, a second `metadata` or `object`, a trailing
 * `"type":"DELETED"`), and an escape could spell one of those names (`"n\u0061me"`). So once the prefix has
 * read anything, the rest of the line is searched: a backslash, or any of `"type"`, `"object"`,
 * `"metadata"`, `"name"`, `"resourceVersion"` anywhere after what was read, and the answer is `null`. The
 * rest is not otherwise checked to be JSON: a line the API server cut or garbled after the version is told
 * by its prefix (the watch stream's framing, watch-lines.ts, passes only whole lines).
 */

/** The longest string read in a prefix: a name is at most 253 bytes (a DNS subdomain). */
export const MAX_PREFIX_STRING = 256;
/** The most members of `metadata` read before giving up. */
const MAX_MEMBERS = 16;

/** The event types the prefix gives; any other (BOOKMARK, ERROR) is left to the full parse. */
export type PrefixType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** What the start of a line gave; a field is undefined when the prefix did not reach it. */
export interface EventPrefix {
  readonly type: PrefixType;
  readonly name: string | undefined;
  readonly resourceVersion: string | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const COLON = 0x3a;
const COMMA = 0x2c;

// Member names and types compared as bytes, so that reading a prefix decodes only the name and version.
const TYPE = Buffer.from('type');
const OBJECT = Buffer.from('object');
const METADATA = Buffer.from('metadata');
const NAME = Buffer.from('name');
const RESOURCE_VERSION = Buffer.from('resourceVersion');
/** What, after the part of a line the prefix read, sends the line to the full parse (see the file's comment). */
const AFTER_PREFIX: readonly Buffer[] = [
  '\\',
  '"type"',
  '"object"',
  '"metadata"',
  '"name"',
  '"resourceVersion"',
].map((word) => Buffer.from(word));
const TYPES: readonly (readonly [Buffer, PrefixType])[] = (['ADDED', 'MODIFIED', 'DELETED'] as const).map(
  (type) => [Buffer.from(type), type] as const,
);

/** A cursor over one line: `at` moves as tokens are read. */
class Cursor {
  at = 0;
  /** The bytes of the last plain string read (`string`): `bytes[start, end)`. */
  start = 0;
  end = 0;
  readonly bytes: Buffer;
  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  /** Skips JSON whitespace; the next byte, or -1 at the end. */
  peek(): number {
    const b = this.bytes;
    while (this.at < b.length) {
      const c = b[this.at]!;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
      this.at += 1;
    }
    return -1;
  }

  /** Reads `byte` (after whitespace); false if the next byte is another. */
  expect(byte: number): boolean {
    if (this.peek() !== byte) return false;
    this.at += 1;
    return true;
  }

  /**
   * Reads a plain string (no escape, ASCII, at most MAX_PREFIX_STRING bytes) into `start`/`end`, without
   * decoding it; false if the next token is anything else.
   */
  string(): boolean {
    if (!this.expect(QUOTE)) return false;
    const b = this.bytes;
    const start = this.at;
    const limit = Math.min(b.length, start + MAX_PREFIX_STRING + 1);
    for (let i = start; i < limit; i++) {
      const c = b[i]!;
      if (c === QUOTE) {
        this.start = start;
        this.end = i;
        this.at = i + 1;
        return true;
      }
      if (c === BACKSLASH || c >= 0x80 || c < 0x20) return false;
    }
    return false;
  }

  /** Whether the last string read is `word`'s bytes. */
  is(word: Buffer): boolean {
    if (this.end - this.start !== word.length) return false;
    for (let i = 0; i < word.length; i++) if (this.bytes[this.start + i] !== word[i]) return false;
    return true;
  }

  /** The last string read (ASCII: latin1 decodes it as UTF-8 would). */
  text(): string {
    return this.bytes.toString('latin1', this.start, this.end);
  }

  /** Reads a plain string that is `word`, then a colon: a member's name. */
  member(word: Buffer): boolean {
    return this.string() && this.is(word) && this.expect(COLON);
  }
}

/** The `type`, name and resourceVersion at the start of `line` (see the file's comment), or null. */
export function eventPrefix(line: Buffer): EventPrefix | null {
  const c = new Cursor(line);
  if (!c.expect(OPEN) || !c.member(TYPE) || !c.string()) return null;
  const type = TYPES.find(([bytes]) => c.is(bytes))?.[1];
  if (type === undefined) return null;
  if (!c.expect(COMMA) || !c.member(OBJECT) || !c.expect(OPEN)) return null;
  // The object's members up to `metadata`: plain strings only.
  for (;;) {
    if (!c.string() || !c.expect(COLON)) return null;
    if (c.is(METADATA)) break;
    if (!c.string() || !c.expect(COMMA)) return null;
  }
  if (!c.expect(OPEN)) return null;
  let name: string | undefined;
  let resourceVersion: string | undefined;
  for (let members = 0; members < MAX_MEMBERS; members++) {
    if (c.peek() === CLOSE) break; // the whole metadata read
    if (!c.string() || !c.expect(COLON)) break;
    const isName = c.is(NAME);
    const isVersion = !isName && c.is(RESOURCE_VERSION);
    if (!c.string()) break; // not a plain string: nothing after it is read
    if (isName) name = c.text();
    else if (isVersion) resourceVersion = c.text();
    if (name !== undefined && resourceVersion !== undefined) break;
    if (!c.expect(COMMA)) break;
  }
  if (name !== undefined || resourceVersion !== undefined)
    for (const word of AFTER_PREFIX) if (line.indexOf(word, c.at) !== -1) return null;
  return { type, name, resourceVersion };
}
