/**
 * Fault hooks and test switches live in tests and test tooling, never in what users run or copy: the
 * packages' sources and the examples. A handler for a user signal (SIGUSR1/SIGUSR2, which
 * `node --heapsnapshot-signal`, nodemon and debuggers send) or an IPC `message` listener in that code is a
 * switch someone can flip in production; the liveness test's freeze lives in tools/kube/stuck-replica.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Installing a handler, not sending a signal: `process.on('SIGUSR2', …)`, `process.once("message", …)`. */
const SWITCH = /process\s*\.\s*(?:on|once|addListener|prependListener)\s*\(\s*['"`](SIGUSR[12]|message)['"`]/;

/** The TypeScript files under `dir`, tests excluded. */
function shipped(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...shipped(path));
    else if (/\.[cm]?tsx?$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) files.push(path);
  }
  return files;
}

function sources(): string[] {
  const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'src'));
  // All of examples/, its test helpers (examples/kube) too: tests there may send a signal, never handle one.
  return [...packages, join(root, 'examples')].flatMap((dir) => shipped(dir));
}

describe('no fault switches where users run or copy code', () => {
  it('scans the packages and the examples', () => {
    const files = sources();
    // The scan reaches the code it guards (a wrong root would find nothing and pass).
    expect(files.some((f) => f.endsWith(join('ha-controller', 'replica.ts')))).toBe(true);
    expect(files.some((f) => f.endsWith(join('core', 'src', 'driver.ts')))).toBe(true);
    const offenders = files.filter((f) => SWITCH.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('recognises a switch when one is written', () => {
    expect(SWITCH.test("process.on('SIGUSR2', () => { frozen = true; });")).toBe(true);
    expect(SWITCH.test('process.once("message", onMessage)')).toBe(true);
    expect(SWITCH.test("next.proc.kill('SIGUSR2');")).toBe(false);
    expect(SWITCH.test("process.on('SIGTERM', shutdown)")).toBe(false);
  });
});
