/**
 * Which `@kubernetes/client-node` the Kubernetes locks run on, checked when a lock is built so that an
 * unsupported one fails there, by name, instead of degrading later (requests that cannot carry a timeout, a
 * watch that dies on an object from another copy).
 *
 * Supported: 1.4 and later 1.x, and 2.x (2.0.1 and later; client-node 2 itself needs Node >= 22.19). 1.0 to
 * 1.3 lack `RequestContext.setSignal`, which every lock request needs for its timeout. A `KubeConfig` made by
 * another copy of client-node than the one this package imports (two versions installed side by side) is
 * refused too: its objects do not fit this copy's classes (`context.setAgent is not a function` in a watch).
 * client-node 2 on a Node older than 22.19 is refused earlier, when the package is imported
 * (client-node-runtime.ts).
 */
import { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { clientNodeVersion, UnsupportedClientNodeError } from './client-node-runtime.ts';

/** The peer range, as package.json states it. */
export const SUPPORTED_CLIENT_NODE = '^1.4.0 || ^2.0.1';

let checked = false;

/**
 * Throws `UnsupportedClientNodeError` when the client-node this package imports is too old, or when
 * `kubeConfig` was made by another copy of it.
 */
export function checkClientNode(kubeConfig: unknown, lock: string): void {
  if (!checked) {
    if (typeof RequestContext.prototype.setSignal !== 'function') {
      const { version, where } = clientNodeVersion();
      throw new UnsupportedClientNodeError(
        `${lock}: @kubernetes/client-node ${version}${where} is not supported: it has no ` +
          `RequestContext.setSignal, which every lock request needs for its timeout; ` +
          `install a version in ${SUPPORTED_CLIENT_NODE}`,
        version,
      );
    }
    checked = true;
  }
  if (!(kubeConfig instanceof KubeConfig)) {
    const { version, where } = clientNodeVersion();
    throw new UnsupportedClientNodeError(
      `${lock}: kubeConfig is not a KubeConfig of the @kubernetes/client-node this package uses ` +
        `(${version}${where}); it comes from another copy. Install one copy (client-node is a peer ` +
        `dependency: ${SUPPORTED_CLIENT_NODE}), for example with \`npm dedupe\``,
      version,
    );
  }
}
