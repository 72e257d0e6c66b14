/**
 * A lock's own requests to the API server, for its hot path (a renewal every retry period): the JSON body
 * sent as the lock built it, the answer parsed as JSON and handed back as it is, over the dispatcher kept
 * for the KubeConfig's context (request-options.ts) with undici's `Dispatcher.request`.
 *
 * What the generated client adds per request and this path leaves out: ObjectSerializer's walk of the body
 * and of the answer (a class instance per nested object, every date parsed), the middleware chain, and
 * `fetch`, which builds a WHATWG Request and Response for every request and records each in Node's
 * resource-timing buffer. What it keeps from client-node: the KubeConfig, and authentication and TLS for its
 * current context as client-node applies them to its own requests (`applySecurityAuthentication`: bearer
 * tokens and token files, exec plugins, auth providers, basic auth, client certificates, CA, proxies), run
 * for every request, so a rotated token or certificate is used as soon as client-node would use it.
 *
 * Where client-node makes no undici dispatcher (client-node 1.x keeps Node agents; an https server trusted by
 * the system CAs with no client certificate needs none; under Bun, whose `undici` is a shim over its own
 * fetch), `send` answers `undefined` and the lock uses the generated client, as before.
 */
import { ApiException, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { type Dispatcher, keptDispatcher } from './request-options.ts';

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

/** The User-Agent of the lock's own requests. */
const USER_AGENT = 'leasehold (@leasehold/lease)';

/**
 * Whether this client-node hands its dispatchers to requests (client-node 2) and they are undici's own (not
 * under Bun, whose `undici` module is a shim); checked once.
 */
const hasDispatchers =
  typeof RequestContext.prototype.setDispatcher === 'function' && process.versions.bun === undefined;

/**
 * Sends `request` for `kubeConfig`'s current context and answers the parsed JSON body of a 2xx answer;
 * throws client-node's `ApiException` (code, body text, headers) for any other status, as the generated
 * client does, so `kubeLockError` maps both paths alike, and the transport's own error (a refused
 * connection, the signal's reason on abort) as it is. Answers `undefined` without sending anything when
 * client-node gives this context no undici dispatcher (see the file's comment).
 */
export async function send(kubeConfig: KubeConfig, request: LockRequest): Promise<unknown | undefined> {
  if (!hasDispatchers) return undefined;
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) return undefined;
  // client-node's own request object, so its authentication writes what it writes for the generated client.
  const context = new RequestContext(`${cluster.server}${request.path}`, request.method as never);
  await kubeConfig.applySecurityAuthentication(context);
  // Timed out while authenticating (a starved process): the driver has given up on it; nothing is sent.
  request.signal?.throwIfAborted();
  const made = context.getDispatcher() as (Dispatcher & Partial<Pick<UndiciLike, 'request'>>) | undefined;
  if (made === undefined || typeof made.request !== 'function') return undefined;
  const dispatcher = keptDispatcher(made, kubeConfig) as unknown as UndiciLike;
  const headers = context.getHeaders();
  headers.Accept = 'application/json';
  // Names the client in the API server's audit log (the generated client's says kubernetes-client-javascript).
  headers['User-Agent'] = USER_AGENT;
  if (request.contentType) headers['Content-Type'] = request.contentType;
  const url = context.getUrl();
  const answer = await dispatcher.request({
    origin: url.slice(0, url.length - pathOf(url).length),
    path: pathOf(url),
    method: request.method,
    headers,
    body: request.body,
    signal: request.signal,
  });
  const text = await answer.body.text();
  if (answer.statusCode >= 200 && answer.statusCode < 300) return JSON.parse(text);
  throw new ApiException(
    answer.statusCode,
    'the API server refused the request',
    text,
    flatHeaders(answer.headers),
  );
}

/** The part of undici's `Dispatcher` this file uses (client-node's types do not name its `request`). */
interface UndiciLike {
  request(options: {
    origin: string;
    path: string;
    method: string;
    headers: Record<string, string>;
    body: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<{
    statusCode: number;
    headers: Record<string, string | string[] | undefined>;
    body: { text(): Promise<string> };
  }>;
}

/** The path and query of an absolute URL: from the first `/` after `scheme://host`. */
function pathOf(url: string): string {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash === -1 ? '/' : url.slice(slash);
}

/** Response headers as `ApiException` carries them: one string per name. */
function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}
