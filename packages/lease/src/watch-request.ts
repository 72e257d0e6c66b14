/**
 * One watch request (`GET collection?watch=true`) and its stream of events, for watch-stream.ts: over the
 * dispatcher and authentication the lock's own requests use (request-auth.ts), the body read through
 * undici's handler interface (`Dispatcher.dispatch`) and cut into lines (watch-lines.ts).
 *
 * Why not client-node's `Watch`: it authenticates every watch anew and makes a new undici Agent for it (a new
 * TLS connection and HTTP/2 session per watch), and reads the body through `fetch`, `Readable.fromWeb` and
 * readline: about 4 KiB per renewal at 1,000 elections, where every renewal comes back as a watch event
 * (docs/benchmarks.md, "Authentication once per credentials"). Here a watch is one more stream on the kept
 * connection.
 *
 * What it keeps from client-node's `Watch`, for watch-stream.ts: the same calls (an event per line as
 * `(type, object)`, lines that are not JSON skipped; `done` once, with the error or `null` on a clean end),
 * the same promise (resolved once the server accepted the stream with 200, or after `done` when it did not),
 * the same errors (an `Error` with `statusCode` for an answer other than 200, the transport's own error
 * otherwise, a `TimeoutError` `DOMException` when nothing came for `WATCH_TIMEOUT_MS`: first for the
 * answer's headers, then between chunks of the body). A 401 also drops the kept authentication, so the next
 * stream asks client-node anew (as kube-requests.ts does for requests).
 *
 * Where client-node gives the context no undici dispatcher (client-node 1.x, Bun: kube-requests.ts
 * `hasDispatchers`, or a plain `http://` server), client-node's `Watch` is used, as before.
 */
import { STATUS_CODES } from 'node:http';
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Controller } from './exchange.ts';
import { hasDispatchers } from './kube-requests.ts';
import { type Authenticated, authenticated, forget } from './request-auth.ts';
import { WatchLines } from './watch-lines.ts';
import { type EventPrefix, eventPrefix } from './watch-prefix.ts';

/** How long a watch waits for its answer, then for each chunk of it, before it ends: client-node's `Watch`'s. */
export const WATCH_TIMEOUT_MS = 30_000;

/** A started watch: `abort` ends it (no `done` follows). */
export interface WatchHandle {
  abort(): void;
}

/**
 * Told the start of a line before it is parsed (watch-prefix.ts); `true`: the owner has dealt with it, and
 * the line is dropped unparsed. Only the streams over the kept dispatcher ask; client-node's `Watch` parses
 * every line.
 */
export type PeekEvent = (prefix: EventPrefix) => boolean;

/** Starts one watch of `path` with `query`, as client-node's `Watch.watch` does (see the file's comment). */
export type StartWatch = (
  path: string,
  query: Readonly<Record<string, string>>,
  onEvent: (type: string, object: unknown) => void,
  done: (err: unknown) => void,
  peek?: PeekEvent,
) => Promise<WatchHandle>;

/** The way watches of `kubeConfig` start: over the kept dispatcher, or client-node's `Watch` without one. */
export function watchStarter(kubeConfig: KubeConfig): StartWatch {
  let fallback: Watch | undefined;
  const clientNodeWatch: StartWatch = (path, query, onEvent, done) => {
    fallback ??= new Watch(kubeConfig);
    return fallback.watch(path, query, onEvent, done);
  };
  if (!hasDispatchers) return clientNodeWatch;
  return async (path, query, onEvent, done, peek) => {
    let auth: Authenticated | null;
    try {
      auth = kubeConfig.getCurrentCluster() ? await authenticated(kubeConfig) : null;
    } catch (err) {
      // As client-node's `Watch` fails when authentication fails: `done` with the error, then the promise.
      done(err);
      return { abort() {} };
    }
    if (auth === null) return clientNodeWatch(path, query, onEvent, done);
    const refused = auth;
    return startWatch(
      auth,
      path,
      query,
      onEvent,
      (err) => {
        if ((err as { statusCode?: unknown } | null)?.statusCode === 401) forget(kubeConfig, refused);
        done(err);
      },
      peek,
    );
  };
}

function startWatch(
  auth: Authenticated,
  path: string,
  query: Readonly<Record<string, string>>,
  onEvent: (type: string, object: unknown) => void,
  done: (err: unknown) => void,
  peek: PeekEvent | undefined,
): Promise<WatchHandle> {
  const search = new URLSearchParams({ watch: 'true', ...query });
  return new Promise<WatchHandle>((resolve) => {
    const handler = new WatchHandler(onEvent, done, resolve, peek);
    try {
      auth.dispatcher.dispatch(
        {
          origin: auth.origin,
          path: `${auth.basePath}${path}?${search}`,
          method: 'GET',
          headers: auth.headers(''),
          body: undefined,
        },
        handler,
      );
    } catch (err) {
      handler.onResponseError(null, err);
    }
  });
}

/** One watch's handler (undici's `dispatch` interface); also its handle, resolved once the stream is accepted. */
class WatchHandler implements WatchHandle {
  #controller: Controller | null = null;
  #status = 0;
  /** A refused watch's answer (a Status), collected for its message. */
  #refusal: Buffer[] | null = null;
  #finished = false;
  #timedOut = false;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #lines: WatchLines;
  readonly #done: (err: unknown) => void;
  readonly #resolve: (handle: WatchHandle) => void;

  constructor(
    onEvent: (type: string, object: unknown) => void,
    done: (err: unknown) => void,
    resolve: (handle: WatchHandle) => void,
    peek: PeekEvent | undefined,
  ) {
    this.#done = done;
    this.#resolve = resolve;
    this.#lines = new WatchLines((line) => {
      // As client-node's `Watch`: a line that is not JSON is skipped, and an owner's throw stays there.
      try {
        if (peek) {
          const prefix = eventPrefix(line);
          if (prefix !== null && peek(prefix)) return;
        }
        const event = JSON.parse(line.toString('utf8')) as { type?: unknown; object?: unknown };
        onEvent(event.type as string, event.object);
      } catch {}
    });
    // Re-armed (`refresh`) by every chunk rather than replaced: one timer per stream.
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller?.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, WATCH_TIMEOUT_MS);
    this.#timer.unref();
  }

  /** Ends the stream without calling `done`: the owner asked for it. */
  abort(): void {
    if (this.#finish()) return;
    this.#controller?.abort(new DOMException('This operation was aborted', 'AbortError'));
  }

  onRequestStart(controller: Controller): void {
    if (this.#finished) controller.abort(new DOMException('This operation was aborted', 'AbortError'));
    else this.#controller = controller;
  }

  onResponseStart(_controller: Controller, statusCode: number): void {
    if (statusCode < 200 || this.#finished) return; // 1xx: informational, the answer follows
    this.#status = statusCode;
    this.#timer.refresh(); // from here on, an inactivity timeout
    if (statusCode === 200) this.#resolve(this);
    else this.#refusal = [];
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    if (this.#finished) return;
    this.#timer.refresh();
    if (this.#refusal) this.#refusal.push(chunk);
    else this.#lines.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#finished) return;
    if (this.#refusal) {
      this.#fail(refusalError(this.#status, Buffer.concat(this.#refusal)));
      return;
    }
    this.#lines.end();
    if (this.#finish()) return; // ended by the owner from one of the events
    this.#done(null);
  }

  onResponseError(_controller: Controller | null, err: unknown): void {
    if (this.#finished) return;
    this.#fail(
      this.#timedOut ? new DOMException('The operation was aborted due to timeout', 'TimeoutError') : err,
    );
  }

  #fail(err: unknown): void {
    if (this.#finish()) return;
    this.#done(err);
    this.#resolve(this); // after `done`, as client-node's `Watch` resolves after a failed start
  }

  /** Marks the stream finished and stops its timer; true when it already was. */
  #finish(): boolean {
    if (this.#finished) return true;
    this.#finished = true;
    clearTimeout(this.#timer);
    return false;
  }
}

/** A refused watch as client-node's `Watch` reports it: an `Error` with `statusCode`, the server's message. */
function refusalError(statusCode: number, body: Buffer): Error {
  let message: string | undefined;
  try {
    const status = JSON.parse(body.toString('utf8')) as { message?: unknown };
    if (typeof status.message === 'string') message = status.message;
  } catch {}
  return Object.assign(new Error(message ?? STATUS_CODES[statusCode] ?? 'Internal Server Error'), {
    statusCode,
  });
}
