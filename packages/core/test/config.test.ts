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
      'renewDeadline (2 s) must be greater than 1.2 * retryPeriod (2 s)',
    );
  });

  it('says which side of a comparison is a default', () => {
    const bare = { lock, onStartedLeading: () => {}, onStoppedLeading: () => {} };
    expect(() => new ElectionConfig({ ...bare, leaseDuration: 8 })).toThrow(
      'leaseDuration (8 s) must be greater than renewDeadline (10 s, the default)',
    );
    expect(() => new ElectionConfig({ ...bare, renewDeadline: 2 })).toThrow(
      'renewDeadline (2 s) must be greater than 1.2 * retryPeriod (2 s, the default)',
    );
    expect(() => new ElectionConfig({ ...bare, renewDeadline: 20 })).toThrow(
      'leaseDuration (15 s, the default) must be greater than renewDeadline (20 s)',
    );
  });

  it.each([
    ['15', 'leaseDuration', 'got "15" (a string)'],
    [true, 'retryPeriod', 'got true (a boolean)'],
    [10n, 'renewDeadline', 'got 10n (a bigint)'],
    [[15], 'leaseDuration', 'got an array of 1 items'],
    [Number.NaN, 'leaseDuration', 'got NaN'],
  ])('names the type of a duration that is not a number: %o', (value, field, said) => {
    expect(() => new ElectionConfig({ ...base, [field]: value } as ElectionConfigOptions)).toThrow(
      `${field} must be a finite number of seconds, ${said}`,
    );
  });

  it('accepts sub-second durations', () => {
    expect(ruleOf({ leaseDuration: 0.9, renewDeadline: 0.6, retryPeriod: 0.2 })).toBe('accepted');
  });
});

/**
 * Identities and names are checked as configuration: an empty, blank, over-long or control-character
 * identity (or `name`) is a `ConfigError` naming the field, never a `TypeError` from deeper down.
 */
describe('identity and name', () => {
  const messageOf = (options: Partial<ElectionConfigOptions>): string => {
    try {
      new ElectionConfig({ ...base, ...options });
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };

  it.each([
    ['empty', '', 'identity non-empty'],
    ['only whitespace', ' \t ', 'identity non-empty'],
    ['not a string', undefined, 'identity non-empty'],
    ['over 1,024 characters', 'p'.repeat(1_025), 'identity at most 1024 characters'],
    ['with a control character', 'pod-a\u001b[2J', 'identity without control characters'],
    ['with a newline', 'pod-a\nforged log line', 'identity without control characters'],
  ])('an identity %s is a ConfigError naming it', (_, identity, rule) => {
    const options = { lock: { ...lock, identity: identity as string } };
    expect(ruleOf(options)).toBe(rule);
    expect(messageOf(options)).toMatch(/the lock identity/);
    expect(messageOf(options).length).toBeLessThan(300);
  });

  it.each([
    ['empty', '', 'name non-empty'],
    ['only whitespace', '   ', 'name non-empty'],
    ['over 1,024 characters', 'n'.repeat(5_000), 'name at most 1024 characters'],
    ['with a control character', 'app\u0007', 'name without control characters'],
  ])('a name %s is a ConfigError naming it', (_, name, rule) => {
    expect(ruleOf({ name })).toBe(rule);
  });

  it('accepts identities as Kubernetes writes them (pod name, underscore, UUID)', () => {
    const identity = 'controller-7d9f8b6c5-x2x4z_0f8fad5b-d9cb-469f-a165-70867728950e';
    const config = new ElectionConfig({ ...base, lock: { ...lock, identity }, name: 'my controller' });
    expect(config.identity).toBe(identity);
    expect(config.name).toBe('my controller');
  });
});

/**
 * Durations in milliseconds given as seconds are legal (an hour-long lease, a 2 ms retry period in a test)
 * and most likely a mistake: one warning each through the election's logger at construction, naming the
 * option and its value.
 */
describe('durations that look like milliseconds', () => {
  type Entry = { level: string; args: unknown[] };
  const capture = () => {
    const entries: Entry[] = [];
    const at =
      (level: string) =>
      (...args: unknown[]) =>
        entries.push({ level, args });
    return {
      entries,
      logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    };
  };
  const build = (durations: Partial<ElectionConfigOptions>) => {
    const { entries, logger } = capture();
    new ElectionConfig({ ...base, ...durations, logger, name: 'jobs' });
    return entries;
  };

  it('warns once of a lease over an hour, naming the option and the value', () => {
    const entries = build({ leaseDuration: 15_000, renewDeadline: 10_000, retryPeriod: 2_000 });
    expect(entries).toEqual([
      {
        level: 'warn',
        args: [
          'leaseDuration is 15000 s (over an hour): seconds, not milliseconds?',
          { election: 'jobs', option: 'leaseDuration', value: 15_000, unit: 'seconds' },
        ],
      },
    ]);
  });

  it('warns once of a retry period under 0.1 s', () => {
    const entries = build({ leaseDuration: 0.015, renewDeadline: 0.01, retryPeriod: 0.002 });
    expect(entries.map((e) => [e.level, e.args[0]])).toEqual([
      ['warn', 'retryPeriod is 0.002 s (under 0.1 s): seconds, not milliseconds?'],
    ]);
    expect(entries[0]!.args[1]).toMatchObject({ option: 'retryPeriod', value: 0.002 });
  });

  it('says nothing of plausible durations, up to the bounds', () => {
    expect(build({})).toEqual([]);
    expect(build({ leaseDuration: 3_600, renewDeadline: 60, retryPeriod: 0.1 })).toEqual([]);
    expect(build({ leaseDuration: 0.9, renewDeadline: 0.6, retryPeriod: 0.2 })).toEqual([]);
    expect(build({ leaseDuration: 3_601, renewDeadline: 60, retryPeriod: 10 })).toHaveLength(1);
    expect(build({ leaseDuration: 0.9, renewDeadline: 0.6, retryPeriod: 0.099 })).toHaveLength(1);
  });

  it('is not an error: the config is built as given', () => {
    const { logger } = capture();
    const config = new ElectionConfig({ ...base, leaseDuration: 15_000, renewDeadline: 10_000, logger });
    expect(config.leaseDuration).toBe(15_000);
  });

  it('a logger that throws on the warning does not make the config throw', () => {
    const { logger } = capture();
    const throwing = {
      ...logger,
      warn: () => {
        throw new Error('log sink closed');
      },
    };
    const build = () =>
      new ElectionConfig({ ...base, leaseDuration: 15_000, renewDeadline: 10_000, logger: throwing });
    expect(build).not.toThrow();
  });
});
