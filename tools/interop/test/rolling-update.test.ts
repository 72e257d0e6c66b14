/**
 * A rolling update (issue 16), as a Deployment with maxSurge 1 and maxUnavailable 0 does it: N replicas
 * run; then, N times, a new replica starts, and once it is ready (watching) an old one gets SIGTERM, oldest
 * first, so the leader goes first, the order that lets leadership bounce. Counted: leadership changes
 * (every "started" after the first). Leasehold must move leadership once: the old leader releases, and the
 * new replica, which joined well into its term, writes at once while the old followers wait a slot (rule 9).
 * client-go's count on the same script is logged (its followers race on their next poll).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CandidateProcess } from '@leasehold/kube-tools/processes.ts';
import { kubeconfigPath, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { MIXED_TIMING } from '../mixed-cluster.ts';
import { type Impl, interopPeers } from '../peers.ts';

const procs: CandidateProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
});

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`rolling update: ${what} not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Runs the rolling update of `replicas` replicas of `impl`; returns the leadership changes it caused. */
async function rollingUpdate(impl: Impl, replicas: number): Promise<{ changes: number; leaders: string[] }> {
  const peers = interopPeers();
  const name = uniqueName(`rolling-${impl === 'client-go' ? 'go' : 'lh'}`);
  const env = { ...MIXED_TIMING, KUBECONFIG: kubeconfigPath(), LOCK_KIND: 'lease', LOCK_NAME: name };
  const start = (id: string) => {
    const proc = new CandidateProcess(id, env, peers[impl]);
    procs.push(proc);
    return proc;
  };
  const all: CandidateProcess[] = [];
  const old: CandidateProcess[] = [];
  // The old replicas start together, as a Deployment's do. Started one after another, the last ones join a
  // lease or more into the first leader's term when each start takes a second (a loaded machine), and rule
  // 9 rightly treats them as newer replicas: they then race the new ones at the release.
  for (let i = 0; i < replicas; i += 1) {
    const proc = start(`old-${i}`);
    all.push(proc);
    old.push(proc);
  }
  for (const [i, proc] of old.entries())
    await until(() => proc.events.some((e) => e.event === 'ready'), 20_000, `old-${i} ready`);
  await until(() => all.some((p) => p.leading), 20_000, 'a first leader');
  // The leader has led for more than a lease before the update begins (a rollout comes long after a start).
  await sleep(6_000);
  for (let i = 0; i < replicas; i += 1) {
    const fresh = start(`new-${i}`);
    all.push(fresh);
    await until(() => fresh.events.some((e) => e.event === 'ready'), 20_000, `new-${i} ready`);
    await sleep(1_500); // ready: it has read the lock and its watch (or its polling) is under way
    // Oldest first, as a Deployment replaces them; whichever old replica leads, its release is the change.
    await old[i]?.kill('SIGTERM');
    await until(() => all.some((p) => p.leading), 20_000, `a leader after old-${i} stopped`);
    await sleep(1_000);
  }
  await sleep(2_000);
  const starts = all
    .flatMap((p) => p.events.filter((e) => e.event === 'started').map((e) => ({ t: e.t, id: p.id })))
    .sort((a, b) => a.t - b.t);
  return { changes: starts.length - 1, leaders: starts.map((s) => s.id) };
}

describe('a rolling update moves leadership once', () => {
  for (const replicas of [3, 5]) {
    it(`Leasehold, ${replicas} replicas: one change of leader, to a new replica`, async () => {
      const { changes, leaders } = await rollingUpdate('leasehold', replicas);
      console.log(
        `rolling update, leasehold, ${replicas} replicas: ${changes} change(s): ${leaders.join(' -> ')}`,
      );
      expect(changes).toBe(1);
      expect(leaders.at(-1)).toMatch(/^new-/);
    }, 120_000);

    it(`client-go, ${replicas} replicas, the same script (measured, not asserted)`, async () => {
      const { changes, leaders } = await rollingUpdate('client-go', replicas);
      console.log(
        `rolling update, client-go, ${replicas} replicas: ${changes} change(s): ${leaders.join(' -> ')}`,
      );
      expect(changes).toBeGreaterThanOrEqual(1);
      expect(leaders.at(-1)).toMatch(/^new-/);
    }, 120_000);
  }
});
