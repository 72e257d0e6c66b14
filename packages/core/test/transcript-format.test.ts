/**
 * The transcript file format (transcript.ts): a rewrite writes back what it read, and a case's comment
 * stays directly above the case it explains when the case's output changes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTranscript, parseTranscript } from './transcript.ts';

const SAMPLE = `# A header: what the file is about.
# Identity a.

config identity=a seed=7

# why: the first input starts the candidate.
0 START
----
stopped -> follower
  readLock

# why: a second comment line is kept too,
#
# and an empty comment line.
5 ATTEMPT
----
follower -> follower

9 TIMER retry
----
follower -> follower
`;

describe('transcript format', () => {
  it('parses header, config, and each case with its comment, input line and output', () => {
    const t = parseTranscript(SAMPLE);
    expect(t.header).toBe('# A header: what the file is about.\n# Identity a.\n\nconfig identity=a seed=7');
    expect(t.config).toEqual({ identity: 'a', seed: 7 });
    expect(t.cases).toEqual([
      {
        comment: ['# why: the first input starts the candidate.'],
        input: '0 START',
        expected: 'stopped -> follower\n  readLock',
        line: 7,
      },
      {
        comment: ['# why: a second comment line is kept too,', '#', '# and an empty comment line.'],
        input: '5 ATTEMPT',
        expected: 'follower -> follower',
        line: 15,
      },
      { comment: [], input: '9 TIMER retry', expected: 'follower -> follower', line: 19 },
    ]);
    expect(SAMPLE.split('\n')[15 - 1]).toBe('5 ATTEMPT');
  });

  it('a rewrite with the outputs as they are is byte-identical, for the sample and every transcript', () => {
    const dir = join(import.meta.dirname, 'transcripts');
    const texts = [SAMPLE, ...readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'))];
    for (const text of texts) {
      const t = parseTranscript(text);
      expect(
        formatTranscript(
          t,
          t.cases.map((c) => c.expected),
        ),
      ).toBe(text);
    }
    expect(texts.length).toBeGreaterThan(1);
  });

  it('a rewrite that changes outputs keeps every case comment where it was', () => {
    const t = parseTranscript(SAMPLE);
    const rewritten = formatTranscript(t, ['stopped -> follower  [no guard]', 'x -> y\n  effect', 'z -> z']);
    expect(rewritten).toBe(`# A header: what the file is about.
# Identity a.

config identity=a seed=7

# why: the first input starts the candidate.
0 START
----
stopped -> follower  [no guard]

# why: a second comment line is kept too,
#
# and an empty comment line.
5 ATTEMPT
----
x -> y
  effect

9 TIMER retry
----
z -> z
`);
    expect(parseTranscript(rewritten).cases.map((c) => c.comment)).toEqual(t.cases.map((c) => c.comment));
  });

  it("docs/statechart.md's example is a case of acquire-and-renew.txt as it stands", () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'statechart.md'), 'utf8');
    const example = /## Transcripts[\s\S]*?```text\n([\s\S]*?)\n {2}\.\.\.\n```/.exec(doc)?.[1];
    const file = readFileSync(join(import.meta.dirname, 'transcripts', 'acquire-and-renew.txt'), 'utf8');
    expect(example?.split('\n').length).toBe(5);
    expect(file).toContain(`${example}\n`);
  });

  it('refuses a block with no ---- after the first case: a rewrite could only move it to the header', () => {
    const stray = SAMPLE.replace('# why: a second', '# a section title\n\n# why: a second');
    expect(() => parseTranscript(stray)).toThrow('line 12: a block with no ---- after the first case');
  });
});
