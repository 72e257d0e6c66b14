/**
 * The simulator's notion of true time: a discrete-event queue. Each event runs at its time, then the
 * promise callbacks it set off are drained (one host macrotask turn) before the next event, so async driver
 * code runs to quiescence at the instant it was woken. Events at equal times run in scheduling order, which
 * makes a run a pure function of its seed.
 */
import type { Clock, TimerHandle } from '@leasehold/core';

interface Event {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The simulator's event queue over true time: events run in time order, ties in order of scheduling. */
export class Scheduler {
  #now = 0;
  #nextId = 1;
  #queue: Event[] = [];
  #cancelled = new Set<number>();
  /** Events run so far. */
  executed = 0;

  /** True ms now. */
  get now(): number {
    return this.#now;
  }

  /** Runs `fn` at true time `time`; returns an id for `cancel`. */
  at(time: number, fn: () => void): number {
    const event: Event = { id: this.#nextId++, at: Math.max(time, this.#now), fn };
    // Insert keeping (at, id) order; queues stay short, so a linear scan from the end is cheap.
    let i = this.#queue.length;
    while (i > 0 && this.#queue[i - 1]!.at > event.at) i -= 1;
    this.#queue.splice(i, 0, event);
    return event.id;
  }

  /** Runs `fn` `ms` true ms from now; returns an id for `cancel`. */
  after(ms: number, fn: () => void): number {
    return this.at(this.#now + ms, fn);
  }

  /** Cancels a scheduled event that has not run. */
  cancel(id: number): void {
    this.#cancelled.add(id);
  }

  /** Runs events until the queue is empty or the next one is later than `until`; time ends at `until`. */
  async run(until: number): Promise<void> {
    await settle();
    for (;;) {
      const event = this.#queue[0];
      if (event === undefined || event.at > until) break;
      this.#queue.shift();
      if (this.#cancelled.delete(event.id)) continue;
      this.#now = event.at;
      this.executed += 1;
      event.fn();
      await settle();
    }
    this.#now = Math.max(this.#now, until);
  }

  /** A clock in true time (the lock server's): rate 1, no pauses. */
  clock(wallEpoch: number): Clock {
    return {
      now: () => this.#now,
      wallNow: () => new Date(wallEpoch + this.#now),
      setTimer: (ms: number, fn: () => void): TimerHandle => this.after(ms, fn),
      clearTimer: (handle: TimerHandle) => this.cancel(handle as number),
    };
  }
}
