/**
 * The system defaults for the ports: the only file in core that touches the host's timers, clocks and
 * randomness. The statechart never imports it; the driver uses it only when the config gives no clock.
 * Globals are looked up at call time (never captured), so fake timers installed later still apply.
 */
import { formatReport } from './logging.ts';
import type { Clock, TimerHandle } from './ports.ts';

interface HostGlobals {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  performance: { now(): number };
  Date: { now(): number };
  console: { error(...args: unknown[]): void };
}

const host = (): HostGlobals => globalThis as unknown as HostGlobals;

/**
 * The longest delay `setTimeout` takes (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms
 * instead. A longer timer is cut to this; firing early is harmless (the machine re-checks the time).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The host's clock: `performance.now()` for decisions, `Date` for record timestamps, `setTimeout` timers (rounded up to whole ms, clamped to the host's maximum). */
export const systemClock: Clock = {
  now: () => host().performance.now(),
  wallNow: () => new Date(),
  // Rounded up: the host's timers count whole milliseconds and may fire up to one early otherwise.
  setTimer: (ms, fn) => host().setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(ms)))),
  clearTimer: (handle) => host().clearTimeout(handle),
};

/**
 * `clock.wallNow().getTime()`, without a `Date` for the system clock (the driver stamps every input with
 * it: three a renewal).
 */
export function wallMs(clock: Clock): number {
  return clock === systemClock ? host().Date.now() : clock.wallNow().getTime();
}

/** A fresh 32-bit seed for the jitter sequence. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) | 0;
}

/** The default `onError` without a logger: one bounded entry per report (`formatReport`), to console.error. */
export function reportToConsole(error: unknown, context: string): void {
  host().console.error(`[leasehold] ${context}: ${formatReport(error)}`);
}
