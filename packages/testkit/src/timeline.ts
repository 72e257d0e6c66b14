/**
 * A simulated run drawn as a timeline: one self-contained HTML page with an inline SVG (no scripts, no
 * network), a lane per candidate showing when it followed, led or released, the faults as bands (on the
 * lane of the candidate they hit, outages across every lane), lock requests as ticks (failed ones in red),
 * and every violation of a guarantee as a red marker with its text. `leasehold replay SEED --html FILE`
 * writes it; so does a failing `checkBackend`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Violation } from './checker.ts';
import type { RunResult } from './cluster.ts';

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

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The page for `run`; `violations` are drawn as markers (pass `checkRun(run)`). */
export function renderTimeline(run: RunResult, violations: readonly Violation[]): string {
  const { scenario } = run;
  const candidates = Array.from({ length: scenario.candidates }, (_, i) => `c${i}`);
  const end = run.endAtMs;
  const x = (t: number) => LABEL + (Math.min(Math.max(t, 0), end) / end) * (WIDTH - LABEL - 20);
  const laneY = (i: number) => TOP + i * LANE;
  const height = TOP + candidates.length * LANE + 60;
  const parts: string[] = [];

  // Time axis: a tick every 1, 2, 5, 10, ... seconds, about 12 in all.
  const step = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600].find((s) => end / 1000 / s <= 14) ?? 1200;
  for (let s = 0; s * 1000 <= end; s += step) {
    const px = x(s * 1000);
    parts.push(
      `<line class="axis" x1="${px}" y1="${TOP - 6}" x2="${px}" y2="${height - 50}" stroke="#eee"/>`,
      `<text x="${px}" y="${TOP - 10}" font-size="11" text-anchor="middle" fill="#666">${s}s</text>`,
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
          to: steps[k + 1]?.t ?? end,
        });
    });
    for (const interval of run.intervals.filter((iv) => iv.candidate === id))
      segments.push({ state: 'leader', from: interval.start, to: Math.min(interval.end, end) });
    for (const { state, from, to } of segments)
      parts.push(
        `<rect class="state ${state}" data-from="${from}" data-to="${to}" x="${x(from)}" y="${y + 6}" width="${Math.max(1, x(to) - x(from))}" height="${LANE - 16}" fill="${COLORS[state]}"><title>${id} ${state} ${(from / 1000).toFixed(3)}s to ${(to / 1000).toFixed(3)}s</title></rect>`,
      );
    // Requests: a tick as each is sent; a red one where it failed.
    for (const entry of run.lockLog.filter((e) => e.candidate === id && e.what !== 'answered')) {
      const failed = entry.what === 'failed';
      parts.push(
        `<line class="request${failed ? ' failed' : ''}" x1="${x(entry.t)}" y1="${y + LANE - 10}" x2="${x(entry.t)}" y2="${y + LANE - (failed ? 2 : 5)}" stroke="${failed ? '#c92a2a' : '#343a40'}" stroke-width="1"/>`,
      );
    }
    parts.push('</g>');
  });

  // Faults: bands on the lane they hit; outages and faults on "whoever leads" across every lane.
  for (const fault of scenario.schedule) {
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
  parts.push(
    `<line class="heal" x1="${x(run.healAtMs)}" y1="${TOP - 4}" x2="${x(run.healAtMs)}" y2="${height - 50}" stroke="#2b8a3e" stroke-dasharray="4 3"/>`,
    `<text x="${x(run.healAtMs) + 4}" y="${height - 52}" font-size="11" fill="#2b8a3e">faults end</text>`,
  );

  violations.forEach((v, k) => {
    const px = x(v.atMs);
    parts.push(
      `<g class="violation" data-invariant="${v.invariant}" data-at="${v.atMs}">`,
      `<line x1="${px}" y1="${TOP - 4}" x2="${px}" y2="${height - 50}" stroke="#e03131" stroke-width="2"/>`,
      `<circle cx="${px}" cy="${TOP - 16}" r="6" fill="#e03131"/>`,
      // Right of the marker in the first half of the run, left of it in the second, so the text stays on the page.
      `<text x="${px < WIDTH / 2 ? px + 9 : px - 9}" text-anchor="${px < WIDTH / 2 ? 'start' : 'end'}" y="${height - 34 + (k % 2) * 14}" font-size="12" fill="#c92a2a">${escapeHtml(`${v.invariant} at ${(v.atMs / 1000).toFixed(3)}s: ${v.detail}`)}</text>`,
      `<title>${escapeHtml(`${v.invariant}: ${v.detail}`)}</title>`,
      '</g>',
    );
  });

  const verdict = violations.length === 0 ? '0 violations' : `${violations.length} violation(s)`;
  const title = `Simulation seed ${scenario.seed}: ${scenario.candidates} candidates, ${verdict}`;
  const legend = [
    ...Object.entries(COLORS).map(
      ([state, color]) => `<span style="background:${color}">&nbsp;&nbsp;&nbsp;</span> ${state}`,
    ),
    ...Object.entries(FAULT_COLORS).map(
      ([kind, color]) => `<span style="background:${color};opacity:.35">&nbsp;&nbsp;&nbsp;</span> ${kind}`,
    ),
    '<span style="color:#343a40">|</span> request sent',
    '<span style="color:#c92a2a">|</span> request failed',
    '<span style="color:#e03131">&#9679;</span> violation',
  ].join(' &nbsp; ');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:16px;color:#212529}h1{font-size:18px;margin:0 0 4px}p{margin:2px 0 8px;font-size:13px}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>timing ${escapeHtml(JSON.stringify(scenario.timing))} (seconds); variant ${escapeHtml(scenario.variant)}; ${run.intervals.length} leadership terms; ${run.stats.events} events</p>
<p>${legend}</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" data-seed="${scenario.seed}">
${parts.join('\n')}
</svg>
</body>
</html>
`;
}

/** Writes the timeline of `run` to `file` (default: a new file under the system's temporary directory); returns its path. */
export function writeTimeline(run: RunResult, violations: readonly Violation[], file?: string): string {
  const path =
    file ?? join(mkdtempSync(join(tmpdir(), 'leasehold-timeline-')), `seed-${run.scenario.seed}.html`);
  writeFileSync(path, renderTimeline(run, violations));
  return path;
}
