/**
 * A mixed cluster on one lock object: Leasehold, client-go and kubernetes_asyncio candidates in separate
 * processes. Round after round it waits for exactly one leader, lets it lead for a while, then kills it
 * (SIGKILL) or stops it (SIGTERM, after which Leasehold and client-go release and kubernetes_asyncio just
 * exits) and starts a fresh candidate of the same implementation in its place.
 *
 * Left alone, Leasehold followers win almost every handover (they watch the lock and try at the instant the
 * lease expires). To make leadership cross implementations, each round names the implementation that should
 * lead next and pauses (SIGSTOP) the followers of the other implementations until a new leader is in place.
 * Pausing followers is harmless by design, and resuming them stale exercises every elector's compare-and-swap.
 *
 * Two independent observers judge the run: the processes' own started/stopped reports (same machine, same
 * wall clock) must never overlap between candidates, and an outside poller of the lock object must see
 * every round's leader as the holder. Nothing here trusts any elector's own idea of safety.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CandidateCommand,
  CandidateProcess,
  leadershipIntervals,
  overlaps,
} from '@leasehold/kube-tools/processes.ts';
import { kubeconfigPath, lockHolder, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { describe, expect, it } from 'vitest';
import { type Impl, interopPeers } from './peers.ts';

export type LockKind = 'lease' | 'configmap';

/** Within every implementation's rules (kubernetes_asyncio wants each >= 1 s) and L > R + D for it. */
export const MIXED_TIMING = { LEASE_DURATION: '4', RENEW_DEADLINE: '2.5', RETRY_PERIOD: '1' };
/** Lease (4 s) + the slowest jittered retry (client-go: 2.2 s) + requests and process start-up. */
export const FAILOVER_BOUND_MS = 10_000;

export interface Round {
  readonly leader: string;
  readonly impl: string;
  readonly signal: NodeJS.Signals;
  /** From the previous leader's kill (or the start) until this leader reported `started`. */
  readonly waitedMs: number;
  /** Followers paused during the handover that led to this round, so another implementation could win. */
  readonly pausedFollowers: number;
}

export interface MixedRun {
  readonly kind: LockKind;
  readonly candidates: Record<string, number>;
  readonly rounds: Round[];
  readonly violations: string[];
  /** Holders seen by the outside poller, in order, without repeats. */
  readonly holders: string[];
}

export async function runMixedCluster(options: {
  kind: LockKind;
  name: string;
  peers: Record<Impl, CandidateCommand>;
  start: Impl[];
  rounds: number;
}): Promise<MixedRun> {
  const { kind, name, peers } = options;
  const procs: CandidateProcess[] = [];
  const killedAt = new Map<string, number>();
  const counter = new Map<string, number>();
  const spawn = (impl: Impl) => {
    const n = (counter.get(impl) ?? 0) + 1;
    counter.set(impl, n);
    const id = `${impl.replace('_', '-')}-${n}`;
    const env = { ...MIXED_TIMING, KUBECONFIG: kubeconfigPath(), LOCK_KIND: kind, LOCK_NAME: name };
    procs.push(new CandidateProcess(id, env, peers[impl]));
  };

  const holders: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const h = await lockHolder(kind, name);
      if (h && h !== holders.at(-1)) holders.push(h);
      await sleep(100);
    }
  })();

  const rounds: Round[] = [];
  const violations: string[] = [];
  try {
    for (const impl of options.start) spawn(impl);
    const impls = [...new Set(options.start)];
    let since = Date.now();
    let paused: CandidateProcess[] = [];
    for (let r = 0; r <= options.rounds; r += 1) {
      const leader = await waitForOneLeader(procs, since, FAILOVER_BOUND_MS + 20_000);
      const started = leader.events.findLast((e) => e.event === 'started')!.t;
      for (const p of paused) p.resume();
      const last = r === options.rounds;
      const signal: NodeJS.Signals = r % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
      rounds.push({
        leader: leader.id,
        impl: leader.impl,
        signal,
        waitedMs: started - since,
        pausedFollowers: paused.length,
      });
      // Lead through several renewals while the resumed followers contend: still exactly one leader.
      await sleep(last ? 1_000 : 2_500);
      const now = procs.filter((p) => p.leading);
      if (now.length !== 1 || now[0] !== leader)
        violations.push(`round ${r}: leaders ${now.map((p) => p.id).join(', ')} instead of ${leader.id}`);
      if (last) break;

      const next = impls[(r + 1) % impls.length]!;
      spawn(leader.impl as Impl);
      await sleep(1_500); // the replacement is a running candidate (past start-up) before the leader goes
      paused = procs.filter((p) => p !== leader && p.alive && p.impl !== next);
      for (const p of paused) p.pause();
      since = Date.now();
      await leader.kill(signal);
      killedAt.set(leader.id, Date.now());
    }
  } finally {
    polling = false;
    await poller;
    for (const p of procs) {
      p.resume();
      if (p.alive) killedAt.set(p.id, Date.now());
      await p.kill('SIGKILL');
    }
  }

  violations.push(...overlaps(leadershipIntervals(procs, killedAt)));
  for (const round of rounds) {
    if (!holders.includes(round.leader))
      violations.push(
        `the outside observer never saw ${round.leader} hold the lock (saw ${holders.join(' -> ')})`,
      );
  }
  const candidates: Record<string, number> = {};
  for (const p of procs) candidates[p.impl] = (candidates[p.impl] ?? 0) + 1;
  return { kind, candidates, rounds, violations, holders };
}

async function waitForOneLeader(
  procs: readonly CandidateProcess[],
  since: number,
  timeoutMs: number,
): Promise<CandidateProcess> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const leading = procs.filter((p) => p.leading);
    if (leading.length === 1) return leading[0]!;
    if (leading.length > 1) throw new Error(`two leaders at once: ${leading.map((p) => p.id).join(', ')}`);
    if (Date.now() > end) {
      const logs = procs.map((p) => `${p.id} (${p.impl}, alive ${p.alive}):\n${p.stderr.slice(-1_500)}`);
      throw new Error(
        `no leader within ${timeoutMs} ms of ${new Date(since).toISOString()}\n${logs.join('\n---\n')}`,
      );
    }
    await sleep(50);
  }
}

/** One row of the docs table, and a readable round list. */
export function describeRun(run: MixedRun): string {
  const kills = run.rounds.slice(0, -1);
  const crossImpl = run.rounds.filter((r, i) => i > 0 && r.impl !== run.rounds[i - 1]!.impl).length;
  const handovers = run.rounds.length - 1;
  const waits = run.rounds.slice(1).map((r) => r.waitedMs);
  const lines = run.rounds.map(
    (r, i) =>
      `  ${i}: ${r.leader} (${r.impl}) led after ${r.waitedMs} ms (${r.pausedFollowers} followers paused)` +
      (i < kills.length ? `, then ${r.signal}` : ''),
  );
  const sigkills = kills.filter((r) => r.signal === 'SIGKILL').length;
  return [
    `${run.kind}: candidates ${JSON.stringify(run.candidates)}, ${sigkills} SIGKILL + ${kills.length - sigkills} SIGTERM, ` +
      `${handovers} handovers (${crossImpl} across implementations), longest wait ${Math.max(...waits)} ms, ` +
      `violations ${run.violations.length}`,
    ...lines,
    `  holders seen from outside: ${run.holders.join(' -> ')}`,
  ].join('\n');
}

/** The mixed-cluster test for one lock kind: 8 rounds, no violations, every handover within the bound. */
export function describeMixedCluster(kind: LockKind, title: string, start: Impl[]): void {
  describe(title, () => {
    it('keeps at most one leader while leaders are killed and stopped over and over, and always moves on', async () => {
      const run = await runMixedCluster({
        kind,
        name: uniqueName(`mixed-${kind}`),
        peers: interopPeers(),
        start,
        rounds: 8,
      });
      console.log(describeRun(run));
      expect(run.violations).toEqual([]);
      expect(run.rounds).toHaveLength(9);
      for (const round of run.rounds.slice(1)) expect(round.waitedMs).toBeLessThan(FAILOVER_BOUND_MS);
    }, 300_000);
  });
}
