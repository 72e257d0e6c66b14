/**
 * Maps a trace of `trace-compare.ts` written after the lifecycle moved into the statechart (issue 24 item 1)
 * onto the inputs the driver sent before, so the two can be compared byte for byte:
 * - a STOP or HANDOVER a leader only records (leader -> leader, effects none or `stopWork`) is dropped: the
 *   old driver stopped the leader's work before sending it;
 * - the WORK_STOPPED that carries it out becomes that input, stamped when the work had stopped (when the old
 *   driver sent it);
 * - a WORK_STOPPED that carries out nothing (no state change, no effect) is dropped: the old driver sent
 *   nothing then (a handover whose leader had lost meanwhile);
 * - STOP's `coolDownMs` (a step-down's cool-down, new) is dropped; RUN and RUN_ENDED lines are dropped;
 * - the step numbers are counted again.
 * Prints how many lines of each kind it mapped.
 *
 *   node bench/trace-lifecycle.ts /tmp/after.trace > /tmp/after.mapped && cmp /tmp/before.trace /tmp/after.mapped
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

type Line = [number, string, Record<string, unknown> & { type: string }, string, string, { type: string }[]];

const counts = new Map<string, number>();
const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
const pending = new Map<string, Line[2]>();
let n = 0;
const out: string[] = [];
const flush = () => {
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  out.length = 0;
};

for await (const text of createInterface({ input: createReadStream(process.argv[2] ?? 'trace.out') })) {
  if (!text.startsWith('[')) {
    if (text.startsWith('seed ')) {
      n = 0;
      pending.clear();
    }
    out.push(text);
    if (out.length > 10_000) flush();
    continue;
  }
  const [, candidate, input, from, to, effects] = JSON.parse(text) as Line;
  let mapped = input;
  if (input.type === 'RUN' || input.type === 'RUN_ENDED') {
    count('RUN / RUN_ENDED dropped');
    continue;
  }
  const recorded = from === 'leader' && to === 'leader' && effects.every((e) => e.type === 'stopWork');
  if ((input.type === 'STOP' || input.type === 'HANDOVER') && recorded) {
    if (effects.length > 0) pending.set(candidate, input);
    count(
      `${input.type} recorded by a leader (${effects.length > 0 ? 'stopWork' : 'work already stopping'}) dropped`,
    );
    continue;
  }
  if (input.type === 'WORK_STOPPED') {
    const waiting = pending.get(candidate);
    pending.delete(candidate);
    if (from === to && effects.length === 0) {
      count(`WORK_STOPPED with nothing to carry out (${from}) dropped`);
      continue;
    }
    if (waiting === undefined)
      throw new Error(`WORK_STOPPED of ${candidate} with no STOP or HANDOVER before it`);
    const { at: _at, wall: _wall, ...rest } = waiting;
    mapped = { ...rest, at: input.at, wall: input.wall } as Line[2];
    count(`WORK_STOPPED mapped to the ${waiting.type} it carried out`);
  }
  if (mapped.type === 'STOP' && 'coolDownMs' in mapped) {
    const { coolDownMs: _cool, ...rest } = mapped;
    mapped = rest as Line[2];
    count('STOP coolDownMs dropped');
  }
  out.push(
    mapped === input
      ? text.replace(/^\[\d+,/, `[${n},`)
      : JSON.stringify([n, candidate, mapped, from, to, effects]),
  );
  n += 1;
  if (out.length > 10_000) flush();
}
flush();
for (const [what, k] of [...counts].sort()) console.error(`${String(k).padStart(8)}  ${what}`);
