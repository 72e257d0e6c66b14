/**
 * A bounded history in the context (the versions seen replaced, this candidate's own writes): the list with
 * one more at its end, cut to its last `kept` (at least 1). One new array per call: the context is never written in place,
 * and `[...list, item].slice(-kept)` built two (this runs on every renewal).
 */
export function appendKept<T>(list: readonly T[], item: T, kept: number): readonly T[] {
  const from = Math.max(0, list.length + 1 - kept);
  const next = new Array<T>(list.length + 1 - from);
  for (let i = from; i < list.length; i += 1) next[i - from] = list[i] as T;
  next[next.length - 1] = item;
  return next;
}
