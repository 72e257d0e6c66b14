import { describeOutages } from '@leasehold/kube-tools/outages.ts';

describeOutages('lease');
