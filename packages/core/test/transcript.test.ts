/**
 * Runs every transcript in test/transcripts/ against the machine and prints which (state, input, guarded
 * branch) they reached, eventless branches included; checks that every case carries its comment. `LEASEHOLD_REWRITE=1 pnpm exec vitest run packages/core/test/transcript.test.ts`
 * regenerates the expected outputs from the machine (review the diff before committing it).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { transitionRows } from '../src/machine/diagram.ts';
import { formatTranscript, type Hit, parseTranscript, runTranscript } from './transcript.ts';

const dir = join(import.meta.dirname, 'transcripts');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const rewrite = process.env.LEASEHOLD_REWRITE === '1';
const covered = new Set<Hit>();

describe('transcripts', () => {
  for (const file of files) {
    it(file, () => {
      const path = join(dir, file);
      const transcript = parseTranscript(readFileSync(path, 'utf8'));
      const { outputs, hits } = runTranscript(transcript);
      for (const h of hits) covered.add(h);
      const actual = formatTranscript(transcript, outputs);
      if (rewrite) writeFileSync(path, actual);
      // The whole file at once: a mismatch shows as a diff of every step's state and effects.
      expect(actual).toBe(readFileSync(path, 'utf8'));
    });
  }

  it('every case says why it exists: a # comment directly above its input line', () => {
    const unexplained: string[] = [];
    let cases = 0;
    for (const file of files) {
      for (const c of parseTranscript(readFileSync(join(dir, file), 'utf8')).cases) {
        cases++;
        if (!c.comment.some((l) => /\w/.test(l))) unexplained.push(`${file}:${c.line} ${c.input}`);
      }
    }
    console.log(`transcripts: ${cases} cases, ${cases - unexplained.length} with a comment`);
    expect(unexplained).toEqual([]);
  });

  it('cover every (state, input, guarded branch) of the machine', () => {
    const branches = new Map<string, number>();
    const all: Hit[] = transitionRows().map((r) => {
      const n = branches.get(`${r.state} ${r.input}`) ?? 0;
      branches.set(`${r.state} ${r.input}`, n + 1);
      return `${r.state} ${r.input} ${n}` as Hit;
    });
    const missing = all.filter((h) => !covered.has(h));
    console.log(
      `transcripts: ${files.length} files cover ${all.length - missing.length} of ${all.length} branches`,
    );
    expect(missing).toEqual([]);
  });
});

afterAll(() => {
  if (rewrite) console.log('transcripts rewritten: review the diff');
});
