/**
 * Identities and names are checked as configuration (docs/guide.md "Configuration"): an empty, blank,
 * over-long or control-character identity (or `name`) is a `ConfigError` naming the field, never a
 * `TypeError` from deeper down.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ElectionConfig, type ElectionConfigOptions, type Lock } from '../src/index.ts';

function lockWith(identity: unknown): Lock {
  return {
    identity: identity as string,
    describe: () => 'Lease default/app',
    get: async () => null,
    create: async () => {
      throw new Error('unused');
    },
    update: async () => {
      throw new Error('unused');
    },
  };
}

function configError(options: Partial<ElectionConfigOptions>): ConfigError {
  try {
    new ElectionConfig({
      lock: lockWith('pod-a'),
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      ...options,
    });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('accepted');
}

describe('identity and name', () => {
  it.each([
    ['empty', '', 'identity non-empty'],
    ['only whitespace', ' \t ', 'identity non-empty'],
    ['not a string', undefined, 'identity non-empty'],
    ['over 1,024 characters', 'p'.repeat(1_025), 'identity at most 1024 characters'],
    ['with a control character', 'pod-a\u001b[2J', 'identity without control characters'],
    ['with a newline', 'pod-a\nforged log line', 'identity without control characters'],
  ])('an identity %s is a ConfigError naming it', (_, identity, rule) => {
    const err = configError({ lock: lockWith(identity) });
    expect(err.rule).toBe(rule);
    expect(err.message).toMatch(/the lock identity/);
    expect(err.message.length).toBeLessThan(300);
  });

  it.each([
    ['empty', '', 'name non-empty'],
    ['only whitespace', '   ', 'name non-empty'],
    ['over 1,024 characters', 'n'.repeat(5_000), 'name at most 1024 characters'],
    ['with a control character', 'app\u0007', 'name without control characters'],
  ])('a name %s is a ConfigError naming it', (_, name, rule) => {
    expect(configError({ name }).rule).toBe(rule);
  });

  it('accepts identities as Kubernetes writes them (pod name, underscore, UUID)', () => {
    const identity = 'controller-7d9f8b6c5-x2x4z_0f8fad5b-d9cb-469f-a165-70867728950e';
    const config = new ElectionConfig({
      lock: lockWith(identity),
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      name: 'my controller',
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    });
    expect(config.identity).toBe(identity);
    expect(config.name).toBe('my controller');
  });
});
