/**
 * The election of a Nest application: made and started when the application has bootstrapped (every
 * provider exists and has run its `onModuleInit`, so leader work may use them), stopped when the application
 * closes. Injectable anywhere (the module is global) to ask `isLeader()`.
 */
import {
  ElectionConfig,
  ElectionStateError,
  LeaderElection,
  type Leadership,
  type StoppedReason,
} from '@leasehold/core';
import type { LeaderWork } from './leader-work.ts';
import type { LeaseholdModuleOptions } from './options.ts';

/**
 * This application's election: `isLeader()`, the leader's identity, `stepDown()`, and the `LeaderElection`
 * itself once the application has bootstrapped. Released when the application closes.
 */
export class LeadershipService {
  readonly #options: LeaseholdModuleOptions;
  readonly #findWork: () => LeaderWork;
  #election: LeaderElection | null = null;
  #campaign: Promise<void> = Promise.resolve();

  /** Made by `LeaseholdModule`; `findWork` lists the `@OnLeadership()` methods once the app is built. */
  constructor(options: LeaseholdModuleOptions, findWork: () => LeaderWork) {
    this.#options = options;
    this.#findWork = findWork;
  }

  /** Nest calls this after every module's `onModuleInit`: the election starts campaigning here. */
  onApplicationBootstrap(): void {
    if (this.#election !== null) return;
    const {
      onStartedLeading,
      onStoppedLeading,
      metrics,
      livenessToleranceSeconds: _tolerance,
      ...config
    } = this.#options;
    const work = this.#findWork();
    const election = new LeaderElection(
      new ElectionConfig({
        ...config,
        onStartedLeading: (signal, leadership) => runAll(work, onStartedLeading, signal, leadership),
        onStoppedLeading: (reason) => endAll(work, onStoppedLeading, reason),
      }),
    );
    metrics?.observe(election);
    this.#election = election;
    // campaign() settles only after stop(); its failures are reported through onError by the election.
    this.#campaign = election.campaign();
  }

  /**
   * Nest calls this first when the application closes (`app.close()`, or a signal with
   * `enableShutdownHooks()`), before other modules tear down what the leader work may still use: the work's
   * signal aborts, its promise is awaited while the lease is still renewed, then the lease is released
   * (unless `releaseOnCancel: false`) so another replica takes over at once rather than a lease later.
   */
  async onModuleDestroy(): Promise<void> {
    const election = this.#election;
    if (election === null) return;
    await election.stop();
    await this.#campaign;
  }

  /** True while this replica leads and its lease is valid on its own clock; false before bootstrap. */
  isLeader(): boolean {
    return this.#election?.isLeader() ?? false;
  }

  /** The holder this replica last saw in the lock, or `null` (none, or not read yet). */
  get leader(): string | null {
    return this.#election?.leader ?? null;
  }

  /** The election; throws `ElectionStateError` before the application has bootstrapped. */
  get election(): LeaderElection {
    if (this.#election === null)
      throw new ElectionStateError('the election starts when the Nest application bootstraps (app.init())');
    return this.#election;
  }

  /** Steps aside (`LeaderElection.stepDown`): resolves `true` once released, `false` if not leading. */
  stepDown(coolDownSeconds?: number): Promise<boolean> {
    return this.election.stepDown(coolDownSeconds);
  }
}

/**
 * Runs the option's callback and every `@OnLeadership()` method with the same signal; settles once all
 * have (so `stop()` waits for the slowest), rejecting with the first failure.
 */
async function runAll(
  work: LeaderWork,
  first: LeaseholdModuleOptions['onStartedLeading'],
  signal: AbortSignal,
  leadership: Leadership,
): Promise<void> {
  const handlers = first ? [first, ...work.start] : work.start;
  const results = await Promise.allSettled(handlers.map(async (handler) => handler(signal, leadership)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Every `@OnLeadershipEnd()` method, then the option's callback; all run even if one throws. */
async function endAll(
  work: LeaderWork,
  last: LeaseholdModuleOptions['onStoppedLeading'],
  reason: StoppedReason,
): Promise<void> {
  const handlers = last ? [...work.end, last] : work.end;
  const results = await Promise.allSettled(handlers.map(async (handler) => handler(reason)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
