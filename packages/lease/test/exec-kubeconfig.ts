/**
 * A KubeConfig whose user is an exec plugin: `plugin`, a Node script printing an ExecCredential, run with
 * this Node, against `cluster`. The tests write the script (what token it answers, what it records).
 */
import { type Cluster, KubeConfig } from '@kubernetes/client-node';

export function execKubeConfig(cluster: Cluster, plugin: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [
      {
        name: 'exec-user',
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [plugin],
          interactiveMode: 'Never',
        },
      },
    ],
    contexts: [{ name: 'exec', cluster: cluster.name, user: 'exec-user' }],
    currentContext: 'exec',
  });
  return kc;
}
