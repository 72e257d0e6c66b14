import { describeOutageHistories } from '@leasehold/kube-tools/outage-history.ts';
import { ConfigMapLock } from '../src/index.ts';

describeOutageHistories('configmap', (options) => new ConfigMapLock(options));
