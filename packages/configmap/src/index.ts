/**
 * `@leasehold/configmap`: `ConfigMapLock`, the election record in the ConfigMap annotation
 * `control-plane.alpha.kubernetes.io/leader`, compatible with kubernetes_asyncio and older client-go.
 *
 * @packageDocumentation
 */

export type { ConfigMapLockOptions } from './configmap-lock.ts';
export { ConfigMapLock, LEADER_ANNOTATION } from './configmap-lock.ts';
