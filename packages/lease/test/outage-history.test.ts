import { describeOutageHistories } from '@leasehold/kube-tools/outage-history.ts';
import { LeaseLock } from '../src/index.ts';

describeOutageHistories('lease', (options) => new LeaseLock(options));
