import { describeMixedCluster } from '../mixed-cluster.ts';

describeMixedCluster('lease', 'one Lease shared by Leasehold, client-go and kubernetes_asyncio candidates', [
  'leasehold',
  'client-go',
  'kubernetes_asyncio',
  'leasehold',
  'client-go',
  'kubernetes_asyncio',
]);
