/**
 * Lock histories from the real API server under outages (issue 23): three in-process elections and a
 * reader share one lock object through a `HistoryRecorder`, while this file's own control plane lives
 * through the outages of outages.ts in turn (the API server paused, killed and restarted, etcd paused).
 * Then the handles race outright on one version, ten times. Every call the locks made, answered, refused
 * or lost, is judged by `checkLinearizability`: the Kubernetes locks are the compare-and-swap register the
 * elector relies on, through every outage.
 *
 * The lock kind is handed in (`makeLock`), so the same definition serves the Lease and the ConfigMap lock.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ElectionConfig, LeaderElection, type Lock } from '@leasehold/core';
import { checkLinearizability, HistoryRecorder, sampleRecord } from '@leasehold/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, type ProcessControl, startControlPlane } from './control-plane.ts';
import { uniqueName, waitFor } from './testing.ts';

/** What a lock kind needs to be made on this file's control plane. */
export interface LockOptionsForHistory {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  readonly kubeConfig: KubeConfig;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeOutageHistories(
  kind: string,
  makeLock: (options: LockOptionsForHistory) => Lock,
): void {
  describe(`${kind}: the lock's history through API-server and etcd outages`, () => {
    let plane: ControlPlane;
    const recorder = new HistoryRecorder(() => Date.now());
    const elections: LeaderElection[] = [];
    const racers: Lock[] = [];
    const leading = new Set<string>();
    let reading = true;
    let reader: Promise<void> = Promise.resolve();

    beforeAll(async () => {
      plane = await startControlPlane();
      const kc = new KubeConfig();
      kc.loadFromFile(plane.kubeconfig);
      const name = uniqueName(`${kind}-history`);
      const lock = (identity: string) =>
        recorder.wrap(makeLock({ name, namespace: 'default', identity, kubeConfig: kc }));
      for (const identity of ['alpha', 'bravo', 'charlie']) {
        racers.push(lock(identity));
        const election = new LeaderElection(
          new ElectionConfig({
            lock: lock(identity),
            leaseDuration: 3,
            renewDeadline: 2,
            retryPeriod: 0.5,
            requestTimeout: 1,
            onStartedLeading: () => {
              leading.add(identity);
            },
            onStoppedLeading: () => {
              leading.delete(identity);
            },
            onError: () => {}, // failures are what this test provokes; the history records each one
          }),
        );
        elections.push(election);
        void election.acquire();
      }
      // A reader beside them, every 200 ms: reads pin down what the register held between the writes.
      const observer = lock('observer');
      reader = (async () => {
        while (reading) {
          await observer.get({ signal: AbortSignal.timeout(1_000) }).catch(() => {});
          await sleep(200);
        }
      })();
      await waitFor(
        () => leading.size,
        (n) => n === 1,
        30_000,
      );
    }, 240_000);

    afterAll(async () => {
      reading = false;
      await reader;
      await Promise.all(elections.map((e) => e.stop()));
      await plane?.stop();
    }, 60_000);

    it('pause the API server, kill and restart it, pause etcd: every call is one a compare-and-swap register could answer', async () => {
      // Each outage after a steady second and a half, followed by a new leader (or the old one again).
      const outage = async (fault: () => Promise<void>) => {
        await sleep(1_500);
        await fault();
        await waitFor(
          () => leading.size,
          (n) => n === 1,
          30_000,
        );
      };
      const paused = async (control: ProcessControl) => {
        control.pause();
        await sleep(5_000);
        control.resume();
      };
      await outage(() => paused(plane.apiServer));
      await outage(async () => {
        await plane.apiServer.kill();
        await sleep(4_000);
        await plane.apiServer.restart();
      });
      await outage(() => paused(plane.etcd));
      await sleep(2_000);
      await Promise.all(elections.map((e) => e.stop()));
      // Then the handles race outright, 10 rounds: each reads, then all write on the version read at once;
      // a compare-and-swap lets exactly one through per round. (The elections alone rarely race on one
      // version: a lock without compare-and-swap passed them.)
      for (let round = 0; round < 10; round += 1) {
        const read = await Promise.all(racers.map((h) => h.get()));
        await Promise.all(
          racers.map((h, i) =>
            h
              .update(
                sampleRecord(h.identity, { leaderTransitions: round + 1, leaseDurationSeconds: 3 }),
                read[i]!.version,
              )
              .catch(() => {}),
          ),
        );
      }
      reading = false;
      await reader;

      const history = recorder.history();
      const count = (type: string) => history.filter((o) => o.outcome.type === type).length;
      const writes = history.filter((o) => o.op !== 'get');
      const result = checkLinearizability(history);
      console.log(
        `${kind} history through 3 outages: ${history.length} calls (${writes.length} writes), ` +
          `${count('snapshot')} answered with the object, ${count('conflict')} conflicts, ` +
          `${count('unknown')} of unknown outcome (refused, timed out or lost); verdict ${result.verdict}`,
      );
      // The outages did reach the lock: calls failed or went unanswered, and writes were refused as stale.
      expect(count('unknown')).toBeGreaterThan(0);
      expect(writes.length).toBeGreaterThan(30);
      expect(count('conflict')).toBeGreaterThanOrEqual(10); // the races: two of three lose each round
      expect(result.verdict, 'detail' in result ? result.detail : '').toBe('linearizable');
    }, 240_000);
  });
}
