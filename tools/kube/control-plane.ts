/**
 * Starts a real control plane on loopback for tests: etcd and kube-apiserver built by tools/kube/build.sh,
 * RBAC on, a static admin token and a restricted identity without any role (for 403 tests), two users
 * authenticated by client certificates (for certificate rotation tests), and a kubeconfig with one context
 * per identity. Everything lives in a temporary folder removed by `stop()`.
 *
 * Fault controls for outage tests act on the real processes: `apiServer.pause()` / `resume()` (SIGSTOP /
 * SIGCONT: connections hang), `apiServer.kill()` (SIGKILL: connections refused) and `restart()` (the same
 * flags, port, certificates and etcd data, so clients reconnect as to an upgraded server), and
 * `etcd.pause()` / `resume()` (the API server stays up, its storage stalls).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { certificateAuthority, clientCertificate } from './certificates.ts';

export interface ControlPlane {
  /**
   * The kubeconfig file: contexts `admin` (current) and `restricted` (tokens), and `cert-a` and `cert-b`:
   * users `leasehold-cert-a` and `leasehold-cert-b` in `system:masters`, by client certificates signed by
   * the client CA the API server trusts.
   */
  readonly kubeconfig: string;
  readonly server: string;
  readonly adminToken: string;
  readonly restrictedToken: string;
  /** With `auditLog: true`: the API server's JSON audit log of lease and configmap requests. */
  readonly auditLog?: string;
  readonly apiServer: ProcessControl & {
    /** Starts the API server again with the same flags and data; resolves once it is ready. */
    restart(): Promise<void>;
  };
  readonly etcd: ProcessControl;
  stop(): Promise<void>;
}

/** Signals to one process of the control plane. */
export interface ProcessControl {
  /** SIGSTOP: the process keeps its sockets but answers nothing. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** SIGKILL; resolves when it has exited. */
  kill(): Promise<void>;
  /** The process id (changes on restart). */
  readonly pid: number | undefined;
}

export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
}

const here = import.meta.dirname;

/** Builds (or reuses) the binaries; returns their folder. */
export async function buildBinaries(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [join(here, 'build.sh')], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30 * 60_000,
    });
    return stdout.trim().split('\n').at(-1)!;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new ControlPlaneError(`tools/kube/build.sh failed: ${e.stderr?.slice(-4000) ?? e.message}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Proc {
  readonly child: ChildProcess;
  readonly log: string;
}

function launch(bin: string, args: string[], log: string): Proc {
  const out = [] as Buffer[];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    out.push(chunk);
    writeFileSync(log, Buffer.concat(out).subarray(-200_000));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log };
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitReady(
  url: string,
  token: string,
  proc: Proc,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new ControlPlaneError(`${what} exited with code ${proc.child.exitCode}:\n${tail(proc.log)}`);
    }
    try {
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new ControlPlaneError(
    `${what} not ready after ${timeoutMs / 1000}s (last answer: ${last}):\n${tail(proc.log)}`,
  );
}

function killProc(proc: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return resolve();
    proc.child.once('exit', () => resolve());
    proc.child.kill('SIGKILL');
  });
}

function stopProc(proc: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return resolve();
    // A paused process would never see SIGTERM: let it run first.
    proc.child.kill('SIGCONT');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
    proc.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.child.kill('SIGTERM');
  });
}

/** Audit every request on leases and configmaps (metadata only), for benchmarks that count API load. */
const AUDIT_POLICY = JSON.stringify({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    {
      level: 'Metadata',
      resources: [
        { group: 'coordination.k8s.io', resources: ['leases'] },
        { group: '', resources: ['configmaps'] },
      ],
    },
    { level: 'None' },
  ],
});

export async function startControlPlane(
  options: { readyTimeoutMs?: number; auditLog?: boolean } = {},
): Promise<ControlPlane> {
  const bin = await buildBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-kube-'));
  const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];

  const etcd = launch(
    join(bin, 'etcd'),
    [
      '--name=leasehold',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=leasehold=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    join(dir, 'etcd.log'),
  );
  const procs: Proc[] = [etcd];
  const stopAll = async () => {
    for (const p of [...procs].reverse()) await stopProc(p);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitReady(`http://127.0.0.1:${etcdClient}/health`, '', etcd, 'etcd', 60_000);

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const adminToken = randomBytes(16).toString('hex');
    const restrictedToken = randomBytes(16).toString('hex');
    writeFileSync(
      join(dir, 'tokens.csv'),
      `${adminToken},leasehold-admin,leasehold-admin,"system:masters"\n${restrictedToken},leasehold-restricted,leasehold-restricted,\n`,
    );

    const clientCa = certificateAuthority('leasehold-client-ca');
    writeFileSync(join(dir, 'client-ca.crt'), clientCa.cert);
    const certUsers = ['a', 'b'].map((suffix) => ({
      name: `cert-${suffix}`,
      ...clientCertificate(clientCa, 'leasehold-client-ca', `leasehold-cert-${suffix}`, ['system:masters']),
    }));

    if (options.auditLog) writeFileSync(join(dir, 'audit-policy.json'), AUDIT_POLICY);
    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      `--client-ca-file=${join(dir, 'client-ca.crt')}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-account-issuer=https://leasehold.test',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--enable-priority-and-fairness=false',
      // Coordinated leader election (beta, off by default in 1.37): LeaseCandidates and the API server's
      // controller that picks the holder.
      '--feature-gates=CoordinatedLeaderElection=true',
      '--runtime-config=coordination.k8s.io/v1beta1=true',
      // The default reconciler refuses a loopback advertise address; nothing here needs the endpoints.
      '--endpoint-reconciler-type=none',
      '--v=0',
      ...(options.auditLog
        ? [
            `--audit-policy-file=${join(dir, 'audit-policy.json')}`,
            `--audit-log-path=${join(dir, 'audit.log')}`,
            '--audit-log-format=json',
            '--audit-log-mode=blocking',
          ]
        : []),
    ];
    const launchApiServer = () =>
      launch(join(bin, 'kube-apiserver'), apiserverArgs, join(dir, 'kube-apiserver.log'));
    let apiserver = launchApiServer();
    procs.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    await waitReadyInsecure(`${server}/readyz`, adminToken, apiserver, readyTimeoutMs);

    const ca = readFileSync(join(dir, 'certs', 'apiserver.crt')).toString('base64');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'leasehold', cluster: { server, 'certificate-authority-data': ca } }],
        users: [
          { name: 'admin', user: { token: adminToken } },
          { name: 'restricted', user: { token: restrictedToken } },
          ...certUsers.map(({ name, cert, key }) => ({
            name,
            user: {
              'client-certificate-data': Buffer.from(cert).toString('base64'),
              'client-key-data': Buffer.from(key).toString('base64'),
            },
          })),
        ],
        contexts: [
          { name: 'admin', context: { cluster: 'leasehold', user: 'admin', namespace: 'default' } },
          { name: 'restricted', context: { cluster: 'leasehold', user: 'restricted', namespace: 'default' } },
          ...certUsers.map(({ name }) => ({
            name,
            context: { cluster: 'leasehold', user: name, namespace: 'default' },
          })),
        ],
        'current-context': 'admin',
      }),
    );
    const control = (current: () => Proc): ProcessControl => ({
      pause: () => void current().child.kill('SIGSTOP'),
      resume: () => void current().child.kill('SIGCONT'),
      kill: () => killProc(current()),
      get pid() {
        return current().child.pid;
      },
    });
    return {
      kubeconfig,
      server,
      adminToken,
      restrictedToken,
      ...(options.auditLog ? { auditLog: join(dir, 'audit.log') } : {}),
      apiServer: {
        ...control(() => apiserver),
        get pid() {
          return apiserver.child.pid;
        },
        restart: async () => {
          const old = apiserver;
          await killProc(old);
          apiserver = launchApiServer();
          procs[procs.indexOf(old)] = apiserver;
          await waitReadyInsecure(`${server}/readyz`, adminToken, apiserver, readyTimeoutMs);
        },
      },
      etcd: control(() => etcd),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * /readyz over TLS before the kubeconfig exists: the serving certificate is self-signed and appears only
 * at start-up, so this one probe skips verification; everything after it trusts that certificate.
 */
async function waitReadyInsecure(url: string, token: string, proc: Proc, timeoutMs: number): Promise<void> {
  const probe = () =>
    new Promise<string>((resolve) => {
      const req = httpsRequest(
        url,
        { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2_000 },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
          });
          res.on('end', () => resolve(`${res.statusCode} ${body.trim().slice(-200)}`));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve(String(err)));
      req.end();
    });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new ControlPlaneError(
        `kube-apiserver exited with code ${proc.child.exitCode}:\n${tail(proc.log)}`,
      );
    }
    last = await probe();
    if (last.startsWith('200')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new ControlPlaneError(
    `kube-apiserver not ready after ${timeoutMs / 1000}s (last: ${last}):\n${tail(proc.log)}`,
  );
}
