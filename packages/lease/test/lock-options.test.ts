/**
 * A Kubernetes lock built with an empty or blank name, namespace or identity (an unset POD_NAME) throws the
 * `ConfigError` docs/guide.md "Configuration" lists, naming the field, before it touches a kubeconfig.
 */
import { ConfigError } from '@leasehold/core';
import { describe, expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';

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
