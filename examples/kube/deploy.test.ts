/**
 * deploy/ as a user applies it: every object in deploy/*.yaml is created on the test control plane (which
 * validates the Deployment too; no kubelet runs it), in a fresh namespace. Then the HA controller example
 * runs with the ServiceAccount's own token (TokenRequest), not as admin: it must elect, renew, watch,
 * record its Events and list pods with exactly the two Roles' permissions; and a Lease the Role does not name
 * is refused. And the Deployment's pod template is admitted by a namespace enforcing the Pod Security
 * "restricted" standard (a server-side dry run of the Pod the ReplicaSet would create), while the same pod
 * without one of the settings "restricted" requires is refused there.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { core, kubeConfig, leaderEvents, uniqueName, waitFor } from '@leasehold/kube-tools/testing.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ExampleProcess, FAST } from './example-process.ts';

const deployDir = join(import.meta.dirname, '..', '..', 'deploy');

/**
 * The objects of deploy/, in file order, moved to `namespace` (their metadata and the binding's subject).
 * Parsed as plain YAML, not with client-node's `loadAllYaml`, which drops the fields its models do not
 * know: a typo must reach the comparison with what the API server stored.
 */
function manifests(namespace: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  for (const file of readdirSync(deployDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort())
    for (const doc of parseAllDocuments(readFileSync(join(deployDir, file), 'utf8'))) {
      const text = JSON.stringify(doc.toJS()).replaceAll(
        '"namespace":"default"',
        `"namespace":"${namespace}"`,
      );
      objects.push(JSON.parse(text));
    }
  return objects;
}

/** The Pod the Deployment's ReplicaSet would create in `namespace`: its template's metadata and spec. */
function podFromTemplate(namespace: string): V1Pod {
  const deployment = manifests(namespace).find((o) => o.kind === 'Deployment') as V1Deployment;
  const { metadata, spec } = deployment.spec!.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...metadata, name: 'ha-controller-dry-run', namespace },
    spec: spec!,
  };
}

/** Creates `pod` as a server-side dry run (admission runs, nothing is stored): 'admitted' or the refusal. */
async function admission(pod: V1Pod): Promise<string> {
  try {
    await core().createNamespacedPod({
      namespace: pod.metadata!.namespace!,
      body: pod,
      dryRun: 'All',
    });
    return 'admitted';
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    return `HTTP ${err.code}: ${body?.message ?? String(err.body)}`;
  }
}

/** A kubeconfig file for the ServiceAccount: the test cluster, authenticated by a bound token. */
async function serviceAccountKubeconfig(namespace: string, account: string): Promise<string> {
  const admin = kubeConfig();
  const { status } = await core().createNamespacedServiceAccountToken({
    name: account,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: account, token: status!.token }],
    contexts: [{ name: account, cluster: cluster.name, user: account, namespace }],
    currentContext: account,
  });
  const file = join(mkdtempSync(join(tmpdir(), 'leasehold-sa-')), 'kubeconfig');
  writeFileSync(file, kc.exportConfig());
  return file;
}

describe('deploy/: applied as a user would, and the example run under its ServiceAccount', () => {
  const procs: ExampleProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill();
  });

  it('the objects apply; the example elects, records events and reconciles with only its two Roles', async () => {
    const namespace = uniqueName('deploy');
    await core().createNamespace({ body: { metadata: { name: namespace } } });
    const objects = kubeConfig().makeApiClient(KubernetesObjectApi);
    const applied: string[] = [];
    for (const object of manifests(namespace)) {
      // biome-ignore lint/suspicious/noExplicitAny: KubernetesObjectApi takes any object of any kind.
      const created = await objects.create(object as any);
      applied.push(`${created.kind}/${created.metadata?.name}`);
      // Stored as written: a field the API (or the client's models, which drop it before sending) does not
      // know, a typo or a field of a newer version, is lost without an error, and the object would not do
      // what deploy/ says.
      expect(created, `${created.kind}/${created.metadata?.name}`).toMatchObject(object);
    }
    expect(applied.sort()).toEqual([
      'Deployment/ha-controller',
      'PodDisruptionBudget/ha-controller',
      'Role/ha-controller-leader-election',
      'Role/ha-controller-work',
      'RoleBinding/ha-controller-leader-election',
      'RoleBinding/ha-controller-work',
      'ServiceAccount/ha-controller',
    ]);
    const kubeconfig = await serviceAccountKubeconfig(namespace, 'ha-controller');

    const replicas = ['pod-a', 'pod-b'].map((identity) => {
      const proc = new ExampleProcess(
        'ha-controller',
        [
          '--name',
          'ha-controller',
          '--namespace',
          namespace,
          '--identity',
          identity,
          '--http-port',
          '0',
          ...FAST,
        ],
        { kubeconfig },
      );
      procs.push(proc);
      return proc;
    });
    const leader = (await waitFor(
      () => replicas.find((p) => p.indexOf(/info became leader/) >= 0),
      Boolean,
      20_000,
    ))!;
    await leader.waitFor(/reconcile: \d+ pods match/, 10_000);
    const follower = replicas.find((p) => p !== leader)!;
    await follower.waitFor(/the leader is pod-/, 10_000);
    // Renewals and the follower's watch run for a while with the Role's permissions only.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const p of replicas) {
      const problems = p.matching(/ (warn|error) |reconcile failed/);
      expect(
        problems.map((l) => l.text),
        p.transcript(),
      ).toEqual([]);
    }
    const events = await leaderEvents('ha-controller', namespace);
    expect(events.map((e) => e.note)).toEqual([expect.stringMatching(/^pod-[ab] became leader$/)]);

    // A Lease the Role does not name: creating it is allowed (create cannot be scoped), reading it is not.
    const other = new ExampleProcess(
      'ha-controller',
      [
        '--name',
        'not-in-the-role',
        '--namespace',
        namespace,
        '--identity',
        'pod-c',
        '--http-port',
        '0',
        ...FAST,
      ],
      { kubeconfig },
    );
    procs.push(other);
    const refused = await other.waitFor(/error .*Forbidden/, 20_000);
    expect(refused.text).toMatch(/Lease .*\/not-in-the-role: (get|watch|patch): HTTP 403/);
    for (const p of replicas) p.kill('SIGTERM');
    for (const p of replicas) expect(await p.exited).toBe(0);
  }, 120_000);

  it('the pod template is admitted by a namespace enforcing Pod Security "restricted"', async () => {
    const namespace = uniqueName('restricted');
    await core().createNamespace({
      body: {
        metadata: {
          name: namespace,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      },
    });
    // The ServiceAccount admission plugin refuses a pod whose account does not exist.
    await core().createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'ha-controller' } } });

    const pod = podFromTemplate(namespace);
    expect(await admission(pod)).toBe('admitted');
    // A dry run stores nothing.
    expect((await core().listNamespacedPod({ namespace })).items).toEqual([]);

    // The namespace does enforce: the same pod without the seccomp profile "restricted" requires is refused.
    const { seccompProfile: _, ...withoutSeccomp } = pod.spec!.securityContext!;
    const refused = await admission({ ...pod, spec: { ...pod.spec!, securityContext: withoutSeccomp } });
    expect(refused).toMatch(/^HTTP 403: .*violates PodSecurity "restricted:latest": seccompProfile/);
    console.log(`deploy: without seccompProfile: ${refused}`);
  }, 60_000);
});
