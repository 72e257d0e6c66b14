/**
 * `@leasehold/lease`: `LeaseLock`, the election record in a coordination.k8s.io/v1 Lease, compatible with
 * client-go and kubernetes_asyncio. Also exports the Kubernetes error mapping, request options and the
 * health-reporting watch of one object, for users who build a lock on another kind of object.
 *
 * @packageDocumentation
 */

// First, so that it runs before client-node is evaluated: on Node < 22.19 with client-node 2 it throws
// UnsupportedClientNodeError, where client-node's undici would die with a TypeError (client-node-runtime.ts).
import './client-node-runtime.ts';

export { UnsupportedClientNodeError } from './client-node-runtime.ts';
export { checkClientNode, SUPPORTED_CLIENT_NODE } from './client-node-support.ts';
export { kubeLockError, watchLockError } from './kube-errors.ts';
export type { KubeObject, KubeObjectLockOptions } from './kube-object-lock.ts';
export { KubeObjectLock } from './kube-object-lock.ts';
export type { KubeConfigSource } from './kubeconfig.ts';
export { checkKubeConfig, KubeConfigError, kubeConfigSource, loadKubeConfig } from './kubeconfig.ts';
export type { LeaderEventsOptions } from './leader-events.ts';
export { LeaderEventError, recordLeaderEvents } from './leader-events.ts';
export type { LeaseCandidateOptions } from './lease-candidate.ts';
export { LeaseCandidate } from './lease-candidate.ts';
export type { LeaseLockOptions } from './lease-lock.ts';
export { LeaseLock, leaseSpecToRecord, recordToLeaseSpec, toMicroTime } from './lease-lock.ts';
export { MERGE_PATCH, requestOptions } from './request-options.ts';
export type { WatchPhase } from './watch-object.ts';
export { watchNamedObject } from './watch-object.ts';
