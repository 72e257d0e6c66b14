/**
 * Transcript tests in the style of etcd raft's datadriven tests: a file of cases, each an input line, a
 * `----` line, and the expected output: the state change and every effect, in order. Nothing is checked
 * selectively: an unexpected extra effect is a difference. `LEASEHOLD_REWRITE=1` rewrites the expected
 * output from what the machine does (then review the diff).
 *
 * Input lines (`at` is monotonic ms; the wall clock reads WALL0 + at):
 *   <at> START | ATTEMPT | TIMER retry|renew|deadline|coolDown | HEALTH live|lost | HANDOVER <to>
 *   <at> STOP release|keep [stepDown] [coolDown=<ms>] | WORK_STOPPED | RUN run|campaign | RUN_ENDED
 *   <at> READ none | READ v=<version> [holder=b] [lease=15] [transitions=3] [renew=<ms after WALL0>]
 *   <at> CHANGED (as READ)
 *   <at> WRITTEN v=<version> [holder=..] [renew=..]   (the record this candidate last wrote, edited)
 *   <at> FAILED <kind> [retryAfter=<ms>]
 * Blocks before the first case are the header (prose as `# ` lines, and a `config key=value ...` line that
 * sets the machine input: identity, seed, ...). `# ` lines directly above a case's input line are that
 * case's comment (every case has one, saying why it exists); a rewrite keeps them where they are.
 *
 * The state-change line names the guard of the branch taken (guard-label.ts renders XState's forms):
 *   follower -> leader  [guard: writeCounts]     the branch taken had this guard
 *   follower -> follower  [no guard]             the unguarded branch after guarded ones (none held)
 *   stopped -> follower                          the input's only branch, unguarded
 *   leader -> stopped  [guard: and(not(requestInFlight), releaseAsked)]  [then releasing always, guard: not(requestInFlight)]
 *                                                an eventless transition the step went on through
 */
import { type AnyTransitionDefinition, createActor } from 'xstate';
import type { Effect, Input, LeaderElectionRecord, LockSnapshot } from '../src/index.ts';
import { EVERY_STATE } from '../src/machine/diagram.ts';
import {
  type ElectionSnapshot,
  electionMachine,
  initialSnapshot,
  type MachineInput,
  stateOf,
  step,
} from '../src/statechart.ts';
import { guardLabel } from './guard-label.ts';
import { TIMING, WALL0 } from './harness.ts';

export interface Case {
  /** The `# ` lines directly above the input line, verbatim: why the case exists. */
  readonly comment: readonly string[];
  readonly input: string;
  readonly expected: string;
  /** The line of the input in the file (1-based). */
  readonly line: number;
}

export interface Transcript {
  readonly header: string;
  readonly config: Partial<MachineInput>;
  readonly cases: readonly Case[];
}

const COMMENT = /^#( |$)/;

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
      // After the first case a block with no `----` would have nowhere to go on a rewrite but the header.
      if (cases.length > 0) throw new Error(`line ${line}: a block with no ---- after the first case`);
      header.push(block);
      for (const l of lines) if (l.startsWith('config ')) config = { ...config, ...parseConfig(l) };
    } else {
      let n = 0;
      while (n < sep && COMMENT.test(lines[n] ?? '')) n++;
      cases.push({
        comment: lines.slice(0, n),
        input: lines.slice(n, sep).join('\n'),
        expected: lines.slice(sep + 1).join('\n'),
        line: line + n,
      });
    }
    line += lines.length + 1;
  }
  return { header: header.join('\n\n'), config, cases };
}

export function formatTranscript(t: Transcript, outputs: readonly string[]): string {
  const cases = t.cases.map((c, i) => [...c.comment, c.input, '----', outputs[i]].join('\n'));
  return `${[t.header, ...cases].filter((b) => b !== '').join('\n\n')}\n`;
}

/** A `config` line: `identity`, `seed`, ... and the timing's own keys (`takeoverSlotMs=25`) into `timing`. */
function parseConfig(line: string): Partial<MachineInput> {
  const out: Record<string, unknown> = {};
  const timing: Record<string, number> = {};
  for (const [k, v] of pairs(line.slice('config '.length))) {
    if (k in TIMING.timing) timing[k] = Number(v);
    else out[k] = k === 'identity' ? v : Number(v);
  }
  if (Object.keys(timing).length > 0) out.timing = { ...TIMING.timing, ...timing };
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
  const machineInput: MachineInput = { ...TIMING, ...t.config };
  let snapshot: ElectionSnapshot = initialSnapshot(machineInput);
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
    hits.add(branchTaken(snapshot, input));
    try {
      const previous = snapshot;
      const [next, effects] = step(snapshot, input);
      snapshot = next;
      for (const e of effects) if (e.type === 'createLock' || e.type === 'updateLock') lastWritten = e.record;
      const to = stateOf(snapshot);
      const all = transitionsTaken(machineInput, previous, input);
      for (const t of all)
        if (isEventless(t)) hits.add(`${t.source.key} (always) ${t.source.always!.indexOf(t)}`);
      const change = [`${from} -> ${to}`, ...all.map(guardNote).filter((n) => n !== '')].join('  ');
      return [change, ...effects.map((e) => `  ${formatEffect(e)}`)].join('\n');
    } catch (err) {
      return `error: ${(err as Error).name}: ${(err as Error).message}`;
    }
  });
  return { outputs, hits };
}

function branchTaken(snapshot: ElectionSnapshot, input: Input): Hit {
  const state = stateOf(snapshot);
  const taken = electionMachine.getTransitionData(snapshot, input)[0];
  // An input every state takes the same way (the machine's own `on`) is one row for all of them.
  const everywhere = taken !== undefined && taken.source === electionMachine.root;
  const where: string = everywhere ? EVERY_STATE : state;
  const node = everywhere ? electionMachine.root : electionMachine.states[state];
  const all = node?.transitions.get(input.type) ?? [];
  return `${where} ${input.type} ${taken === undefined ? -1 : all.indexOf(taken)}`;
}

/**
 * Every transition one input takes, in order: the input's own, then each eventless (`always`) one it
 * goes on through. XState reports them to an inspector per microstep; `step()` itself keeps none, so a
 * throwaway actor replays the input from the same snapshot (its effects go nowhere: the machine's actions
 * only enqueue `effect` actions, which have no implementation to run).
 */
function transitionsTaken(
  machineInput: MachineInput,
  snapshot: ElectionSnapshot,
  input: Input,
): AnyTransitionDefinition[] {
  const taken: AnyTransitionDefinition[] = [];
  const actor = createActor(electionMachine, {
    // The snapshot carries the whole context: the machine input is what the types ask for, and is not read.
    input: machineInput,
    snapshot,
    inspect: (ev) => {
      if (ev.type === '@xstate.microstep') taken.push(...ev._transitions);
    },
  });
  actor.start();
  actor.send(input);
  actor.stop();
  return taken;
}

function isEventless(t: AnyTransitionDefinition): boolean {
  return t.source.always?.includes(t) ?? false;
}

/** The guard note of one transition taken (see the header); '' for an input's only, unguarded branch. */
function guardNote(t: AnyTransitionDefinition): string {
  const siblings = (isEventless(t) ? t.source.always : t.source.transitions.get(t.eventType)) ?? [];
  const guard =
    t.guard !== undefined ? `guard: ${guardLabel(t.guard)}` : siblings.length > 1 ? 'no guard' : '';
  if (isEventless(t)) return `[then ${t.source.key} always${guard === '' ? '' : `, ${guard}`}]`;
  return guard === '' ? '' : `[${guard}]`;
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
    case 'WORK_STOPPED':
    case 'RUN_ENDED':
      return { type, ...stamp };
    case 'RUN':
      if (arg !== 'run' && arg !== 'campaign') throw new Error(`no run mode ${arg}`);
      return { type: 'RUN', mode: arg, ...stamp };
    case 'TIMER':
      if (arg !== 'retry' && arg !== 'renew' && arg !== 'deadline' && arg !== 'coolDown')
        throw new Error(`no timer ${arg}`);
      return { type: 'TIMER_FIRED', timer: arg, ...stamp };
    case 'HEALTH':
      return { type: 'WATCH_HEALTH', live: arg === 'live', ...stamp };
    case 'STOP':
      return {
        type: 'STOP',
        release: arg === 'release',
        ...(/\sstepDown\b/.test(text) ? { reason: 'steppedDown' as const } : {}),
        ...(kv.coolDown !== undefined ? { coolDownMs: Number(kv.coolDown) } : {}),
        ...stamp,
      };
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
      if (e.event === 'newLeader') return `notify newLeader ${e.identity}`;
      return e.event === 'stoppedLeading' ? `notify stoppedLeading ${e.reason}` : `notify ${e.event}`;
    case 'report':
      return `report ${e.problem} version=${e.version}`;
    case 'stopWork':
      return e.handoverTo === null ? 'stopWork' : `stopWork handoverTo=${e.handoverTo}`;
    case 'openWatch':
    case 'closeWatch':
      return e.type;
  }
}
