/**
 * Inline code spans of a Markdown document, with where they stand: line, and for a table cell the header of
 * its column. Fenced code blocks and HTML comments are skipped (a fenced block is an example program, not a
 * claim about a name; the test that runs it is its check), and so is a region between
 * `<!-- peer-api -->` and `<!-- /peer-api -->`: prose that cites another library's source by its own names.
 */

/** One inline code span. */
export interface CodeSpan {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /** Header of the table column the span stands in; `undefined` outside tables. */
  readonly column: string | undefined;
  /** All headers of that table, so a rule can tell a migration table from others. */
  readonly headers: readonly string[] | undefined;
  /** The Markdown line (or table cell) the span stands in. */
  readonly context: string;
}

const FENCE = /^\s*(```|~~~)/;

/** Splits a table row into cells (a `|` inside a code span does not split). */
function cells(row: string): string[] {
  const out: string[] = [];
  let cell = '';
  let ticks = 0;
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '`') {
      let run = 0;
      while (body[i + run] === '`') run++;
      ticks = ticks === 0 ? run : ticks === run ? 0 : ticks;
      cell += '`'.repeat(run);
      i += run - 1;
    } else if (ch === '|' && ticks === 0 && body[i - 1] !== '\\') {
      out.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  out.push(cell);
  return out.map((c) => c.trim());
}

/** The code spans of one piece of inline Markdown (a paragraph line or a cell). */
export function inlineSpans(text: string): string[] {
  const spans: string[] = [];
  const re = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  for (const match of text.matchAll(re)) spans.push((match[2] ?? '').trim());
  return spans;
}

/** Every inline code span of a Markdown document. */
export function codeSpans(file: string, markdown: string): CodeSpan[] {
  const out: CodeSpan[] = [];
  const raw = markdown.split('\n');
  const lines = markdown.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ' ')).split('\n');
  let fenced = false;
  let peer = false;
  let headers: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (raw[i]?.includes('<!-- peer-api -->')) peer = true;
    if (raw[i]?.includes('<!-- /peer-api -->')) peer = false;
    if (peer) continue;
    if (FENCE.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    const isRow = line.trim().startsWith('|');
    if (!isRow) headers = undefined;
    if (isRow && headers === undefined) {
      // A table's first row is its header; the next is the `| --- |` separator.
      headers = cells(line);
      continue;
    }
    if (isRow && /^\s*\|[\s:|-]+\|?\s*$/.test(line)) continue;
    if (isRow && headers) {
      const row = cells(line);
      row.forEach((cell, index) => {
        for (const text of inlineSpans(cell)) {
          out.push({ file, line: i + 1, text, column: headers?.[index], headers, context: cell });
        }
      });
      continue;
    }
    for (const text of inlineSpans(line)) {
      out.push({ file, line: i + 1, text, column: undefined, headers: undefined, context: line });
    }
  }
  return out;
}
