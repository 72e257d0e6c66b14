/**
 * @leasehold/lease: `LeaseLock`, the election record in a coordination.k8s.io/v1 Lease, compatible with
 * client-go and kubernetes_asyncio. Also exports the Kubernetes error mapping and request options, for
 * users who build a lock on another kind of object.
 */

export { kubeLockError } from './kube-errors.ts';
export type { LeaseLockOptions } from './lease-lock.ts';
export { LeaseLock, leaseSpecToRecord, recordToLeaseSpec, toMicroTime } from './lease-lock.ts';
export { MERGE_PATCH, requestOptions } from './request-options.ts';
