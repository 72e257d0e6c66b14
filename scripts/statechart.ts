/**
 * Regenerates the diagram and transition table in docs/statechart.md from `electionMachine`.
 *
 *   node --conditions=source scripts/statechart.ts          # rewrite the generated part
 *   node --conditions=source scripts/statechart.ts --check  # exit 1 if it is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GENERATED_BEGIN,
  GENERATED_END,
  renderStatechartSection,
} from '../packages/core/src/machine/diagram.ts';

const file = join(import.meta.dirname, '..', 'docs', 'statechart.md');
const text = readFileSync(file, 'utf8');
const begin = text.indexOf(GENERATED_BEGIN);
const end = text.indexOf(GENERATED_END);
if (begin < 0 || end < begin) {
  console.error(`${file}: no generated part (markers ${GENERATED_BEGIN} ... ${GENERATED_END})`);
  process.exit(2);
}
const next = text.slice(0, begin) + renderStatechartSection() + text.slice(end + GENERATED_END.length);
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('docs/statechart.md is stale: run node --conditions=source scripts/statechart.ts');
    process.exit(1);
  }
} else if (next !== text) {
  writeFileSync(file, next);
  console.log('docs/statechart.md updated');
}
