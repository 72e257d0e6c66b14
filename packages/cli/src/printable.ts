/**
 * Text from the cluster, made safe to print on a terminal. Holder identities, lock names and error messages
 * are written by whoever can write the lock object: a holder "\u001b[2J" would clear the operator's screen,
 * "\r" would overwrite the line it is on, an OSC sequence could retitle the window or plant a hyperlink, and
 * bidirectional overrides would show a name reversed. Every such character is printed as a visible escape
 * instead, and a backslash as "\\", so an escape on screen always means a control character in the data.
 * Error messages quote values as JSON already (backslashes doubled, C0 controls escaped): `printableMessage`
 * escapes what JSON leaves raw and keeps their backslashes as they are.
 */

/** C0 and C1 controls, DEL, the line and paragraph separators, and the bidirectional embeddings and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\\]/g;

const NAMED: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** `text` with every control character escaped (`\n`, `\r`, `\t`, else `\uXXXX`) and backslashes doubled. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const UNPRINTABLE_IN_MESSAGE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** An error message with every control character escaped like `printable`'s, its backslashes kept. */
export function printableMessage(text: string): string {
  return text.replace(UNPRINTABLE_IN_MESSAGE, (c) => printable(c));
}
