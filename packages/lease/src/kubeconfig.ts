/**
 * Kubeconfig checks when a lock is built. A kubeconfig client-node cannot use (missing or unreadable, not
 * YAML, no current context, a context naming a cluster or user it does not define, a plain `http://` server
 * without `insecure-skip-tls-verify`, a certificate or token file that cannot be read) fails there, as a
 * `ConfigError` naming the file and what is wrong. Unchecked, every request fails later instead, forever
 * (client-node's "HTTP protocol is not allowed when skipTLSVerify is not set or false" each retry period),
 * while the process looks alive.
 *
 * Messages name files, fields, entry names and error codes, never the file's contents: a kubeconfig holds
 * tokens and keys, and a YAML parser's error quotes the lines around the fault. The one loader of the
 * repository: the CLI's `status` and `watch` use it too (with `--kubeconfig`), printing a
 * `KubeConfigError`'s file and fault.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '@leasehold/core';
import { quote } from '@leasehold/core/internal';

/** Where client-node finds the in-cluster service account (`KubeConfig.loadFromCluster`). */
const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The rule `ConfigError` names for every kubeconfig failure. */
const RULE = 'kubeConfig';

/** Where a kubeconfig came from: the files read (none in a pod or when given), and how it reads in a message. */
export interface KubeConfigSource {
  /** The kubeconfig files read, in order; empty for the in-cluster account or a KubeConfig given. */
  readonly files: readonly string[];
  /** How the source reads in a message, e.g. `kubeconfig /home/me/.kube/config`. */
  readonly text: string;
}

/** Where each KubeConfig made by `loadKubeConfig` came from, so later checks can name the file. */
const sources = new WeakMap<KubeConfig, KubeConfigSource>();

/** The KubeConfig given to a lock rather than loaded here: no file to name. */
const GIVEN: KubeConfigSource = { files: [], text: 'the KubeConfig given' };

/**
 * A kubeconfig that cannot be used (a `ConfigError`, rule `kubeConfig`), with its parts apart for a caller
 * that words its own message (the CLI): `files` the kubeconfig files it came from (empty in a pod or for a
 * KubeConfig given), `source` how the message names where it came from, `fault` what is wrong, naming no
 * file contents.
 */
export class KubeConfigError extends ConfigError {
  /** The kubeconfig files it was loaded from, in order; empty for the in-cluster account or one given. */
  readonly files: readonly string[];
  /** Where it came from, as the message names it: `kubeconfig FILE (from $KUBECONFIG)`, `no kubeconfig`, ... */
  readonly source: string;
  /** What is wrong, e.g. `not valid YAML at line 6, column 4`. */
  readonly fault: string;
  constructor(who: string, source: KubeConfigSource, fault: string) {
    super(RULE, `${who}: ${source.text}: ${fault}`);
    this.files = source.files;
    this.source = source.text;
    this.fault = fault;
  }
}

/**
 * The KubeConfig kubectl would pick: `file` when given (kubectl's `--kubeconfig`), else every file in
 * `$KUBECONFIG` merged (the first to set a current-context wins, as kubectl merges), else `~/.kube/config`,
 * else the in-cluster service account, loaded and checked (`checkKubeConfig`). Throws `KubeConfigError`
 * naming the file and the fault when there is none, it cannot be read or parsed, or it cannot be used.
 * `who` prefixes the message.
 */
export function loadKubeConfig(who = 'loadKubeConfig', file?: string): KubeConfig {
  const source = file === undefined ? defaultSource(who) : { files: [file], text: `kubeconfig ${file}` };
  const kubeConfig = new KubeConfig();
  if (source.files.length === 0) {
    kubeConfig.loadFromCluster();
  } else {
    source.files.forEach((path, i) => {
      const next = i === 0 ? kubeConfig : new KubeConfig();
      try {
        next.loadFromFile(path);
        if (next !== kubeConfig) kubeConfig.mergeConfig(next, Boolean(kubeConfig.getCurrentContext()));
      } catch (err) {
        throw new KubeConfigError(who, source, loadFailure(err, path, source.files.length > 1));
      }
    });
    // A file that parses as YAML but is no mapping (a pasted token, say) loads as an empty kubeconfig.
    if (!kubeConfig.getClusters().length && !kubeConfig.getUsers().length && !kubeConfig.getContexts().length)
      throw new KubeConfigError(
        who,
        source,
        'defines no cluster (a kubeconfig is a mapping with clusters, users and contexts)',
      );
  }
  sources.set(kubeConfig, source);
  checkKubeConfig(kubeConfig, who);
  return kubeConfig;
}

/** What `loadKubeConfig` loaded `kubeConfig` from, as messages name it (`kubeconfig FILE`); else `undefined`. */
export function kubeConfigSource(kubeConfig: KubeConfig): string | undefined {
  return sources.get(kubeConfig)?.text;
}

/**
 * Throws `KubeConfigError` when `kubeConfig` cannot reach a cluster: no current context, a context naming a
 * cluster or user it does not define, a server URL that is not https:// (or http:// with
 * `insecure-skip-tls-verify`, as client-node requires), a certificate, key or token file that cannot be
 * read. `who` (the lock) prefixes the message; the file is named when `loadKubeConfig` made the KubeConfig.
 */
export function checkKubeConfig(kubeConfig: KubeConfig, who: string): void {
  const fault = faultOf(kubeConfig);
  if (fault !== null) throw new KubeConfigError(who, sources.get(kubeConfig) ?? GIVEN, fault);
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

/**
 * Where kubectl would look with no `--kubeconfig`, in its order (`$KUBECONFIG`, `~/.kube/config` with HOME
 * as client-node reads it, the in-cluster service account); `KubeConfigError` when there is none.
 */
function defaultSource(who: string): KubeConfigSource {
  const env = process.env.KUBECONFIG;
  if (env) {
    const files = env.split(delimiter).filter((file) => file);
    if (files.length > 0) return { files, text: `kubeconfig ${files.join(delimiter)} (from $KUBECONFIG)` };
  }
  const home = process.env.HOME || homedir();
  const file = join(home, '.kube', 'config');
  if (existsSync(file)) return { files: [file], text: `kubeconfig ${file}` };
  const inCluster = { files: [], text: `the in-cluster service account (${SERVICE_ACCOUNT})` };
  if (existsSync(join(SERVICE_ACCOUNT, 'token'))) {
    // client-node builds the server URL from these; without them it would be https://undefined:undefined.
    for (const variable of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'])
      if (!process.env[variable]) throw new KubeConfigError(who, inCluster, `$${variable} is not set`);
    return inCluster;
  }
  throw new KubeConfigError(
    who,
    { files: [], text: 'no kubeconfig' },
    `$KUBECONFIG is not set, ${file} does not exist, and there is no in-cluster ` +
      `service account token (${SERVICE_ACCOUNT}/token); client-node would fall back to ` +
      'http://localhost:8080 and fail every request',
  );
}

/**
 * Why loading `file` failed, without the file's contents (a YAML error quotes the lines around the fault).
 * `named`: several files were merged, so the fault names which.
 */
function loadFailure(err: unknown, file: string, named: boolean): string {
  const e = err as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    mark?: { line?: unknown; column?: unknown };
  };
  const which = named ? `${file}: ` : '';
  if (typeof e?.code === 'string') return `${file} cannot be read (${e.code})`;
  if (e?.name === 'YAMLException') {
    const { line, column } = e.mark ?? {};
    return typeof line === 'number' && typeof column === 'number'
      ? `${which}not valid YAML at line ${line + 1}, column ${column + 1}`
      : `${which}not valid YAML`;
  }
  const message = typeof e?.message === 'string' ? e.message : '';
  // client-node's own checks of the entries ("clusters[0].cluster.server is missing") name fields only.
  if (/^(clusters|users|contexts)\[\d+\](\.[\w-]+)* is missing$/i.test(message)) return `${which}${message}`;
  const duplicate = /^Duplicate (cluster|user|context):/.exec(message);
  if (duplicate) return `${which}two entries define the same ${duplicate[1]} name`;
  if (e?.name === 'TypeError')
    return `${which}not a kubeconfig (expected a mapping with clusters, users and contexts)`;
  return `${which}not a kubeconfig client-node can load (${err instanceof Error ? err.name : typeof err})`;
}
