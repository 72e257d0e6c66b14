import { describe, expect, it } from 'vitest';
import { ConfigError, ElectionConfig, type ElectionConfigOptions } from '../src/index.ts';
import { stubLock } from './stub-lock.ts';

const lock = stubLock('pod-a');

const base: ElectionConfigOptions = {
  lock,
  leaseDuration: 15,
  renewDeadline: 10,
  retryPeriod: 2,
  onStartedLeading: () => {},
  onStoppedLeading: () => {},
};

function ruleOf(options: Partial<ElectionConfigOptions>): string {
  try {
    new ElectionConfig({ ...base, ...options } as ElectionConfigOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).rule;
  }
  return 'accepted';
}

describe('ElectionConfig', () => {
  it('accepts client-go defaults and exposes identity and name', () => {
    const config = new ElectionConfig(base);
    expect(config.identity).toBe('pod-a');
    expect(config.name).toBe('Lease default/app');
    expect(new ElectionConfig({ ...base, name: 'controller' }).name).toBe('controller');
    expect(config.releaseOnCancel).toBe(true);
    expect(config.requestTimeout).toBe(5);
  });

  it.each([
    [{ leaseDuration: 10 }, 'leaseDuration > renewDeadline'],
    [{ leaseDuration: 9 }, 'leaseDuration > renewDeadline'],
    [{ renewDeadline: 2.4 }, 'renewDeadline > 1.2 * retryPeriod'],
    [{ retryPeriod: 0 }, 'retryPeriod > 0'],
    [{ retryPeriod: -1 }, 'retryPeriod > 0'],
    [{ leaseDuration: Number.NaN }, 'leaseDuration > 0'],
    [{ renewDeadline: 0 }, 'renewDeadline > 0'],
    [{ requestTimeout: 0 }, 'requestTimeout > 0'],
    [{ lock: { ...lock, identity: '' } }, 'identity non-empty'],
    [{ lock: undefined }, 'lock is a Lock'],
    [{ onStartedLeading: undefined }, 'onStartedLeading is a function'],
    [{ onStoppedLeading: 'no' }, 'onStoppedLeading is a function'],
    [{ seed: 1.5 }, 'seed is an integer'],
    [{ leaseDuration: 86_401, renewDeadline: 10 }, 'leaseDuration <= 86400'],
    [{ lock: { ...lock, identity: 'x'.repeat(1_025) } }, 'identity at most 1024 characters'],
  ])('rejects %o naming the violated rule', (options, rule) => {
    expect(ruleOf(options as Partial<ElectionConfigOptions>)).toBe(rule);
  });

  it('states the numbers in the message', () => {
    expect(() => new ElectionConfig({ ...base, renewDeadline: 2 })).toThrow(
      'renewDeadline (2s) must be greater than 1.2 * retryPeriod (2s)',
    );
  });

  it('accepts sub-second durations', () => {
    expect(ruleOf({ leaseDuration: 0.9, renewDeadline: 0.6, retryPeriod: 0.2 })).toBe('accepted');
  });
});
