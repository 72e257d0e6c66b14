/**
 * A simulated run drawn as a timeline: one self-contained HTML page with an inline SVG (no scripts, no
 * network), a lane per candidate showing when it followed, led or released, the faults as bands (on the
 * lane of the candidate they hit, outages across every lane), lock requests as ticks (unanswered ones in
 * red) with their operation, expected version, result and latency as tooltips, and every violation of a
 * guarantee as a red marker with its text; the first violation again in a zoomed panel above. When the
 * lock's history is not linearizable, the calls that cannot be ordered are drawn as tall orange ticks. The header
 * names the backend. `leasehold replay SEED --html FILE`
 * writes it; so does a failing `checkBackend`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLinearizability, type Violation } from './checker.ts';
import type { RunResult } from './cluster.ts';
import { formatRequest } from './report.ts';

const LABEL = 90;
const WIDTH = 1400;
const LANE = 34;
const TOP = 70;
const COLORS = { follower: '#d9dee7', leader: '#2f9e44', releasing: '#f08c00' } as const;
const FAULT_COLORS: Record<string, string> = {
  partition: '#7048e8',
  pause: '#1c7ed6',
  crash: '#495057',
  stop: '#868e96',
  refusals: '#e8590c',
  outage: '#e03131',
  handover: '#2f9e44',
  stepDown: '#66a80f',
};

/** Violation texts drawn under a panel before they repeat lines; the full text is in each marker's tooltip. */
const MAX_TEXTS = 4;
/** A violation's text on the page stops here (a linearizability report can be long). */
const TEXT_CHARS = 190;

const clipText = (text: string) => (text.length > TEXT_CHARS ? `${text.slice(0, TEXT_CHARS - 1)}…` : text);

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What the page names and draws beside the run itself. */
export interface TimelineOptions {
  /** The backend under test, for the header (the module a user handed in); default the lock's description. */
  readonly backend?: string;
}

/** One drawing of the lanes over the true-time window [t0, t1]. */
function panel(
  run: RunResult,
  violations: readonly Violation[],
  t0: number,
  t1: number,
  kind: string,
): string {
  const { scenario } = run;
  const candidates = Array.from({ length: scenario.candidates }, (_, i) => `c${i}`);
  const span = t1 - t0;
  const x = (t: number) => LABEL + ((Math.min(Math.max(t, t0), t1) - t0) / span) * (WIDTH - LABEL - 20);
  const laneY = (i: number) => TOP + i * LANE;
  const shown = violations.filter((v) => v.atMs >= t0 && v.atMs <= t1);
  const culprits = unorderable(run, violations);
  // One text line per violation marker (at most MAX_TEXTS), under the lanes.
  const texts = Math.min(shown.length, MAX_TEXTS);
  const height = TOP + candidates.length * LANE + 50 + Math.max(1, texts) * 14;
  const lanesEnd = TOP + candidates.length * LANE + 10;
  const parts: string[] = [];

  // Time axis: about 12 ticks, at 1, 2 or 5 times a power of ten seconds.
  const steps = [-3, -2, -1, 0, 1, 2, 3].flatMap((e) => [1, 2, 5].map((m) => m * 10 ** e));
  const step = steps.find((st) => span / 1000 / st <= 14) ?? 1000;
  const digits = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
  for (let k = Math.ceil(t0 / 1000 / step); k * step * 1000 <= t1; k += 1) {
    const px = x(k * step * 1000);
    parts.push(
      `<line class="axis" x1="${px}" y1="${TOP - 6}" x2="${px}" y2="${lanesEnd}" stroke="#eee"/>`,
      `<text x="${px}" y="${TOP - 10}" font-size="11" text-anchor="middle" fill="#666">${(k * step).toFixed(digits)}s</text>`,
    );
  }

  candidates.forEach((id, i) => {
    const y = laneY(i);
    parts.push(
      `<g class="lane" data-candidate="${id}">`,
      `<text x="8" y="${y + LANE / 2 + 4}" font-size="13" font-family="monospace">${id}</text>`,
      `<rect x="${LABEL}" y="${y + 4}" width="${WIDTH - LABEL - 20}" height="${LANE - 12}" fill="#fafafa" stroke="#ddd"/>`,
    );
    // Following and releasing, from this candidate's transitions; leading, from the checker's intervals
    // (which end where a crash ended them). A crashed process shows its last state until it restarts, under
    // the crash band.
    const steps = run.trace.filter((e) => e.candidate === id && e.from !== e.to);
    const segments: { state: 'follower' | 'leader' | 'releasing'; from: number; to: number }[] = [];
    steps.forEach((entry, k) => {
      // A planned handover's write is drawn like a release's: leadership has ended, a write is on its way.
      if (entry.to === 'follower' || entry.to === 'releasing' || entry.to === 'handingOver')
        segments.push({
          state: entry.to === 'handingOver' ? 'releasing' : entry.to,
          from: entry.t,
          to: steps[k + 1]?.t ?? run.endAtMs,
        });
    });
    for (const interval of run.intervals.filter((iv) => iv.candidate === id))
      segments.push({ state: 'leader', from: interval.start, to: Math.min(interval.end, run.endAtMs) });
    for (const { state, from, to } of segments.filter((sg) => sg.to > t0 && sg.from < t1))
      parts.push(
        `<rect class="state ${state}" data-from="${from}" data-to="${to}" x="${x(from)}" y="${y + 6}" width="${Math.max(1, x(to) - x(from))}" height="${LANE - 16}" fill="${COLORS[state]}"><title>${id} ${state} ${(from / 1000).toFixed(3)}s to ${(to / 1000).toFixed(3)}s</title></rect>`,
      );
    // Requests, as the store side saw them: a tick at each call (red where no answer came), its line of
    // handle, operation, expected version, result and latency as the tooltip.
    for (const op of run.history.filter((o) => o.handle === id && o.callMs >= t0 && o.callMs <= t1)) {
      const failed = op.outcome.type === 'unknown';
      const culprit = culprits.has(op.id);
      const stroke = culprit ? '#e8590c' : failed ? '#c92a2a' : '#343a40';
      parts.push(
        `<line class="request${failed ? ' failed' : ''}${culprit ? ' unorderable' : ''}" data-op="${op.op}" data-id="${op.id}" x1="${x(op.callMs)}" y1="${culprit ? y + 2 : y + LANE - 10}" x2="${x(op.callMs)}" y2="${y + LANE - (failed ? 2 : 5)}" stroke="${stroke}" stroke-width="${culprit ? 3 : 1.5}"><title>${escapeHtml(`${culprit ? 'cannot be ordered: ' : ''}${formatRequest(op).trim()}`)}</title></line>`,
      );
    }
    parts.push('</g>');
  });

  // Faults: bands on the lane they hit; outages and faults on "whoever leads" across every lane.
  for (const fault of scenario.schedule.filter((f) => f.atMs + f.durationMs >= t0 && f.atMs <= t1)) {
    const color = FAULT_COLORS[fault.kind] ?? '#000';
    const all = fault.kind === 'outage' || fault.candidate === 'leader';
    const y = all ? TOP : laneY(Number(fault.candidate));
    const h = all ? candidates.length * LANE : LANE;
    const who =
      fault.kind === 'outage'
        ? `every candidate (${fault.mode})`
        : all
          ? 'the leader'
          : `c${fault.candidate}`;
    parts.push(
      `<rect class="fault ${fault.kind}" x="${x(fault.atMs)}" y="${y + 2}" width="${Math.max(2, x(fault.atMs + fault.durationMs) - x(fault.atMs))}" height="${h - 4}" fill="${color}" fill-opacity="0.18" stroke="${color}" stroke-opacity="0.6"><title>${fault.kind} of ${who} at ${(fault.atMs / 1000).toFixed(3)}s for ${(fault.durationMs / 1000).toFixed(3)}s</title></rect>`,
    );
  }
  // Healing: faults stop here.
  if (run.healAtMs >= t0 && run.healAtMs <= t1)
    parts.push(
      `<line class="heal" x1="${x(run.healAtMs)}" y1="${TOP - 4}" x2="${x(run.healAtMs)}" y2="${lanesEnd}" stroke="#2b8a3e" stroke-dasharray="4 3"/>`,
      `<text x="${x(run.healAtMs) + 4}" y="${lanesEnd - 2}" font-size="11" fill="#2b8a3e">faults end</text>`,
    );

  shown.forEach((v, k) => {
    const px = x(v.atMs);
    parts.push(
      `<g class="violation" data-invariant="${v.invariant}" data-at="${v.atMs}">`,
      `<line x1="${px}" y1="${TOP - 4}" x2="${px}" y2="${lanesEnd}" stroke="#e03131" stroke-width="2"/>`,
      `<circle cx="${px}" cy="${TOP - 16}" r="6" fill="#e03131"/>`,
      // Right of the marker in the first half of the panel, left of it in the second, so the text stays on it.
      `<text x="${px < WIDTH / 2 ? px + 9 : px - 9}" text-anchor="${px < WIDTH / 2 ? 'start' : 'end'}" y="${lanesEnd + 16 + (k % MAX_TEXTS) * 14}" font-size="12" fill="#c92a2a">${escapeHtml(clipText(`${v.invariant} at ${(v.atMs / 1000).toFixed(3)}s: ${v.detail}`))}</text>`,
      `<title>${escapeHtml(`${v.invariant}: ${v.detail}`)}</title>`,
      '</g>',
    );
  });

  return `<svg class="${kind}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" data-seed="${scenario.seed}" data-from="${t0}" data-to="${t1}">
${parts.join('\n')}
</svg>`;
}

/**
 * The ids of the calls a linearizability violation among `violations` reports as impossible to order (the
 * checker's minimal set, from its verdict on the run, computed once per run); empty when there is none.
 */
function unorderable(run: RunResult, violations: readonly Violation[]): ReadonlySet<number> {
  if (!violations.some((v) => v.invariant === 'linearizability')) return new Set();
  const result = runLinearizability(run);
  return new Set(result.verdict === 'violation' ? result.operations.map((o) => o.id) : []);
}

/**
 * The window the zoomed panel shows around a violation: for two leaders, their overlap with three times
 * its length (at least 10 ms) on each side, so even a 10 ms overlap is wide on the page, reaching back to
 * the send of the newer leader's write; for a history no compare-and-swap register could give, the calls
 * that cannot be ordered, from the first call to the last answer, with a tenth of that on each side;
 * otherwise one retry period on each side.
 */
export function zoomWindow(run: RunResult, violation: Violation): { from: number; to: number } {
  const at = violation.atMs;
  const ops = run.history.filter((o) => unorderable(run, [violation]).has(o.id));
  if (ops.length > 0) {
    const from = Math.min(...ops.map((o) => o.callMs));
    const to = Math.max(...ops.map((o) => (Number.isFinite(o.retMs) ? o.retMs : o.callMs)));
    const pad = Math.max(to - from, 10) / 10;
    return { from: Math.max(0, from - pad), to: Math.min(run.endAtMs, to + pad) };
  }
  if (violation.invariant === 'single-leader') {
    const leading = run.intervals.filter((i) => i.start <= at && i.end > at);
    const end = Math.min(...leading.map((i) => i.end), run.endAtMs);
    const pad = Math.max(end - at, 10) * 3;
    // Reach back to the send of the write that made the newer leader: the request that slipped through.
    const newer = leading.find((i) => i.start === at);
    const write = run.history
      .filter((o) => o.handle === newer?.candidate && o.op !== 'get' && o.outcome.type === 'snapshot')
      .filter((o) => o.retMs <= at)
      .at(-1);
    const from = Math.min(at - pad, write ? write.callMs - pad / 3 : at);
    return { from: Math.max(0, from), to: Math.min(run.endAtMs, end + pad) };
  }
  const r = run.scenario.timing.retryPeriod * 1000;
  return { from: Math.max(0, at - r), to: Math.min(run.endAtMs, at + r) };
}

/** The page for `run`; `violations` are drawn as markers (pass `checkRun(run)`), the first one zoomed. */
export function renderTimeline(
  run: RunResult,
  violations: readonly Violation[],
  options: TimelineOptions = {},
): string {
  const { scenario } = run;
  const backend = options.backend ?? run.lockDescription;
  const verdict = violations.length === 0 ? '0 violations' : `${violations.length} violation(s)`;
  const title = `Simulation seed ${scenario.seed} of ${backend}: ${scenario.candidates} candidates, ${verdict}`;
  const elector =
    scenario.variant === 'correct'
      ? 'the real elector'
      : `a deliberately broken elector (testkit variant ${scenario.variant})`;
  const first = violations[0];
  const zoom = first ? zoomWindow(run, first) : undefined;
  const legend = [
    ...Object.entries(COLORS).map(
      ([state, color]) => `<span style="background:${color}">&nbsp;&nbsp;&nbsp;</span> ${state}`,
    ),
    ...Object.entries(FAULT_COLORS).map(
      ([kind, color]) => `<span style="background:${color};opacity:.35">&nbsp;&nbsp;&nbsp;</span> ${kind}`,
    ),
    '<span style="color:#343a40">|</span> lock request (hover: operation, expected version, result, latency)',
    '<span style="color:#c92a2a">|</span> request without answer',
    '<span style="color:#e8590c;font-weight:bold">|</span> a call that cannot be ordered (linearizability)',
    '<span style="color:#e03131">&#9679;</span> violation',
  ].join(' &nbsp; ');
  const zoomed =
    first && zoom
      ? `<h2>Around the first violation: ${escapeHtml(first.invariant)} at ${(first.atMs / 1000).toFixed(3)}s (${((zoom.to - zoom.from) / 1000).toFixed(3)} s shown)</h2>
${panel(run, violations, zoom.from, zoom.to, 'zoom')}
<h2>The whole run</h2>
`
      : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:16px;color:#212529}h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:10px 0 2px}p{margin:2px 0 8px;font-size:13px}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="backend">backend: ${escapeHtml(backend)}${backend === run.lockDescription ? '' : ` (lock: ${escapeHtml(run.lockDescription)})`}; ${escapeHtml(elector)}</p>
<p>timing ${escapeHtml(JSON.stringify(scenario.timing))} (seconds); ${run.intervals.length} leadership terms; ${run.stats.events} events</p>
<p>${legend}</p>
${zoomed}${panel(run, violations, 0, run.endAtMs, 'overview')}
</body>
</html>
`;
}

/** Writes the timeline of `run` to `file` (default: a new file under the system's temporary directory); returns its path. */
export function writeTimeline(
  run: RunResult,
  violations: readonly Violation[],
  file?: string,
  options: TimelineOptions = {},
): string {
  const path =
    file ?? join(mkdtempSync(join(tmpdir(), 'leasehold-timeline-')), `seed-${run.scenario.seed}.html`);
  writeFileSync(path, renderTimeline(run, violations, options));
  return path;
}
