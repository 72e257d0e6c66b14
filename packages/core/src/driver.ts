/**
 * `LeaderElection`: the runner of the pure statechart. It stamps inputs with the clock, feeds them to
 * `step()`, and carries out the effects: lock requests (each bounded by `requestTimeout`), timers on the
 * Clock port, the lock's watch, the user's callbacks and the leader's work. Its public calls send inputs and
 * await states. It decides nothing: whether a call may run, when the leader's work stops, whether a
 * step-down cools down and rejoins, that `run()` ends with its leadership, that a stop waits for a pending
 * handover, and when the watch opens and closes are the statechart's (its `lifecycle` context, the guards
 * `runEndsOnLoss` and `stopQueued`, `stopped`'s cool-down timer, the effects `stopWork`, `openWatch` and
 * `closeWatch`).
 *
 * What stays here is what only a runner can hold, each started and stopped by an effect of the statechart:
 * the lock's watch and its callbacks (`openWatch`, `closeWatch`), the AbortController handed to the leader's
 * work and the promise of that work (`startedLeading`, `stopWork`, `stoppedLeading`), the promise of
 * `onStoppedLeading` (`stoppedLeading`), the timers (`startTimer`, `cancelTimer`) and the request in flight.
 *
 * Guarantees of the driver:
 * - Inputs are processed one at a time, in arrival order; user callbacks run after the step that caused them.
 * - At most one lock request is in flight; each produces exactly one input (answer, error or timeout).
 * - `isLeader()` is judged against the clock at the moment of the call, not only the last timer.
 * - A throwing or rejecting callback is reported through `onError`; it never stops the election.
 */
import { type ElectionConfig, JITTER_FACTOR } from './config.ts';
import type { ElectionSnapshotView, ElectionState, ElectionStatechart } from './election-view.ts';
import { ErrorReporter, isThenable, RECORD } from './error-reporter.ts';
import { DuplicateIdentityError, ElectionStateError, LockError, toLockError } from './errors.ts';
import { leadership } from './leadership.ts';
import { logTransition } from './logging.ts';
import { electionMachine } from './machine/machine.ts';
import { isContention, validAt } from './machine/rules.ts';
import { accepts, contextOf, type ElectionSnapshot, initialSnapshot, stateOf, step } from './machine/step.ts';
import type {
  Effect,
  Input,
  MachineInput,
  RunMode,
  StoppedReason,
  StopRequest,
  TimerName,
} from './machine/types.ts';
import type { Clock, Lock, LockSnapshot, TimerHandle } from './ports.ts';
import { type LeaderElectionRecord, MAX_IDENTITY_LENGTH } from './record.ts';
import { randomSeed, systemClock, wallMs } from './system.ts';
import type { TransitionInfo } from './transition-info.ts';
import { guardWrite } from './write-guard.ts';

/** Options of the driver itself, beside the `ElectionConfig`. */
export interface LeaderElectionOptions {
  /** Aborting it calls `stop()`. */
  readonly signal?: AbortSignal;
  /** Called after every step. Must not throw (a throw is reported and ignored). */
  readonly onTransition?: (info: TransitionInfo) => void;
  /**
   * The statechart to run: `electionMachine` (the default) or a variant built from it with `.provide()`.
   * Only for proving that a checker catches a broken rule (testkit's broken variants); never in production.
   */
  readonly machine?: ElectionStatechart;
}

/** What the statechart is created with, from a config and the seed of its jitter sequence. */
export function machineInput(config: ElectionConfig, seed: number): MachineInput {
  return {
    identity: config.identity,
    timing: {
      leaseDurationMs: config.leaseDuration * 1000,
      renewDeadlineMs: config.renewDeadline * 1000,
      retryPeriodMs: config.retryPeriod * 1000,
      jitterFactor: JITTER_FACTOR,
      takeoverSlotMs: config.takeoverSlot * 1000,
    },
    coordinated: config.coordinated,
    recordLeaseSeconds: Math.ceil(config.leaseDuration),
    seed,
  };
}

/** The effects that send a lock request, and the request each sends (the error reporter's name for it). */
type LockEffect = Extract<Effect, { type: 'readLock' | 'createLock' | 'updateLock' }>;
const REQUEST_OF = { readLock: 'get', createLock: 'create', updateLock: 'update' } as const;

/** The context of a lock request's report (built only when there is one to make). */
const requestContext = (lock: Lock) => `lock request on ${lock.describe()}`;

/** What a dispatch whose steps caused no callback runs: nothing, without an array of its own. */
const NO_CALLBACKS: readonly (() => void)[] = Object.freeze([]);

type Waiter = { readonly until: () => boolean; readonly resolve: () => void };

/**
 * One candidate in an election (kubernetes_asyncio's and client-go's `LeaderElector`): it runs the statechart
 * over the config's lock and clock, performs its effects (requests, timers, callbacks) and reports what it
 * survives to `onError`. Guarantees and their assumptions: docs/guarantees.md.
 */
export class LeaderElection {
  /** The configuration it was built with. */
  readonly config: ElectionConfig;
  readonly #clock: Clock;
  /** `onTransition`, the logger's, and those added with `subscribe`, in that order. */
  readonly #listeners = new Set<(info: TransitionInfo) => void>();
  /**
   * The step the listeners are being told of, and the one function that tells each: `Set.forEach` walks the
   * listeners as `for...of` would (one added meanwhile is told too, one removed is not), without an iterator
   * and its results per step.
   */
  #telling: TransitionInfo | null = null;
  readonly #tellEach = (listener: (info: TransitionInfo) => void) => {
    if (this.#telling !== null) this.#tell(listener, this.#telling);
  };
  #snapshot: ElectionSnapshot;
  #processing = false;
  readonly #queue: Input[] = [];
  /** The handle of each running timer: fixed fields, so re-arming one writes a field and allocates no map entry. */
  readonly #timers: Record<TimerName, TimerHandle | undefined> = {
    retry: undefined,
    renew: undefined,
    deadline: undefined,
    coolDown: undefined,
  };
  /** The user callbacks the steps being processed caused; they run once the queue is empty (`#dispatch`). */
  #callbacks: (() => void)[] = [];
  #waiters: Waiter[] = [];
  #unwatch: (() => void) | null = null;
  /** The leader's work signal: made at `startedLeading`, aborted at `stopWork` or `stoppedLeading`. */
  #leaderAbort: AbortController | null = null;
  /** The promise `onStartedLeading` returned (settled when it has); `stopWork` waits for it. */
  #leaderWork: Promise<void> = Promise.resolve();
  /** The promise of `onStoppedLeading`, from the `stoppedLeading` effect; a stop waits for it. */
  #stoppedLeading: Promise<void> = Promise.resolve();
  readonly #errors: ErrorReporter;
  readonly #machine: typeof electionMachine | undefined;

  constructor(config: ElectionConfig, options: LeaderElectionOptions = {}) {
    this.config = config;
    this.#clock = config.clock ?? systemClock;
    if (options.onTransition) this.#listeners.add(options.onTransition);
    const { logger, name } = config;
    if (logger) this.#listeners.add((info) => logTransition(logger, name, info));
    this.#errors = new ErrorReporter(config.onError, () => this.#clock.now());
    // The main entry types the statechart opaquely (election-view.ts): it is `electionMachine` or a variant.
    this.#machine = options.machine as typeof electionMachine | undefined;
    this.#snapshot = initialSnapshot(machineInput(config, config.seed ?? randomSeed()), this.#machine);
    const { signal } = options;
    if (signal) {
      if (signal.aborted) queueMicrotask(() => void this.stop());
      else signal.addEventListener('abort', () => void this.stop(), { once: true });
    }
  }

  // ---- public API (the shape of kubernetes_asyncio's LeaderElection) ------------------------------------

  /**
   * Campaigns until this candidate leads, then runs `onStartedLeading` and renews until leadership ends;
   * returns after `onStoppedLeading` and the work have finished. Like client-go's `Run`, it does not campaign
   * again after a loss: the election ends with the leadership (the statechart's `runEndsOnLoss`), so no
   * second term starts while the work drains. Call `run()` again (a loop) to keep a candidate in the race.
   * Resolves at once if stopped first.
   */
  async run(): Promise<void> {
    this.#claim('run');
    try {
      await this.acquire();
      // Under run() the statechart ends the election when this leadership ends, however (`runEndsOnLoss`).
      await this.#until(() => this.state === 'stopped');
      await this.#settle();
    } finally {
      this.#dispatch({ type: 'RUN_ENDED', ...this.#stamp() });
    }
  }

  /**
   * Keeps this candidate in the election until `stop()`: it leads whenever it wins and follows otherwise,
   * across losses, handovers and step-downs (`onStartedLeading` and `onStoppedLeading` run for each
   * leadership; the reason given to `onStoppedLeading` tells a loss from the end). Failures back off by
   * rule 7 as always. Resolves once the election has ended (`stop()` was called and has finished).
   */
  async campaign(): Promise<void> {
    this.#claim('campaign');
    try {
      this.#start();
      await this.#until(() => this.#ended());
      await this.#settle();
    } finally {
      this.#dispatch({ type: 'RUN_ENDED', ...this.#stamp() });
    }
  }

  /**
   * A leader steps aside, for example when the application's own health check fails: its work stops first
   * (as for `stop()`), it releases the lock so another candidate takes over at once, and it does not contend
   * again for `coolDown` seconds (default: one lease). Under `campaign()` it then rejoins as a candidate;
   * otherwise the election ends here, as `run()` ends after any loss. Resolves `true` once released, `false`
   * if this candidate was not leading.
   */
  async stepDown(coolDown: number = this.config.leaseDuration): Promise<boolean> {
    if (typeof coolDown !== 'number' || !Number.isFinite(coolDown) || coolDown < 0) {
      throw new TypeError(`stepDown: coolDown must be a number of seconds >= 0, got ${String(coolDown)}`);
    }
    if (this.state !== 'leader') return false;
    // The statechart decides what follows: under campaign() a cool-down in `stopped`, then it contends again.
    await this.#stop({ release: true, reason: 'steppedDown', coolDownMs: coolDown * 1000 });
    return true;
  }

  /** Starts campaigning if needed; resolves `true` once leading, `false` if stopped before that. */
  async acquire(): Promise<boolean> {
    this.#start();
    await this.#until(() => this.state === 'leader' || this.state === 'stopped');
    return this.state === 'leader';
  }

  /** Resolves when this candidate is not (or no longer) leading. Renewal itself runs on timers. */
  async renewLoop(): Promise<void> {
    await this.#until(() => this.state !== 'leader');
  }

  /**
   * One attempt now: a follower reads the lock and takes it if it may; a leader renews. Starts the election
   * if it is stopped (campaigning then continues). Resolves whether this candidate leads afterwards.
   */
  async tryAcquireOrRenew(): Promise<boolean> {
    if (this.state === 'releasing' || this.state === 'handingOver') return false;
    if (this.state === 'stopped') this.#start();
    else this.#dispatch({ type: 'ATTEMPT', ...this.#stamp() });
    await this.#until(() => contextOf(this.#snapshot).op === null || this.state === 'stopped');
    return this.isLeader();
  }

  /**
   * Stops the election. A leader first aborts its work signal and waits for the promise `onStartedLeading`
   * returned (still renewing meanwhile), then releases the lock if `releaseOnCancel`, then `onStoppedLeading`
   * runs. Idempotent; resolves when all of that is done.
   */
  async stop(): Promise<void> {
    // A second call sends a second STOP, which the statechart folds into the first; both await the end.
    await this.#stop({ release: this.config.releaseOnCancel, reason: 'stopped' });
  }

  /**
   * A planned handover: this leader hands leadership to the candidate whose identity is `to`. Its work
   * stops first, as for `stop()` (the signal aborts, and the promise `onStartedLeading` returned is awaited
   * while the lease is still renewed), then `onStoppedLeading` runs and it writes, with one compare-and-swap,
   * a record naming `to` as holder (a new term). `to`, watching, finds its own identity there and takes it
   * with a write of its own: the gap is about one round trip. Everyone else waits out the lease that record
   * names, so if `to` never takes it (gone, or not watching), the election goes on a lease later, as after a
   * crash. This candidate stays in the election as a follower (`run()` returns, as after any loss).
   *
   * Resolves `true` once the record naming `to` is written; `false` if this candidate was not leading (or
   * stopped leading while its work drained), or the write lost or failed. Throws `TypeError` for an `to`
   * that is not another candidate's possible identity.
   */
  async handover(to: string): Promise<boolean> {
    if (typeof to !== 'string' || to.length === 0 || to.length > MAX_IDENTITY_LENGTH) {
      throw new TypeError(
        `handover: to must be a candidate's identity (1 to ${MAX_IDENTITY_LENGTH} characters)`,
      );
    }
    if (to === this.config.identity) throw new TypeError(`handover: ${to} is this candidate's own identity`);
    if (this.state !== 'leader') return false;
    this.#dispatch({ type: 'HANDOVER', to, ...this.#stamp() });
    const mine = () => {
      const pending = contextOf(this.#snapshot).lifecycle.pending;
      return pending?.kind === 'handover' && pending.to === to;
    };
    // Another stop or handover was already stopping the work: this one was not taken.
    if (!mine()) return false;
    // Read at the steps themselves (a waiter's condition runs after every dispatch), not when this function
    // resumes: by then a lock that answers at once may have written the record and left `handingOver`.
    let began = false;
    let handingOver = false;
    let written: boolean | undefined;
    await this.#until(() => {
      if (!began) {
        if (mine()) return false;
        began = true;
        handingOver = stateOf(this.#snapshot) === 'handingOver';
        // Leadership ended otherwise (lapsed, lost) while the work stopped.
        if (!handingOver) return true;
      }
      if (this.state === 'handingOver') return false;
      // How it ended is the statechart's record of it, read as it leaves `handingOver`.
      written = contextOf(this.#snapshot).handoff.handedOver === 'written';
      return true;
    });
    if (!handingOver) return false;
    await this.#stoppedLeading;
    return written === true;
  }

  /** True while this candidate leads and its lease is still valid on its own clock, right now. */
  isLeader(): boolean {
    return this.state === 'leader' && validAt(contextOf(this.#snapshot), this.#clock.now());
  }

  /** The holder this candidate last saw in the lock, or `null` if none (absent, released, not read yet). */
  get leader(): string | null {
    return contextOf(this.#snapshot).lease.observed?.snapshot?.record.holderIdentity || null;
  }

  /** The record this candidate last saw, or `null`. */
  get observedRecord(): LeaderElectionRecord | null {
    return contextOf(this.#snapshot).lease.observed?.snapshot?.record ?? null;
  }

  /** The statechart's state now: `stopped`, `follower`, `leader`, `releasing` or `handingOver`. */
  get state(): ElectionState {
    return stateOf(this.#snapshot);
  }

  /**
   * Calls `listener` after every step, as `onTransition` does (metrics, events and logs attach this way);
   * returns the function that removes it. A listener must not throw (a throw is reported and ignored).
   */
  subscribe(listener: (info: TransitionInfo) => void): () => void {
    const own = (info: TransitionInfo) => listener(info); // a second subscription of one function is its own
    this.#listeners.add(own);
    return () => {
      this.#listeners.delete(own);
    };
  }

  /** The statechart this election runs: `electionMachine`, or the variant given as `options.machine`. */
  get machine(): ElectionStatechart {
    return this.#machine ?? electionMachine;
  }

  /** The statechart snapshot (for the inspector and tests; `snapshotOf` types it fully). */
  get snapshot(): ElectionSnapshotView {
    return this.#snapshot;
  }

  // ---- lifecycle ---------------------------------------------------------------------------------------

  /** `run()` or `campaign()` owns the election; the statechart's record of it refuses a second one. */
  #claim(mode: RunMode): void {
    if (contextOf(this.#snapshot).lifecycle.owner !== null)
      throw new ElectionStateError('run() or campaign() is already in progress on this LeaderElection');
    this.#dispatch({ type: 'RUN', mode, ...this.#stamp() });
  }

  /** The election has ended: stopped, and no step-down's cool-down is running (it would contend again). */
  #ended(): boolean {
    return this.state === 'stopped' && !contextOf(this.#snapshot).lifecycle.coolingDown;
  }

  /** Starts the election where the statechart takes START (`stopped`); elsewhere it is running already. */
  #start(): void {
    if (accepts(this.state, 'START')) this.#dispatch({ type: 'START', ...this.#stamp() });
  }

  /**
   * Sends a stop and waits for `stopped` (a leader first stops its work: `stopWork`; a pending handover goes
   * first: `stopQueued`), then for the callbacks of the last leadership. An election that has ended takes
   * the stop as a no-op.
   */
  async #stop(stop: StopRequest): Promise<void> {
    this.#dispatch({ type: 'STOP', ...stop, ...this.#stamp() });
    await this.#until(() => this.state === 'stopped');
    await this.#settle();
  }

  /** After `stopped`: the callbacks of the last leadership finish. */
  async #settle(): Promise<void> {
    await this.#stoppedLeading;
    await this.#leaderWork;
  }

  /**
   * `openWatch`: the lock's watch, if it has one, feeds `LOCK_CHANGED` and `WATCH_HEALTH` from now on. What it
   * reports after `closeWatch` is dropped: a late "live" must not silence the polls of a later election.
   */
  #openWatch(): void {
    const { lock } = this.config;
    if (!lock.watch || this.#unwatch !== null) return;
    const watch = { open: true };
    const describe = lock.describe();
    try {
      const close = lock.watch(
        (snapshot) => {
          if (!watch.open) return;
          // A notification is a record that parses (or the object's deletion): it ends a run of Malformed
          // reads with one LockRecovered, though no read may follow (a follower takes the record at once).
          this.#errors.lockAnswered(RECORD, lock);
          this.#dispatch({ type: 'LOCK_CHANGED', snapshot, at: this.#clock.now(), wall: this.#wall() });
        },
        (live) => {
          if (watch.open) this.#dispatch({ type: 'WATCH_HEALTH', live, ...this.#stamp() });
        },
        (error) => {
          if (watch.open) this.#errors.report(toLockError(error, describe), `lock watch on ${describe}`);
        },
      );
      this.#unwatch = () => {
        watch.open = false;
        close();
      };
    } catch (err) {
      this.#errors.report(toLockError(err, describe), 'starting the lock watch (continuing without it)');
    }
  }

  // ---- the step loop -------------------------------------------------------------------------------------

  #stamp(): { at: number; wall: number } {
    return { at: this.#clock.now(), wall: this.#wall() };
  }

  /** The wall clock in ms, for the inputs of the hot path, which spell out `at` and `wall` (no stamp object). */
  #wall(): number {
    return wallMs(this.#clock);
  }

  /**
   * Processes `input`, and whatever the steps and the effects it causes queue meanwhile, in order; then tells
   * the listeners, runs the callbacks and wakes the waiters. An input arriving while the queue is empty is
   * taken at once, not pushed and shifted (V8 trims an array's store on `shift`, and the next `push` then
   * grows a new one): nothing is allocated per input but what the input needs.
   */
  #dispatch(input: Input): void {
    if (this.#processing) {
      this.#queue.push(input);
      return;
    }
    let next: Input | undefined = input;
    // A step that threw left inputs queued: they go first, as they arrived first.
    if (this.#queue.length > 0) {
      this.#queue.push(input);
      next = this.#queue.shift();
    }
    this.#processing = true;
    // Usually one step per dispatch: its trace alone, an array only for more.
    let traces: TransitionInfo[] | undefined;
    try {
      for (; next !== undefined; next = this.#queue.shift()) {
        const from = this.state;
        const [snapshot, effects] = step(this.#snapshot, next, this.#machine);
        this.#snapshot = snapshot;
        for (let i = 0; i < effects.length; i += 1) this.#perform(effects[i] as Effect);
        if (this.#listeners.size > 0) {
          const info: TransitionInfo = { input: next, from, to: this.state, effects, snapshot };
          if (traces === undefined) traces = [info];
          else traces.push(info);
        }
      }
    } catch (err) {
      this.#callbacks = []; // a step that threw: what it caused before is dropped with it, as the error propagates
      throw err;
    } finally {
      this.#processing = false;
    }
    // The callbacks may dispatch again: theirs go into a new array (made only when there were any).
    let callbacks = NO_CALLBACKS;
    if (this.#callbacks.length > 0) {
      callbacks = this.#callbacks;
      this.#callbacks = [];
    }
    if (traces !== undefined) {
      // A listener may dispatch again, whose listeners are told of its own steps: restored after each.
      const outer = this.#telling;
      try {
        for (const info of traces) {
          this.#telling = info;
          this.#listeners.forEach(this.#tellEach);
        }
      } finally {
        this.#telling = outer;
      }
    }
    for (const callback of callbacks) this.#guard(callback, 'a callback');
    this.#wake();
  }

  /** Resolves the waiters whose condition now holds. */
  #wake(): void {
    if (this.#waiters.length === 0) return; // a leader renewing has none: no filtered copy per input
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.until()) return true;
      w.resolve();
      return false;
    });
  }

  #until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until: condition, resolve }));
  }

  #perform(effect: Effect): void {
    const { lock } = this.config;
    const callbacks = this.#callbacks;
    switch (effect.type) {
      case 'readLock':
      case 'createLock':
      case 'updateLock':
        this.#request(effect);
        break;
      case 'startTimer': {
        this.#cancelTimer(effect.timer);
        const { timer } = effect;
        const handle = this.#clock.setTimer(effect.ms, () => {
          if (this.#timers[timer] !== handle) return; // replaced or cancelled meanwhile
          this.#timers[timer] = undefined;
          this.#dispatch({ type: 'TIMER_FIRED', timer, at: this.#clock.now(), wall: this.#wall() });
        });
        this.#timers[timer] = handle;
        break;
      }
      case 'cancelTimer':
        this.#cancelTimer(effect.timer);
        break;
      case 'notify':
        if (effect.event === 'newLeader') {
          const { identity } = effect;
          callbacks.push(() => this.#guard(() => this.config.onNewLeader?.(identity), 'onNewLeader'));
        } else if (effect.event === 'startedLeading') {
          this.#startedLeading(callbacks);
        } else {
          this.#stoppedLeadingNow(effect.reason, callbacks);
        }
        break;
      case 'stopWork': {
        // The work's signal aborts now; the statechart goes on once the work's promise has settled.
        const { handoverTo } = effect;
        this.#leaderAbort?.abort(
          new ElectionStateError(
            handoverTo === null ? 'leader election stopped' : `leadership handed over to ${handoverTo}`,
          ),
        );
        void this.#leaderWork.then(() => this.#dispatch({ type: 'WORK_STOPPED', ...this.#stamp() }));
        break;
      }
      case 'report': {
        const error = new DuplicateIdentityError(this.config.identity, lock.describe(), effect.version);
        callbacks.push(() => this.#errors.report(error, `lock ${lock.describe()}`));
        break;
      }
      case 'openWatch':
        this.#openWatch();
        break;
      case 'closeWatch':
        this.#unwatch?.();
        this.#unwatch = null;
        break;
    }
  }

  #cancelTimer(timer: TimerName): void {
    const handle = this.#timers[timer];
    if (handle === undefined) return;
    this.#timers[timer] = undefined;
    this.#clock.clearTimer(handle);
  }

  #startedLeading(callbacks: (() => void)[]): void {
    const abort = new AbortController();
    this.#leaderAbort = abort;
    let settle!: () => void;
    this.#leaderWork = new Promise((resolve) => {
      settle = resolve;
    });
    // The term this leadership holds: the record that made it leader, as the machine saw it then.
    const made = contextOf(this.#snapshot).lease.observed?.snapshot;
    const held = leadership(
      this.config.identity,
      made?.record.leaderTransitions ?? 0,
      made?.version ?? '',
      abort.signal,
      {
        leading: () => this.isLeader(),
        current: () => {
          const record = this.observedRecord;
          return record && { term: record.leaderTransitions, holder: record.holderIdentity };
        },
      },
    );
    callbacks.push(() => {
      void this.#invoke(() => this.config.onStartedLeading(abort.signal, held), 'onStartedLeading').then(
        settle,
      );
    });
  }

  #stoppedLeadingNow(reason: StoppedReason, callbacks: (() => void)[]): void {
    this.#leaderAbort?.abort(new ElectionStateError('leadership lost'));
    this.#leaderAbort = null;
    let settle!: () => void;
    this.#stoppedLeading = new Promise((resolve) => {
      settle = resolve;
    });
    callbacks.push(() => {
      void this.#invoke(() => this.config.onStoppedLeading(reason), 'onStoppedLeading').then(settle);
    });
  }

  /**
   * Issues one lock request with a timeout on the Clock port. Exactly one input results: the answer, the
   * error, or `Unavailable` at the timeout (a late answer is then dropped, as a lost response would be).
   * Per request: its AbortController, the timeout's timer, and two closures for the answer and the failure
   * (the lock's name and the report's context are spelled out only when something is reported).
   */
  #request(effect: LockEffect): void {
    const { lock } = this.config;
    const what = REQUEST_OF[effect.type];
    const abort = new AbortController();
    let done = false;
    const succeed = (snapshot: LockSnapshot | null) => {
      if (done) return; // answered after its timeout: dropped, as a lost answer would be
      this.#errors.lockAnswered(what, lock);
      done = true;
      this.#clock.clearTimer(timer);
      this.#dispatch(
        what === 'get'
          ? { type: 'LOCK_READ', snapshot, at: this.#clock.now(), wall: this.#wall() }
          : {
              type: 'LOCK_WRITTEN',
              snapshot: snapshot as LockSnapshot,
              at: this.#clock.now(),
              wall: this.#wall(),
            },
      );
    };
    const fail = (err: unknown) => {
      // Once per request: the late rejection of a request that already timed out is not a second failure.
      if (done) return;
      const error = toLockError(err, lock.describe());
      // Contention (rule 4) is an answer, not a failure, and is not reported.
      if (isContention(error.kind, what === 'get' ? 'read' : what)) {
        this.#errors.lockAnswered(what, lock);
      } else {
        this.#errors.lockFailed(what, error.kind);
        this.#errors.report(error, requestContext(lock));
      }
      done = true;
      this.#clock.clearTimer(timer);
      const { retryAfterMs } = error;
      this.#dispatch(
        retryAfterMs !== undefined
          ? {
              type: 'LOCK_FAILED',
              error: error.kind,
              retryAfterMs,
              at: this.#clock.now(),
              wall: this.#wall(),
            }
          : { type: 'LOCK_FAILED', error: error.kind, at: this.#clock.now(), wall: this.#wall() },
      );
    };
    const timeoutMs = this.config.requestTimeout * 1000;
    const timer = this.#clock.setTimer(timeoutMs, () => {
      if (done) return;
      const error = new LockError(
        'Unavailable',
        lock.describe(),
        `no answer within ${this.config.requestTimeout}s`,
      );
      abort.abort(error);
      fail(error);
    });
    let promise: Promise<LockSnapshot | null>;
    try {
      const options = { signal: abort.signal };
      promise = Promise.resolve(
        effect.type === 'readLock'
          ? lock.get(options)
          : effect.type === 'createLock'
            ? lock.create(guardWrite(effect.record, lock), options)
            : lock.update(guardWrite(effect.record, lock), effect.expectedVersion, options),
      );
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(succeed, fail);
  }

  async #invoke(fn: () => unknown, what: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#report(err, `${what} threw`);
    }
  }

  /** `#guard` for a transition listener, without a closure per listener and step. */
  #tell(listener: (info: TransitionInfo) => void, info: TransitionInfo): void {
    try {
      const result: unknown = listener(info);
      if (isThenable(result))
        result.then(undefined, (err: unknown) => this.#report(err, 'a transition listener threw'));
    } catch (err) {
      this.#report(err, 'a transition listener threw');
    }
  }

  /**
   * Runs a callback typed to return nothing: a throw is reported, and so is the rejection of a promise it
   * returns anyway (an `async` listener), which would otherwise be an unhandled rejection.
   */
  #guard(fn: () => unknown, what: string): void {
    try {
      const result = fn();
      if (isThenable(result)) result.then(undefined, (err: unknown) => this.#report(err, `${what} threw`));
    } catch (err) {
      this.#report(err, `${what} threw`);
    }
  }

  #report(err: unknown, context: string): void {
    this.#errors.report(err, context);
  }
}
