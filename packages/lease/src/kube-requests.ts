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
 * The most lock requests in flight on one kept dispatcher; the others wait their turn, in order. undici's
 * pool opens another HTTP/2 connection once one has 100 streams (its maxConcurrentStreams), and closes it
 * after its 4 s keep-alive timeout: at a thousand elections, a burst of renewals whose answers were held up
 * (a long scavenge, a stalled event loop) opened 14-38 connections a minute (docs/benchmarks.md, "Where a
 * thousand elections' memory goes"). Below 100, with room for the watch streams on the same connection.
 */
export const MAX_IN_FLIGHT = 90;

/** A request waiting for its turn on a full gate. */
interface Waiter {
  readonly resolve: () => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** One dispatcher's requests in flight, and those waiting. */
class Gate {
  inFlight = 0;
  readonly #waiting: Waiter[] = [];

  /** Resolves once this request holds a slot; rejects with `signal`'s reason if it aborts first. */
  wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.#waiting.indexOf(waiter);
          if (at !== -1) this.#waiting.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiting.push(waiter);
    });
  }

  /** A request settled: its slot goes to the first waiting one, if any. One function per gate. */
  readonly release = (): void => {
    const next = this.#waiting.shift();
    if (next === undefined) {
      this.inFlight -= 1;
      return;
    }
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    next.resolve();
  };
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
  if (gate.inFlight < MAX_IN_FLIGHT) {
    gate.inFlight += 1;
    return sendOn(auth, request, gate);
  }
  const held = gate;
  // Its turn came with the signal aborted: `exchange` sends nothing and settles, which frees the slot.
  return gate.wait(request.signal).then(() => sendOn(auth, request, held));
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
