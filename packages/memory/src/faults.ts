/**
 * Fault injection for the in-memory store: a hook decides, per request, what goes wrong. All delays are in
 * milliseconds of the store's clock (virtual in the simulator).
 */
import type { LockErrorKind } from '@leasehold/core';

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
