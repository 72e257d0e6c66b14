/** Helpers for tests on the real control plane (the `kube` vitest project). */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  EventsV1Api,
  type EventsV1Event,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import {
  ElectionConfig,
  LeaderElection,
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
} from '@leasehold/core';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the test control plane's kubeconfig (provided by tools/kube/vitest-setup.ts). */
    kubeconfig: string;
  }
}

/** A KubeConfig for the test control plane as `admin` (system:masters) or `restricted` (no roles). */
export function kubeConfig(context: 'admin' | 'restricted' = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  kc.setCurrentContext(context);
  return kc;
}

export function kubeconfigPath(): string {
  return inject('kubeconfig');
}

/** A fresh object name, unique within the run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export const NAMESPACE = 'default';

export function coordination(kc = kubeConfig()): CoordinationV1Api {
  return kc.makeApiClient(CoordinationV1Api);
}

export function core(kc = kubeConfig()): CoreV1Api {
  return kc.makeApiClient(CoreV1Api);
}

/** Polls `read` until `until(value)` holds or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(
  read: () => Promise<T> | T,
  until: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let value = await read();
  while (!until(value)) {
    if (Date.now() > end)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/** GET `path` from the API server as raw JSON, exactly as any client sees it (no client-node models). */
export async function rawGet(path: string, kc = kubeConfig()): Promise<unknown> {
  const { request } = await import('node:https');
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const ca = Buffer.from(cluster.caData!, 'base64');
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster.server}${path}`,
      { ca, headers: { authorization: `Bearer ${user.token}` } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * An election on `lock` (lease 3 s, renew deadline 2 s, retry 0.5 s) that collects what it reports to
 * `onError`, started with `acquire()`: for tests of how lock failures surface.
 */
export function electionCollectingErrors(lock: Lock): { election: LeaderElection; errors: unknown[] } {
  const collecting = electionWithErrors(lock);
  void collecting.election.acquire();
  return collecting;
}

/** The same election, not started. */
export function electionWithErrors(lock: Lock): { election: LeaderElection; errors: unknown[] } {
  const errors: unknown[] = [];
  const election = new LeaderElection(
    new ElectionConfig({
      lock,
      leaseDuration: 3,
      renewDeadline: 2,
      retryPeriod: 0.5,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      onError: (err) => errors.push(err),
    }),
  );
  return { election, errors };
}

/** The holder named by a Lease or by a ConfigMap's leader annotation; `null` if the object is absent. */
export async function lockHolder(kind: 'lease' | 'configmap', name: string): Promise<string | null> {
  try {
    if (kind === 'lease') {
      const lease = await coordination().readNamespacedLease({ name, namespace: NAMESPACE });
      return lease.spec?.holderIdentity ?? '';
    }
    const cm = await core().readNamespacedConfigMap({ name, namespace: NAMESPACE });
    const text = cm.metadata?.annotations?.['control-plane.alpha.kubernetes.io/leader'];
    return text ? String((JSON.parse(text) as { holderIdentity?: string }).holderIdentity ?? '') : '';
  } catch {
    return null;
  }
}

export interface CountingLock {
  readonly lock: Lock;
  readonly counts: { get: number; create: number; update: number };
}

/** All the requests a `countingLock` counted. */
export function totalRequests(counts: CountingLock['counts']): number {
  return counts.get + counts.create + counts.update;
}

/** Passes every call through to `inner` and counts the requests by operation (the watch is not a request). */
export function countingLock(inner: Lock): CountingLock {
  const counts = { get: 0, create: 0, update: 0 };
  const lock: Lock = {
    identity: inner.identity,
    describe: () => inner.describe(),
    get: (options?: LockCallOptions) => {
      counts.get += 1;
      return inner.get(options);
    },
    create: (record: LeaderElectionRecord, options?: LockCallOptions) => {
      counts.create += 1;
      return inner.create(record, options);
    },
    update: (record: LeaderElectionRecord, version: string, options?: LockCallOptions) => {
      counts.update += 1;
      return inner.update(record, version, options);
    },
  };
  if (inner.watch) lock.watch = inner.watch.bind(inner);
  return { lock, counts };
}

/** The leadership events (reason `LeaderElection`) regarding object `name`, oldest first, as the API server lists them. */
export async function leaderEvents(name: string, namespace = NAMESPACE): Promise<EventsV1Event[]> {
  const list = await kubeConfig()
    .makeApiClient(EventsV1Api)
    .listNamespacedEvent({ namespace, fieldSelector: `regarding.name=${name}` });
  return (
    list.items
      .filter((e) => e.reason === 'LeaderElection')
      // client-node hands eventTime over as the wire's string, typed as a Date: new Date() reads either.
      .sort((a, b) => new Date(a.eventTime ?? 0).getTime() - new Date(b.eventTime ?? 0).getTime())
  );
}

/**
 * A fresh namespace in which the `restricted` identity (kubeConfig('restricted')) has exactly `rules`, through
 * a Role and RoleBinding named `name`: for tests of what an election does with less than every permission.
 */
export async function namespaceWithRestrictedRole(
  prefix: string,
  name: string,
  rules: V1PolicyRule[],
): Promise<string> {
  const namespace = uniqueName(prefix);
  await core().createNamespace({ body: { metadata: { name: namespace } } });
  const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'leasehold-restricted' }],
    },
  });
  return namespace;
}

/**
 * A kubeconfig file with a plain http:// server and no insecure-skip-tls-verify, which client-node refuses on
 * every request, with `token` as its user's token: for tests that such a file fails fast, naming itself,
 * and that the token never shows. Returns its path.
 */
export function plainHttpKubeconfig(token: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'leasehold-kubeconfig-')), 'config');
  writeFileSync(
    file,
    JSON.stringify({
      clusters: [{ name: 'local', cluster: { server: 'http://127.0.0.1:8080' } }],
      users: [{ name: 'me', user: { token } }],
      contexts: [{ name: 'main', context: { cluster: 'local', user: 'me' } }],
      'current-context': 'main',
    }),
  );
  return file;
}
