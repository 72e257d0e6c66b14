/** Nest applications for the tests: each one replica, with a leader-work provider logging what it does. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Leadership, StoppedReason } from '@leasehold/core';
import type { MemoryLockStore } from '@leasehold/memory';
import { type INestApplicationContext, Module, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LeaseholdModule, type LeaseholdModuleOptions, OnLeadership, OnLeadershipEnd } from '../src/index.ts';

export const LOCK = 'nest-test';
/** Short real-time timings: a lease of 2 s, so a takeover after a crash is quick but not a race. */
export const TIMINGS = { leaseDuration: 2, renewDeadline: 1.5, retryPeriod: 0.2 } as const;

export interface Event {
  readonly at: number;
  readonly text: string;
}

/** Leader work that runs until its signal aborts, then takes `finishMs` to finish (a job in hand). */
export class Worker {
  readonly identity: string;
  readonly events: Event[];
  readonly finishMs: number;
  signal: AbortSignal | null = null;
  term = -1;

  constructor(identity: string, events: Event[], finishMs = 150) {
    this.identity = identity;
    this.events = events;
    this.finishMs = finishMs;
  }

  @OnLeadership()
  async lead(signal: AbortSignal, leadership: Leadership): Promise<void> {
    this.signal = signal;
    this.term = leadership.term;
    this.#log('started');
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    this.#log('aborted');
    await sleep(this.finishMs);
    this.#log('finished');
  }

  @OnLeadershipEnd()
  ended(reason: StoppedReason): void {
    this.#log(`ended ${reason}`);
  }

  #log(what: string): void {
    this.events.push({ at: Date.now(), text: `${this.identity} ${what}` });
  }
}

/** One replica: a Nest application context with LeaseholdModule on `store`'s lock, a Worker and `imports`. */
export async function replica(
  store: MemoryLockStore,
  identity: string,
  events: Event[],
  extra: Partial<LeaseholdModuleOptions> = {},
  imports: NonNullable<ModuleMetadata['imports']> = [],
): Promise<{ app: INestApplicationContext; worker: Worker }> {
  const worker = new Worker(identity, events);
  @Module({
    imports: [
      LeaseholdModule.forRoot({ lock: store.lock(LOCK, identity), ...TIMINGS, ...extra }),
      ...imports,
    ],
    providers: [{ provide: Worker, useValue: worker }],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  return { app, worker };
}

/** Waits until `condition` holds, polling; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}
