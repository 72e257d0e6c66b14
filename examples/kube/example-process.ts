/** Runs an example (examples/<name>/main.ts) as its own process against the test control plane. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeconfigPath } from '@leasehold/kube-tools/testing.ts';

export interface Line {
  readonly at: number;
  readonly text: string;
}

export class ExampleProcess {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  #buffer = '';
  #stderr = '';

  /**
   * `kubeconfig`: the file to connect with; default the test control plane's admin kubeconfig. `main`: the
   * script to run instead of examples/<example>/main.ts (a test's variant of the example).
   */
  constructor(
    example: string,
    args: readonly string[],
    {
      kubeconfig = kubeconfigPath(),
      main = join(import.meta.dirname, '..', example, 'main.ts'),
    }: { kubeconfig?: string; main?: string } = {},
  ) {
    this.child = spawn(process.execPath, ['--conditions=source', main, ...args], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString();
      const parts = this.#buffer.split('\n');
      this.#buffer = parts.pop()!;
      for (const text of parts) if (text.trim()) this.lines.push({ at: Date.now(), text });
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4_000);
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The first line matching `pattern` printed at or after `since`, waiting up to `timeoutMs` for it. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000, since = 0): Promise<Line> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => l.at >= since && pattern.test(l.text));
      if (line) return line;
      if (Date.now() > end)
        throw new Error(`no line matching ${pattern} within ${timeoutMs} ms.\n${this.transcript()}`);
      await sleep(50);
    }
  }

  /** Index of the first line matching `pattern`, or -1. */
  indexOf(pattern: RegExp): number {
    return this.lines.findIndex((l) => pattern.test(l.text));
  }

  matching(pattern: RegExp): Line[] {
    return this.lines.filter((l) => pattern.test(l.text));
  }

  transcript(): string {
    return [...this.lines.map((l) => l.text), this.#stderr ? `stderr: ${this.#stderr}` : ''].join('\n');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Short timings for tests: lease 4 s, renew deadline 3 s, retry 1 s. */
export const FAST = ['--lease-duration', '4', '--renew-deadline', '3', '--retry-period', '1'];
