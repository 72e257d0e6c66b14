/**
 * Bounded quoting of values this process does not control (a record anyone with write access to the lock
 * object can plant) for error messages: every report stays short whatever was stored, so a 200 KB value
 * cannot become a 200 KB log line per read (docs/guide.md "Bad records and misconfiguration"). Nothing here
 * walks into an object or array: a deeply nested value is described by its type, never serialised (a
 * `JSON.stringify` of one throws `RangeError`).
 */

/** The most characters of a value a message quotes; longer values are cut and their length said. */
export const QUOTE_LIMIT = 64;

/** `text` cut to `max` characters, saying how long it was when cut. */
export function clip(text: string, max: number = QUOTE_LIMIT): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}... (${text.length} characters)`;
}

/**
 * A value as a message shows it: a string in JSON quotes cut to `QUOTE_LIMIT` characters, a number or other
 * primitive as written, an object or array by its type only.
 */
export function quote(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > QUOTE_LIMIT ? value.slice(0, QUOTE_LIMIT) : value;
    const quoted = JSON.stringify(cut);
    return value.length > QUOTE_LIMIT ? `${quoted.slice(0, -1)}..." (${value.length} characters)` : quoted;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'bigint') return clip(`${value}n`);
  return clip(String(value));
}
