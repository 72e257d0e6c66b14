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

/** Sends `request` with `auth`'s dispatcher and headers; nothing when its signal aborted meanwhile. */
function dispatch(auth: Authenticated, request: LockRequest): Promise<Answer> {
  // Timed out while authenticating (a starved process): the driver has given up on it; nothing is sent.
  request.signal?.throwIfAborted();
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
