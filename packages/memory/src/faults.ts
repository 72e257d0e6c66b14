/**
 * Fault injection for the in-memory store: a hook decides, per request, what goes wrong. All delays are in
 * milliseconds of the store's clock (virtual in the simulator).
 */
import { LockError, type LockErrorKind } from '@leasehold/core';

/** The three requests a lock makes of the store. */
export type MemoryOp = 'get' | 'create' | 'update';

/** One request, as the fault injector sees it. */
export interface MemoryRequest {
  /** Which request. */
  readonly op: MemoryOp;
  /** The lock's name in the store. */
  readonly name: string;
  /** The identity of the lock that sent it. */
  readonly identity: string;
}

/** What goes wrong with one request; every field optional, an empty plan means none. */
export interface FaultPlan {
  /** Delay before the request reaches the store (ms). */
  readonly requestDelayMs?: number;
  /** Delay before the answer reaches the caller (ms). */
  readonly responseDelayMs?: number;
  /** Fail without touching the store. */
  readonly fail?: LockErrorKind;
  /** Apply the request, then lose the answer: the caller hears nothing and must time out. */
  readonly dropResponse?: boolean;
  /** A phantom writer bumps the version just before this request applies (writes then conflict). */
  readonly conflict?: boolean;
}

/** Decides the fate of one request; `undefined` means no fault. */
export type FaultInjector = (request: MemoryRequest) => FaultPlan | undefined;

/** Where a plan runs: its timers, and the request it belongs to. */
export interface PlanContext {
  /** Runs `fn` after `ms` (the store's clock: virtual in the simulator). */
  readonly later: (ms: number, fn: () => void) => void;
  /** The lock, for error messages. */
  readonly describe: string;
  /**
   * The caller's signal: aborting it rejects a pending delay as `Unavailable`. A request with no fault plan
   * (`runUnfaulted`) reads it once, before the request: aborted later, the request still answers.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Carries out one request under `plan`, in the one order every backend gets: the request's delay; an
 * injected failure (the request never reaches the store); a phantom writer (`conflict`, updates only);
 * `apply`, the request itself; a lost answer (the promise never settles: the caller's timeout is the way
 * out); the answer's delay. Shared by `MemoryLockStore` and `withFaults`, so both mean the same by a plan.
 */
export async function runPlanned<T>(
  plan: FaultPlan,
  op: MemoryOp,
  context: PlanContext,
  apply: () => T | Promise<T>,
  phantomWrite?: () => void | Promise<void>,
): Promise<T> {
  await delay(plan.requestDelayMs, context);
  if (plan.fail) throw new LockError(plan.fail, context.describe, 'injected fault');
  if (plan.conflict && op === 'update') await phantomWrite?.();
  const result = await apply();
  if (plan.dropResponse) return new Promise<T>(() => {});
  await delay(plan.responseDelayMs, context);
  return result;
}

/**
 * `runPlanned` under the plan with no fault, where nothing can go wrong but a signal aborted before the
 * request: `apply` runs one turn later and its answer settles the promise. Not `async`, and without
 * `runPlanned`'s three awaits: an async function's state, a promise and its reactions per await were 1.2
 * of the 8.7 KiB a memory-lock renewal allocated (docs/benchmarks.md, "The memory lock's 150 MiB"). The
 * caller's `signal` is read once, before the request: during `runPlanned`'s later turns nothing but a
 * microtask can run, and the driver aborts only from a timer.
 */
export function runUnfaulted<T>(context: PlanContext, apply: () => T | Promise<T>): Promise<T> {
  if (context.signal?.aborted) return Promise.reject(aborted(context));
  return NOW.then(apply);
}

/** No delay: one settled promise for all (awaiting it takes the same turn as awaiting a new one). */
const NOW: Promise<void> = Promise.resolve();

function delay(ms: number | undefined, context: PlanContext): Promise<void> {
  const { later, signal } = context;
  if (!ms || ms <= 0) return signal?.aborted ? Promise.reject(aborted(context)) : NOW;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(context));
    const onAbort = () => reject(aborted(context));
    signal?.addEventListener('abort', onAbort, { once: true });
    later(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/** The error of a request whose caller gave up on it during a delay. */
function aborted({ describe }: PlanContext): LockError {
  return new LockError('Unavailable', describe, 'request aborted');
}
