/**
 * No import circle in the core (issue 24): each file of packages/core/src can be read after the files it
 * imports, type-only imports included (a circle of types still ties two concepts into one). madge reads the
 * imports the way TypeScript does; the test also checks that it saw every file, so a parser that silently
 * read nothing cannot pass it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');

describe('core imports', () => {
  it('form no circle', async () => {
    const graph = await madge(src, {
      fileExtensions: ['ts'],
      tsConfig: join(import.meta.dirname, '..', 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: false } },
    });
    const files = Object.keys(graph.obj());
    const expected = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.sort()).toEqual(expected.sort());
    // The driver imports the statechart: a graph that lost its edges would find no circle either.
    expect(graph.obj()['driver.ts']).toContain('machine/step.ts');
    expect(graph.circular()).toEqual([]);
  });
});
