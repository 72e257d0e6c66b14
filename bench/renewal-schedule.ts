/**
 * How close to schedule the renewals of many Leases were, seen from the Leases themselves: a watch on the
 * namespace's Leases records each one's `spec.renewTime` (written by the candidate from its own clock when
 * it sends the renewal), so Leasehold and client-go are measured the same way, from outside their process.
 *
 * A leader renews once per retry period: the renewal is due one retry period after the previous one. Its
 * lateness is the gap between two renewTimes of one holder minus the retry period (client-go waits the retry
 * period after the previous renewal's answer, so its gaps include the request's own latency: a lateness
 * that favours neither). A renewal counts as on time when it was sent within one retry period of schedule
 * (gap at most two retry periods); a Lease still unrenewed at the end of the window more than two retry
 * periods after its last renewal counts as one late renewal.
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';

interface LeaseEvent {
  metadata?: { name?: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; renewTime?: string };
}

export interface ScheduleResult {
  /** Renewals counted in the window (gaps whose later renewal fell in it, plus overdue Leases at the end). */
  readonly renewals: number;
  /** Of them, sent within one retry period of schedule. */
  readonly onTime: number;
  /** The largest lateness seen (ms), and the 99th percentile. */
  readonly worstLatenessMs: number;
  readonly p99LatenessMs: number;
  /** How many Leases renewed at least once in the window. */
  readonly leases: number;
  /** Watch events received in all, and restarts of the watch. */
  readonly events: number;
  readonly restarts: number;
}

/** Watches the Leases named `prefix` or `prefix-*` in `namespace`; `window` opens and closes the count. */
export class RenewalSchedule {
  readonly #retryMs: number;
  readonly #prefix: string;
  readonly #last = new Map<string, { holder: string; at: number }>();
  readonly #lateness: number[] = [];
  readonly #renewed = new Set<string>();
  #from = Number.POSITIVE_INFINITY;
  #to = Number.POSITIVE_INFINITY;
  #abort: (() => void) | undefined;
  #stopped = false;

  readonly #kubeConfig: KubeConfig;
  readonly #namespace: string;

  constructor(kubeConfig: KubeConfig, namespace: string, prefix: string, retryPeriodSeconds: number) {
    this.#kubeConfig = kubeConfig;
    this.#namespace = namespace;
    this.#prefix = prefix;
    this.#retryMs = retryPeriodSeconds * 1000;
  }

  /** Watch events received, and how many times the watch ended and was started again. */
  events = 0;
  restarts = 0;

  /** The last resourceVersion seen: a restarted watch resumes from it, so no renewal goes unseen. */
  #resourceVersion: string | undefined;

  /**
   * Starts the watch; it restarts when it ends (the API server ends a watch that falls behind, or on its
   * timeout), resumed from the last resourceVersion seen; when that is gone (410), afresh, and then the
   * gaps spanning the restart are not counted (the renewals in between were not seen).
   */
  async start(): Promise<void> {
    const watch = new Watch(this.#kubeConfig);
    const query: Record<string, string> = { allowWatchBookmarks: 'true' };
    if (this.#resourceVersion) query.resourceVersion = this.#resourceVersion;
    const controller = await watch.watch(
      `/apis/coordination.k8s.io/v1/namespaces/${this.#namespace}/leases`,
      query,
      (type: string, lease: LeaseEvent & { code?: number }) => {
        this.events += 1;
        if (type === 'ERROR') {
          this.#resourceVersion = undefined;
          this.#last.clear();
          return;
        }
        this.#resourceVersion = lease.metadata?.resourceVersion ?? this.#resourceVersion;
        if (type !== 'BOOKMARK') this.#seen(lease);
      },
      (err: unknown) => {
        if (this.#stopped) return;
        this.restarts += 1;
        console.error(`renewal schedule: the Lease watch ended (${String(err)}); resuming it`);
        setTimeout(() => void this.start(), 200);
      },
    );
    this.#abort = () => controller.abort();
  }

  /** Counts renewals sent from `from` (epoch ms) on. */
  open(from: number): void {
    this.#from = from;
  }

  /** Stops counting at `to` (epoch ms), stops the watch, and answers what it saw. */
  close(to: number): ScheduleResult {
    this.#to = to;
    this.#stopped = true;
    this.#abort?.();
    // A Lease the window saw renewed earlier but not again for over two retry periods: a renewal overdue.
    for (const { at } of this.#last.values())
      if (at >= this.#from - 2 * this.#retryMs && to - at > 2 * this.#retryMs)
        this.#lateness.push(to - at - this.#retryMs);
    const sorted = [...this.#lateness].sort((a, b) => a - b);
    return {
      renewals: sorted.length,
      onTime: sorted.filter((late) => late <= this.#retryMs).length,
      worstLatenessMs: sorted.at(-1) ?? Number.NaN,
      p99LatenessMs: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN,
      leases: this.#renewed.size,
      events: this.events,
      restarts: this.restarts,
    };
  }

  #seen(lease: LeaseEvent): void {
    const name = lease.metadata?.name ?? '';
    if (name !== this.#prefix && !name.startsWith(`${this.#prefix}-`)) return;
    const holder = lease.spec?.holderIdentity ?? '';
    const at = Date.parse(lease.spec?.renewTime ?? '');
    if (!holder || Number.isNaN(at)) return;
    const last = this.#last.get(name);
    this.#last.set(name, { holder, at });
    if (!last || last.holder !== holder || at <= last.at) return;
    if (at < this.#from || at > this.#to) return;
    this.#lateness.push(at - last.at - this.#retryMs);
    this.#renewed.add(name);
  }
}
