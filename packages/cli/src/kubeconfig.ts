/**
 * Loads the kubeconfig for `status` and `watch` the way kubectl finds it (--kubeconfig, else every file in
 * KUBECONFIG merged, else ~/.kube/config, else the Pod's service account), and says what is wrong with a
 * bad one in words of its own. client-node's loader errors are never printed: js-yaml's message quotes the
 * lines around a syntax error, and in a kubeconfig those are often `token:` or `client-key-data:` lines, so
 * a typo would put a credential on the terminal, in CI logs and in bug reports. The message names the file
 * and the problem (with a line and column for a syntax error) and nothing the file contains (main.ts escapes
 * the file name itself like every message).
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { CliError } from './errors.ts';

/** Where client-node's in-cluster loader finds the Pod's service-account token. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The files a lookup would load: `explicit`, else KUBECONFIG's entries, else ~/.kube/config if present. */
function kubeconfigFiles(explicit: string | undefined): string[] {
  if (explicit !== undefined) return [explicit];
  const fromEnv = (process.env.KUBECONFIG ?? '').split(delimiter).filter((f) => f.length > 0);
  if (fromEnv.length > 0) return fromEnv;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/** What is wrong with a kubeconfig `loadFromFile` refused, without quoting the file. */
function problem(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; mark?: { line?: unknown; column?: unknown } };
  if (e?.name === 'YAMLException') {
    const { line, column } = e.mark ?? {};
    return typeof line === 'number' && typeof column === 'number'
      ? `not valid YAML at line ${line + 1}, column ${column + 1}`
      : 'not valid YAML';
  }
  const message = typeof e?.message === 'string' ? e.message : '';
  // client-node's shape checks name a field and quote nothing: "users[0].name is missing".
  if (/^(clusters|users|contexts)\[\d+\](\.[a-z-]+)* is missing$/i.test(message)) return message;
  const duplicate = /^Duplicate (cluster|user|context):/.exec(message);
  if (duplicate) return `two entries define the same ${duplicate[1]} name`;
  if (e?.name === 'TypeError')
    return 'not a kubeconfig (expected a mapping with clusters, users and contexts)';
  return 'not a valid kubeconfig';
}

/** Loads one file; a `CliError` (exit 3) names the file and the problem. */
function loadFile(file: string): KubeConfig {
  if (!existsSync(file)) throw new CliError(3, `kubeconfig ${file}: no such file`);
  if (statSync(file).isDirectory()) throw new CliError(3, `kubeconfig ${file}: is a directory`);
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new CliError(3, `kubeconfig ${file}: cannot be read (permission denied)`);
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(file);
  } catch (err) {
    throw new CliError(3, `kubeconfig ${file}: ${problem(err)}`);
  }
  return kubeConfig;
}

/** The kubeconfig to use, and what it came from (for messages). */
export function loadKubeConfig(explicit: string | undefined): { kubeConfig: KubeConfig; source: string } {
  const files = kubeconfigFiles(explicit);
  if (files.length === 0) {
    if (existsSync(SERVICE_ACCOUNT_TOKEN)) {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromCluster();
      return { kubeConfig, source: 'the Pod service account' };
    }
    throw new CliError(3, 'no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config');
  }
  const [first, ...rest] = files.map(loadFile);
  const kubeConfig = first!;
  rest.forEach((next, i) => {
    try {
      // As kubectl merges KUBECONFIG: the first file that sets a current-context wins.
      kubeConfig.mergeConfig(next, Boolean(kubeConfig.getCurrentContext()));
    } catch (err) {
      throw new CliError(3, `kubeconfig ${files[i + 1]!}: ${problem(err)}`);
    }
  });
  const source = files.join(delimiter);
  // A file that parses as YAML but is no mapping (a pasted token, say) loads as an empty kubeconfig.
  if (kubeConfig.getClusters().length === 0)
    throw new CliError(
      3,
      `kubeconfig ${source}: defines no cluster (a kubeconfig is a mapping with clusters, users and contexts)`,
    );
  return { kubeConfig, source };
}
