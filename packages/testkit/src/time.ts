/**
 * Driving async code with a `ManualClock`: lock requests resolve through promises, so between timers the
 * microtask queue must drain. `settle()` waits until it has (one host macrotask turn); `advance()` moves the
 * clock timer by timer, settling after each, so every callback sees the time it was due.
 */
import type { ManualClock } from '@leasehold/core/internal';

/** Lets all pending promise callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Advances `clock` by `ms`, firing due timers one at a time and settling promises after each. */
export async function advance(clock: ManualClock, ms: number): Promise<void> {
  const target = clock.now() + ms;
  await settle();
  for (let due = clock.nextDue(); due !== undefined && due <= target; due = clock.nextDue()) {
    clock.advance(Math.max(0, due - clock.now()));
    await settle();
  }
  clock.advance(target - clock.now());
  await settle();
}

/** Advances in steps until `condition()` holds or `limitMs` passes; returns whether it held. */
export async function advanceUntil(
  clock: ManualClock,
  condition: () => boolean,
  limitMs: number,
): Promise<boolean> {
  const end = clock.now() + limitMs;
  await settle();
  while (!condition()) {
    const due = clock.nextDue();
    if (due === undefined || due > end) {
      clock.advance(Math.max(0, end - clock.now()));
      await settle();
      return condition();
    }
    clock.advance(Math.max(0, due - clock.now()));
    await settle();
  }
  return true;
}
