/**
 * A KubeConfig whose user is an exec plugin: a Node script, run with this Node, printing an ExecCredential
 * with the token in the returned `tokenFile` (rewrite it to rotate the credential). Each run appends a line
 * to a file (`runs()` counts them). With `expired`, the credential says it expired as it was issued, so
 * client-node runs the plugin every time it is asked for the credential (it caches one until it expires).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, KubeConfig } from '@kubernetes/client-node';

/** The plugin: what it answers and where it counts its runs come from the environment. */
const PLUGIN = `import { appendFileSync, readFileSync } from 'node:fs';
appendFileSync(process.env.RUNS, 'run\\n');
const status = { token: readFileSync(process.env.TOKEN_FILE, 'utf8') };
if (process.env.EXPIRED) status.expirationTimestamp = '2000-01-01T00:00:00Z';
process.stdout.write(
  JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }),
);
`;

export function execKubeConfig(
  cluster: Cluster,
  token: string,
  expired = false,
): { kc: KubeConfig; tokenFile: string; runs: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-exec-'));
  const runs = join(dir, 'runs');
  const tokenFile = join(dir, 'token');
  writeFileSync(runs, '');
  writeFileSync(tokenFile, token);
  const script = join(dir, 'plugin.mjs');
  writeFileSync(script, PLUGIN);
  const env = [
    { name: 'RUNS', value: runs },
    { name: 'TOKEN_FILE', value: tokenFile },
    ...(expired ? [{ name: 'EXPIRED', value: '1' }] : []),
  ];
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [
      {
        name: 'exec-user',
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [script],
          env,
          interactiveMode: 'Never',
        },
      },
    ],
    contexts: [{ name: 'exec', cluster: cluster.name, user: 'exec-user' }],
    currentContext: 'exec',
  });
  return { kc, tokenFile, runs: () => readFileSync(runs, 'utf8').split('\n').length - 1 };
}
