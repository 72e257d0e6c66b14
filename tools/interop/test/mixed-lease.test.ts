import { uniqueName } from '@leasehold/kube-tools/testing.ts';
import { describe, expect, it } from 'vitest';
import { describeRun, FAILOVER_BOUND_MS, runMixedCluster } from '../mixed-cluster.ts';
import { interopPeers } from '../peers.ts';

describe('one Lease shared by Leasehold, client-go and kubernetes_asyncio candidates', () => {
  it('keeps at most one leader while leaders are killed and stopped over and over, and always moves on', async () => {
    const run = await runMixedCluster({
      kind: 'lease',
      name: uniqueName('mixed-lease'),
      peers: interopPeers(),
      start: ['leasehold', 'client-go', 'kubernetes_asyncio', 'leasehold', 'client-go', 'kubernetes_asyncio'],
      rounds: 8,
    });
    console.log(describeRun(run));
    expect(run.violations).toEqual([]);
    expect(run.rounds).toHaveLength(9);
    for (const round of run.rounds.slice(1)) expect(round.waitedMs).toBeLessThan(FAILOVER_BOUND_MS);
  }, 300_000);
});
