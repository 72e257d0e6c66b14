/**
 * A ConfigMapLock checks its kubeconfig when built, as LeaseLock does (the check is theirs in common:
 * packages/lease/test/kubeconfig.test.ts has every case): one broken file, named in a `ConfigError`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@leasehold/core';
import { NAMESPACE } from '@leasehold/kube-tools/testing.ts';
import { afterEach, expect, it } from 'vitest';
import { ConfigMapLock } from '../src/index.ts';

const saved = process.env.KUBECONFIG;
afterEach(() => {
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
});

it('a kubeconfig with a plain http:// server fails when the ConfigMapLock is built, naming the file', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'leasehold-kubeconfig-')), 'config');
  const token = 'sekret-token-0123456789abcdef';
  writeFileSync(
    file,
    JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:8080' } }],
      users: [{ name: 'me', user: { token } }],
      contexts: [{ name: 'main', context: { cluster: 'c', user: 'me' } }],
      'current-context': 'main',
    }),
  );
  process.env.KUBECONFIG = file;
  let error: unknown;
  try {
    new ConfigMapLock({ name: 'x', namespace: NAMESPACE, identity: 'pod-a' });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain(
    `ConfigMapLock default/x: kubeconfig ${file} (from $KUBECONFIG): cluster "c": server http://127.0.0.1:8080 is plain http://`,
  );
  expect(String(error)).not.toContain(token);
});
