import { asLogger, ElectionConfig, LeaderElection, type LoggerLike, type LogLevel } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import { advance, advanceUntil } from '../src/time.ts';

type Line = { level: string; args: unknown[] };

/** A console-style logger that keeps what it is given; `bindings` makes it look like pino. */
function capture(pinoLike = false): LoggerLike & { lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push({ level, args });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    ...(pinoLike ? { bindings: () => ({}) } : {}),
  };
}

function election(
  store: MemoryLockStore,
  clock: ManualClock,
  id: string,
  logger: LoggerLike,
  logLevel?: LogLevel,
) {
  return new LeaderElection(
    new ElectionConfig({
      lock: store.lock('logged', id),
      name: 'jobs',
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      clock,
      seed: 7,
      logger,
      ...(logLevel ? { logLevel } : {}),
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    }),
  );
}

const messages = (lines: readonly Line[], level: string) =>
  lines.filter((l) => l.level === level).map((l) => l.args[0]);

describe('logging through the logger port', () => {
  it('writes changes of state at info, the error policy at warn/error, nothing at debug by default', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const log = capture();
    const a = election(store, clock, 'a', log);
    void a.acquire();
    expect(await advanceUntil(clock, () => a.isLeader(), 5_000)).toBe(true);
    expect(messages(log.lines, 'info')).toEqual(['campaigning', 'became leader', 'new leader']);
    expect(log.lines[1]!.args[1]).toEqual({ election: 'jobs', from: 'follower', to: 'leader' });
    expect(log.lines[2]!.args[1]).toEqual({ election: 'jobs', leader: 'a' });

    // An unavailable store: the first failure at warn, then the recovery at info; no flood.
    store.setFaults(() => ({ fail: 'Unavailable' }));
    await advance(clock, 5_000);
    store.setFaults(undefined);
    await advance(clock, 4_000);
    const warn = log.lines.filter((l) => l.level === 'warn');
    expect(warn).toHaveLength(1);
    expect(warn[0]!.args[0]).toBe('LockError: Unavailable: MemoryLock logged: injected fault');
    expect(warn[0]!.args[1]).toMatchObject({
      election: 'jobs',
      context: 'lock request on MemoryLock logged',
    });
    expect(messages(log.lines, 'info').at(-1)).toMatch(
      /^LockRecovered: MemoryLock logged: recovered after \d+ failed/,
    );

    // Forbidden needs a person: error.
    store.setFaults(() => ({ fail: 'Forbidden' }));
    await advance(clock, 12_000);
    store.setFaults(undefined);
    expect(messages(log.lines, 'error')[0]).toBe('LockError: Forbidden: MemoryLock logged: injected fault');
    expect(messages(log.lines, 'info')).toContain('stopped leading');
    expect(log.lines.filter((l) => l.level === 'debug')).toEqual([]);
    await a.stop();
    expect(messages(log.lines, 'info').at(-1)).toBe('stopped');
  });

  it('a pino-style logger gets (fields, message); at debug every request and answer is written', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const log = capture(true);
    const a = election(store, clock, 'a', log, 'debug');
    void a.acquire();
    expect(await advanceUntil(clock, () => a.isLeader(), 5_000)).toBe(true);
    const first = log.lines[0]!;
    expect(first.args).toEqual([{ election: 'jobs', from: 'stopped', to: 'follower' }, 'campaigning']);
    const debug = log.lines.filter((l) => l.level === 'debug').map((l) => l.args[1]);
    expect(debug.slice(0, 4)).toEqual(['lock request', 'lock answered', 'lock request', 'lock answered']);
    expect(log.lines.filter((l) => l.level === 'debug')[0]!.args[0]).toEqual({
      election: 'jobs',
      request: 'readLock',
      state: 'follower',
    });
    await a.stop();
  });

  it('asLogger drops entries below its level and falls back to info for a logger without debug', () => {
    const lines: Line[] = [];
    const target: LoggerLike = {
      info: (...args) => lines.push({ level: 'info', args }),
      warn: (...args) => lines.push({ level: 'warn', args }),
      error: (...args) => lines.push({ level: 'error', args }),
    };
    const quiet = asLogger(target, { level: 'warn' });
    quiet.info('dropped', {});
    quiet.warn('kept', { n: 1 });
    const verbose = asLogger(target, { level: 'debug', style: 'fields-first' });
    verbose.debug('as info', { n: 2 });
    expect(lines).toEqual([
      { level: 'warn', args: ['kept', { n: 1 }] },
      { level: 'info', args: [{ n: 2 }, 'as info'] },
    ]);
  });

  it('a bad logger or level is refused when the config is built', () => {
    const base = {
      lock: new MemoryLockStore().lock('x', 'a'),
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    };
    expect(() => new ElectionConfig({ ...base, logger: { info() {}, warn() {} } as never })).toThrow(
      /logger\.error must be a function/,
    );
    expect(() => new ElectionConfig({ ...base, logger: console, logLevel: 'verbose' as never })).toThrow(
      /logLevel must be one of debug, info, warn, error, got verbose/,
    );
  });
});
