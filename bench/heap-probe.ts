/**
 * The soak's heap probe: asks a candidate process (tools/candidate/candidate.ts, started with `ipc: true`
 * and `--expose-gc`) for its heap after a full collection, or for a V8 heap snapshot. The candidate answers
 * on stdout, like every other event, with the sequence number of the request.
 */
import type { CandidateCommand, CandidateEvent, CandidateProcess } from '@leasehold/kube-tools/processes.ts';
import { LEASEHOLD_CANDIDATE } from '@leasehold/kube-tools/processes.ts';

/** The Leasehold candidate with `gc()` exposed, so each heap sample follows a full collection. */
export const PROBED_CANDIDATE: CandidateCommand = {
  ...LEASEHOLD_CANDIDATE,
  args: ['--expose-gc', ...LEASEHOLD_CANDIDATE.args],
};

let sequence = 0;

/** The first event from index `from` on that `match` accepts, or null once `timeoutMs` passed. */
async function nextEvent(
  p: CandidateProcess,
  match: (e: CandidateEvent) => boolean,
  timeoutMs: number,
  from = 0,
): Promise<CandidateEvent | null> {
  const deadline = Date.now() + timeoutMs;
  for (let i = from; ; ) {
    for (; i < p.events.length; i += 1) if (match(p.events[i]!)) return p.events[i]!;
    if (Date.now() >= deadline || !p.alive) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Sends `request` once the candidate is ready (it listens from then on) and waits for the `answer` event
 * carrying the request's sequence number; null when the process is gone or does not answer in time.
 */
async function ask(
  p: CandidateProcess,
  request: Record<string, unknown>,
  answer: string,
  timeoutMs: number,
): Promise<CandidateEvent | null> {
  // Start-up (type stripping, client-node) takes seconds, more on a loaded machine.
  if (!(await nextEvent(p, (e) => e.event === 'ready', 120_000))) return null;
  sequence += 1;
  const seq = sequence;
  const from = p.events.length;
  if (!p.send({ ...request, seq })) return null;
  return nextEvent(p, (e) => e.event === answer && e.seq === seq, timeoutMs, from);
}

/** heapUsed and RSS (bytes) right after a full collection, or null. */
export async function heapSample(p: CandidateProcess): Promise<{ heapUsed: number; rss: number } | null> {
  const e = await ask(p, { type: 'heap-sample' }, 'heap', 30_000);
  if (e?.collected !== true) return null;
  return { heapUsed: e.heapUsed as number, rss: e.rss as number };
}

/** Writes a heap snapshot of `p` to `file`; its path and how long the process stood still, or null. */
export async function heapSnapshot(
  p: CandidateProcess,
  file: string,
): Promise<{ path: string; ms: number } | null> {
  const e = await ask(p, { type: 'heap-snapshot', file }, 'heap-snapshot', 180_000);
  return e ? { path: e.path as string, ms: e.ms as number } : null;
}
