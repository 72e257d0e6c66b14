/**
 * Per-request options for @kubernetes/client-node's object-parameter API: the abort signal the elector hands
 * every lock call, the content type of a JSON merge patch, and connection reuse.
 *
 * client-node 2 builds a new HTTP dispatcher (undici Agent) for every request, so every renewal would open a
 * new TCP and TLS connection (30 a minute for one election, thousands for a process leading many). Given the
 * `KubeConfig`, the options keep the first dispatcher made for each of its contexts and hand it to every
 * later request of any lock using that KubeConfig: one keep-alive connection pool per cluster and user.
 */
import {
  type ConfigurationOptions,
  type KubeConfig,
  Observable,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/** The content type of a JSON merge patch (RFC 7386). */
export const MERGE_PATCH = 'application/merge-patch+json';

/** Per KubeConfig, per context name: the dispatcher every request of that context goes through. */
const dispatchers = new WeakMap<KubeConfig, Map<string, Dispatcher>>();

type Dispatcher = ReturnType<RequestContext['getDispatcher']>;

/** Sends `context` through the dispatcher kept for `kubeConfig`'s current context; keeps this one if first. */
function reuseConnection(context: RequestContext, kubeConfig: KubeConfig): void {
  // client-node 1.x has no dispatchers (it keeps its own agents); nothing to do there.
  if (typeof context.getDispatcher !== 'function') return;
  const made = context.getDispatcher();
  if (made === undefined) return;
  let byContext = dispatchers.get(kubeConfig);
  if (!byContext) {
    byContext = new Map();
    dispatchers.set(kubeConfig, byContext);
  }
  const key = kubeConfig.getCurrentContext();
  const kept = byContext.get(key);
  if (kept === undefined) byContext.set(key, made);
  else if (kept !== made) {
    context.setDispatcher(kept);
    // Never connected: closing it frees nothing but the object. Bun's fetch dispatchers have no close().
    if (typeof made.close === 'function') void Promise.resolve(made.close()).catch(() => {});
  }
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
