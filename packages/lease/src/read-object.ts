/**
 * One GET of a named object over the connection the locks' own requests use (kube-requests.ts `send`), for
 * a lock joining a live shared watch (shared-watch.ts): its current state without a watch of its own (one
 * more stream the API server keeps, and, where client-node's `Watch` serves it, a new connection).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { send } from './kube-requests.ts';

/** How long the read may take before the lock falls back to a watch of its own. */
export const READ_TIMEOUT_MS = 10_000;

/**
 * The object at `collectionPath/name`: the object, `null` when it does not exist (404), or `undefined` when
 * client-node gives this context no undici dispatcher (kube-requests.ts), so nothing was sent. Throws the
 * transport's or the API server's error otherwise (a timeout after `READ_TIMEOUT_MS`, or on `signal`).
 */
export async function readObject(
  kubeConfig: KubeConfig,
  collectionPath: string,
  name: string,
  signal: AbortSignal,
): Promise<unknown | null | undefined> {
  try {
    return await send(kubeConfig, {
      method: 'GET',
      path: `${collectionPath}/${encodeURIComponent(name)}`,
      signal: AbortSignal.any([signal, AbortSignal.timeout(READ_TIMEOUT_MS)]),
    });
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === 404) return null;
    throw err;
  }
}
