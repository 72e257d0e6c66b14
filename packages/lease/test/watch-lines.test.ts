/**
 * A watch answer's lines as its chunks arrive (watch-lines.ts): a chunk can end anywhere, within a line or
 * within a multi-byte character, and a line must come out whole and decoded once, in order.
 */
import { expect, it } from 'vitest';
import { WatchLines } from '../src/watch-lines.ts';

/** Two events, the second with a name of multi-byte characters, as the API server writes them. */
const events = [
  { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '1' } } },
  { type: 'MODIFIED', object: { metadata: { name: 'élection-选举-🗳', resourceVersion: '2' } } },
];
const body = Buffer.from(events.map((event) => `${JSON.stringify(event)}\n`).join(''), 'utf8');

/** The lines `chunks` make, each parsed. */
function linesOf(chunks: Buffer[]): unknown[] {
  const lines: unknown[] = [];
  const reader = new WatchLines((line) => lines.push(JSON.parse(line.toString('utf8'))));
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return lines;
}

it('gives the same events whatever byte the chunks are cut at', () => {
  // Every cut into two chunks, through the first line's newline and through each byte of the characters.
  for (let cut = 0; cut <= body.length; cut++)
    expect(linesOf([body.subarray(0, cut), body.subarray(cut)]), `cut at byte ${cut}`).toEqual(events);
});

it('gives the same events from one-byte chunks, and a last line without its newline', () => {
  const bytes = Array.from(body.subarray(0, body.length - 1), (byte) => Buffer.from([byte]));
  expect(linesOf(bytes)).toEqual(events);
});
