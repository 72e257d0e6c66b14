/**
 * Kubeconfig checks when a lock is built. A kubeconfig client-node cannot use (missing or unreadable, not
 * YAML, no current context, a context naming a cluster or user it does not define, a plain `http://` server
 * without `insecure-skip-tls-verify`, a certificate or token file that cannot be read) fails there, as a
 * `ConfigError` naming the file and what is wrong. Unchecked, every request fails later instead, forever
 * (client-node's "HTTP protocol is not allowed when skipTLSVerify is not set or false" each retry period),
 * while the process looks alive.
 *
 * Messages name files, fields, entry names and error codes, never the file's contents: a kubeconfig holds
 * tokens and keys, and a YAML parser's error quotes the lines around the fault.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, quote } from '@leasehold/core';

/** Where client-node finds the in-cluster service account (`KubeConfig.loadFromCluster`). */
const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The rule `ConfigError` names for every kubeconfig failure. */
const RULE = 'kubeConfig';

/** Where each KubeConfig made by `loadKubeConfig` came from, so later checks can name the file. */
const sources = new WeakMap<KubeConfig, string>();

/**
 * The KubeConfig kubectl would pick: `$KUBECONFIG`, else `~/.kube/config`, else the in-cluster service
 * account, loaded and checked (`checkKubeConfig`). Throws `ConfigError` naming the file and the fault when
 * there is none, it cannot be read or parsed, or it cannot be used. `who` prefixes the message.
 */
export function loadKubeConfig(who = 'loadKubeConfig'): KubeConfig {
  const source = defaultSource(who);
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromDefault();
  } catch (err) {
    throw new ConfigError(RULE, `${who}: ${source}: ${loadFailure(err)}`);
  }
  sources.set(kubeConfig, source);
  checkKubeConfig(kubeConfig, who);
  return kubeConfig;
}

/**
 * Throws `ConfigError` when `kubeConfig` cannot reach a cluster: no current context, a context naming a
 * cluster or user it does not define, a server URL that is not https:// (or http:// with
 * `insecure-skip-tls-verify`, as client-node requires), a certificate, key or token file that cannot be
 * read. `who` (the lock) prefixes the message; the file is named when `loadKubeConfig` made the KubeConfig.
 */
export function checkKubeConfig(kubeConfig: KubeConfig, who: string): void {
  const fault = faultOf(kubeConfig);
  if (fault !== null)
    throw new ConfigError(RULE, `${who}: ${sources.get(kubeConfig) ?? 'the KubeConfig given'}: ${fault}`);
}

/** What keeps `kubeConfig` from reaching its cluster, or `null`. */
function faultOf(kubeConfig: KubeConfig): string | null {
  const contextName = kubeConfig.getCurrentContext();
  if (!contextName) return 'no current-context is set';
  const context = kubeConfig.getContextObject(contextName);
  if (!context) return `the current-context ${quote(contextName)} is not among its contexts`;
  if (!context.cluster) return `context ${quote(contextName)} names no cluster`;
  const cluster = kubeConfig.getCluster(context.cluster);
  if (!cluster)
    return `context ${quote(contextName)} names cluster ${quote(context.cluster)}, which it does not define`;
  const clusterName = `cluster ${quote(cluster.name)}`;
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    return `${clusterName}: its server is not a URL`;
  }
  // The origin only: a URL may carry a user name and password.
  if (server.protocol !== 'https:' && server.protocol !== 'http:')
    return `${clusterName}: server ${server.protocol}// is neither https:// nor http://`;
  if (server.protocol === 'http:' && !cluster.skipTLSVerify && !cluster.proxyUrl)
    return (
      `${clusterName}: server ${server.origin} is plain http:// and insecure-skip-tls-verify is not set, ` +
      'so client-node would refuse every request ("HTTP protocol is not allowed when skipTLSVerify is not ' +
      'set or false"); use the https:// address, or set insecure-skip-tls-verify: true for a local proxy'
    );
  const files: [string | undefined, string][] = [[cluster.caFile, `${clusterName}: certificate-authority`]];
  if (context.user) {
    const user = kubeConfig.getUser(context.user);
    if (!user)
      return `context ${quote(contextName)} names user ${quote(context.user)}, which it does not define`;
    const userName = `user ${quote(user.name)}`;
    const tokenFile = user.authProvider?.config?.tokenFile;
    files.push(
      [user.certFile, `${userName}: client-certificate`],
      [user.keyFile, `${userName}: client-key`],
      [typeof tokenFile === 'string' ? tokenFile : undefined, `${userName}: token file`],
    );
  }
  for (const [path, field] of files) {
    if (!path) continue;
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      return `${field} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }
  return null;
}

/** Which file `KubeConfig.loadFromDefault` reads, in its order; `ConfigError` when there is none. */
function defaultSource(who: string): string {
  const env = process.env.KUBECONFIG;
  if (env) {
    const files = env.split(delimiter).filter((file) => file);
    return `kubeconfig ${files.join(delimiter)} (from $KUBECONFIG)`;
  }
  const home = process.env.HOME || homedir();
  const file = join(home, '.kube', 'config');
  if (existsSync(file)) return `kubeconfig ${file}`;
  if (existsSync(join(SERVICE_ACCOUNT, 'token'))) {
    // client-node builds the server URL from these; without them it would be https://undefined:undefined.
    for (const variable of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'])
      if (!process.env[variable])
        throw new ConfigError(
          RULE,
          `${who}: the in-cluster service account (${SERVICE_ACCOUNT}): $${variable} is not set`,
        );
    return `the in-cluster service account (${SERVICE_ACCOUNT})`;
  }
  throw new ConfigError(
    RULE,
    `${who}: no kubeconfig: $KUBECONFIG is not set, ${file} does not exist, and there is no in-cluster ` +
      `service account token (${SERVICE_ACCOUNT}/token); client-node would fall back to ` +
      'http://localhost:8080 and fail every request',
  );
}

/** Why loading failed, without the file's contents (a YAML error quotes the lines around the fault). */
function loadFailure(err: unknown): string {
  const e = err as { code?: unknown; path?: unknown; name?: unknown; mark?: { line?: unknown } };
  if (typeof e?.code === 'string')
    return `${typeof e.path === 'string' ? e.path : 'it'} cannot be read (${e.code})`;
  if (e?.name === 'YAMLException')
    return `not valid YAML${typeof e.mark?.line === 'number' ? ` (near line ${e.mark.line + 1})` : ''}`;
  // client-node's own checks of the entries ("clusters[0].cluster.server is missing") name fields only.
  const message = err instanceof Error ? err.message : '';
  if (/^(clusters|users|contexts)\[\d+\]\.[\w.]+ is missing$/.test(message)) return message;
  return `not a kubeconfig client-node can load (${err instanceof Error ? err.name : typeof err})`;
}
