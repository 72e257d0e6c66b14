/**
 * What the README tells users to run, read from the README itself so that the consumer tests run exactly
 * that. The install-from-tarballs commands: the block after the `<!-- install from tarballs ... -->` marker holds
 * one pack command (run in the clone) and `npm install` lines (each run in a fresh project, with
 * `$LEASEHOLD` the clone's path). The quick start: the program after the `<!-- quick start ... -->` marker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
const MARKER = '<!-- install from tarballs';

export interface DocumentedInstall {
  /** The command that builds and packs every package (into `packs/` of the clone). */
  readonly pack: string;
  /** The `npm install` lines, comments removed, `$LEASEHOLD` left for the shell. */
  readonly installs: readonly string[];
  /** The folder the pack command writes, relative to the clone (from the install lines). */
  readonly packs: string;
}

/** Reads the documented commands from `readme` (the repository's README.md unless given). */
export function documentedInstall(readme = readFileSync(join(root, 'README.md'), 'utf8')): DocumentedInstall {
  const at = readme.indexOf(MARKER);
  if (at < 0) throw new Error(`README.md has no "${MARKER}" block`);
  const block = readme.slice(at).match(/```sh\n([\s\S]*?)```/)?.[1];
  if (block === undefined)
    throw new Error('README.md: no ```sh block after the install-from-tarballs marker');
  const lines = block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const installs = lines.filter((line) => line.startsWith('npm install '));
  const others = lines.filter((line) => !line.startsWith('npm install '));
  if (others.length !== 1 || installs.length === 0)
    throw new Error(
      `README.md: expected one pack command and npm install lines, got ${JSON.stringify(lines)}`,
    );
  const packs = installs[0]?.match(/\$LEASEHOLD\/([^/\s]+)\//)?.[1];
  if (packs === undefined) throw new Error(`README.md: ${installs[0]} names no $LEASEHOLD/<folder>/ tarball`);
  return { pack: others[0] as string, installs, packs };
}

const QUICK_START = '<!-- quick start';

/**
 * The README's quick start, the complete Lease program in the ```ts block after the `<!-- quick start ... -->`
 * marker, as users copy it: the consumer test typechecks it from the packed packages under strict settings.
 */
export function documentedQuickStart(readme = readFileSync(join(root, 'README.md'), 'utf8')): string {
  const at = readme.indexOf(QUICK_START);
  if (at < 0) throw new Error(`README.md has no "${QUICK_START}" block`);
  const block = readme.slice(at).match(/^<!--[^\n]*-->\n```ts\n([\s\S]*?\n)```\n/)?.[1];
  if (block === undefined)
    throw new Error('README.md: the quick-start marker is not followed by a ```ts block');
  return block;
}
