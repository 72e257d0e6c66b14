/**
 * One simulated candidate process: its clock (rate drift and offsets), and the gates that model what can
 * happen to a process: stop-the-world pauses, network partitions from the lock, crashes. A crash bumps the
 * generation: every timer, answer and notification addressed to the old generation is dropped, as they
 * would be for a dead process. A restart is a new `LeaderElection` on the same process.
 *
 * Watches: notifications that arrive during a partition are lost. A partition the watch notices reports the
 * watch lost at its start and, at its end, reconnects: the current state is delivered and the watch reports
 * itself live again (as a Kubernetes watch restarted without a resourceVersion does). A silent partition
 * leaves the watch "live" while it loses notifications.
 *
 * Refusals model a store that answers at once with an error (connection refused, 503): every request fails
 * `Unavailable` within a millisecond, and the watches notice as they do a partition.
 */
import {
  type Clock,
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
  LockError,
  type LockSnapshot,
  type TimerHandle,
} from '@leasehold/core';
import type { Scheduler } from './scheduler.ts';

/** A simulated machine's clocks. */
export interface ProcessClockSpec {
  /** Local seconds per true second: 1 + drift. */
  readonly rate: number;
  /** Added to the monotonic reading (ms); any value, monotonic clocks share no epoch. */
  readonly monotonicOffsetMs: number;
  /** Wall-clock error of this machine (ms): what a remote-renewTime elector would trust. */
  readonly wallOffsetMs: number;
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/** What a partition does to one open watch. */
interface WatchLink {
  lost(): void;
  reconnect(): void;
}

/**
 * One simulated candidate process: its drifting clock, and the faults it suffers (pauses, partitions,
 * refused requests, crashes), over the shared `Scheduler`.
 */
export class SimProcess {
  /** The candidate's name (`c0`, `c1`, ...). */
  readonly id: string;
  /** Its clocks. */
  readonly spec: ProcessClockSpec;
  readonly #sim: Scheduler;
  readonly #wallEpoch: number;
  #generation = 0;
  #pausedUntil = 0;
  #partitionedUntil = 0;
  #refusingUntil = 0;
  /** Latency of a refusal (ms): a refused connection on the same network answers in well under one. */
  refusalLatencyMs: () => number = () => 0.5;
  /** A partition the watches noticed is in progress: they reconnect when it ends. */
  #watchesBroken = false;
  readonly #watches = new Set<WatchLink>();
  /** True-time intervals during which this process was paused (for the renewal check). */
  readonly pauses: { start: number; end: number }[] = [];

  constructor(sim: Scheduler, id: string, spec: ProcessClockSpec, wallEpoch: number) {
    this.#sim = sim;
    this.id = id;
    this.spec = spec;
    this.#wallEpoch = wallEpoch;
  }

  /** Counts restarts: a crashed process comes back as the next generation. */
  get generation(): number {
    return this.#generation;
  }

  /** Paused now (no timer fires, no answer is read). */
  isPaused(): boolean {
    return this.#sim.now < this.#pausedUntil;
  }

  /** Cut off from the store now. */
  isPartitioned(): boolean {
    return this.#sim.now < this.#partitionedUntil;
  }

  /** Its requests are refused at once now. */
  isRefusing(): boolean {
    return this.#sim.now < this.#refusingUntil;
  }

  /** This process's monotonic reading at true time `t`. */
  localAt(t: number): number {
    return this.spec.monotonicOffsetMs + this.spec.rate * t;
  }

  /** The true time at which this process's monotonic clock reads `local`. */
  trueAt(local: number): number {
    return (local - this.spec.monotonicOffsetMs) / this.spec.rate;
  }

  /** Freezes the process for `ms` true ms, as a stop-the-world GC or a SIGSTOP does. */
  pause(ms: number): void {
    const start = this.#sim.now;
    this.#pausedUntil = Math.max(this.#pausedUntil, start + ms);
    this.pauses.push({ start, end: start + ms });
  }

  /** Cuts this process off the lock for `ms`; unless `silentWatch`, its watches notice (see above). */
  partition(ms: number, silentWatch = false): void {
    this.#partitionedUntil = Math.max(this.#partitionedUntil, this.#sim.now + ms);
    this.#cutWatches(this.#partitionedUntil, !silentWatch);
  }

  /** Every request of this process fails at once for `ms`; the watches notice (see above). */
  refuse(ms: number): void {
    this.#refusingUntil = Math.max(this.#refusingUntil, this.#sim.now + ms);
    this.#cutWatches(this.#refusingUntil, true);
  }

  /** The watches lose their stream until `until`, reporting it lost if `noticed`; then they reconnect. */
  #cutWatches(until: number, noticed: boolean): void {
    if (noticed && !this.#watchesBroken) {
      this.#watchesBroken = true;
      for (const link of this.#watches) link.lost();
    }
    this.#sim.at(until, () => this.#reconnectWatches());
  }

  /** Ends every fault at once. */
  heal(): void {
    this.#partitionedUntil = 0;
    this.#refusingUntil = 0;
    this.#reconnectWatches();
  }

  #reconnectWatches(): void {
    if (!this.#watchesBroken || this.isPartitioned() || this.isRefusing()) return;
    this.#watchesBroken = false;
    for (const link of this.#watches) link.reconnect();
  }

  /** Kills the current generation: nothing addressed to it is delivered any more. */
  crash(): void {
    this.#generation += 1;
  }

  /** Runs `fn` for generation `gen` now, or when a pause ends; never if the generation died. */
  deliver(gen: number, fn: () => void): void {
    if (gen !== this.#generation) return;
    if (this.isPaused()) {
      this.#sim.at(this.#pausedUntil, () => this.deliver(gen, fn));
      return;
    }
    fn();
  }

  /** The process's clock for the current generation. */
  clock(): Clock {
    const gen = this.#generation;
    return {
      now: () => this.localAt(this.#sim.now),
      wallNow: () => new Date(this.#wallEpoch + this.spec.wallOffsetMs + this.spec.rate * this.#sim.now),
      setTimer: (ms: number, fn: () => void): TimerHandle =>
        this.#sim.after(Math.max(0, ms) / this.spec.rate, () => this.deliver(gen, fn)),
      clearTimer: (handle: TimerHandle) => this.#sim.cancel(handle as number),
    };
  }

  /**
   * The lock as this process sees it through the network: a request sent during a partition is lost; an
   * answer arriving during a partition is lost; an answer arriving during a pause waits for the pause to end.
   * Lost requests never answer, so the driver's request timeout turns them into `Unavailable`.
   */
  lock(inner: Lock, current: () => Promise<LockSnapshot | null>): Lock {
    const gen = this.#generation;
    const through = <T>(call: () => Promise<T>): Promise<T> => {
      if (gen !== this.#generation || this.isPartitioned()) return never<T>();
      if (this.isRefusing()) {
        return new Promise<T>((_, reject) => {
          const refused = new LockError('Unavailable', inner.describe(), 'connection refused (simulated)');
          this.#sim.after(this.refusalLatencyMs(), () => this.#answer(gen, () => reject(refused)));
        });
      }
      return new Promise<T>((resolve, reject) => {
        call().then(
          (value) => this.#answer(gen, () => resolve(value)),
          (err: unknown) => this.#answer(gen, () => reject(err)),
        );
      });
    };
    const wrapped: Lock = {
      identity: inner.identity,
      describe: () => inner.describe(),
      get: (options?: LockCallOptions) => through(() => inner.get(options)),
      create: (record: LeaderElectionRecord, options?: LockCallOptions) =>
        through(() => inner.create(record, options)),
      update: (record: LeaderElectionRecord, expectedVersion: string, options?: LockCallOptions) =>
        through(() => inner.update(record, expectedVersion, options)),
    };
    if (inner.watch) {
      const watch = inner.watch.bind(inner);
      wrapped.watch = (
        onChange: (snapshot: LockSnapshot | null) => void,
        onHealth?: (live: boolean) => void,
      ) => {
        const link: WatchLink = {
          lost: () => this.deliver(gen, () => onHealth?.(false)),
          reconnect: () => {
            // A store that cannot be read now (a record nobody can parse) leaves the watch lost: followers poll.
            current().then(
              (snapshot) =>
                this.deliver(gen, () => {
                  onChange(snapshot);
                  onHealth?.(true);
                }),
              () => {},
            );
          },
        };
        this.#watches.add(link);
        const close = watch(
          (snapshot) => {
            if (this.isPartitioned() || this.isRefusing()) return;
            this.deliver(gen, () => onChange(snapshot));
          },
          (live) => {
            if (!this.#watchesBroken) this.deliver(gen, () => onHealth?.(live));
          },
        );
        return () => {
          this.#watches.delete(link);
          close();
        };
      };
    }
    return wrapped;
  }

  #answer(gen: number, fn: () => void): void {
    if (gen !== this.#generation || this.isPartitioned()) return; // lost on the way back
    this.deliver(gen, fn);
  }
}
