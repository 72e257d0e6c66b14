/**
 * A side effect guarded by the leader's term: a write to a ConfigMap (the system the leader's work lands
 * in) that no leader of an older term can make, even one that was paused after its last check.
 *
 * Two guards, because one cannot be enough:
 * - `leadership.check()` right before the write: this candidate still leads, in this term, with a lease
 *   valid on its own clock. Cheap and local, but a pause (GC, a frozen VM) between the check and the write's
 *   arrival can outlast the lease.
 * - The fencing token, checked where the write lands: the ConfigMap carries the term of the last write in
 *   an annotation, and the write is a replace with a resourceVersion precondition, so "read the stored term,
 *   refuse if it is newer, write" is one compare-and-swap: a leader of a newer term that wrote in between
 *   makes this replace fail with 409, and a stale leader reads a newer term and refuses.
 */
import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import type { Leadership } from '@leasehold/core';

/** The annotation holding the term of the last write. */
export const TERM_ANNOTATION = 'leasehold.dev/term';

/** The write was refused because a leader of a newer term has written. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  /** The term of the refused write. */
  readonly term: number;
  /** The newer term the ConfigMap holds. */
  readonly stored: number;
  constructor(term: number, stored: number) {
    super(`a write of term ${term} refused: the ConfigMap holds a write of term ${stored}`);
    this.term = term;
    this.stored = stored;
  }
}

/** The three calls a fenced write makes (a `CoreV1Api` has them). */
export type ConfigMapApi = Pick<
  CoreV1Api,
  'readNamespacedConfigMap' | 'createNamespacedConfigMap' | 'replaceNamespacedConfigMap'
>;

const statusOf = (err: unknown) => (err as { code?: number } | null)?.code;

/**
 * Writes `data` into the ConfigMap `name` as the leader of `leadership.term`. Throws `LeadershipLostError`
 * (the local guard), `FencedError` (a newer term wrote first), or the API's 409 when a newer term wrote
 * between this read and this write.
 */
export async function fencedWrite(
  api: ConfigMapApi,
  namespace: string,
  name: string,
  leadership: Leadership,
  data: Record<string, string>,
  options: { skipLocalCheck?: boolean } = {},
): Promise<V1ConfigMap> {
  if (!options.skipLocalCheck) leadership.check();
  let current: V1ConfigMap | null = null;
  try {
    current = await api.readNamespacedConfigMap({ name, namespace });
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  const term = String(leadership.term);
  if (current === null) {
    return api.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name, namespace, annotations: { [TERM_ANNOTATION]: term } }, data },
    });
  }
  const stored = Number(current.metadata?.annotations?.[TERM_ANNOTATION] ?? -1);
  if (stored > leadership.term) throw new FencedError(leadership.term, stored);
  if (!options.skipLocalCheck) leadership.check();
  return api.replaceNamespacedConfigMap({
    name,
    namespace,
    body: {
      ...current,
      // The precondition: the replace applies only to the version read above.
      metadata: {
        ...current.metadata,
        annotations: { ...current.metadata?.annotations, [TERM_ANNOTATION]: term },
      },
      data,
    },
  });
}
