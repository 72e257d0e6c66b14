/**
 * The simulated cluster: K candidates, each the real `LeaderElection` driver on its own drifting clock,
 * sharing one lock (the in-memory store, or a backend of yours) through a faulty network, all on one seeded
 * discrete-event scheduler.
 * `simulate()` runs a scenario and returns the true-time timeline the checker judges.
 */
import {
  type Clock,
  ElectionConfig,
  LeaderElection,
  type Leadership,
  type Lock,
  type LockSnapshot,
  type TransitionInfo,
} from '@leasehold/core';
import { isContention, validitySentAt } from '@leasehold/core/internal';
import { type ElectionInspector, inspectElection } from '@leasehold/core/statechart';
import { type FaultPlan, MemoryLockStore, type MemoryRequest, withFaults } from '@leasehold/memory';
import { retryingClient, trustingRemoteRenewTime, withoutCompareAndSwap } from './broken.ts';
import {
  eagerRetryMachine,
  twinUnreportedOnReadMachine,
  validityFromAnswerMachine,
} from './broken-machine.ts';
import type { LockHistory } from './linearizability/history.ts';
import { HistoryRecorder } from './linearizability/recorder.ts';
import { SimProcess } from './process.ts';
import { Random } from './random.ts';
import type { Scenario } from './scenario.ts';
import { Scheduler } from './scheduler.ts';
import type { SimulationInspector } from './simulation-inspector.ts';
import { logStoreCalls, type StoreLogEntry } from './store-log.ts';

/** One stretch of leadership as the candidate's own state machine held it, in true ms. */
export interface LeaderInterval {
  /** The candidate (`c0`, `c1`, ...). */
  readonly candidate: string;
  /** True ms it started leading. */
  readonly start: number;
  /** True ms it stopped leading (or the run's end, while `open`). */
  end: number;
  /** leaderTransitions of the record that made it leader. */
  readonly token: number;
  /**
   * The writes that kept it leader: the acquiring write, then each renewal. `sent` is the true time of the
   * send its own deadline counts from (what its state machine believes), `answered` when the answer
   * arrived, `version` the version the store gave the write (to find it in `RunResult.storeLog`).
   */
  readonly writes: { readonly sent: number; readonly answered: number; readonly version: string }[];
  /** Whether the interval was still open when the run ended. */
  open: boolean;
}

/** One step of one candidate's statechart. */
export interface TraceEntry {
  /** True ms. */
  readonly t: number;
  /** The candidate (`c0`, `c1`, ...). */
  readonly candidate: string;
  /** Its process generation: a crashed and restarted candidate counts up. */
  readonly generation: number;
  /** The input, as text. */
  readonly input: string;
  /** The state before. */
  readonly from: string;
  /** The state after. */
  readonly to: string;
}

/**
 * One lock request's life as the candidate's driver saw it, in true ms: `sent` (with the input that caused
 * it and the state it was sent from), then `answered` (a result, a conflict or not-found included) or
 * `failed` (an error, or no answer within the request timeout).
 */
export interface LockLogEntry {
  /** True ms. */
  readonly t: number;
  /** The candidate. */
  readonly candidate: string;
  /** Its process generation. */
  readonly generation: number;
  /** Which point of the request's life. */
  readonly what: 'sent' | 'answered' | 'failed';
  /** The input that caused the request (for `sent`), or the outcome. */
  readonly cause: string;
  /** The state the request was sent from. */
  readonly from: string;
}

/** What a simulated run did, on the true timeline: what the checker judges. */
export interface RunResult {
  /** The scenario that was run. */
  readonly scenario: Scenario;
  /** Every stretch of leadership. */
  readonly intervals: readonly LeaderInterval[];
  /** Every statechart step of every candidate. */
  readonly trace: readonly TraceEntry[];
  /** Every lock request's life, as each candidate's state machine saw it. */
  readonly lockLog: readonly LockLogEntry[];
  /** What the lock calls itself (`Lock.describe()` of a candidate's handle): names the backend in reports. */
  readonly lockDescription: string;
  /** Every lock request that got past its candidate's network, as the store side saw it. */
  readonly storeLog: readonly StoreLogEntry[];
  /**
   * Every call made on the lock object, timed where the request faults end and the candidate's network
   * begins: after injected latency, errors and lost answers (a lost answer is an unknown outcome), before
   * partitions and pauses (an answer a partition then swallowed was still given). With the phantom writer's
   * rewrites: what the linearizability check judges.
   */
  readonly history: LockHistory;
  /** Each candidate's process pauses, in true ms. */
  readonly pauses: Readonly<Record<string, readonly { start: number; end: number }[]>>;
  /** When the faults ended (true ms). */
  readonly healAtMs: number;
  /** When the run ended (true ms). */
  readonly endAtMs: number;
  /** Counts: events simulated, requests by kind, errors reported. */
  readonly stats: {
    readonly events: number;
    readonly requests: { get: number; create: number; update: number };
    readonly errorsReported: number;
    /** What reached `onError`, by the error's name (LockError, RepeatedFailure, DuplicateIdentityError, ...). */
    readonly errorsByName: Readonly<Record<string, number>>;
  };
}

const WALL_EPOCH = Date.UTC(2026, 0, 1);
const LOCK_NAME = 'simulated';

/**
 * A lock backend for the simulator: one object that candidates share, each through its own handle. Make it
 * an in-process model of your store (a Map, a fake of its client): no host timers, no real I/O; if it needs
 * time, use the clock it is made with (the simulation's virtual clock).
 */
export interface SimulatedBackend {
  /** The handle of the candidate `identity` on the one lock object. */
  lock(identity: string): Lock;
}

/** What a backend may know of the run it is made for (a backend made outside a run gets nothing). */
export interface BackendRun {
  /** The run's seed: draws of the backend's own (the store fault layer's) come from it, so a seed replays. */
  readonly seed: number;
  /** When the run's faults end (ms of the clock's `now()`); faults of the backend's own should end too. */
  readonly faultsEndAtMs?: number;
}

/** Makes a fresh backend for each run; `clock` runs on the simulation's true time. */
export type BackendFactory = (clock: Clock, run?: BackendRun) => SimulatedBackend;

/** Options of `simulate`. */
export interface SimulateOptions {
  /**
   * The lock backend to run the cluster on; default the in-memory store. Every handle is put behind the same
   * faults the in-memory store meets (latency, errors, lost answers, conflicts, refusals, outages, watch
   * delays and losses), drawn from the scenario's seed.
   */
  readonly backend?: BackendFactory;
  /**
   * An inspector for a candidate (`c0`, `c1`, ...), or `undefined` for none: each election of that candidate
   * (one per process generation) is shown in it (`inspectElection`), named `c0#0`, `c0#1`, ...
   */
  readonly inspect?: (candidate: string) => SimulationInspector | undefined;
  /**
   * Called as each candidate starts leading, with its `Leadership`, the candidate's own clock (timers on it
   * run in the simulation, paused with its process) and the simulation's true time: to exercise the
   * leader's guard from inside a run (`packages/testkit/test/fencing.test.ts`).
   */
  readonly onStartedLeading?: (
    candidate: string,
    leadership: Leadership,
    clock: Clock,
    trueNow: () => number,
  ) => void;
}

/** Runs `scenario`: the same scenario (seed) gives the same run, event for event. */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<RunResult> {
  const sim = new Scheduler();
  const rng = new Random(scenario.seed ^ 0x5eed);
  let faultsOn = true;
  const { faults } = scenario;
  // What goes wrong with each request, whatever the backend: one draw per request from the seed.
  const plan = (request: MemoryRequest): FaultPlan | undefined => {
    const latency = () => rng.float(0, faults.latencyMaxMs);
    if (!faultsOn) return { requestDelayMs: latency(), responseDelayMs: latency() };
    if (faults.instantFailureRate > 0 && rng.chance(faults.instantFailureRate)) {
      return { requestDelayMs: rng.float(0.05, 1), fail: 'Unavailable' as const };
    }
    const drawn: FaultPlan = {
      requestDelayMs: latency(),
      responseDelayMs: latency(),
      ...(rng.chance(faults.errorRate) ? { fail: 'Unavailable' as const } : {}),
      ...(rng.chance(faults.timeoutRate) ? { dropResponse: true } : {}),
      ...(request.op === 'update' && rng.chance(faults.conflictRate) ? { conflict: true } : {}),
    };
    // The in-memory store's phantom writer rewrites the record inside the store, out of sight of any handle.
    if (drawn.conflict && !options.backend) recorder.touch('simulator-phantom-writer');
    return drawn;
  };
  // Notifications race the answers to the writes that caused them, as a real watch does.
  const watchDelayMs = () => rng.float(0, faults.watchLatencyMaxMs);
  const storeClock = sim.clock(WALL_EPOCH);
  const recorder = new HistoryRecorder(() => sim.now);
  let handle: (identity: string) => Lock;
  /** Requests that reached the backend, by operation. */
  let requestCounts: () => { get: number; create: number; update: number };
  /** The object as it is now, for a watch that reconnects (it starts again from the current state). */
  let current: () => Promise<LockSnapshot | null>;
  if (options.backend) {
    const backend = options.backend(storeClock, {
      seed: scenario.seed,
      faultsEndAtMs: scenario.faultPhaseMs,
    });
    const observer = backend.lock('simulator-observer');
    const phantom = recorder.wrap(backend.lock('simulator-phantom-writer'));
    const counts = { get: 0, create: 0, update: 0 };
    handle = (identity) =>
      recorder.wrap(
        withFaults(backend.lock(identity), {
          clock: storeClock,
          faults: plan,
          phantom,
          watchDelayMs,
          counts,
        }),
      );
    current = () => observer.get().catch(() => null);
    requestCounts = () => ({ ...counts });
  } else {
    const store = new MemoryLockStore({ clock: storeClock, watchDelayMs, faults: plan });
    handle = (identity) => recorder.wrap(store.lock(LOCK_NAME, identity));
    current = async () => store.read(LOCK_NAME, 'simulated');
    requestCounts = () => ({ ...store.counts });
  }

  const intervals: LeaderInterval[] = [];
  const trace: TraceEntry[] = [];
  const lockLog: LockLogEntry[] = [];
  const storeLog: StoreLogEntry[] = [];
  let lockDescription = '';
  const open = new Map<string, LeaderInterval>();
  let errorsReported = 0;
  const errorsByName: Record<string, number> = {};

  const processes = scenario.clocks.map((spec, i) => new SimProcess(sim, `c${i}`, spec, WALL_EPOCH));
  for (const proc of processes) proc.refusalLatencyMs = () => rng.float(0.05, 1);
  const elections: (LeaderElection | null)[] = processes.map(() => null);
  const down = new Set<number>();

  const close = (candidate: string) => {
    const interval = open.get(candidate);
    if (!interval) return;
    interval.end = sim.now;
    interval.open = false;
    open.delete(candidate);
  };

  const onTransition = (index: number, generation: number) => (info: TransitionInfo) => {
    const proc = processes[index]!;
    const id = proc.id;
    trace.push({
      t: sim.now,
      candidate: id,
      generation,
      input: info.input.type,
      from: info.from,
      to: info.to,
    });
    const entry = { t: sim.now, candidate: id, generation, cause: info.input.type, from: info.from };
    if (info.input.type === 'LOCK_READ' || info.input.type === 'LOCK_WRITTEN') {
      lockLog.push({ ...entry, what: 'answered' });
    } else if (info.input.type === 'LOCK_FAILED') {
      // The simulated store never answers a create with NotFound, so the request kind does not matter here.
      lockLog.push({ ...entry, what: isContention(info.input.error, undefined) ? 'answered' : 'failed' });
    }
    for (const effect of info.effects) {
      if (effect.type === 'readLock' || effect.type === 'createLock' || effect.type === 'updateLock')
        lockLog.push({ ...entry, what: 'sent' });
    }
    const ctx = info.snapshot.context;
    // The write a leader's validity runs from: deadline = sentAt + renewDeadline on its own clock.
    const sentTrue = () => proc.trueAt(validitySentAt(ctx));
    const version = info.input.type === 'LOCK_WRITTEN' ? info.input.snapshot.version : '';
    if (info.to === 'leader' && info.from !== 'leader') {
      const interval: LeaderInterval = {
        candidate: id,
        start: sim.now,
        end: Number.POSITIVE_INFINITY,
        token: ctx.lease.observed?.snapshot?.record.leaderTransitions ?? -1,
        writes: [{ sent: sentTrue(), answered: sim.now, version }],
        open: true,
      };
      intervals.push(interval);
      open.set(id, interval);
    } else if (info.from === 'leader' && info.to !== 'leader') {
      close(id);
    } else if (info.to === 'leader' && info.input.type === 'LOCK_WRITTEN') {
      open.get(id)?.writes.push({ sent: sentTrue(), answered: sim.now, version });
    }
  };

  const makeLock = (index: number): Lock => {
    const proc = processes[index]!;
    const identity = scenario.twins && index === 1 ? processes[0]!.id : proc.id;
    const network = proc.lock(
      logStoreCalls(handle(identity), proc.id, storeLog, () => sim.now),
      current,
    );
    if (!scenario.watch) delete network.watch;
    lockDescription ||= network.describe();
    switch (scenario.variant) {
      case 'retrying-client':
        return retryingClient(network);
      case 'no-cas':
        return withoutCompareAndSwap(network);
      case 'trust-remote-clock':
        return trustingRemoteRenewTime(network, proc.clock());
      default:
        return network;
    }
  };

  const start = (index: number) => {
    const proc = processes[index]!;
    down.delete(index);
    const config = new ElectionConfig({
      lock: makeLock(index),
      leaseDuration: scenario.timing.leaseDuration,
      renewDeadline: scenario.timing.renewDeadline,
      retryPeriod: scenario.timing.retryPeriod,
      requestTimeout: scenario.timing.requestTimeout,
      ...(scenario.timing.takeoverSlot === undefined ? {} : { takeoverSlot: scenario.timing.takeoverSlot }),
      clock: proc.clock(),
      seed: rng.fork(),
      onStartedLeading: (_signal, leadership) =>
        options.onStartedLeading?.(proc.id, leadership, proc.clock(), () => sim.now),
      onStoppedLeading: () => {},
      onError: (error) => {
        errorsReported += 1;
        const name = error instanceof Error ? error.name : typeof error;
        errorsByName[name] = (errorsByName[name] ?? 0) + 1;
      },
    });
    const election = new LeaderElection(config, {
      onTransition: onTransition(index, proc.generation),
      ...(scenario.variant === 'eager-retry' ? { machine: eagerRetryMachine } : {}),
      ...(scenario.variant === 'validity-from-answer' ? { machine: validityFromAnswerMachine } : {}),
      ...(scenario.variant === 'twin-unreported-on-read' ? { machine: twinUnreportedOnReadMachine } : {}),
    });
    elections[index] = election;
    const inspector = options.inspect?.(proc.id);
    // A SimulationInspector is an ElectionInspector typed without XState's declarations (simulation-inspector.ts).
    if (inspector) inspectElection(election, inspector as ElectionInspector, `${proc.id}#${proc.generation}`);
    void election.acquire();
  };

  const restartWhenStopped = (index: number) => {
    const election = elections[index];
    if (election && election.state !== 'stopped') {
      sim.after(100, () => restartWhenStopped(index));
      return;
    }
    start(index);
  };

  for (let i = 0; i < processes.length; i += 1) start(i);

  for (const fault of scenario.schedule) {
    sim.at(fault.atMs, () => {
      if (fault.kind === 'outage') {
        for (const proc of processes) {
          if (fault.mode === 'hang') proc.partition(fault.durationMs);
          else proc.refuse(fault.durationMs);
        }
        return;
      }
      const index =
        fault.candidate === 'leader' ? processes.findIndex((p) => open.has(p.id)) : fault.candidate;
      if (index < 0 || down.has(index)) return; // no leader to hit, or already crashed or stopped
      const proc = processes[index]!;
      // A paused leader still counts as leading until it wakes: a pause aimed at the leader would extend
      // the one under way, and their union can exceed the pause bound each stays within (issue 25, phase:
      // three chained pauses of a within-the-bound run froze one leader for 7.0 s, bound 3.96 s).
      if (fault.kind === 'pause' && fault.candidate === 'leader' && proc.isPaused()) return;
      switch (fault.kind) {
        case 'partition':
          proc.partition(fault.durationMs, fault.silentWatch ?? false);
          break;
        case 'pause':
          proc.pause(fault.durationMs);
          break;
        case 'refusals':
          proc.refuse(fault.durationMs);
          break;
        case 'crash':
          // A dead process cannot act: its leadership ends now, whatever its state machine last said.
          close(proc.id);
          proc.crash();
          elections[index] = null;
          down.add(index);
          sim.after(fault.durationMs, () => {
            if (down.has(index)) start(index);
          });
          break;
        case 'handover': {
          const to = processes[fault.to ?? (index + 1) % processes.length];
          if (to) proc.deliver(proc.generation, () => void elections[index]?.handover(to.id));
          break;
        }
        case 'stepDown':
          proc.deliver(proc.generation, () => {
            const election = elections[index];
            void election?.stepDown(fault.durationMs / 1000).then((stepped) => {
              // acquire() does not rejoin by itself (campaign() would): start again after the cool-down.
              if (stepped) sim.after(fault.durationMs, () => void election.acquire());
            });
          });
          break;
        case 'stop':
          down.add(index);
          // The process stops itself (a SIGTERM handler), so a paused process stops when it resumes.
          proc.deliver(proc.generation, () => void elections[index]?.stop());
          sim.after(fault.durationMs, () => {
            if (down.has(index)) restartWhenStopped(index);
          });
          break;
      }
    });
  }

  sim.at(scenario.faultPhaseMs, () => {
    faultsOn = false;
    for (const proc of processes) proc.heal();
    for (const index of [...down]) restartWhenStopped(index);
  });

  const endAtMs = scenario.faultPhaseMs + scenario.livenessBoundMs + scenario.timing.leaseDuration * 1000;
  await sim.run(endAtMs);
  for (const interval of open.values()) interval.end = endAtMs;

  return {
    scenario,
    intervals,
    trace,
    lockLog,
    storeLog,
    lockDescription,
    history: recorder.history(),
    pauses: Object.fromEntries(processes.map((p) => [p.id, p.pauses])),
    healAtMs: scenario.faultPhaseMs,
    endAtMs,
    stats: { events: sim.executed, requests: requestCounts(), errorsReported, errorsByName },
  };
}
