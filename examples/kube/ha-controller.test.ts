import { LEADER_ANNOTATION } from '@leasehold/configmap';
import { core, NAMESPACE, plainHttpKubeconfig, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExampleProcess, FAST } from './example-process.ts';

/** Pods as a controller sees them: objects in the API (the test control plane runs no scheduler or kubelet). */
async function createPod(name: string, labels: Record<string, string>): Promise<void> {
  await core().createNamespacedPod({
    namespace: NAMESPACE,
    body: {
      metadata: { name, labels },
      spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
    },
  });
}

describe('example: HA controller (ConfigMap lock, controller loop cancelled on losing)', () => {
  const procs: ExampleProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  beforeAll(async () => {
    // Pod admission wants the namespace's default ServiceAccount, which a controller-manager would create.
    await core()
      .createNamespacedServiceAccount({ namespace: NAMESPACE, body: { metadata: { name: 'default' } } })
      .catch(() => {});
  });

  it('only the leader reconciles the pods matching the selector; losing the lock cancels it at once', async () => {
    const app = uniqueName('web');
    await createPod(`${app}-1`, { app });
    await createPod(`${app}-2`, { app });
    await createPod(`${app}-other`, { app: `${app}-x` });
    const name = uniqueName('ha');
    const args = [
      '--name',
      name,
      '--lock',
      'configmap',
      '--http-port',
      '0',
      '--selector',
      `app=${app}`,
      '--resync',
      '0.5',
      ...FAST,
    ];
    const a = new ExampleProcess('ha-controller', [...args, '--identity', 'replica-a']);
    procs.push(a);
    await a.waitFor(new RegExp(`reconcile: 2 pods match app=${app}: ${app}-1, ${app}-2$`));
    const b = new ExampleProcess('ha-controller', [...args, '--identity', 'replica-b']);
    procs.push(b);
    await b.waitFor(/the leader is replica-a/);

    // Someone else takes the lock by hand: the leader must stop reconciling before it could be overlapped.
    const cm = await core().readNamespacedConfigMap({ name, namespace: NAMESPACE });
    const record = JSON.parse(cm.metadata!.annotations![LEADER_ANNOTATION]!);
    cm.metadata!.annotations![LEADER_ANNOTATION] = JSON.stringify({ ...record, holderIdentity: 'intruder' });
    const edited = Date.now();
    await core().replaceNamespacedConfigMap({ name, namespace: NAMESPACE, body: cm });
    // Cancelled by the elector, or stopped by its own leadership check in the round, whichever is first.
    const cancelled = await a.waitFor(/controller (cancelled|stopped:)/, 10_000);
    // The guarantee, not a speed: a leader that cannot renew stops within renewDeadline + requestTimeout
    // (3 s + 1.5 s at these timings); the watch usually tells it at once.
    console.log(`ha-controller: cancelled ${cancelled.at - edited} ms after the lock was taken by hand`);
    expect(cancelled.at - edited).toBeLessThan(4_500);
    const lastReconcile = a.matching(/reconcile:/).at(-1)!;
    expect(lastReconcile.at).toBeLessThanOrEqual(cancelled.at);

    // After the intruder's lease (4 s, never renewed) one replica takes over and reconciles again.
    const restarted = await Promise.race([
      a.waitFor(/controller started/, 15_000, edited).then((line) => ({ proc: a, line })),
      b.waitFor(/controller started/, 15_000, edited).then((line) => ({ proc: b, line })),
    ]);
    expect(restarted.line.at - edited).toBeGreaterThan(3_500);
    await restarted.proc.waitFor(/reconcile: 2 pods match/, 5_000, restarted.line.at);
    // While one reconciles, the other does not.
    const other = restarted.proc === a ? b : a;
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(other.lines.filter((l) => l.at >= since && /reconcile:/.test(l.text))).toEqual([]);

    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });
});

describe('example: HA controller with a kubeconfig it cannot use', () => {
  it('exits non-zero at once, naming the file and the fault, without its token', async () => {
    const token = 'sekret-token-0123456789abcdef';
    const file = plainHttpKubeconfig(token);
    const proc = new ExampleProcess('ha-controller', ['--name', uniqueName('ha'), ...FAST], {
      kubeconfig: file,
    });
    const code = await Promise.race([
      proc.exited,
      new Promise<'running'>((r) => setTimeout(() => r('running'), 30_000)),
    ]);
    proc.kill();
    const transcript = proc.transcript();
    expect(code, transcript).toBe(1);
    expect(transcript).toContain(
      `ConfigError: invalid election config (kubeConfig): loadKubeConfig: kubeconfig ${file} (from $KUBECONFIG): ` +
        'cluster "local": server http://127.0.0.1:8080 is plain http:// and insecure-skip-tls-verify is not set',
    );
    expect(transcript).not.toContain(token);
    expect(proc.indexOf(/campaigning/)).toBe(-1);
  }, 60_000);
});
