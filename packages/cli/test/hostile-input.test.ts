/**
 * `leasehold status` and `watch` run as processes against data they do not control: a holder identity full
 * of terminal control characters written to a Lease, a reader that goes away (`| head -1`), a kubeconfig
 * with a syntax error next to a token line or one the lock package's loader refuses, and a server that
 * accepts connections and never answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LeaderElection } from '@leasehold/core';
import {
  coordination,
  electionWithErrors,
  kubeConfig,
  kubeconfigPath,
  NAMESPACE,
  uniqueName,
} from '@leasehold/kube-tools/testing.ts';
import { LeaseLock } from '@leasehold/lease';
import { afterAll, describe, expect, it } from 'vitest';
import { leaseholdCommand, type Run } from './run.ts';

const scratch = mkdtempSync(join(tmpdir(), 'leasehold-cli-hostile-'));
const env = (extra: Record<string, string> = {}) => ({
  ...process.env,
  KUBECONFIG: kubeconfigPath(),
  ...extra,
});

/** `leasehold ...args` against the test control plane (unless `extra` says otherwise); killed after 120 s. */
const leasehold = (args: readonly string[], extra: Record<string, string> = {}): Promise<Run> =>
  leaseholdCommand(args, { env: env(extra), cwd: scratch, timeoutMs: 120_000 });

/** A bash script's output and exit code; killed after 120 s. */
const bash = (script: string): Promise<Run> =>
  promisify(execFile)('bash', ['-c', script], { env: env(), cwd: scratch, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );

/** Characters a terminal acts on: C0 and C1 controls (but the line feed that ends each line), DEL, bidi overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Clears the screen, returns the cursor, rings the bell, a C1 CSI, a right-to-left override. */
const HOSTILE = 'evil\u001b[2J\r\u0007\u009b31m\u202eend';
/** How `printable` shows it: every control character as a visible escape. */
const SHOWN = 'evil\\u001b[2J\\r\\u0007\\u009b31m\\u202eend';

/** A Lease's MicroTime, as the API server parses it (microseconds). */
const microTime = (d: Date) => d.toISOString().replace('Z', '000Z');

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function writeLease(name: string, spec: Record<string, unknown>): Promise<void> {
  await coordination().createNamespacedLease({
    namespace: NAMESPACE,
    body: { metadata: { name }, spec: spec as Record<string, never> },
  });
}

/** A kubeconfig for `server`, trusting the test control plane's CA. */
function kubeconfigFor(server: string): string {
  const file = join(scratch, `kubeconfig-${uniqueName('k')}`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: { server, 'certificate-authority-data': kubeConfig().getCurrentCluster()!.caData },
        },
      ],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }),
  );
  return file;
}

describe('leasehold status and watch: hostile input', () => {
  const elections: LeaderElection[] = [];
  afterAll(async () => {
    await Promise.all(elections.map((e) => e.stop()));
  });

  it('a holder with terminal control characters is printed escaped by status, watch and in errors', async () => {
    const name = uniqueName('cli-ctl');
    await writeLease(name, {
      holderIdentity: HOSTILE,
      leaseDurationSeconds: 15,
      renewTime: microTime(new Date()),
      acquireTime: microTime(new Date()),
    });
    const status = await leasehold(['status', name]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toMatch(CONTROL);
    expect(status.stdout).toMatch(new RegExp(`^ {2}holder +${escapeRegExp(SHOWN)}$`, 'm'));

    const watch = await leasehold(['watch', name, '--for', '1']);
    expect(watch.code, watch.stderr).toBe(0);
    expect(watch.stdout).not.toMatch(CONTROL);
    expect(watch.stdout).toContain(`holder=${SHOWN} transitions=0`);

    // A record nobody may follow: the Malformed error quotes the holder, escaped like everything else.
    const malformed = uniqueName('cli-ctl-bad');
    await writeLease(malformed, { holderIdentity: HOSTILE });
    const refused = await leasehold(['status', malformed]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).not.toMatch(CONTROL);
    expect(refused.stderr).toContain(`"${SHOWN}"`);
    console.log(`status: ${status.stdout}\nwatch: ${watch.stdout}\nmalformed: ${refused.stderr}`);
  }, 60_000);

  it('watch piped into `head -1` ends quietly with exit code 0 once head has gone', async () => {
    const name = uniqueName('cli-head');
    const { election } = electionWithErrors(
      new LeaseLock({ name, namespace: NAMESPACE, identity: 'pod-a', kubeConfig: kubeConfig() }),
    );
    elections.push(election);
    await election.acquire(); // renews every 0.5 s: a line per renewal, so the command writes after head exits
    const main = join(import.meta.dirname, '..', 'src', 'main.ts');
    const command = [process.execPath, '--conditions=source', main, 'watch', name, '--for', '100']
      .map((a) => `'${a}'`)
      .join(' ');
    const started = Date.now();
    const piped = await bash(`${command} | head -1; echo "cli-exit=\${PIPESTATUS[0]}" >&2`);
    const ms = Date.now() - started;
    console.log(`watch | head -1: ended after ${ms} ms; stdout ${JSON.stringify(piped.stdout)}`);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(`watching Lease ${NAMESPACE}/${name} (Ctrl-C to stop)\n`);
    // Nothing but the exit code bash reported: no EPIPE, no stack trace.
    expect(piped.stderr).toBe('cli-exit=0\n');
    // Ended by the closed pipe, well before --for 100 would have ended it.
    expect(ms).toBeLessThan(60_000);
  }, 90_000);

  it('a kubeconfig with a syntax error next to a token line: names the file and the problem, never the token', async () => {
    const cases = {
      indentation: 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: SECRET-TOKEN-123\n   bad: x\n',
      'an unclosed flow mapping': 'users: [{name: u, user: {token: SECRET-TOKEN-123}\ncontexts: []\n',
      'a tab for indentation': 'users:\n- name: u\n  user:\n\ttoken: SECRET-TOKEN-123\n',
    };
    for (const [label, text] of Object.entries(cases)) {
      const file = join(scratch, `bad-kubeconfig-${label.replaceAll(' ', '-')}`);
      writeFileSync(file, text);
      const ways = [['--kubeconfig', ['status', 'x', '--kubeconfig', file], {}]] as const;
      // The KUBECONFIG lookup too, once (each run starts a process: a few seconds on a loaded machine).
      const viaEnv = [['KUBECONFIG', ['watch', 'x'], { KUBECONFIG: file }]] as const;
      for (const [how, args, env] of label === 'indentation' ? [...ways, ...viaEnv] : ways) {
        const result = await leasehold(args, env);
        const what = `${label} via ${how}: ${result.stderr}`;
        expect(result.code, what).toBe(3);
        expect(`${result.stdout}${result.stderr}`, what).not.toContain('SECRET-TOKEN-123');
        expect(result.stderr, what).toMatch(
          new RegExp(
            `^leasehold: kubeconfig ${escapeRegExp(file)}: not valid YAML at line \\d+, column \\d+\\n$`,
          ),
        );
      }
    }
    const notAConfig = join(scratch, 'not-a-kubeconfig');
    writeFileSync(notAConfig, 'SECRET-TOKEN-123\n');
    const result = await leasehold(['status', 'x', '--kubeconfig', notAConfig]);
    expect(result.code).toBe(3);
    expect(result.stderr).not.toContain('SECRET-TOKEN-123');
    expect(result.stderr).toBe(
      `leasehold: kubeconfig ${notAConfig}: defines no cluster (a kubeconfig is a mapping with clusters, users and contexts)\n`,
    );
  }, 150_000);

  it('a kubeconfig the lock package refuses: its fault once, in the CLI words, exit code 3', async () => {
    // Loaded and checked by @leasehold/lease's loader: the ConfigError's prefix and a second naming of the
    // source ("cannot use kubeconfig X: invalid election config ...: the KubeConfig given: ...") must not show.
    const file = kubeconfigFor('http://127.0.0.1:8080');
    const result = await leasehold(['status', 'x', '--kubeconfig', file]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      new RegExp(
        `^leasehold: kubeconfig ${escapeRegExp(file)}: cluster "c": server http://127\\.0\\.0\\.1:8080 is plain http:// and insecure-skip-tls-verify is not set, [^\\n]*\\n$`,
      ),
    );
    expect(result.stderr).not.toMatch(/invalid election config|KubeConfig given|cannot use/);
  }, 150_000);

  it('a server that accepts connections and never answers: named as a timeout, exit code 3', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const started = Date.now();
      const result = await leasehold([
        'status',
        'x',
        '--kubeconfig',
        kubeconfigFor(`https://127.0.0.1:${port}`),
      ]);
      console.log(`silent server: ended after ${Date.now() - started} ms: ${result.stderr}`);
      expect(sockets.length).toBeGreaterThanOrEqual(1);
      expect(result.code).toBe(3);
      expect(result.stderr).toBe(
        `leasehold: cannot reach the API server at https://127.0.0.1:${port}: timed out after 10 s reading Lease default/x\n`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 60_000);
});
