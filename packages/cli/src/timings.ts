/**
 * `leasehold timings`: the durations derived from goals (`deriveTimings`), or a preset's, and what they
 * guarantee (`timingGuarantees`: docs/guarantees.md's bounds as numbers). Pure arithmetic: no cluster.
 */
import { parseArgs } from 'node:util';
import {
  ConfigError,
  DEFAULT_PAUSE_GOAL,
  deriveTimings,
  type TimingPresetName,
  type Timings,
  timingGuarantees,
  timingPresets,
} from '@leasehold/core';
import { CliError, usage } from './errors.ts';

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** A duration flag in seconds: `60s`, `2m`, `500ms`, `1h`, or a bare number of seconds. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match)
    throw usage(`${flag} must be a duration such as 60s, 2m or 500ms, got ${JSON.stringify(value)}`);
  return Number(match[1]) * UNITS[match[2] ?? 's']!;
}

/** A clock-rate error: a fraction (`0.05`) or a percentage (`5%`). */
export function parseRate(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(%)?$/.exec(value.trim());
  if (!match)
    throw usage(
      `${flag} must be a fraction such as 0.05 or a percentage such as 5%, got ${JSON.stringify(value)}`,
    );
  return Number(match[1]) / (match[2] ? 100 : 1);
}

/** Seconds as written in the output: at most three decimals, no trailing zeros. */
const s = (seconds: number) => `${Number(seconds.toFixed(3))}s`;
const percent = (rate: number) => `${Number((rate * 100).toFixed(3))}%`;

/** The lines `leasehold timings` prints for `timings` at clock rates within `clockRate`. */
export function describeTimings(timings: Timings, clockRate: number): string[] {
  const g = timingGuarantees(timings, clockRate);
  const timeout = timings.requestTimeout;
  const options = Object.entries(timings)
    .map(([key, value]) => `${key}: ${value}`)
    .join(', ');
  return [
    `  leaseDuration   ${s(timings.leaseDuration)}`,
    `  renewDeadline   ${s(timings.renewDeadline)}`,
    `  retryPeriod     ${s(timings.retryPeriod)}`,
    `  requestTimeout  ${timeout === undefined ? `${s(timings.renewDeadline / 2)} (the default, renewDeadline / 2)` : s(timeout)}`,
    `what they guarantee (docs/guarantees.md) at clock rates within ${percent(clockRate)}, plus request latencies:`,
    `  API-server downtime ridden out  ${s(g.downtimeRefused)} if it refuses requests, ${s(g.downtimeHung)} if they hang (${g.renewalAttempts} renewal attempts before the deadline)`,
    `  crash failover                  at most ${s(g.crashFailover)} (followers polling), ${s(g.crashFailoverWatching)} (followers watching)`,
    `  clock-rate error (A2)           safe below ${percent(g.clockRateLimit)}`,
    g.pauseBound > 0
      ? `  pauses (A3)                     safe below ${s(g.pauseBound)}`
      : '  pauses (A3)                     none safe: the clock-rate error uses up the margin',
    `  liveness after healing          a leader within ${s(g.livenessAfterHealing)}`,
    `  API load                        ${Number(g.renewalsPerMinute.toFixed(2))} renewals a minute from the leader`,
    `as options: { ${options} }`,
  ];
}

/** `leasehold timings ...` with its arguments; prints the timings and resolves with exit code 0. */
export function timingsCommand(args: string[], out: (line: string) => void): 0 {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        downtime: { type: 'string' },
        failover: { type: 'string' },
        'clock-rate': { type: 'string' },
        pause: { type: 'string' },
        renewals: { type: 'string' },
        preset: { type: 'string' },
      },
    }));
  } catch (err) {
    throw usage((err as Error).message);
  }
  const flag = (name: string) => values[name] as string | undefined;
  const rate = flag('clock-rate');
  const clockRate = rate === undefined ? 0 : parseRate('--clock-rate', rate);
  const preset = flag('preset');
  if (preset !== undefined) {
    if (!Object.hasOwn(timingPresets, preset))
      throw usage(
        `--preset must be one of ${Object.keys(timingPresets).join(', ')}, got ${JSON.stringify(preset)}`,
      );
    for (const goal of ['downtime', 'failover', 'pause', 'renewals'])
      if (flag(goal) !== undefined) throw usage(`--preset takes no --${goal}: a preset's timings are fixed`);
    out(`timingPresets.${preset}:`);
    for (const line of describeTimings(timingPresets[preset as TimingPresetName], clockRate)) out(line);
    return 0;
  }
  const downtime = flag('downtime');
  const failover = flag('failover');
  if (downtime === undefined || failover === undefined)
    throw usage('timings needs --downtime and --failover (or --preset NAME)');
  const pause = flag('pause');
  const renewals = flag('renewals');
  if (renewals !== undefined && !/^\d+$/.test(renewals))
    throw usage(`--renewals must be a whole number, got ${JSON.stringify(renewals)}`);
  const goals = {
    downtime: parseDuration('--downtime', downtime),
    failover: parseDuration('--failover', failover),
    clockRate,
    ...(pause === undefined ? {} : { pause: parseDuration('--pause', pause) }),
    ...(renewals === undefined ? {} : { renewals: Number(renewals) }),
  };
  let derived: Timings;
  try {
    derived = deriveTimings(goals);
  } catch (err) {
    // ConfigError's message opens with "invalid election config (rule): "; here the rule is a goal.
    if (err instanceof ConfigError)
      throw new CliError(
        1,
        `no timings meet these goals (${err.rule}): ${err.message.slice(err.message.indexOf('): ') + 3)}`,
      );
    throw err;
  }
  out(
    `timings that ride out ${s(goals.downtime)} of API-server downtime, fail over within ${s(goals.failover)}, ` +
      `with clock rates within ${percent(clockRate)} and pauses up to ${s(goals.pause ?? DEFAULT_PAUSE_GOAL)}:`,
  );
  for (const line of describeTimings(derived, clockRate)) out(line);
  return 0;
}
