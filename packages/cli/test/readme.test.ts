import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { HELP } from '../src/help.ts';

it('the README quotes `leasehold --help` as the command prints it', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('```text\n', readme.indexOf('<!-- leasehold --help')) + '```text\n'.length;
  const quoted = readme.slice(start, readme.indexOf('```\n', start));
  expect(quoted).toBe(`${HELP.trimEnd()}\n`);
});
