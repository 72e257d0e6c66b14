/**
 * A ConfigMapLock checks its kubeconfig when built, as LeaseLock does (the check is theirs in common:
 * packages/lease/test/kubeconfig.test.ts has every case): one broken file, named in a `ConfigError`.
 */
import { NAMESPACE, plainHttpKubeconfig } from '@leasehold/kube-tools/testing.ts';
import { afterEach, expect, it } from 'vitest';
import { ConfigMapLock } from '../src/index.ts';

const saved = process.env.KUBECONFIG;
afterEach(() => {
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
});

it('a kubeconfig with a plain http:// server fails when the ConfigMapLock is built, naming the file', () => {
  const token = 'sekret-token-0123456789abcdef';
  const file = plainHttpKubeconfig(token);
  process.env.KUBECONFIG = file;
  expect(() => new ConfigMapLock({ name: 'x', namespace: NAMESPACE, identity: 'pod-a' })).toThrow(
    expect.objectContaining({
      name: 'ConfigError',
      message: expect.stringMatching(
        new RegExp(
          `ConfigMapLock default/x: kubeconfig ${file} \\(from \\$KUBECONFIG\\): cluster "local": server http://127\\.0\\.0\\.1:8080 is plain http://(?!.*${token})`,
        ),
      ),
    }),
  );
});
