/**
 * Candidates in separate processes, with their event streams. By default a Leasehold candidate
 * (tools/candidate/candidate.ts); the interop peers (client-go, kubernetes_asyncio) speak the same protocol.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CandidateEvent {
  readonly t: number;
  readonly id: string;
  readonly event: string;
  readonly [key: string]: unknown;
}

const script = join(import.meta.dirname, '..', 'candidate', 'candidate.ts');

/** The program a candidate process runs. */
export interface CandidateCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** Implementation name for reports: 'leasehold', 'client-go', 'kubernetes_asyncio'. */
  readonly impl: string;
}

export const LEASEHOLD_CANDIDATE: CandidateCommand = {
  file: process.execPath,
  args: ['--conditions=source', script],
  impl: 'leasehold',
};

export class CandidateProcess {
  readonly id: string;
  readonly impl: string;
  readonly child: ChildProcess;
  readonly events: CandidateEvent[] = [];
  /** The end of what the process wrote on stderr (peers log there), for failure messages. */
  stderr = '';
  #buffer = '';

  /**
   * `ipc: true` opens a Node IPC channel to the process (for `send`): the soak's heap probe uses it; the
   * candidate answers on stdout like any other event.
   */
  constructor(
    id: string,
    env: Record<string, string>,
    command: CandidateCommand = LEASEHOLD_CANDIDATE,
    { ipc = false }: { ipc?: boolean } = {},
  ) {
    this.id = id;
    this.impl = command.impl;
    this.child = spawn(command.file, [...command.args], {
      env: { ...process.env, ...env, IDENTITY: id },
      stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4_000);
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString();
      let newline = this.#buffer.indexOf('\n');
      while (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        if (line.trim()) this.events.push(JSON.parse(line) as CandidateEvent);
        newline = this.#buffer.indexOf('\n');
      }
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Whether its last started/stopped event says it leads (a killed process leads no more). */
  get leading(): boolean {
    if (!this.alive) return false;
    const last = this.events.filter((e) => e.event === 'started' || e.event === 'stopped').at(-1);
    return last?.event === 'started';
  }

  /** Sends a message on the IPC channel (opened with `ipc: true`); false when there is none. */
  send(message: unknown): boolean {
    return this.alive && this.child.connected ? this.child.send(message as object) : false;
  }

  /** Stops the process (SIGSTOP) without ending it, as a stop-the-world pause; `resume()` continues it. */
  pause(): void {
    if (this.alive) this.child.kill('SIGSTOP');
  }

  resume(): void {
    if (this.alive) this.child.kill('SIGCONT');
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    return new Promise((resolve) => {
      if (!this.alive) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

/**
 * Leadership intervals from the processes' own reports (same machine, same wall clock), ending at the
 * `stopped` event or at the moment the test killed the process.
 */
export function leadershipIntervals(
  procs: readonly CandidateProcess[],
  killedAt: ReadonlyMap<string, number>,
) {
  const intervals: { id: string; start: number; end: number }[] = [];
  for (const p of procs) {
    let start: number | undefined;
    for (const e of p.events) {
      if (e.event === 'started') start = e.t;
      if (e.event === 'stopped' && start !== undefined) {
        intervals.push({ id: p.id, start, end: e.t });
        start = undefined;
      }
    }
    if (start !== undefined)
      intervals.push({ id: p.id, start, end: killedAt.get(p.id) ?? Number.POSITIVE_INFINITY });
  }
  return intervals.sort((a, b) => a.start - b.start);
}

/** Pairs of intervals of different candidates that overlap. */
export function overlaps(intervals: readonly { id: string; start: number; end: number }[]) {
  const found: string[] = [];
  for (let i = 0; i < intervals.length; i += 1) {
    for (let j = i + 1; j < intervals.length; j += 1) {
      const a = intervals[i]!;
      const b = intervals[j]!;
      if (b.start < a.end && a.id !== b.id)
        found.push(`${a.id} [${a.start}, ${a.end}) overlaps ${b.id} from ${b.start}`);
    }
  }
  return found;
}
