/**
 * Authentication for the locks' own requests (kube-requests.ts), done once per credentials rather than once
 * per request: what client-node's `applySecurityAuthentication` produces for a KubeConfig's current context
 * (the headers, and the dispatcher kept for it, request-options.ts) is kept and reused by every request of
 * every lock on that KubeConfig, and asked for again when it can have changed:
 *
 * - every `AUTH_REFRESH_MS` at most: client-node re-reads an in-cluster token file once a minute (as client-go's
 *   cached token source does) and caches an exec plugin's or auth provider's credential until it expires,
 *   so asking it again every few seconds picks up what it would pick up, a few seconds later at most;
 * - at once when the TLS credentials change (the digest request-options.ts keeps: server, CA, client
 *   certificate and key, a file's contents re-read when its stat changes), as before;
 * - after a 401: kube-requests.ts drops the entry that was refused (`forget`) and sends the request once more
 *   with a fresh one; a second 401 is the caller's error.
 *
 * Before, every request ran `applySecurityAuthentication`: it reads the CA and certificate files, builds an
 * undici Agent (dropped unused: the kept dispatcher serves the request), a `RequestContext` and the header
 * objects, about a tenth of what a renewal allocated (docs/benchmarks.md, "Authentication once per
 * credentials"). One refresh at a time per context: the locks that need one while it runs share it.
 */
import { type KubeConfig, RequestContext } from '@kubernetes/client-node';
import type { Dispatching } from './exchange.ts';
import { credentialsDigest, type Dispatcher, keptDispatcher } from './request-options.ts';

/** How long an authentication is reused before client-node is asked again (see the file's comment). */
export const AUTH_REFRESH_MS = 10_000;

/** The User-Agent of the lock's own requests. */
const USER_AGENT = 'leasehold (@leasehold/lease)';

/** What one authentication gives every request of the context until it is refreshed. */
export interface Authenticated {
  /** `scheme://host[:port]` of the server. */
  readonly origin: string;
  /** The server URL's own path (a proxy's prefix, say), put before every request's path; usually empty. */
  readonly basePath: string;
  /** The dispatcher kept for the context (request-options.ts `keptDispatcher`). */
  readonly dispatcher: Dispatching;
  /** The request headers for `contentType` (`''`: none), built once per authentication and reused. */
  headers(contentType: string): Readonly<Record<string, string>>;
}

/** One context's kept authentication (`null`: client-node gives it no undici dispatcher). */
interface Entry {
  readonly auth: Authenticated | null;
  /** The TLS credentials digest it was made under (request-options.ts). */
  readonly credentials: string;
  /** `performance.now()` after which it is asked for again. */
  readonly refreshAt: number;
}

/** Per KubeConfig, per context name: the kept authentication, and a refresh under way. */
const entries = new WeakMap<
  KubeConfig,
  Map<string, { kept?: Entry | undefined; pending?: Promise<Entry> | undefined }>
>();

/**
 * The authentication for `kubeConfig`'s current context: the kept one while it is fresh and its TLS
 * credentials unchanged, else a new one from client-node (shared with the other requests waiting for it).
 * `null` when client-node makes no undici dispatcher for it (kube-requests.ts then leaves the request to the
 * generated client).
 */
export async function authenticated(kubeConfig: KubeConfig): Promise<Authenticated | null> {
  let byContext = entries.get(kubeConfig);
  if (!byContext) {
    byContext = new Map();
    entries.set(kubeConfig, byContext);
  }
  const name = kubeConfig.getCurrentContext();
  let slot = byContext.get(name);
  if (!slot) {
    slot = {};
    byContext.set(name, slot);
  }
  const kept = slot.kept;
  if (
    kept !== undefined &&
    performance.now() < kept.refreshAt &&
    kept.credentials === credentialsDigest(kubeConfig)
  )
    return kept.auth;
  if (!slot.pending) {
    const current = slot;
    current.pending = authenticate(kubeConfig).then(
      (entry) => {
        current.kept = entry;
        current.pending = undefined;
        return entry;
      },
      (err: unknown) => {
        current.pending = undefined;
        throw err;
      },
    );
  }
  return (await slot.pending)!.auth;
}

/**
 * Drops `auth` (refused with a 401) so that the next request authenticates anew; an authentication that
 * already replaced it is kept.
 */
export function forget(kubeConfig: KubeConfig, auth: Authenticated): void {
  const slot = entries.get(kubeConfig)?.get(kubeConfig.getCurrentContext());
  if (slot?.kept?.auth === auth) slot.kept = undefined;
}

/** Asks client-node for the current context's authentication, as it applies it to its own requests. */
async function authenticate(kubeConfig: KubeConfig): Promise<Entry> {
  // Digested before client-node reads the files: a dispatcher made with the same digest before and after
  // was made with those credentials (request-options.ts `keptDispatcher`).
  const before = credentialsDigest(kubeConfig);
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  const context = new RequestContext(server, 'GET' as never);
  await kubeConfig.applySecurityAuthentication(context);
  const made = context.getDispatcher() as (Dispatcher & Partial<Dispatching>) | undefined;
  const refreshAt = performance.now() + AUTH_REFRESH_MS;
  if (made === undefined || typeof made.dispatch !== 'function')
    return { auth: null, credentials: before, refreshAt };
  const dispatcher = keptDispatcher(made, kubeConfig, before) as unknown as Dispatching;
  // Kept under the digest from before the read: if the files changed meanwhile, the next request sees a
  // different digest and authenticates again.
  const base: Record<string, string> = { ...context.getHeaders() };
  base.Accept = 'application/json';
  // Names the client in the API server's audit log (the generated client's says kubernetes-client-javascript).
  base['User-Agent'] = USER_AGENT;
  const byType = new Map<string, Readonly<Record<string, string>>>([['', base]]);
  const slash = server.indexOf('/', server.indexOf('//') + 2);
  return {
    auth: {
      origin: slash === -1 ? server : server.slice(0, slash),
      basePath: slash === -1 ? '' : server.slice(slash),
      dispatcher,
      headers(contentType) {
        let headers = byType.get(contentType);
        if (!headers) {
          headers = { ...base, 'Content-Type': contentType };
          byType.set(contentType, headers);
        }
        return headers;
      },
    },
    credentials: before,
    refreshAt,
  };
}
