/**
 * Per-request options for @kubernetes/client-node's object-parameter API: the abort signal the elector hands
 * every lock call, the content type of a JSON merge patch, and connection reuse.
 *
 * client-node 2 builds a new HTTP dispatcher (undici Agent) for every request, so every renewal would open a
 * new TCP and TLS connection (30 a minute for one election, thousands for a process leading many). Given the
 * `KubeConfig`, the options keep one dispatcher per context of it and hand it to every later request of any
 * lock using that KubeConfig (and to the requests `LeaseLock` sends itself, kube-requests.ts, through
`keptDispatcher`): one keep-alive connection pool per cluster and user.
 *
 * The kept dispatcher holds the TLS credentials it was made with, so it is kept only while they stay the
 * same: client-node reads the certificate files anew for every request, and the check here sees a change as
 * soon (a digest of the server address, CA, client certificate and key, whether inline or in files; a file
 * is re-read and re-hashed only when its inode, size, mtime or ctime changed, so a renewal costs one stat
 * per file, not a read and a hash). When a client
 * certificate is rotated (a cert-manager or kubelet renewal rewrites the files), the next request makes the
 * new dispatcher the kept one, and the old one is closed once its requests are done. Client certificates an
 * exec plugin returns are not seen here (client-node caches them until they expire): restart to pick them up.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import {
  type ConfigurationOptions,
  type KubeConfig,
  Observable,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/** The content type of a JSON merge patch (RFC 7386). */
export const MERGE_PATCH = 'application/merge-patch+json';

/**
 * client-node's HTTP dispatcher (an undici `Dispatcher` in client-node 2). Read through a conditional type:
 * client-node 1.x's `RequestContext` has no `getDispatcher` (there the locks use the generated client only),
 * and these declarations must still check against its types in a consumer's project.
 */
export type Dispatcher = DispatcherOf<RequestContext>;
type DispatcherOf<C> = C extends { getDispatcher(): infer D } ? NonNullable<D> : never;

/** The dispatcher kept for one context, and the digest of the credentials it was made with. */
interface Kept {
  readonly credentials: string;
  /** `null` until a request made after the credentials were first seen: see `reuseConnection`. */
  dispatcher: Dispatcher | null;
}

/** Per KubeConfig, per context name: the dispatcher every request of that context goes through. */
const dispatchers = new WeakMap<KubeConfig, Map<string, Kept>>();

/** How long a replaced dispatcher stays open for requests already handed it, before it closes. */
const CLOSE_REPLACED_AFTER_MS = 30_000;

/** A credentials file's digest, and the stat it was read under. */
interface FileDigest {
  /** Device, inode, size, mtime and ctime (nanoseconds): any rewrite or atomic swap changes one. */
  readonly stamp: string;
  readonly digest: string;
}

/**
 * Per path (a process uses a handful of credential files), the last digest. A stat decides whether to read
 * again: an atomic swap (a Secret volume's rename) gives a new inode, an in-place rewrite a new mtime/ctime.
 */
const fileDigests = new Map<string, FileDigest>();

/** The digest of `file`'s contents, read again only when its stat changed; a description if unreadable. */
function fileDigest(file: string): string {
  try {
    const st = statSync(file, { bigint: true });
    const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const cached = fileDigests.get(file);
    if (cached?.stamp === stamp) return cached.digest;
    const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
    fileDigests.set(file, { stamp, digest });
    return digest;
  } catch (err) {
    fileDigests.delete(file);
    // client-node fails this request the same way; the digest only has to differ from a readable file's.
    return `unreadable ${file}: ${(err as NodeJS.ErrnoException).code}`;
  }
}

/**
 * Per KubeConfig, the inputs of the last digest and the digest: a request whose inputs are the same (the
 * usual case: nothing rotated) reuses it instead of hashing them again.
 */
const lastDigests = new WeakMap<
  KubeConfig,
  { readonly inputs: readonly unknown[]; readonly digest: string }
>();

/** A digest of what a dispatcher's connections are made with for `kubeConfig`'s current context. */
export function credentialsDigest(kubeConfig: KubeConfig): string {
  const cluster = kubeConfig.getCurrentCluster();
  const user = kubeConfig.getCurrentUser();
  // A file's digest, or the inline data itself: the same strings from request to request, compared as such.
  const inputs = [
    cluster?.server,
    cluster?.skipTLSVerify,
    cluster?.tlsServerName,
    cluster?.proxyUrl,
    cluster?.caFile ? `file ${fileDigest(cluster.caFile)}` : cluster?.caData,
    user?.certFile ? `file ${fileDigest(user.certFile)}` : user?.certData,
    user?.keyFile ? `file ${fileDigest(user.keyFile)}` : user?.keyData,
  ];
  const last = lastDigests.get(kubeConfig);
  if (last?.inputs.every((input, i) => input === inputs[i])) return last.digest;
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(`${input ?? ''}\0`);
  const digest = hash.digest('hex');
  lastDigests.set(kubeConfig, { inputs, digest });
  return digest;
}

/** Closes `dispatcher` when it may hold no more requests (Bun's fetch dispatchers have no close()). */
function closeLater(dispatcher: Dispatcher, afterMs: number): void {
  if (typeof dispatcher.close !== 'function') return;
  const close = () => {
    Promise.resolve(dispatcher.close()).catch(() => {});
  };
  setTimeout(close, afterMs).unref?.();
}

/**
 * The dispatcher a request for `kubeConfig`'s current context goes through, given the one client-node `made`
 * for it: the kept one when there is one for the same credentials (`made` is then dropped: it never
 * connected), else `made`. New credentials (or a first request) are recorded without a dispatcher: this
 * request keeps the one client-node made for it, which may predate a rotation by the time between
 * client-node's read of the files and this one; the next request's, made after that read, is kept. Given
 * `madeWith`, the digest taken before client-node read the files for `made`, the same digest now means `made`
 * was made with these credentials, and it is kept at once (request-auth.ts, which authenticates once per
 * credentials, has no next request to wait for). Both the generated client's requests (`requestOptions`) and
 * the locks' own (kube-requests.ts, through request-auth.ts) go through here.
 */
export function keptDispatcher(made: Dispatcher, kubeConfig: KubeConfig, madeWith?: string): Dispatcher {
  let byContext = dispatchers.get(kubeConfig);
  if (!byContext) {
    byContext = new Map();
    dispatchers.set(kubeConfig, byContext);
  }
  const key = kubeConfig.getCurrentContext();
  const credentials = credentialsDigest(kubeConfig);
  const kept = byContext.get(key);
  if (kept === undefined || kept.credentials !== credentials) {
    byContext.set(key, { credentials, dispatcher: madeWith === credentials ? made : null });
    // Requests already handed the old one finish on it; it closes after them.
    if (kept?.dispatcher) closeLater(kept.dispatcher, CLOSE_REPLACED_AFTER_MS);
  } else if (kept.dispatcher === null) kept.dispatcher = made;
  else if (kept.dispatcher !== made) {
    // Never connected: it holds no socket and no timer, so it is left to the collector. Closing it (as this
    // did) builds an undici ClientDestroyedError, stack trace and all, per request: 3.6% of the busy
    // profile samples of 300 Lease elections (docs/benchmarks.md, "A joining lock's read, the starved
    // process, and a renewal's CPU").
    return kept.dispatcher;
  }
  return made;
}

/** Sends `context` through the dispatcher kept for `kubeConfig`'s current context (`keptDispatcher`). */
function reuseConnection(context: RequestContext, kubeConfig: KubeConfig): void {
  // client-node 1.x has no dispatchers (it keeps its own agents); nothing to do there.
  if (typeof context.getDispatcher !== 'function') return;
  const made = context.getDispatcher();
  if (made === undefined) return;
  const use = keptDispatcher(made, kubeConfig);
  if (use !== made) context.setDispatcher(use);
}

/**
 * client-node per-request options that abort the request on `signal`, set `contentType` (for patches), and,
 * given the `kubeConfig`, send the request over the connections kept for it (see the file's comment).
 */
export function requestOptions(
  signal: AbortSignal | undefined,
  contentType?: string,
  kubeConfig?: KubeConfig,
): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          if (signal) context.setSignal(signal);
          if (contentType) context.setHeaderParam('Content-Type', contentType);
          if (kubeConfig) reuseConnection(context, kubeConfig);
          return new Observable(Promise.resolve(context));
        },
        post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/**
 * `requestOptions(signal, contentType, kubeConfig)`, built when client-node reads them. The Lease lock's own
 * requests (kube-requests.ts) never do: they were built for every renewal and dropped unread (a middleware
 * array, its object, two closures), where only the generated client (no undici dispatcher) uses them.
 */
export function lazyRequestOptions(
  signal: AbortSignal | undefined,
  contentType: string | undefined,
  kubeConfig: KubeConfig,
): ConfigurationOptions {
  return new LazyRequestOptions(signal, contentType, kubeConfig);
}

class LazyRequestOptions implements ConfigurationOptions {
  readonly middlewareMergeStrategy = 'append' as const;
  #middleware: NonNullable<ConfigurationOptions['middleware']> | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #contentType: string | undefined;
  readonly #kubeConfig: KubeConfig;

  constructor(signal: AbortSignal | undefined, contentType: string | undefined, kubeConfig: KubeConfig) {
    this.#signal = signal;
    this.#contentType = contentType;
    this.#kubeConfig = kubeConfig;
  }

  /** Read by client-node's `mergeConfiguration` (a property read: a getter serves it). */
  get middleware(): NonNullable<ConfigurationOptions['middleware']> {
    this.#middleware ??= requestOptions(this.#signal, this.#contentType, this.#kubeConfig).middleware ?? [];
    return this.#middleware;
  }
}
