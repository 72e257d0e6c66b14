import { describeMixedCluster } from '../mixed-cluster.ts';

describeMixedCluster('configmap', 'one ConfigMap shared by Leasehold and kubernetes_asyncio candidates', [
  'leasehold',
  'kubernetes_asyncio',
  'leasehold',
  'kubernetes_asyncio',
]);
