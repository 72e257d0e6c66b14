/**
 * A KubeConfig for a local plain-HTTP test server on `port` (a scripted API server or proxy), with a token
 * user: client-node accepts http:// only with insecure-skip-tls-verify.
 */
import { KubeConfig } from '@kubernetes/client-node';

export function localKubeConfig(port: number): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kubeConfig;
}
