/**
 * `--overrides`: every key, nested ones too, must be one testkit's `ScenarioOverrides` has; an unknown one
 * is refused (exit code 2) with the keys allowed, which `--help` lists.
 */
import { describe, expect, it } from 'vitest';
import { HELP } from '../src/help.ts';
import { parseOverrides } from '../src/overrides.ts';
import { leaseholdCommand } from './run.ts';

describe('--overrides', () => {
  it('accepts the keys of ScenarioOverrides, nested ones included', () => {
    const value = {
      candidates: 3,
      timing: { leaseDuration: 2, renewDeadline: 1.5, retryPeriod: 0.5 },
      faults: { driftMax: 0.01 },
      counts: { outage: 1 },
      watch: true,
    };
    expect(parseOverrides(JSON.stringify(value))).toEqual(value);
    expect(parseOverrides(undefined)).toBeUndefined();
  });

  it('refuses an unknown key, at the top or nested, naming it and the keys allowed there', () => {
    expect(() => parseOverrides('{"bogus":1}')).toThrow(
      /unknown key "bogus"; allowed: candidates, timing, faults, variant, watch, twins, pauseFactor, pausesHitLeader, counts, faultPhaseLeases/,
    );
    expect(() => parseOverrides('{"timing":{"lease":1,"leaseDuration":2}}')).toThrow(
      /unknown key "timing.lease"; allowed in timing: leaseDuration, renewDeadline, retryPeriod, requestTimeout, takeoverSlot/,
    );
    expect(() => parseOverrides('{"counts":{"outages":1}}')).toThrow(/unknown key "counts.outages"/);
    expect(() => parseOverrides('{"faults":3}')).toThrow(/faults must be an object/);
    expect(() => parseOverrides('[1]')).toThrow(/must be a JSON object/);
  });

  it('--help lists the keys, and the command refuses an unknown one with exit code 2', async () => {
    expect(HELP).toContain('timing: leaseDuration, renewDeadline, retryPeriod, requestTimeout, takeoverSlot');
    expect(HELP).toContain('counts: partition, pause, crash, stop, refusals, outage, handover, stepDown');
    const run = await leaseholdCommand(['replay', '1', '--overrides', '{"candidate":3}']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^leasehold: --overrides: unknown key "candidate"; allowed: candidates, /m);
  }, 60_000);
});
