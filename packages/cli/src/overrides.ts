/**
 * `--overrides JSON` of `leasehold check` and `leasehold replay`: testkit's `ScenarioOverrides`, checked key
 * by key, so that a misspelt key is refused with the keys allowed instead of being ignored (a run that
 * silently tests something else than asked). The key lists are typed as complete records of the testkit's
 * types: a key added there and not here fails the typecheck.
 */
import type { FaultKind, FaultKnobs, ScenarioOverrides, ScenarioTiming } from '@leasehold/testkit';
import { usage } from './errors.ts';

const TIMING_KEYS: Record<keyof ScenarioTiming, true> = {
  leaseDuration: true,
  renewDeadline: true,
  retryPeriod: true,
  requestTimeout: true,
  takeoverSlot: true,
};

const FAULT_KEYS: Record<keyof FaultKnobs, true> = {
  latencyMaxMs: true,
  watchLatencyMaxMs: true,
  errorRate: true,
  timeoutRate: true,
  conflictRate: true,
  driftMax: true,
  wallSkewMaxMs: true,
  silentWatchLossRate: true,
  instantFailureRate: true,
};

const COUNT_KEYS: Record<FaultKind, true> = {
  partition: true,
  pause: true,
  crash: true,
  stop: true,
  refusals: true,
  outage: true,
  handover: true,
  stepDown: true,
};

/** Each key of `ScenarioOverrides`, and for the nested ones the keys their object allows. */
const KEYS: Record<keyof ScenarioOverrides, Record<string, true> | null> = {
  candidates: null,
  timing: TIMING_KEYS,
  faults: FAULT_KEYS,
  variant: null,
  watch: null,
  twins: null,
  pauseFactor: null,
  pausesHitLeader: null,
  counts: COUNT_KEYS,
  faultPhaseLeases: null,
};

/** The keys `--overrides` accepts, as `--help` lists them: the top level's, then each nested object's. */
export function overrideKeys(): Array<readonly [object: string, keys: string[]]> {
  return [
    ['', Object.keys(KEYS)],
    ...Object.entries(KEYS).flatMap(([key, nested]) => (nested ? [[key, Object.keys(nested)] as const] : [])),
  ];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function refuseUnknown(
  object: Record<string, unknown>,
  allowed: Record<string, unknown>,
  path: string,
): void {
  const unknown = Object.keys(object).filter((key) => !Object.hasOwn(allowed, key));
  if (unknown.length > 0)
    throw usage(
      `--overrides: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(path + k)).join(', ')}; allowed${path ? ` in ${path.slice(0, -1)}` : ''}: ${Object.keys(allowed).join(', ')}`,
    );
}

/** Parses `--overrides`: a JSON object whose every key, nested ones too, is one `ScenarioOverrides` has. */
export function parseOverrides(value: string | undefined): ScenarioOverrides | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw usage(`--overrides must be a JSON object of scenario overrides: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw usage('--overrides must be a JSON object of scenario overrides');
  refuseUnknown(parsed, KEYS, '');
  for (const [key, nested] of Object.entries(KEYS)) {
    if (!nested || parsed[key] === undefined) continue;
    const inner = parsed[key];
    if (!isObject(inner)) throw usage(`--overrides: ${key} must be an object`);
    refuseUnknown(inner, nested, `${key}.`);
  }
  return parsed as ScenarioOverrides;
}
