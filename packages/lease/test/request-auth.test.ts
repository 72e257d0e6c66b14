/**
 * Authentication once per credentials (src/request-auth.ts): the lock's own requests reuse what client-node's
 * authentication gave until the refresh interval passes or the server answers 401; a rotated credential is
 * used by a later request; a 401 asks for the credential once more and, refused again, is `Forbidden`.
 * The credentials come from an exec plugin that reads its token from a file and says it has already expired,
 * so client-node runs it every time it is asked: the plugin's runs count the times the lock asked.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { type Cluster, KubeConfig } from '@kubernetes/client-node';
import { isLockError } from '@leasehold/core';
import { kubeConfig, kubeconfigPath, NAMESPACE, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { sampleRecord } from '@leasehold/testkit';
import { describe, expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';
import { AUTH_REFRESH_MS } from '../src/request-auth.ts';
import { execKubeConfig } from './exec-kubeconfig.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An exec plugin's KubeConfig whose credential client-node asks the plugin for every time (see the helper). */
function rotatingKubeConfig(cluster: Cluster, token: string): ReturnType<typeof execKubeConfig> {
  return execKubeConfig(cluster, token, true);
}

/** A new Lease's lock authenticated as the test cluster's admin by the rotating exec plugin. */
function adminLock(prefix: string): { lock: LeaseLock; tokenFile: string; runs: () => number } {
  const admin = kubeConfig();
  const { kc, tokenFile, runs } = rotatingKubeConfig(
    admin.getCurrentCluster()!,
    admin.getCurrentUser()!.token!,
  );
  const lock = new LeaseLock({
    name: uniqueName(prefix),
    namespace: NAMESPACE,
    identity: 'a',
    kubeConfig: kc,
  });
  return { lock, tokenFile, runs };
}

/** The answer of a scripted API server to a lock's GET: a Lease held by `a`. */
function leaseJson(resourceVersion: string): string {
  return JSON.stringify({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'scripted', namespace: 'default', resourceVersion },
    spec: { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 },
  });
}

/** Counts the requests undici sends whose path contains `part`, until the returned stop is called. */
function countRequests(part: string): { count: () => number; stop: () => void } {
  let count = 0;
  const onCreate = (message: unknown) => {
    if ((message as { request: { path: string } }).request.path.includes(part)) count += 1;
  };
  subscribe('undici:request:create', onCreate);
  return { count: () => count, stop: () => unsubscribe('undici:request:create', onCreate) };
}

describe('authentication of the lock’s own requests', () => {
  it('asks client-node once per refresh interval, not once per request', async () => {
    const { lock, runs } = adminLock('auth-once');
    const started = performance.now();
    let version = (await lock.create(sampleRecord('a'))).version;
    for (let i = 0; i < 29; i++) version = (await lock.update(sampleRecord('a'), version)).version;
    const elapsed = performance.now() - started;
    console.log(`30 requests in ${elapsed.toFixed(0)} ms: the exec plugin ran ${runs()} times`);
    // One run per started refresh interval (the plugin's credential is expired as issued, so every
    // request asking client-node would run it: 30 times).
    expect(runs()).toBeLessThanOrEqual(1 + Math.ceil(elapsed / AUTH_REFRESH_MS));
  });

  it('a rotated credential is used by a later request, within the refresh interval', async () => {
    const { lock, tokenFile } = adminLock('auth-rotate');
    await lock.create(sampleRecord('a'));
    // The restricted identity has no role: its requests are refused with 403 (not 401), so the request
    // that first carries it shows the rotation.
    writeFileSync(tokenFile, kubeConfig('restricted').getCurrentUser()!.token!);
    const rotated = performance.now();
    let error: unknown;
    while (performance.now() - rotated < AUTH_REFRESH_MS + 15_000) {
      error = await lock.get().then(
        () => undefined,
        (err: unknown) => err,
      );
      if (error !== undefined) break;
      await sleep(250);
    }
    const took = performance.now() - rotated;
    console.log(
      `rotated token first used ${took.toFixed(0)} ms after the rotation (refresh ${AUTH_REFRESH_MS} ms)`,
    );
    expect(isLockError(error, 'Forbidden')).toBe(true);
    expect(String(error)).toContain('get: HTTP 403');
    // Loose: the refresh interval, plus a loaded machine's slack.
    expect(took).toBeLessThan(AUTH_REFRESH_MS + 15_000);
  }, 60_000);

  it('a 401 asks for the credential once more; refused again, the request is Forbidden and not sent a third time', async () => {
    const admin = kubeConfig();
    const { kc, tokenFile, runs } = rotatingKubeConfig(admin.getCurrentCluster()!, 'not-a-token');
    const name = uniqueName('auth-401');
    const lock = new LeaseLock({ name, namespace: NAMESPACE, identity: 'a', kubeConfig: kc });
    const sent = countRequests(name);
    try {
      const error = await lock.get().catch((err: unknown) => err);
      expect(isLockError(error, 'Forbidden')).toBe(true);
      expect(String(error)).toContain('get: HTTP 401');
      expect(sent.count()).toBe(2);
      expect(runs()).toBe(2);
      // The refused credential is not kept: once the token is good, the next request asks again and works.
      writeFileSync(tokenFile, admin.getCurrentUser()!.token!);
      expect(await lock.get()).toBeNull(); // no such Lease yet: 404, read as absent
      expect(sent.count()).toBe(3);
      expect(runs()).toBe(3);
    } finally {
      sent.stop();
    }
  });

  it('credentials the server stops accepting: one 401, then the request succeeds with fresh ones', async () => {
    // A scripted API server: it accepts the tokens in `accepted`, answers 401 to any other.
    const accepted = new Set(['first']);
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const token = String(req.headers.authorization).replace('Bearer ', '');
      seen.push(token);
      if (!accepted.has(token)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: 401, message: 'Unauthorized' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(leaseJson(String(seen.length)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const cluster = { name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true } as Cluster;
    const { kc, tokenFile, runs } = rotatingKubeConfig(cluster, 'first');
    const lock = new LeaseLock({ name: 'scripted', namespace: 'default', identity: 'a', kubeConfig: kc });
    try {
      await lock.get();
      await lock.get();
      expect(seen).toEqual(['first', 'first']);
      expect(runs()).toBe(1);
      // The server stops accepting the kept token; the plugin now answers a new one.
      accepted.clear();
      accepted.add('second');
      writeFileSync(tokenFile, 'second');
      expect((await lock.get())?.record.holderIdentity).toBe('a');
      expect(seen).toEqual(['first', 'first', 'first', 'second']);
      expect(runs()).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a rotated client certificate file is used from the next request on, not after the refresh interval', async () => {
    // A scripted HTTPS API server that asks for a client certificate and records whose it was (its CN).
    // The test control plane's two certificate users (leasehold-cert-a and -b); the server shows cert-a's
    // (the client does not check it: insecure-skip-tls-verify).
    const plane = new KubeConfig();
    plane.loadFromFile(kubeconfigPath());
    const [a, b] = ['cert-a', 'cert-b'].map((user) => {
      const { certData, keyData } = plane.getUser(user)!;
      return { cert: Buffer.from(certData!, 'base64'), key: Buffer.from(keyData!, 'base64') };
    });
    const seen: string[] = [];
    const server = createHttpsServer(
      { cert: a!.cert, key: a!.key, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        seen.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(leaseJson(String(seen.length)));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-auth-cert-'));
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    /** Writes the certificate and key in place of the files, atomically (as a Secret volume does). */
    const install = (pair: typeof a) => {
      for (const [file, data] of [
        [certFile, pair!.cert],
        [keyFile, pair!.key],
      ] as const) {
        writeFileSync(`${file}.new`, data);
        renameSync(`${file}.new`, file);
      }
    };
    install(a);
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', certFile, keyFile }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const lock = new LeaseLock({ name: 'scripted', namespace: 'default', identity: 'a', kubeConfig: kc });
    try {
      await lock.get();
      await lock.get();
      install(b);
      await lock.get();
      await lock.get();
      // The kept authentication is dropped when the files' digest changes: the request right after the
      // rotation carries the new certificate, not one 10 s later.
      expect(seen).toEqual(['leasehold-cert-a', 'leasehold-cert-a', 'leasehold-cert-b', 'leasehold-cert-b']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
