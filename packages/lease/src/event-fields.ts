/**
 * What Kubernetes accepts in an Event's fields (its validation of `events.k8s.io/v1` Events): a name that is
 * a DNS subdomain of at most 253 characters, a `note` of at most 1 KiB and a `reportingInstance` of at most
 * 128 bytes (Go's `len`: UTF-8 bytes, not characters). An identity may be 1,024 characters (a multi-byte one
 * several KiB) and a lock's name 253 characters, so the leadership events cut what they copy from them.
 */

/** The longest Event name: a DNS subdomain. */
export const MAX_EVENT_NAME = 253;
/** The longest `note`, in UTF-8 bytes. */
export const MAX_NOTE_BYTES = 1024;
/** The longest `reportingInstance`, in UTF-8 bytes. */
export const MAX_INSTANCE_BYTES = 128;

const encoder = new TextEncoder();

/** `text` cut to at most `maxBytes` of UTF-8, at a character boundary, `...` marking a cut. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (encoder.encode(text).length <= maxBytes) return text;
  let kept = '';
  let bytes = 0;
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > maxBytes - 3) break;
    kept += char;
    bytes += size;
  }
  return `${kept}...`;
}

/**
 * `<object name>.<suffix>` as a valid Event name: the object's name (lower-cased, characters a DNS subdomain
 * does not allow replaced by `-`, each label at most 63 characters, starting and ending with a letter or
 * digit) cut so the whole is at most 253 characters. `suffix` must be a valid label (hex digits).
 */
export function eventName(objectName: string, suffix: string): string {
  const room = MAX_EVENT_NAME - 1 - suffix.length;
  const labels = objectName
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .split('.')
    .map((label) => label.slice(0, 63).replace(/^-+|-+$/g, ''))
    .filter((label) => label.length > 0);
  const prefix = labels
    .join('.')
    .slice(0, room)
    .replace(/[.-]+$/, '');
  return `${prefix || 'lock'}.${suffix}`;
}

/** `<identity> <what>` within the note limit: the identity is cut, `what` kept whole. */
export function eventNote(identity: string, what: string): string {
  return `${cutUtf8(identity, MAX_NOTE_BYTES - encoder.encode(` ${what}`).length)} ${what}`;
}
