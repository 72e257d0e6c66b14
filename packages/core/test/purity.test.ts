import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Source without comments, so prose about timers does not count. */
const code = (path: string) =>
  readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');

describe('core purity', () => {
  it('imports nothing but xstate and its own files: no I/O, no Node modules', () => {
    for (const path of files(src)) {
      for (const match of code(path).matchAll(/from\s+'([^']+)'/g)) {
        const target = match[1]!;
        expect(
          target === 'xstate' || target.startsWith('./') || target.startsWith('../'),
          `${relative(src, path)} imports ${target}`,
        ).toBe(true);
      }
    }
  });

  it('touches host timers, clocks and randomness only in system.ts', () => {
    const forbidden =
      /\b(setTimeout|setInterval|setImmediate|clearTimeout|performance|Date\.now|Math\.random|process\.|fetch\(|new Date\(\))/;
    for (const path of files(src)) {
      if (relative(src, path) === 'system.ts') continue;
      const hit = code(path).match(forbidden);
      expect(hit?.[0], `${relative(src, path)} uses ${hit?.[0]}`).toBeUndefined();
    }
  });

  it('the statechart folder does not import the driver or the system defaults', () => {
    for (const path of files(join(src, 'machine'))) {
      expect(code(path)).not.toMatch(/from '\.\.\/(driver|system)\.ts'/);
    }
  });
});
