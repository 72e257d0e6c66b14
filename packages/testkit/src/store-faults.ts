/**
 * Faults inside the lock: a fault layer at the boundary between a lock and its store's client (the model the
 * lock runs on in the simulator). The simulator's request faults act around the lock handle; a lock that
 * makes several store calls per operation, maps its store's errors to `LockError` kinds or retries, is only
 * exercised when its own store calls are slow, fail, lose their answers or are delivered twice. A backend
 * opts in by offering its store separately from its lock (`StoreBackend`); `storeBackend` then puts every
 * store call behind `withStoreFaults`, drawn from the run's seed (docs/model-checking.md).
 */
import type { Clock, Lock } from '@leasehold/core';
import type { BackendFactory, BackendRun } from './cluster.ts';
import { Random } from './random.ts';

/** A failure the layer injects: `unavailable` before the call reaches the store, `timeout` after it applied. */
export type StoreFaultKind = 'unavailable' | 'timeout';

/**
 * A backend that hands the testkit its store, so that faults can reach inside the lock: a fresh store per
 * run, a lock over it, and the store's own error for each injected failure.
 */
export interface StoreBackend<S extends object = object> {
  /** A fresh store (the model of your store's client) for one run; `clock` is the simulation's. */
  createStore(clock: Clock): S;
  /** The handle of `identity` over `store` (the store as the fault layer wraps it). */
  createLock(store: S, identity: string, clock: Clock): Lock;
  /**
   * The error your store's client throws for `kind` on `call` (a method's name), in its own type: what your
   * lock sees from the real client when the store is unavailable, or when a call timed out after it applied.
   */
  storeError(kind: StoreFaultKind, call: string): Error;
  /**
   * Methods to wrap, if not all of the store's `async` ones (a method returning a promise that is not declared
   * `async` must be named here).
   */
  readonly calls?: readonly string[];
}

/** How often each fault strikes a store call; every field has a default. */
export interface StoreFaultOptions {
  /** Largest latency of a call, before it applies and again before it answers (virtual ms, default 5). */
  readonly latencyMaxMs?: number;
  /** Fraction of calls that fail with `storeError('unavailable')` without reaching the store (default 0.03). */
  readonly errorRate?: number;
  /** Fraction of calls that apply, then fail with `storeError('timeout')`: a lost answer (default 0.03). */
  readonly lostRate?: number;
  /**
   * Fraction of calls delivered a second time, a little after the first delivery applied, that answer
   * discarded (default 0.02).
   */
  readonly duplicateRate?: number;
}

/** The defaults of `StoreFaultOptions`. */
export const defaultStoreFaults: Required<StoreFaultOptions> = {
  latencyMaxMs: 5,
  errorRate: 0.03,
  lostRate: 0.03,
  duplicateRate: 0.02,
};

/** What `withStoreFaults` needs besides the rates. */
export interface StoreFaultContext extends StoreFaultOptions {
  /** The simulation's clock: latency is virtual time. */
  readonly clock: Clock;
  /** Seed of the draws. */
  readonly seed: number;
  /** The store's own error for an injected failure. */
  readonly error: (kind: StoreFaultKind, call: string) => Error;
  /** Only latency from this moment of `clock.now()` on: the run's faults have ended (default never). */
  readonly faultsEndAtMs?: number;
  /** Methods to wrap, if not all `async` ones. */
  readonly calls?: readonly string[];
}

const isAsync = (fn: unknown): boolean =>
  typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';

/**
 * `store` with every async method behind faults: latency before the call applies and before its answer
 * (so the calls of different handles interleave), errors in the store's own type, lost answers (applied,
 * then failed) and duplicated deliveries. Other properties pass through, bound to the store (its private
 * fields stay reachable). One draw per call, in the order calls are made: the same run draws the same faults.
 */
export function withStoreFaults<S extends object>(store: S, context: StoreFaultContext): S {
  const rates = { ...defaultStoreFaults, ...definedOf(context) };
  const random = new Random(context.seed);
  const { clock } = context;
  const faulty = () => clock.now() < (context.faultsEndAtMs ?? Number.POSITIVE_INFINITY);
  const delay = (ms: number) =>
    ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => clock.setTimer(ms, resolve));
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const known = wrapped.get(property);
      if (known) return known;
      const method = value as (...args: unknown[]) => unknown;
      const wrap = context.calls ? context.calls.includes(String(property)) : isAsync(method);
      const made = wrap
        ? async (...args: unknown[]) => {
            const call = String(property);
            const on = faulty();
            // Every draw at once, so that what a call meets does not depend on how it ends.
            const before = random.float(0, rates.latencyMaxMs);
            const after = random.float(0, rates.latencyMaxMs);
            const fail = on && random.chance(rates.errorRate);
            const lost = on && random.chance(rates.lostRate);
            const duplicate = on && random.chance(rates.duplicateRate);
            const again = random.float(0, rates.latencyMaxMs * 4);
            await delay(before);
            if (fail) throw context.error('unavailable', call);
            const answer = Promise.resolve(method.apply(target, args));
            // The second delivery comes after the first has applied (a delivery the store sees twice, not a
            // retry racing the original: a lock's own retries are its code, tested as such).
            const redeliver = () => {
              clock.setTimer(again, () => {
                Promise.resolve(method.apply(target, args)).catch(() => {});
              });
            };
            if (duplicate) answer.then(redeliver, redeliver);
            try {
              const result = await answer;
              await delay(after);
              if (lost) throw context.error('timeout', call);
              return result;
            } catch (err) {
              if (!lost) await delay(after);
              throw lost ? context.error('timeout', call) : err;
            }
          }
        : method.bind(target);
      wrapped.set(property, made);
      return made;
    },
  });
}

/** The options without their `undefined` fields (so they do not hide the defaults). */
function definedOf(options: StoreFaultOptions): StoreFaultOptions {
  return Object.fromEntries(
    Object.entries({
      latencyMaxMs: options.latencyMaxMs,
      errorRate: options.errorRate,
      lostRate: options.lostRate,
      duplicateRate: options.duplicateRate,
    }).filter(([, v]) => v !== undefined),
  );
}

/**
 * The `BackendFactory` of a `StoreBackend`: one fresh store per run, behind `withStoreFaults` drawn from the
 * run's seed (`faults: false` for none: the conformance checks, which call in real time, use that).
 */
export function storeBackend<S extends object>(
  form: StoreBackend<S>,
  faults: StoreFaultOptions | false = {},
): BackendFactory {
  return (clock: Clock, run?: BackendRun) => {
    const plain = form.createStore(clock);
    const store =
      faults === false
        ? plain
        : withStoreFaults(plain, {
            ...faults,
            clock,
            seed: (run?.seed ?? 1) ^ 0x5707e,
            error: (kind, call) => form.storeError(kind, call),
            ...(run?.faultsEndAtMs !== undefined ? { faultsEndAtMs: run.faultsEndAtMs } : {}),
            ...(form.calls ? { calls: form.calls } : {}),
          });
    return { lock: (identity) => form.createLock(store, identity, clock) };
  };
}

/** Whether `value` has the shape of a `StoreBackend` (for modules loaded at run time). */
export function isStoreBackend(value: unknown): value is StoreBackend {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.createStore === 'function' &&
    typeof v.createLock === 'function' &&
    typeof v.storeError === 'function'
  );
}
