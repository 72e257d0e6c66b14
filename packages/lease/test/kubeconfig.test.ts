/**
 * A kubeconfig that cannot reach a cluster fails when the lock is built, as a `ConfigError` naming the file
 * and the fault, never quoting the file's contents (it holds tokens). Each case builds a lock the way a
 * user does, from $KUBECONFIG (or an explicit KubeConfig); the last builds one from the real control plane's
 * kubeconfig and reads through it. The ha-controller example exiting on one: examples/kube/ha-controller.test.ts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '@leasehold/core';
import { kubeconfigPath, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseLock, loadKubeConfig } from '../src/index.ts';

/** A token that must never appear in a message. */
const TOKEN = 'sekret-token-0123456789abcdef';

let dir: string;
const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leasehold-kubeconfig-'));
});
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** Writes a kubeconfig file (object as JSON, string as is) and points $KUBECONFIG at it. */
function kubeconfigFile(content: object | string, file = 'config'): string {
  const path = join(dir, file);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  process.env.KUBECONFIG = path;
  return path;
}

/** A kubeconfig with one context `main` (current) on `cluster`, as user `me` with the token. */
function config(cluster: Record<string, unknown>, overrides: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'me', user: { token: TOKEN } }],
    contexts: [{ name: 'main', context: { cluster: 'c', user: 'me' } }],
    'current-context': 'main',
    ...overrides,
  };
}

/** The error building a LeaseLock from $KUBECONFIG throws (ConfigMapLock: packages/configmap/test). */
function constructionError(): ConfigError {
  let error: unknown;
  try {
    new LeaseLock({ name: 'x', namespace: NAMESPACE, identity: 'pod-a' });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).rule).toBe('kubeConfig');
  expect((error as Error).message).toMatch(/^invalid election config \(kubeConfig\): LeaseLock default\/x: /);
  expect(String(error)).not.toContain(TOKEN);
  return error as ConfigError;
}

describe('a kubeconfig that cannot be used fails when the lock is built', () => {
  it('a missing file: named, with the error code', () => {
    process.env.KUBECONFIG = join(dir, 'absent');
    expect(constructionError().message).toContain(
      `kubeconfig ${dir}/absent (from $KUBECONFIG): ${dir}/absent cannot be read (ENOENT)`,
    );
  });

  it('an unreadable file (a directory): named, with the error code', () => {
    mkdirSync(join(dir, 'a-directory'));
    process.env.KUBECONFIG = join(dir, 'a-directory');
    expect(constructionError().message).toContain(
      `kubeconfig ${dir}/a-directory (from $KUBECONFIG): ${dir}/a-directory cannot be read (EISDIR)`,
    );
  });

  it('not YAML: the line, never the text around it (it holds the token)', () => {
    const file = kubeconfigFile(`users:\n- name: me\n  user:\n    token: ${TOKEN}\n   bad: [indent\n`);
    const { message } = constructionError();
    expect(message).toMatch(
      new RegExp(`kubeconfig ${file} \\(from \\$KUBECONFIG\\): not valid YAML at line \\d+, column \\d+$`),
    );
  });

  it('no current context', () => {
    const file = kubeconfigFile(
      config({ server: 'https://127.0.0.1:6443' }, { 'current-context': undefined }),
    );
    expect(constructionError().message).toContain(
      `kubeconfig ${file} (from $KUBECONFIG): no current-context is set`,
    );
  });

  it('a current context that is not defined', () => {
    kubeconfigFile(config({ server: 'https://127.0.0.1:6443' }, { 'current-context': 'elsewhere' }));
    expect(constructionError().message).toContain(
      'the current-context "elsewhere" is not among its contexts',
    );
  });

  it('no cluster: the context names one the file does not define', () => {
    kubeconfigFile(config({ server: 'https://127.0.0.1:6443' }, { clusters: [] }));
    expect(constructionError().message).toContain(
      'context "main" names cluster "c", which it does not define',
    );
  });

  it('a context naming a user the file does not define', () => {
    kubeconfigFile(config({ server: 'https://127.0.0.1:6443' }, { users: [] }));
    expect(constructionError().message).toContain('context "main" names user "me", which it does not define');
  });

  it('a plain http:// server without insecure-skip-tls-verify (client-node would refuse every request)', () => {
    const file = kubeconfigFile(config({ server: 'http://user:password@127.0.0.1:8080/' }));
    const { message } = constructionError();
    expect(message).toContain(
      `kubeconfig ${file} (from $KUBECONFIG): cluster "c": server http://127.0.0.1:8080 is plain http:// and ` +
        'insecure-skip-tls-verify is not set',
    );
    expect(message).not.toContain('password');
    // With the flag, client-node accepts it (a local proxy): so does the lock.
    kubeconfigFile(config({ server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': true }));
    expect(new LeaseLock({ name: 'x', namespace: NAMESPACE, identity: 'pod-a' }).kubeConfig).toBeDefined();
  });

  it('a certificate file that cannot be read', () => {
    kubeconfigFile(
      config({ server: 'https://127.0.0.1:6443', 'certificate-authority': join(dir, 'ca.crt') }),
    );
    expect(constructionError().message).toContain(
      `cluster "c": certificate-authority ${dir}/ca.crt cannot be read (ENOENT)`,
    );
  });

  it('no kubeconfig at all (no $KUBECONFIG, no ~/.kube/config, not in a pod)', () => {
    delete process.env.KUBECONFIG;
    process.env.HOME = dir;
    expect(constructionError().message).toContain(
      `no kubeconfig: $KUBECONFIG is not set, ${dir}/.kube/config does not exist, and there is no in-cluster`,
    );
  });

  it('a KubeConfig passed in is checked too (it has no file to name)', () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(JSON.stringify(config({ server: 'http://127.0.0.1:8080' })));
    expect(() => new LeaseLock({ name: 'x', namespace: NAMESPACE, identity: 'pod-a', kubeConfig })).toThrow(
      /LeaseLock default\/x: the KubeConfig given: cluster "c": server http:\/\/127\.0\.0\.1:8080 is plain http/,
    );
  });
});

it("the test control plane's kubeconfig passes, and the lock built from it reads the Lease", async () => {
  process.env.KUBECONFIG = kubeconfigPath();
  const lock = new LeaseLock({ name: uniqueName('kubeconfig'), namespace: NAMESPACE, identity: 'pod-a' });
  expect(await lock.get()).toBeNull();
  expect(loadKubeConfig().getCurrentContext()).toBe('admin');
});
