/**
 * The decorators that mark a provider's methods as leader work. Written as plain functions returning
 * decorators (no decorator syntax here) so the package runs from its TypeScript sources under Node's type
 * stripping, which does not transform decorators; applications use them as `@OnLeadership()`.
 */
import type { Leadership, MaybePromise, StoppedReason } from '@leasehold/core';
import { SetMetadata } from '@nestjs/common';

/** Metadata key of `@OnLeadership()`. */
export const ON_LEADERSHIP = 'leasehold:on-leadership';
/** Metadata key of `@OnLeadershipEnd()`. */
export const ON_LEADERSHIP_END = 'leasehold:on-leadership-end';

/** A method `@OnLeadership()` may mark. */
export type LeadershipStartHandler = (signal: AbortSignal, leadership: Leadership) => MaybePromise<void>;
/** A method `@OnLeadershipEnd()` may mark. */
export type LeadershipEndHandler = (reason: StoppedReason) => MaybePromise<void>;

/** A method decorator that accepts only methods of type `F` (so a wrong signature fails to compile). */
export type MethodOf<F> = <T extends F>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
) => void;

/**
 * Marks a provider's method as leader-only work: it is called when this replica starts leading, with a
 * signal that aborts when leadership ends (lost, handed over, stepped down, or the app closing) and the
 * `Leadership` (term as a fencing token, `check()` before a side effect). Return a promise for long work:
 * the lease is released only after it settles, so no other replica starts before this work has ended.
 */
export function OnLeadership(): MethodOf<LeadershipStartHandler> {
  const mark = SetMetadata(ON_LEADERSHIP, true);
  return (target, key, descriptor) => void mark(target, key, descriptor);
}

/**
 * Marks a provider's method to be called once leadership has ended, after the leader work's signal aborted
 * and its promise settled, with why (`lost`, `stopped`, `handedOver`, `steppedDown`).
 */
export function OnLeadershipEnd(): MethodOf<LeadershipEndHandler> {
  const mark = SetMetadata(ON_LEADERSHIP_END, true);
  return (target, key, descriptor) => void mark(target, key, descriptor);
}
