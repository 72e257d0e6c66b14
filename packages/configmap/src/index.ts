/**
 * `@leasehold/configmap`: `ConfigMapLock`, the election record in the ConfigMap annotation
 * `control-plane.alpha.kubernetes.io/leader`, compatible with kubernetes_asyncio and older client-go.
 *
 * @packageDocumentation
 */

// First, before configmap-lock.ts imports client-node: @leasehold/lease refuses client-node 2 on Node < 22.19
// with UnsupportedClientNodeError before client-node's undici dies with a TypeError (ESM evaluates in order).
import '@leasehold/lease';

export type { ConfigMapLockOptions } from './configmap-lock.ts';
export { ConfigMapLock, LEADER_ANNOTATION } from './configmap-lock.ts';
