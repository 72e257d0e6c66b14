import { describeMultiProcessElection } from '@leasehold/kube-tools/election-scenarios.ts';

describeMultiProcessElection('lease');
