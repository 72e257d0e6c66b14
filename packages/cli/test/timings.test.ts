/**
 * `leasehold timings`: the outputs docs/guide.md quotes are the command's real outputs (each quoted block
 * is run again here), and a bad command line is exit code 2 with a message naming the flag.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.ts';
import { parseDuration, parseRate, timingsCommand } from '../src/timings.ts';
import { leaseholdCommand } from './run.ts';

const guide = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'guide.md'), 'utf8');

/** Each `<!-- leasehold timings ARGS: kept equal ... -->` marker, with the ```text block after it. */
function quoted(): Array<{ args: string[]; output: string }> {
  const marker =
    /<!-- leasehold (timings [^:]*): kept equal to the command's output by [^>]* -->\n```text\n([\s\S]*?)```\n/g;
  return [...guide.matchAll(marker)].map((m) => ({ args: m[1]!.split(' '), output: m[2]! }));
}

describe('leasehold timings', () => {
  it("docs/guide.md quotes the command's real output, refusals included", async () => {
    const blocks = quoted();
    expect(blocks.map((b) => b.args.join(' '))).toEqual([
      'timings --downtime 60s --failover 140s --clock-rate 0.05',
      'timings --downtime 60s --failover 60s',
      'timings --preset default --clock-rate 0.01',
    ]);
    for (const { args, output } of blocks) {
      const run = await leaseholdCommand(args);
      const refused = output.startsWith('leasehold: no timings meet these goals');
      expect(run.code, args.join(' ')).toBe(refused ? 1 : 0);
      expect(refused ? run.stderr : run.stdout, args.join(' ')).toBe(output);
    }
  }, 60_000);

  it('refuses a bad command line (exit code 2) and a goal out of range (exit code 1), naming it', () => {
    for (const [args, code, message] of [
      [['--downtime', 'soon', '--failover', '1m'], 2, /--downtime must be a duration such as 60s/],
      [['--downtime', '60s'], 2, /timings needs --downtime and --failover/],
      [['--preset', 'fast'], 2, /--preset must be one of default, outageTolerant, got "fast"/],
      [['--preset', 'default', '--downtime', '1s'], 2, /--preset takes no --downtime/],
      [['--downtime', '1m', '--failover', '5m', '--clock-rate', 'high'], 2, /--clock-rate must be/],
      [['--downtime', '1m', '--failover', '5m', '--bogus'], 2, /Unknown option '--bogus'/],
      [
        ['--downtime', '1m', '--failover', '5m', '--renewals', '2'],
        1,
        /\(goal: renewals\): renewals must be/,
      ],
      [['--downtime', '1m', '--failover', '5m', '--clock-rate', '100%'], 1, /\(goal: clockRate\)/],
    ] as const) {
      let thrown: unknown;
      try {
        timingsCommand([...args], () => {});
      } catch (err) {
        thrown = err;
      }
      expect(thrown, args.join(' ')).toBeInstanceOf(CliError);
      expect((thrown as CliError).exitCode, args.join(' ')).toBe(code);
      expect((thrown as CliError).message, args.join(' ')).toMatch(message);
    }
  });

  it('reads durations with units and rates as fractions or percentages', () => {
    expect(parseDuration('--x', '60s')).toBe(60);
    expect(parseDuration('--x', '2m')).toBe(120);
    expect(parseDuration('--x', '500ms')).toBe(0.5);
    expect(parseDuration('--x', '1.5h')).toBe(5400);
    expect(parseDuration('--x', '90')).toBe(90);
    expect(parseRate('--x', '5%')).toBe(0.05);
    expect(parseRate('--x', '0.01')).toBe(0.01);
  });
});
