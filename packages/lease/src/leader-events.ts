/**
 * Kubernetes Events about leadership, recorded on the lock object as client-go does (`RecordEvent` in its
 * resource locks): reason `LeaderElection`, type `Normal`, note `<identity> became leader` or
 * `<identity> stopped leading`, regarding the Lease (or ConfigMap). Written through `events.k8s.io/v1`, so
 * `kubectl events --for lease/<name>` and `kubectl describe lease <name>` show them.
 *
 * Recording never affects the election: events are sent after the transition, asynchronously; a failure
 * (RBAC without `create` on `events`, an API server down) is passed to `onError` once per kind of failure
 * until an event is recorded again, and a token bucket (default: bursts of 5, one more each 30 s) drops
 * events beyond it, saying so once per run of drops, so a flapping election cannot flood the API server.
 *
 * RBAC: `create` on `events` in the `events.k8s.io` group, in the lock's namespace.
 */
import { EventsV1Api, type KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import type { LeaderElection, TransitionInfo } from '@leasehold/core';
import { cutUtf8, eventName, eventNote, MAX_INSTANCE_BYTES } from './event-fields.ts';
import { kubeLockError } from './kube-errors.ts';
import type { KubeObject, KubeObjectLock } from './kube-object-lock.ts';
import { requestOptions } from './request-options.ts';

/** How leadership events are recorded. */
export interface LeaderEventsOptions {
  /** Where to send them; default the `kubeConfig` the lock was built with. */
  readonly kubeConfig?: KubeConfig;
  /** `reportingController` of the events: your controller's name; default `leasehold`. */
  readonly reportingController?: string;
  /** Events recorded at once before the rate limit applies; default 5. */
  readonly burst?: number;
  /** Seconds per event the bucket regains; default 30. */
  readonly refillSeconds?: number;
  /** Seconds one event request may take; default 10. */
  readonly timeoutSeconds?: number;
  /** Where failures to record go; default the election's `onError`. */
  readonly onError?: (error: unknown, context: string) => void;
}

/** A leadership event that could not be recorded, or was dropped by the rate limit. */
export class LeaderEventError extends Error {
  /** Always `LeaderEventError`. */
  override readonly name = 'LeaderEventError';
}

/**
 * Records leadership events of `election` on its lock's object from now on; returns the function that
 * stops recording. `lock` is the election's lock (its `KubeObjectLock`, for the object reference).
 */
export function recordLeaderEvents<T extends KubeObject>(
  election: LeaderElection,
  lock: KubeObjectLock<T>,
  options: LeaderEventsOptions = {},
): () => void {
  const kubeConfig = options.kubeConfig ?? lock.kubeConfig;
  const api = kubeConfig.makeApiClient(EventsV1Api);
  const reference = lock.objectReference();
  const identity = election.config.identity;
  const controller = options.reportingController ?? 'leasehold';
  const onError = options.onError ?? election.config.onError;
  const burst = options.burst ?? 5;
  const refillMs = (options.refillSeconds ?? 30) * 1000;
  const timeoutMs = (options.timeoutSeconds ?? 10) * 1000;
  let tokens = burst;
  let refilledAt = performance.now();
  let dropped = 0;
  let reported: string | null = null;
  let uid: string | undefined;
  let stopped = false;

  const report = (kind: string, error: unknown) => {
    if (kind === reported) return;
    reported = kind;
    try {
      onError(error, `recording a leader event on ${lock.describe()}`);
    } catch {
      // A reporter cannot break the recorder either.
    }
  };

  const record = async (action: 'BecameLeader' | 'StoppedLeading', wall: number) => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + (now - refilledAt) / refillMs);
    refilledAt = now;
    if (tokens < 1) {
      dropped += 1;
      report(
        'RateLimited',
        new LeaderEventError(
          `${lock.describe()}: leader event dropped by the rate limit (${burst} at once, one per ` +
            `${refillMs / 1000}s); ${dropped} dropped so far`,
        ),
      );
      return;
    }
    tokens -= 1;
    // Within what the API server accepts whatever the identity and the lock's name: event-fields.ts.
    const note = eventNote(identity, action === 'BecameLeader' ? 'became leader' : 'stopped leading');
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      await api.createNamespacedEvent(
        {
          namespace: reference.namespace,
          body: {
            apiVersion: 'events.k8s.io/v1',
            kind: 'Event',
            // client-go's naming: the object's name and the time in hex nanoseconds (the sub-millisecond
            // part random, so a stop and a start in one millisecond do not collide).
            metadata: { name: eventName(reference.name, nanosHex(wall)), namespace: reference.namespace },
            eventTime: new V1MicroTime(wall),
            reportingController: controller,
            reportingInstance: cutUtf8(identity, MAX_INSTANCE_BYTES),
            action,
            reason: 'LeaderElection',
            note,
            type: 'Normal',
            regarding: { ...reference, ...(uid ? { uid } : {}) },
          },
        },
        requestOptions(signal, undefined, kubeConfig),
      );
      reported = null;
    } catch (err) {
      const error = kubeLockError(err, lock.describe(), 'create event');
      report(
        error.kind,
        // The note cut again: a report quotes, it does not copy (an identity may be 1,024 characters).
        new LeaderEventError(
          `${lock.describe()}: leader event "${cutUtf8(note, 96)}" not recorded: ${error.message}`,
          {
            cause: error,
          },
        ),
      );
    }
  };

  const unsubscribe = election.subscribe((info: TransitionInfo) => {
    const { input, from, to } = info;
    if (
      (input.type === 'LOCK_READ' || input.type === 'LOCK_WRITTEN' || input.type === 'LOCK_CHANGED') &&
      input.snapshot
    )
      uid = uidOf(input.snapshot.raw) ?? uid;
    if (stopped || from === to) return;
    if (to === 'leader') void record('BecameLeader', input.wall);
    else if (from === 'leader') void record('StoppedLeading', input.wall);
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}

function uidOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('metadata' in raw)) return undefined;
  const { metadata } = raw;
  if (typeof metadata !== 'object' || metadata === null || !('uid' in metadata)) return undefined;
  return typeof metadata.uid === 'string' ? metadata.uid : undefined;
}

function nanosHex(wallMs: number): string {
  return (BigInt(wallMs) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16);
}
