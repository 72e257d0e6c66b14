/**
 * Transcript tests in the style of etcd raft's datadriven tests: a file of cases, each an input line, a
 * `----` line, and the expected output: the state change and every effect, in order. Nothing is checked
 * selectively: an unexpected extra effect is a difference. `LEASEHOLD_REWRITE=1` rewrites the expected
 * output from what the machine does (then review the diff).
 *
 * Input lines (`at` is monotonic ms; the wall clock reads WALL0 + at):
 *   <at> START | ATTEMPT | TIMER retry|renew|deadline | HEALTH live|lost | STOP release|keep | HANDOVER <to>
 *   <at> READ none | READ v=<version> [holder=b] [lease=15] [transitions=3] [renew=<ms after WALL0>]
 *   <at> CHANGED (as READ)
 *   <at> WRITTEN v=<version> [holder=..] [renew=..]   (the record this candidate last wrote, edited)
 *   <at> FAILED <kind> [retryAfter=<ms>]
 * A `config key=value ...` line before the first case sets the machine input (identity, seed, ...).
 */
import type { Effect, Input, LeaderElectionRecord, LockSnapshot } from '../src/index.ts';
import {
  type ElectionSnapshot,
  electionMachine,
  initialSnapshot,
  type MachineInput,
  stateOf,
  step,
} from '../src/statechart.ts';
import { TIMING, WALL0 } from './harness.ts';

export interface Case {
  readonly input: string;
  readonly expected: string;
  readonly line: number;
}

export interface Transcript {
  readonly header: string;
  readonly config: Partial<MachineInput>;
  readonly cases: readonly Case[];
}

export function parseTranscript(text: string): Transcript {
  const blocks = text.replace(/\n+$/, '').split(/\n\n+/);
  const header: string[] = [];
  const cases: Case[] = [];
  let config: Partial<MachineInput> = {};
  let line = 1;
  for (const block of blocks) {
    const lines = block.split('\n');
    const sep = lines.indexOf('----');
    if (sep < 0) {
      header.push(block);
      for (const l of lines) if (l.startsWith('config ')) config = { ...config, ...parseConfig(l) };
    } else {
      cases.push({ input: lines.slice(0, sep).join('\n'), expected: lines.slice(sep + 1).join('\n'), line });
    }
    line += lines.length + 1;
  }
  return { header: header.join('\n\n'), config, cases };
}

export function formatTranscript(t: Transcript, outputs: readonly string[]): string {
  const cases = t.cases.map((c, i) => `${c.input}\n----\n${outputs[i]}`);
  return `${[t.header, ...cases].filter((b) => b !== '').join('\n\n')}\n`;
}

function parseConfig(line: string): Partial<MachineInput> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of pairs(line.slice('config '.length))) out[k] = k === 'identity' ? v : Number(v);
  return out as Partial<MachineInput>;
}

function pairs(text: string): [string, string][] {
  return text
    .split(/\s+/)
    .filter((w) => w.includes('='))
    .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]);
}

/** One transition taken: the state, the input type, the index of the branch among that input's branches. */
export type Hit = `${string} ${string} ${number}`;

/** Runs a transcript; returns each case's output and the branches it took. */
export function runTranscript(t: Transcript): { outputs: string[]; hits: Set<Hit> } {
  let snapshot: ElectionSnapshot = initialSnapshot({ ...TIMING, ...t.config });
  let lastWritten: LeaderElectionRecord | null = null;
  const hits = new Set<Hit>();
  const outputs = t.cases.map((c) => {
    let input: Input;
    try {
      input = parseInput(c.input, lastWritten);
    } catch (err) {
      return `bad input: ${(err as Error).message}`;
    }
    const from = stateOf(snapshot);
    const taken = branchTaken(snapshot, input);
    hits.add(taken.hit);
    try {
      const [next, effects] = step(snapshot, input);
      snapshot = next;
      for (const e of effects) if (e.type === 'createLock' || e.type === 'updateLock') lastWritten = e.record;
      const to = stateOf(snapshot);
      // A transition to releasing that ends in stopped went on through releasing's eventless branch.
      if (taken.target === 'releasing' && to === 'stopped') hits.add('releasing (always) 0');
      return [`${from} -> ${to}`, ...effects.map((e) => `  ${formatEffect(e)}`)].join('\n');
    } catch (err) {
      return `error: ${(err as Error).name}: ${(err as Error).message}`;
    }
  });
  return { outputs, hits };
}

function branchTaken(snapshot: ElectionSnapshot, input: Input): { hit: Hit; target: string } {
  const state = stateOf(snapshot);
  const taken = electionMachine.getTransitionData(snapshot, input)[0];
  const all = electionMachine.states[state]?.transitions.get(input.type) ?? [];
  const target = taken?.target?.[0]?.key ?? state;
  return { hit: `${state} ${input.type} ${taken === undefined ? -1 : all.indexOf(taken)}`, target };
}

function parseInput(text: string, lastWritten: LeaderElectionRecord | null): Input {
  const [atText, type, arg] = text.trim().split(/\s+/);
  const at = Number(atText);
  if (!Number.isFinite(at)) throw new Error(`no time in "${text}"`);
  const stamp = { at, wall: WALL0 + at };
  const kv = Object.fromEntries(pairs(text));
  switch (type) {
    case 'START':
    case 'ATTEMPT':
      return { type, ...stamp };
    case 'TIMER':
      if (arg !== 'retry' && arg !== 'renew' && arg !== 'deadline') throw new Error(`no timer ${arg}`);
      return { type: 'TIMER_FIRED', timer: arg, ...stamp };
    case 'HEALTH':
      return { type: 'WATCH_HEALTH', live: arg === 'live', ...stamp };
    case 'STOP':
      return { type: 'STOP', release: arg === 'release', ...stamp };
    case 'HANDOVER':
      if (!arg) throw new Error('HANDOVER needs the identity to hand over to');
      return { type: 'HANDOVER', to: arg, ...stamp };
    case 'READ':
      return { type: 'LOCK_READ', snapshot: arg === 'none' ? null : snapshotOf(kv, null), ...stamp };
    case 'CHANGED':
      return { type: 'LOCK_CHANGED', snapshot: arg === 'none' ? null : snapshotOf(kv, null), ...stamp };
    case 'WRITTEN':
      if (lastWritten === null) throw new Error('WRITTEN before any write');
      return { type: 'LOCK_WRITTEN', snapshot: snapshotOf(kv, lastWritten), ...stamp };
    case 'FAILED': {
      const error = arg as Extract<Input, { type: 'LOCK_FAILED' }>['error'];
      return {
        type: 'LOCK_FAILED',
        error,
        ...(kv.retryAfter !== undefined ? { retryAfterMs: Number(kv.retryAfter) } : {}),
        ...stamp,
      };
    }
    default:
      throw new Error(`unknown input ${type}`);
  }
}

function snapshotOf(kv: Record<string, string>, base: LeaderElectionRecord | null): LockSnapshot {
  if (kv.v === undefined) throw new Error('a lock snapshot needs v=<version>');
  const record: LeaderElectionRecord = {
    holderIdentity: kv.holder ?? base?.holderIdentity ?? 'b',
    leaseDurationSeconds: kv.lease !== undefined ? Number(kv.lease) : (base?.leaseDurationSeconds ?? 15),
    acquireTime: base?.acquireTime ?? new Date(WALL0),
    renewTime:
      kv.renew !== undefined ? new Date(WALL0 + Number(kv.renew)) : (base?.renewTime ?? new Date(WALL0)),
    leaderTransitions: kv.transitions !== undefined ? Number(kv.transitions) : (base?.leaderTransitions ?? 3),
  };
  return { record, version: kv.v, raw: null };
}

function formatRecord(r: LeaderElectionRecord): string {
  const t = (d: Date | null) => (d === null ? '-' : `+${d.getTime() - WALL0}`);
  return `holder=${r.holderIdentity || '""'} lease=${r.leaseDurationSeconds} transitions=${r.leaderTransitions} acquire=${t(r.acquireTime)} renew=${t(r.renewTime)}`;
}

function formatEffect(e: Effect): string {
  switch (e.type) {
    case 'readLock':
      return 'readLock';
    case 'createLock':
      return `createLock ${formatRecord(e.record)}`;
    case 'updateLock':
      return `updateLock expected=${e.expectedVersion} ${formatRecord(e.record)}`;
    case 'startTimer':
      return `startTimer ${e.timer} ${Number(e.ms.toFixed(2))}`;
    case 'cancelTimer':
      return `cancelTimer ${e.timer}`;
    case 'notify':
      return e.event === 'newLeader' ? `notify newLeader ${e.identity}` : `notify ${e.event}`;
    case 'report':
      return `report ${e.problem} version=${e.version}`;
  }
}
