/**
 * A lock's own requests to the API server, for its hot path (a renewal every retry period): the JSON body
 * sent as the lock built it, the answer parsed as JSON and handed back as it is, over the dispatcher kept
 * for the KubeConfig's context (request-options.ts), the answer collected whole (exchange.ts).
 *
 * What the generated client adds per request and this path leaves out: ObjectSerializer's walk of the body
 * and of the answer (a class instance per nested object, every date parsed), the middleware chain, and
 * `fetch`, which builds a WHATWG Request and Response for every request and records each in Node's
 * resource-timing buffer. What it keeps from client-node: the KubeConfig, and authentication and TLS for its
 * current context as client-node applies them to its own requests (`applySecurityAuthentication`: bearer
 * tokens and token files, exec plugins, auth providers, basic auth, client certificates, CA, proxies), asked
 * for once per credentials and reused (request-auth.ts: refreshed every few seconds, when the TLS
 * credentials change, and after a 401, which sends the request once more with fresh credentials).
 *
 * Where client-node makes no undici dispatcher (client-node 1.x keeps Node agents; an https server trusted by
 * the system CAs with no client certificate needs none; under Bun, whose `undici` is a shim over its own
 * fetch), `send` answers `undefined` and the lock uses the generated client, as before.
 */
import { ApiException, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { type Answer, exchange } from './exchange.ts';
import { type Authenticated, authenticated, forget } from './request-auth.ts';

/** The HTTP methods the locks send. */
export type LockMethod = 'GET' | 'POST' | 'PATCH';

/** One request: `path` under the server's URL, a JSON `body` already serialized, its content type. */
export interface LockRequest {
  readonly method: LockMethod;
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Whether this client-node hands its dispatchers to requests (client-node 2) and they are undici's own (not
 * under Bun, whose `undici` module is a shim); checked once. The watch streams (watch-request.ts) check it too.
 */
export const hasDispatchers =
  typeof RequestContext.prototype.setDispatcher === 'function' && process.versions.bun === undefined;

/**
 * Sends `request` for `kubeConfig`'s current context and answers the parsed JSON body of a 2xx answer;
 * throws client-node's `ApiException` (code, body text, headers) for any other status, as the generated
 * client does, so `kubeLockError` maps both paths alike, and the transport's own error (a refused
 * connection, the signal's reason on abort) as it is. Answers `undefined` without sending anything when
 * client-node gives this context no undici dispatcher (see the file's comment).
 */
export async function send(kubeConfig: KubeConfig, request: LockRequest): Promise<unknown | undefined> {
  if (!hasDispatchers || !kubeConfig.getCurrentCluster()) return undefined;
  const auth = await authenticated(kubeConfig);
  if (auth === null) return undefined;
  let answer = await dispatch(auth, request);
  if (answer.statusCode === 401) {
    // Refused credentials (a rotated token, an expired exec credential): sent once more with fresh ones.
    // The API server authenticates before anything else, so the refused request changed nothing.
    forget(kubeConfig, auth);
    const fresh = await authenticated(kubeConfig);
    if (fresh !== null) {
      answer = await dispatch(fresh, request);
      // Refused again: the next request asks client-node anew too, and this one is the caller's error.
      if (answer.statusCode === 401) forget(kubeConfig, fresh);
    }
  }
  if (answer.statusCode >= 200 && answer.statusCode < 300) return JSON.parse(answer.text);
  throw new ApiException(
    answer.statusCode,
    'the API server refused the request',
    answer.text,
    flatHeaders(answer.headers),
  );
}

/**
 * The lock requests in flight on one kept dispatcher past which a new one waits, briefly, for a slot.
 * undici's pool opens another HTTP/2 connection once one has 100 streams (its maxConcurrentStreams), and
 * closes it after its 4 s keep-alive timeout: at a thousand elections, a burst of renewals whose answers were
 * held up (a long scavenge, a stalled event loop) opened 14-38 connections a minute (docs/benchmarks.md,
 * "Where a thousand elections' memory goes"). Below 100 so that streams this gate does not count fit on the
 * same connection: the per-lock watches (watch-stream.ts) and the shared watches' streams (shared-watch.ts),
 * and the requests of lease-candidate.ts and leader-events.ts, which go through the generated client.
 */
export const MAX_IN_FLIGHT = 90;

/**
 * How long a request waits for a slot before it is sent anyway, over the cap (undici then opens another
 * connection, as it did before the cap). The cap is soft because a strict queue lets a slow server starve
 * renewals: behind 90 slow requests (followers' reads, watch catch-up reads) a renewal would time out
 * unsent, and every leader of the process could lose its lease together. A short wait still smooths a
 * burst of answers held up together, which is what the cap is for.
 */
export const MAX_WAIT_MS = 50;

/** A request waiting for a slot on a full gate. */
interface Waiter {
  readonly resolve: () => void;
  readonly signal: AbortSignal | undefined;
  readonly queue: Waiter[];
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * One dispatcher's requests in flight, and those waiting. `inFlight` counts every request sent and not yet
 * settled, those sent over the cap included; a settled request hands its slot to a waiting one only while
 * the count is at most `max`, so slots sent over the cap are not passed on. Writes (renewals, acquisitions)
 * are handed slots before reads.
 */
export class Gate {
  inFlight = 0;
  readonly #writes: Waiter[] = [];
  readonly #reads: Waiter[] = [];
  readonly #max: number;
  readonly #maxWait: number;

  constructor(max = MAX_IN_FLIGHT, maxWait = MAX_WAIT_MS) {
    this.#max = max;
    this.#maxWait = maxWait;
  }

  /**
   * Resolves once this request holds a slot (then it must call `release` once, when it settles): at once
   * when one is free, when one frees, or after `maxWait` over the cap. Rejects with `signal`'s reason if it
   * aborts first, holding nothing.
   */
  take(write: boolean, signal: AbortSignal | undefined): Promise<void> {
    if (this.tryTake()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const queue = write ? this.#writes : this.#reads;
      const waiter: Waiter = { resolve, signal, queue, timer: undefined, onAbort: undefined };
      waiter.timer = setTimeout(() => {
        // Waited long enough: sent over the cap, counted so that its settling frees no slot it did not hold.
        this.#leave(waiter);
        this.inFlight += 1;
        resolve();
      }, this.#maxWait);
      // A timer per waiting request: it must not keep a process alive that has nothing else to do.
      waiter.timer.unref?.();
      if (signal) {
        // Aborted while waiting: it leaves the queue holding nothing.
        waiter.onAbort = () => {
          this.#leave(waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      queue.push(waiter);
    });
  }

  /** Takes a free slot if there is one (then `release` once, when the request settles); no promise. */
  tryTake(): boolean {
    if (this.inFlight >= this.#max) return false;
    this.inFlight += 1;
    return true;
  }

  /** A request settled: its slot goes to the first waiting write, else read, unless it was over the cap. */
  readonly release = (): void => {
    const next = this.inFlight <= this.#max ? (this.#writes[0] ?? this.#reads[0]) : undefined;
    if (next === undefined) {
      this.inFlight -= 1;
      return;
    }
    this.#leave(next);
    next.resolve();
  };

  /** Takes `waiter` off its queue, its timer and abort listener with it. */
  #leave(waiter: Waiter): void {
    const at = waiter.queue.indexOf(waiter);
    if (at !== -1) waiter.queue.splice(at, 1);
    clearTimeout(waiter.timer);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}

const gates = new WeakMap<object, Gate>();

/** Sends `request` with `auth`'s dispatcher and headers; nothing when its signal aborted meanwhile. */
function dispatch(auth: Authenticated, request: LockRequest): Promise<Answer> {
  // Timed out while authenticating (a starved process): the driver has given up on it; nothing is sent.
  request.signal?.throwIfAborted();
  let gate = gates.get(auth.dispatcher);
  if (gate === undefined) {
    gate = new Gate();
    gates.set(auth.dispatcher, gate);
  }
  const held = gate;
  // A free slot: sent at once, without the promise a wait needs (the hot path of every renewal).
  if (held.tryTake()) return sendOn(auth, request, held);
  return held.take(request.method !== 'GET', request.signal).then(() => {
    // Aborted between getting its slot and being sent: the slot goes back, no request is made.
    if (request.signal?.aborted) {
      held.release();
      throw request.signal.reason;
    }
    return sendOn(auth, request, held);
  });
}

/** `exchange` for `request`, holding a slot of `gate` until it settles. */
function sendOn(auth: Authenticated, request: LockRequest, gate: Gate): Promise<Answer> {
  return exchange(
    auth.dispatcher,
    {
      origin: auth.origin,
      path: auth.basePath === '' ? request.path : `${auth.basePath}${request.path}`,
      method: request.method,
      headers: auth.headers(request.contentType ?? ''),
      body: request.body,
    },
    request.signal,
    gate.release,
  );
}

/** Response headers as `ApiException` carries them: one string per name. */
function flatHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}
