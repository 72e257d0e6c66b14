/**
 * Docs that cannot go stale: every code span in README.md, docs/*.md and packages/*\/README.md that names
 * Leasehold's API (the rule is in scripts/docs-api/rules.ts) must name something the packages export, read
 * from each package.json `exports` map and the compiler's view of the entries' sources. docs/api/ and
 * docs/api-reports/ are generated from the code and are not read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiSurface, packageEntries } from '../docs-api/exports.ts';
import { checkSpan, NOT_OURS, PENDING_PACKAGES } from '../docs-api/rules.ts';
import { codeSpans } from '../docs-api/spans.ts';

const root = join(import.meta.dirname, '..', '..');

/** The documents a user reads: the README, docs/*.md and each package's README. */
function documents(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`);
  const readmes = readdirSync(join(root, 'packages'))
    .map((pkg) => `packages/${pkg}/README.md`)
    .filter((file) => {
      try {
        readFileSync(join(root, file));
        return true;
      } catch {
        return false;
      }
    });
  return ['README.md', ...docs, ...readmes];
}

describe('docs name only APIs that exist', () => {
  // Building the checker over every package's entries takes seconds; once for the file.
  const packages = packageEntries(root);
  const api = apiSurface(packages);
  // Names of packages still being written elsewhere pass only while the package is absent.
  const present = new Set(packages.map((p) => p.name));
  const pending = new Set(
    Object.entries(PENDING_PACKAGES)
      .filter(([name]) => !present.has(name))
      .flatMap(([, names]) => names),
  );

  it('reads every exports map entry, subpaths included', () => {
    // The core entry and testkit's `./vitest` subpath: if either were missing, the surface would be partial.
    expect(api.exports.get('LeaderElection')).toContain('@leasehold/core');
    expect(api.exports.get('recordLeaderEvents')).toContain('@leasehold/lease');
    expect([...api.exports.values()].flat().some((label) => label.startsWith('@leasehold/testkit/'))).toBe(
      true,
    );
  });

  it('every API name in a code span exists', () => {
    const stale = documents().flatMap((file) =>
      codeSpans(file, readFileSync(join(root, file), 'utf8')).flatMap((span) => {
        const problem = checkSpan(span, api, pending, root);
        return problem ? [problem] : [];
      }),
    );
    const report = stale.map((s) => `${s.span.file}:${s.span.line}: \`${s.span.text}\`: ${s.name}: ${s.why}`);
    expect(report, `docs name APIs that do not exist:\n${report.join('\n')}`).toEqual([]);
  });

  it('every claim that no peer has something cites the peers in docs/comparison.md', () => {
    // A claim about what other libraries lack ("no peer has it") must link the page that cites their code.
    const claim = /\bno (other )?peers?\b|\bnone of the peers\b|\bthe peers (lack|have no|release)\b/i;
    const uncited = documents().flatMap((file) =>
      readFileSync(join(root, file), 'utf8')
        .split(/\n\s*\n|\n(?=\s*- )/) // paragraphs and list items
        .filter((block) => claim.test(block) && !block.includes('comparison.md'))
        .map((block) => `${file}: ${block.trim().slice(0, 120)}`),
    );
    expect(uncited, uncited.join('\n')).toEqual([]);
  });

  it('an internal name cited with its file is checked against that file', () => {
    const doc = [
      'At most 64 (`MAX_DISTINCT_FAILURES` in `packages/core/src/error-reporter.ts`).',
      'At most 64 (`MAX_DISTINCT_FAILURE` in packages/core/src/error-reporter.ts).',
      'A bound (`MAX_DISTINCT_FAILURES` in packages/core/src/no-such-file.ts).',
    ].join('\n');
    const found = codeSpans('synthetic.md', doc)
      .filter((span) => !span.text.includes('/')) // the names, not the paths
      .map((span) => checkSpan(span, api, pending, root)?.why);
    expect(found).toEqual([
      undefined,
      'packages/core/src/error-reporter.ts does not define it',
      'it is cited in packages/core/src/no-such-file.ts, which does not exist',
    ]);
  });

  it('the allow-list holds no name that is in fact ours', () => {
    // A name the packages export must be checked, not waved through.
    const ours = Object.values(NOT_OURS)
      .flat()
      .filter((name) => api.exports.has(name));
    expect(ours).toEqual([]);
  });
});
