/**
 * A clock driven by hand: time moves only when `advance()` is called, and due timers fire in order of their
 * due time (ties in order of creation). For tests of code that uses an election, and the simulator's base.
 * Pure bookkeeping: no host timers.
 */
import type { Clock, TimerHandle } from './ports.ts';

interface Pending {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/** A `Clock` moved by hand (`advance`): for tests and the simulator. */
export class ManualClock implements Clock {
  #now: number;
  #wallOffset: number;
  #nextId = 1;
  #pending: Pending[] = [];

  /** `start` is the monotonic reading; `wallStart` the wall-clock epoch ms at that reading. */
  constructor(start = 0, wallStart = Date.UTC(2026, 0, 1)) {
    this.#now = start;
    this.#wallOffset = wallStart - start;
  }

  /** The current monotonic reading (ms). */
  now(): number {
    return this.#now;
  }

  /** The wall-clock time at the current reading. */
  wallNow(): Date {
    return new Date(this.#now + this.#wallOffset);
  }

  /** Schedules `fn` at `now() + ms`; it runs during a later `advance`. */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: Pending = { id: this.#nextId++, due: this.#now + Math.max(0, ms), fn };
    this.#pending.push(timer);
    return timer.id;
  }

  /** Cancels a timer that has not fired. */
  clearTimer(handle: TimerHandle): void {
    this.#pending = this.#pending.filter((t) => t.id !== handle);
  }

  /** Due time of the earliest pending timer, or `undefined`. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const t of this.#pending) if (due === undefined || t.due < due) due = t.due;
    return due;
  }

  /** Number of pending timers. */
  get pendingTimers(): number {
    return this.#pending.length;
  }

  /** Fires every timer due at or before now + ms (including ones they schedule), then sets now to that. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.due > target) break;
      this.#pending = this.#pending.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = target;
  }

  /** Moves wall time only (a clock step, e.g. NTP): monotonic readings are unaffected. */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

  #earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const t of this.#pending)
      if (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}
