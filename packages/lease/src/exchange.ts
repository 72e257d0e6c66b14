/**
 * One request and its whole answer over an undici dispatcher, through undici's handler interface
 * (`Dispatcher.dispatch`: `onRequestStart`, `onResponseStart`, `onResponseData`, `onResponseEnd`,
 * `onResponseError`, undici 7 and later, which client-node 2 uses) instead of `Dispatcher.request`.
 *
 * Why: the locks read every answer whole (a Lease is a few KiB at most), and `request` hands the body as a
 * Node Readable stream, built per request with its state, buffers and listeners, in a handler that is an
 * `AsyncResource`, then read back with `.text()`: about 3 KiB of the 32 one lock's renewal allocated
 * (docs/benchmarks.md, "Authentication once per credentials"). Here the chunks are collected in an array and
 * decoded once. The abort signal ends the request as it did with `request`: before it starts, nothing is
 * sent; after, undici aborts it and the promise rejects with the signal's reason.
 */

/** The options of `Dispatcher.dispatch` the locks' requests use. */
export interface ExchangeOptions {
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** A whole answer: status, headers as undici gives them (lower-case names) and the body as text. */
export interface Answer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

/** The part of an undici `Dispatcher` this file uses. */
export interface Dispatching {
  dispatch(options: ExchangeOptions, handler: object): boolean;
}

/** The part of undici's request controller the locks' handlers use (here and watch-request.ts). */
export interface Controller {
  abort(reason: unknown): void;
}

/**
 * Sends `options` through `dispatcher` and answers the whole answer, any status; rejects with the
 * transport's error, or `signal`'s reason once it aborts. `onSettled` is called once, when it settles.
 */
export function exchange(
  dispatcher: Dispatching,
  options: ExchangeOptions,
  signal: AbortSignal | undefined,
  onSettled?: () => void,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const handler = new Handler(resolve, reject, signal, onSettled);
    try {
      dispatcher.dispatch(options, handler);
    } catch (err) {
      handler.onResponseError(null, err);
    }
  });
}

/** One request's handler; also the abort signal's listener (`handleEvent`), so no closure per request. */
class Handler {
  #statusCode = 0;
  #headers: Record<string, string | string[] | undefined> = {};
  readonly #chunks: Buffer[] = [];
  #controller: Controller | null = null;
  #settled = false;
  readonly #resolve: (answer: Answer) => void;
  readonly #reject: (err: unknown) => void;
  readonly #signal: AbortSignal | undefined;
  readonly #onSettled: (() => void) | undefined;

  constructor(
    resolve: (answer: Answer) => void,
    reject: (err: unknown) => void,
    signal: AbortSignal | undefined,
    onSettled: (() => void) | undefined,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
    this.#onSettled = onSettled;
    signal?.addEventListener('abort', this, { once: true });
  }

  /** The signal aborted: undici ends the request and calls `onResponseError` with the reason. */
  handleEvent(): void {
    this.#controller?.abort(this.#signal!.reason);
  }

  onRequestStart(controller: Controller): void {
    if (this.#signal?.aborted) controller.abort(this.#signal.reason);
    else this.#controller = controller;
  }

  onResponseStart(
    _controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx: informational, the answer follows
    this.#statusCode = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settle()) return;
    const chunks = this.#chunks;
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.#resolve({ statusCode: this.#statusCode, headers: this.#headers, text });
  }

  onResponseError(_controller: Controller | null, err: unknown): void {
    if (!this.#settle()) this.#reject(err);
  }

  /** Marks the request settled and drops the signal's listener; true when it already was. */
  #settle(): boolean {
    if (this.#settled) return true;
    this.#settled = true;
    this.#controller = null;
    this.#signal?.removeEventListener('abort', this);
    this.#onSettled?.();
    return false;
  }
}
