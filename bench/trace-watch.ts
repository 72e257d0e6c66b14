/**
 * Maps a trace of `trace-compare.ts` written after the lock's watch moved into the statechart (issue 24: the
 * `openWatch` and `closeWatch` effects) onto the inputs the driver sent before, so the two can be compared
 * byte for byte:
 * - the driver opened the watch before it sent START, and the in-memory lock reports a new watch live at
 *   once: that `WATCH_HEALTH live` came before START (in `stopped`). Now START emits `openWatch` and the
 *   report is queued behind it (in `follower`): the report goes back before its START, in `stopped`, and the
 *   `openWatch` effect is dropped;
 * - the driver closed the watch after `stopped` was reached and sent `WATCH_HEALTH live:false` then (same
 *   clock reading: no time passes in between). Now the step that reaches `stopped` emits `closeWatch` and
 *   sets `watchLive` itself: the effect is dropped and that input is put back after the step;
 * - a STOP in an election that had already ended (`stopped -> stopped`, no effect) is dropped: the driver
 *   did not send one;
 * - the step numbers are counted again.
 * Prints how many lines of each kind it mapped.
 *
 *   node --conditions=source bench/trace-compare.ts --runs 900 --out /tmp/after.trace
 *   node bench/trace-watch.ts /tmp/after.trace > /tmp/after.mapped && cmp /tmp/before.trace /tmp/after.mapped
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

type Input = Record<string, unknown> & { type: string; at: number; wall: number };
type Line = [number, string, Input, string, string, { type: string }[]];

const counts = new Map<string, number>();
const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
let n = 0;
/** A START that opened the watch, held until the next line shows whether a health report followed it. */
let held: Line | null = null;
const out: string[] = [];
const emit = (line: Line) => out.push(JSON.stringify([n++, ...line.slice(1)]));
const flush = () => {
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  out.length = 0;
};
const release = () => {
  if (held === null) return;
  count('START with openWatch, no report after it');
  emit(held);
  held = null;
};

for await (const text of createInterface({ input: createReadStream(process.argv[2] ?? 'trace.out') })) {
  if (!text.startsWith('[')) {
    release();
    if (text.startsWith('seed ')) n = 0;
    out.push(text);
    if (out.length > 10_000) flush();
    continue;
  }
  const line = JSON.parse(text) as Line;
  const [, candidate, input, from, to, effects] = line;
  if (held !== null) {
    if (
      held[1] === candidate &&
      input.type === 'WATCH_HEALTH' &&
      from === 'follower' &&
      to === 'follower' &&
      effects.length === 0
    ) {
      count('WATCH_HEALTH after the START that opened the watch, moved before it');
      emit([0, candidate, input, 'stopped', 'stopped', []]);
      emit(held);
      held = null;
      continue;
    }
    release();
  }
  if (input.type === 'STOP' && from === 'stopped' && to === 'stopped' && effects.length === 0) {
    count('STOP in an ended election dropped');
    continue;
  }
  const kept = effects.filter((e) => e.type !== 'openWatch' && e.type !== 'closeWatch');
  const opened = kept.length < effects.length && effects.some((e) => e.type === 'openWatch');
  const closed = effects.some((e) => e.type === 'closeWatch');
  const mapped: Line = [0, candidate, input, from, to, kept];
  if (opened && input.type === 'START') {
    held = mapped;
    continue;
  }
  if (opened) count(`openWatch on ${input.type} dropped`);
  emit(mapped);
  if (closed) {
    count(`closeWatch on ${input.type} ${from}->${to}: WATCH_HEALTH live:false put back after it`);
    emit([0, candidate, { type: 'WATCH_HEALTH', live: false, at: input.at, wall: input.wall }, to, to, []]);
  }
}
release();
flush();
for (const [what, k] of [...counts].sort()) console.error(`${k}\t${what}`);
