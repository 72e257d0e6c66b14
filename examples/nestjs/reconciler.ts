/**
 * The leader-only work: a reconcile loop that runs while this replica leads. `@OnLeadership()` starts it
 * with a signal that aborts when leadership ends; the round in hand finishes, and only then is the lease
 * released (the library waits for the returned promise), so the next leader never overlaps this one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Leadership, StoppedReason } from '@leasehold/core';
import { OnLeadership, OnLeadershipEnd } from '@leasehold/nestjs';
import { Injectable } from '@nestjs/common';
// biome-ignore lint/style/useImportType: Nest injects by the constructor's parameter types, read at run time (emitDecoratorMetadata)
import { ReplicaLog } from './replica-log.ts';

@Injectable()
export class Reconciler {
  readonly #log: ReplicaLog;

  constructor(log: ReplicaLog) {
    this.#log = log;
  }

  @OnLeadership()
  async reconcile(signal: AbortSignal, leadership: Leadership): Promise<void> {
    this.#log.write(`started leading (term ${leadership.term})`);
    for (let round = 1; !signal.aborted; round += 1) {
      // Right before a side effect: still the leader on this replica's own clock?
      if (!leadership.isCurrent()) break;
      this.#log.write(`reconcile round ${round}`);
      await sleep(1_000, undefined, { signal }).catch(() => {}); // an abort ends the wait, not the round
    }
    this.#log.write('work finished');
  }

  @OnLeadershipEnd()
  stopped(reason: StoppedReason): void {
    this.#log.write(`stopped leading (${reason})`);
  }
}
