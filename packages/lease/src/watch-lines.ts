/**
 * The lines of a watch answer, as they arrive: the API server writes one JSON event per line, and a chunk of
 * the body can end anywhere, in the middle of a line or of a multi-byte character. Lines are cut on the
 * newline byte and handed on whole, as bytes, so a character split across chunks is decoded (by the owner,
 * watch-request.ts) once both halves are in, and a line the owner drops unread is never decoded at all.
 */
export class WatchLines {
  /** The start of the line under way: the chunks (or their tails) since the last newline. */
  #pending: Buffer[] = [];
  readonly #onLine: (line: Buffer) => void;

  constructor(onLine: (line: Buffer) => void) {
    this.#onLine = onLine;
  }

  /** Takes the next chunk of the body; hands on every line it completes, in order. */
  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
      const tail = chunk.subarray(start, newline);
      start = newline + 1;
      if (this.#pending.length === 0) this.#line(tail);
      else {
        this.#pending.push(tail);
        const whole = Buffer.concat(this.#pending);
        this.#pending = [];
        this.#line(whole);
      }
    }
    if (start < chunk.length) this.#pending.push(chunk.subarray(start));
  }

  /** The body ended: a last line without its newline is handed on too (as readline does). */
  end(): void {
    if (this.#pending.length === 0) return;
    const whole = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#line(whole);
  }

  #line(bytes: Buffer): void {
    if (bytes.length > 0) this.#onLine(bytes);
  }
}
