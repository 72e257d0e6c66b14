/**
 * Renders an XState v5 guard as the transcripts print it, from whatever form the machine wrote it in, so
 * the transcripts name the guard that chose a branch however the machine is refactored:
 *   'name'                      -> name
 *   { type: 'name', params }    -> name({"n":3})   (params as JSON; params computed by a function: name(params))
 *   not(g), and([..]), or([..]) -> not(g), and(a, not(b)), or(a, b)   (XState's higher-order guards)
 *   stateIn(value)              -> stateIn("value")
 *   an inline function          -> its name, or `inline` when it has none of its own
 * XState's higher-order guards are functions carrying `check` and either `guards` (not/and/or, named after
 * the function: `not`, `and`, `or`) or `stateValue` (stateIn); xstate 5.33.3, src/guards.ts.
 */

interface HigherOrderGuard {
  readonly name: string;
  readonly check: unknown;
  readonly guards?: readonly unknown[];
  readonly stateValue?: unknown;
}

export function guardLabel(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const g = guard as unknown as HigherOrderGuard;
    if ('check' in g && Array.isArray(g.guards)) return `${g.name}(${g.guards.map(guardLabel).join(', ')})`;
    if ('check' in g && 'stateValue' in g) return `stateIn(${JSON.stringify(g.stateValue)})`;
    // An arrow written as `guard: () => ...` takes the property's name, which says nothing.
    return g.name !== '' && g.name !== 'guard' ? g.name : 'inline';
  }
  if (typeof guard === 'object' && guard !== null && 'type' in guard) {
    const { type, params } = guard as { type: unknown; params?: unknown };
    if (params === undefined) return String(type);
    return `${String(type)}(${typeof params === 'function' ? 'params' : JSON.stringify(params)})`;
  }
  return String(guard);
}
