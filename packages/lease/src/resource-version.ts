/**
 * Ordering two resourceVersions of objects of one collection, for a lock joining a shared watch
 * (shared-watch.ts): its state read with a GET and the shared stream's events must be put in order, so it
 * hears neither an older state after a newer one nor a change twice.
 *
 * The API server's resourceVersions are etcd revisions written as decimal integers, and since Kubernetes
 * 1.34 that they compare as such is part of the API (KEP-5504, "comparable resource versions": the longer
 * is newer, equal lengths compare digit by digit). Anything else (another storage behind an aggregated API)
 * is answered `undefined`: the caller then does not rely on an order.
 */

const DECIMAL = /^[1-9][0-9]*$/;

/** Negative when `a` is older than `b`, 0 when equal, positive when newer; `undefined` when not comparable. */
export function compareVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a === b) return 0;
  if (!DECIMAL.test(a) || !DECIMAL.test(b)) return undefined;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}
