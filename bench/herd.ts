/**
 * Benchmark: the takeover herd (issue 15's shape). N candidates on one Lease, each with a KubeConfig of its
 * own (its own connections and watch stream, as separate pods would have), client-go's timings (15 s, 10 s,
 * 2 s), on the test control plane started here. Rounds of:
 *   - handover: the leader stops (it releases); measured from stop() to the next leader's start;
 *   - expiry: the leader's lock refuses every request from then on (a crash whose lease stays), and it
 *     stops; measured from its last renewal's write to the next leader's start (about the lease).
 * The stopped candidate is replaced by a fresh one (a restarted pod: it races with spread 0). Counted per
 * round: lock requests the followers sent in the two seconds around the takeover. Run once with the
 * stagger (default `takeoverSlot`) and once without (`takeoverSlot: 0`).
 *
 *   scripts/bench.sh --herd [--candidates 201] [--rounds 8] [--expiries 2] [--kubeconfig FILE]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { ElectionConfig, LeaderElection, type Lock, LockError } from '@leasehold/core';
import { startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { LeaseLock } from '@leasehold/lease';

const { values } = parseArgs({
  options: {
    candidates: { type: 'string', default: '201' },
    rounds: { type: 'string', default: '8' },
    expiries: { type: 'string', default: '2' },
    kubeconfig: { type: 'string' },
  },
});
const N = Number(values.candidates);
const ROUNDS = Number(values.rounds);
const EXPIRIES = Number(values.expiries);

const plane = values.kubeconfig ? undefined : await startControlPlane();
const kubeconfigFile = values.kubeconfig ?? plane?.kubeconfig ?? '';

/** A Lease lock that can be made to refuse everything: a crashed leader, whose lease stays as written. */
class CrashableLock implements Lock {
  crashed = false;
  readonly #inner: LeaseLock;
  readonly identity: string;
  constructor(inner: LeaseLock) {
    this.#inner = inner;
    this.identity = inner.identity;
  }
  describe() {
    return this.#inner.describe();
  }
  #refuse(): never {
    throw new LockError('Unavailable', this.describe(), 'crashed (benchmark)');
  }
  get(...args: Parameters<Lock['get']>) {
    return this.crashed ? Promise.resolve().then(() => this.#refuse()) : this.#inner.get(...args);
  }
  create(...args: Parameters<Lock['create']>) {
    return this.crashed ? Promise.resolve().then(() => this.#refuse()) : this.#inner.create(...args);
  }
  update(...args: Parameters<Lock['update']>) {
    return this.crashed ? Promise.resolve().then(() => this.#refuse()) : this.#inner.update(...args);
  }
  watch(...args: Parameters<NonNullable<Lock['watch']>>) {
    return this.#inner.watch(...args);
  }
}

interface Candidate {
  readonly election: LeaderElection;
  readonly lock: CrashableLock;
}

/** Follower requests (time sent), and leaders' starts (time, identity), of every candidate of the run. */
const followerRequests: number[] = [];
const starts: { at: number; identity: string }[] = [];

async function run(label: string, takeoverSlot: number | undefined) {
  const lease = `herd-${label}-${Date.now()}`;
  let next = 0;
  const make = (): Candidate => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigFile);
    const identity = `${label}-${next++}`;
    const lock = new CrashableLock(
      new LeaseLock({ name: lease, namespace: 'default', identity, kubeConfig }),
    );
    const election = new LeaderElection(
      new ElectionConfig({
        lock,
        leaseDuration: 15,
        renewDeadline: 10,
        retryPeriod: 2,
        ...(takeoverSlot === undefined ? {} : { takeoverSlot }),
        onStartedLeading: () => {},
        onStoppedLeading: () => {},
        onError: () => {},
      }),
    );
    election.subscribe(({ from, to, effects }) => {
      const now = performance.now();
      if (to === 'leader' && from !== 'leader') starts.push({ at: now, identity });
      if (from === 'follower' || (from === 'stopped' && to === 'follower'))
        for (const e of effects)
          if (e.type === 'readLock' || e.type === 'createLock' || e.type === 'updateLock')
            followerRequests.push(now);
    });
    void election.run().catch(() => {});
    return { election, lock };
  };
  const candidates = Array.from({ length: N }, make);
  // Warm-up: a leader, and every follower's watch live (they then wait quietly).
  await sleep(20_000);
  const results: { kind: string; ms: number; requests: number }[] = [];
  for (let round = 0; round < ROUNDS + EXPIRIES; round += 1) {
    const expiry = round >= ROUNDS;
    const leaderIndex = candidates.findIndex((c) => c.election.isLeader());
    const leader = candidates[leaderIndex];
    if (!leader) throw new Error(`${label}: no leader before round ${round}`);
    const before = starts.length;
    const t0 = performance.now();
    if (expiry) leader.lock.crashed = true;
    void leader.election.stop();
    // The next leader: within the lease (plus its slot) for an expiry, at once for a handover.
    const deadline = t0 + (expiry ? 30_000 : 10_000);
    while (starts.length === before && performance.now() < deadline) await sleep(5);
    const start = starts[before];
    if (!start) throw new Error(`${label}: nobody took over in round ${round}`);
    await sleep(1_100); // the second after the takeover
    const requests = followerRequests.filter((t) => t >= start.at - 1_000 && t < start.at + 1_000).length;
    results.push({ kind: expiry ? 'expiry' : 'handover', ms: start.at - t0, requests });
    console.log(
      `${label} round ${round} (${expiry ? 'expiry' : 'handover'}): ${(start.at - t0).toFixed(0)} ms, ${requests} follower requests`,
    );
    await leader.election.stop();
    candidates[leaderIndex] = make(); // a restarted pod
    await sleep(3_000);
  }
  await Promise.all(candidates.map((c) => c.election.stop()));
  return results;
}

const staggered = await run('staggered', undefined);
const off = await run('off', 0);
const summary = (rs: { kind: string; ms: number; requests: number }[], kind: string) => {
  const xs = rs.filter((r) => r.kind === kind);
  const ms = xs.map((r) => r.ms.toFixed(0)).join(', ');
  const req = xs.map((r) => r.requests).join(', ');
  return `${ms} ms; requests ${req}`;
};
console.log(`\n${N} candidates on one Lease (2 cores, lease 15 s, retry 2 s)`);
console.log('| | handovers (each round) | expiries |\n| --- | --- | --- |');
console.log(`| stagger on | ${summary(staggered, 'handover')} | ${summary(staggered, 'expiry')} |`);
console.log(`| stagger off | ${summary(off, 'handover')} | ${summary(off, 'expiry')} |`);
await plane?.stop();
process.exit(0);
