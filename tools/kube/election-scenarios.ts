/**
 * Multi-process elections on the real control plane, one definition for every Kubernetes lock kind:
 * three candidates in separate processes elect exactly one leader; the leader is SIGKILLed and another takes
 * over; a SIGTERMed leader releases and hands over fast; the lock deleted or edited by hand mid-election is
 * recovered from. An independent observer (the processes' own reports and the lock object) checks that at
 * most one leader acts at a time.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CandidateProcess,
  leadershipIntervals,
  overlaps,
  type CandidateProcess as Proc,
} from './processes.ts';
import { coordination, core, kubeconfigPath, lockHolder, NAMESPACE, uniqueName, waitFor } from './testing.ts';

export type LockKind = 'lease' | 'configmap';

const TIMING = { LEASE_DURATION: '3', RENEW_DEADLINE: '2', RETRY_PERIOD: '0.5' };
/** Lease (3 s) + jittered retry (1.1 s) + request timeout (1 s) + process and API slack. */
const FAILOVER_LIMIT_MS = 8_000;

async function remove(kind: LockKind, name: string): Promise<void> {
  if (kind === 'lease') await coordination().deleteNamespacedLease({ name, namespace: NAMESPACE });
  else await core().deleteNamespacedConfigMap({ name, namespace: NAMESPACE });
}

export function describeMultiProcessElection(kind: LockKind): void {
  describe(`${kind}: candidates in separate processes`, () => {
    let procs: Proc[] = [];
    const killedAt = new Map<string, number>();

    const spawn = (name: string, ids: string[], timing: Record<keyof typeof TIMING, string> = TIMING) => {
      procs = ids.map(
        (id) =>
          new CandidateProcess(id, {
            ...timing,
            KUBECONFIG: kubeconfigPath(),
            LOCK_KIND: kind,
            LOCK_NAME: name,
          }),
      );
      return procs;
    };
    const leaders = () => procs.filter((p) => p.leading);
    const expectNoOverlap = () => expect(overlaps(leadershipIntervals(procs, killedAt))).toEqual([]);

    afterEach(async () => {
      for (const p of procs) await p.kill('SIGKILL');
      procs = [];
      killedAt.clear();
    });

    it('elect exactly one leader; after a SIGKILL another takes over within the bound', async () => {
      const name = uniqueName(`${kind}-kill`);
      spawn(name, ['alpha', 'bravo', 'charlie']);
      await waitFor(leaders, (l) => l.length === 1, 30_000);
      await new Promise((r) => setTimeout(r, 3_000)); // several renewals
      // Safety, not speed: never two at once (however slow the machine, a stalled leader steps down first).
      expect(leaders().length).toBeLessThanOrEqual(1);
      expectNoOverlap();
      const [first] = await waitFor(leaders, (l) => l.length === 1, 10_000);
      expect(await lockHolder(kind, name)).toBe(first!.id);

      await first!.kill('SIGKILL');
      killedAt.set(first!.id, Date.now());
      const killed = Date.now();
      const [second] = await waitFor(leaders, (l) => l.length === 1, 30_000);
      const failover = Date.now() - killed;
      console.log(`${kind}: SIGKILL failover took ${failover} ms (lease ${TIMING.LEASE_DURATION} s)`);
      expect(second!.id).not.toBe(first!.id);
      expect(failover).toBeLessThan(FAILOVER_LIMIT_MS);
      expect(await lockHolder(kind, name)).toBe(second!.id);
      expectNoOverlap();
    });

    it('a SIGTERMed leader releases the lock and another takes over without waiting out the lease', async () => {
      const name = uniqueName(`${kind}-stop`);
      // client-go's timings here, not the 3 s lease: the bound below is an order argument (a follower cannot
      // lead before the lease runs out unless it saw the release), and a 3 s lease left too little room on a
      // loaded machine (once 3,994 ms against 2,500, with the release seen late). A working release hands over
      // in tens of ms either way; the test takes no longer.
      const timing = { LEASE_DURATION: '15', RENEW_DEADLINE: '10', RETRY_PERIOD: '2' };
      spawn(name, ['delta', 'echo'], timing);
      const [first] = await waitFor(leaders, (l) => l.length === 1, 30_000);
      const stopped = Date.now();
      await first!.kill('SIGTERM');
      expect(first!.events.map((e) => e.event)).toContain('exit');
      // Longer than the 13 s bound, so a missing release fails on the bound, not on this wait.
      const [second] = await waitFor(leaders, (l) => l.length === 1, 20_000);
      const handover = Date.now() - stopped;
      console.log(`${kind}: SIGTERM release handover took ${handover} ms`);
      if (handover > 2_000) console.log(JSON.stringify(second!.events, null, 0).replaceAll('},{', '},\n{'));
      expect(second!.id).not.toBe(first!.id);
      // Order, not speed: without the release, no follower could lead before the 15 s lease ran out, counted
      // from the last renewal it saw (at most one 2 s retry period before the stop). Leading earlier proves
      // the release was seen; how fast is measured in bench/ (about 25 ms).
      expect(handover).toBeLessThan(
        Number(timing.LEASE_DURATION) * 1000 - Number(timing.RETRY_PERIOD) * 1000,
      );
      expectNoOverlap();
    });

    it('recovers when the lock is deleted by hand mid-election', async () => {
      const name = uniqueName(`${kind}-delete`);
      spawn(name, ['foxtrot', 'golf', 'hotel']);
      await waitFor(leaders, (l) => l.length === 1, 30_000);
      // The guarantee covers candidates that have seen the holder: a process that starts after a deletion
      // cannot know that the old leader still believes it leads (docs/guarantees.md).
      await waitFor(
        () => procs.every((p) => p.events.some((e) => e.event === 'leader')),
        (all) => all,
        10_000,
      );
      await remove(kind, name);
      // The leader recreates it; the others wait out a lease from when they saw it vanish.
      await waitFor(
        () => lockHolder(kind, name),
        (h) => h !== null && h !== '',
        FAILOVER_LIMIT_MS,
      );
      await new Promise((r) => setTimeout(r, 4_000));
      expect(leaders(), JSON.stringify(procs.map((p) => p.events))).toHaveLength(1);
      expect(await lockHolder(kind, name)).toBe(leaders()[0]!.id);
      expectNoOverlap();
    });

    it('recovers when the holder is edited by hand to someone who does not exist', async () => {
      const name = uniqueName(`${kind}-edit`);
      spawn(name, ['india', 'juliet']);
      const [first] = await waitFor(leaders, (l) => l.length === 1, 30_000);
      if (kind === 'lease') {
        await coordination().patchNamespacedLease(
          { name, namespace: NAMESPACE, body: { spec: { holderIdentity: 'intruder' } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } else {
        const cm = await core().readNamespacedConfigMap({ name, namespace: NAMESPACE });
        const record = JSON.parse(cm.metadata!.annotations!['control-plane.alpha.kubernetes.io/leader']!);
        cm.metadata!.annotations!['control-plane.alpha.kubernetes.io/leader'] = JSON.stringify({
          ...record,
          holderIdentity: 'intruder',
        });
        await core().replaceNamespacedConfigMap({ name, namespace: NAMESPACE, body: cm });
      }
      // The old leader sees the foreign holder and steps down; after the intruder's lease, someone leads.
      await waitFor(
        () => first!.leading,
        (l) => !l,
        5_000,
      );
      await waitFor(leaders, (l) => l.length === 1, 15_000);
      expect(await lockHolder(kind, name)).toBe(leaders()[0]!.id);
      expectNoOverlap();
    });
  });
}
