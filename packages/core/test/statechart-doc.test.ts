import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderStatechartSection, transitionRows } from '../src/machine/diagram.ts';

describe('docs/statechart.md', () => {
  it('holds the diagram and table generated from electionMachine (regenerate: node --conditions=source scripts/statechart.ts)', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'statechart.md'), 'utf8');
    expect(doc).toContain(renderStatechartSection());
  });

  it('names every guard: no branch is guarded by an anonymous function', () => {
    for (const row of transitionRows()) {
      if (row.guard !== null) expect(row.guard, `${row.state} ${row.input}`).not.toContain('(anonymous)');
    }
    const guarded = transitionRows().filter((r) => r.guard !== null);
    expect(guarded.length).toBeGreaterThan(20);
  });
});
