/**
 * A Kubernetes lock built with an empty or blank name, namespace or identity (an unset POD_NAME) throws the
 * `ConfigError` docs/guide.md "Configuration" lists, naming the field, before it touches a kubeconfig; so
 * does a LeaseCandidate.
 */
import { ConfigError } from '@leasehold/core';
import { kubeConfig } from '@leasehold/kube-tools/testing.ts';
import { describe, expect, it } from 'vitest';
import { LeaseCandidate, LeaseLock } from '../src/index.ts';

const ok = { name: 'app', namespace: 'default', identity: 'pod-a' };

describe('LeaseLock options', () => {
  it.each([
    ['identity', ''],
    ['identity', '   '],
    ['name', ''],
    ['namespace', '\t'],
  ] as const)('%s %j is a ConfigError naming it', (field, value) => {
    let caught: unknown;
    try {
      new LeaseLock({ ...ok, [field]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).rule).toBe(`${field} non-empty`);
    expect((caught as ConfigError).message).toMatch(
      new RegExp(`LeaseLock: ${field} must be a non-empty string`),
    );
  });
});

describe('LeaseCandidate options', () => {
  it.each([
    ['identity', ''],
    ['leaseName', '  '],
    ['namespace', ''],
    ['binaryVersion', '\t'],
  ] as const)('%s %j is a ConfigError naming it', (field, value) => {
    const options = { leaseName: 'app', namespace: 'default', identity: 'pod-a', binaryVersion: '1.0.0' };
    expect(() => new LeaseCandidate({ ...options, kubeConfig: kubeConfig(), [field]: value })).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        rule: `${field} non-empty`,
        message: expect.stringContaining(`LeaseCandidate: ${field} must be a non-empty string`),
      }),
    );
  });
});
