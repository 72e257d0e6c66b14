/**
 * The term a leader holds, handed to `onStartedLeading`: a fencing token and a guard for side effects.
 *
 * `term` is the record's `leaderTransitions` when this candidate became leader (it grows with every change
 * of holder, across releases, handovers and a recreated lock; taking back a record that still names this
 * candidate keeps it, so one identity can lead twice in one term with nobody between: docs/guarantees.md
 * "Fencing") and `version` the store version of the write that made it leader. `check()` right before a
 * side effect throws `LeadershipLostError` unless, at that instant, this candidate still leads, its lease is
 * valid on its own clock, and the lock still shows this term: what the library can know locally. It cannot stop an effect already on its way when the lease ends
 * (a pause between `check()` and the effect, a slow request): for that, pass `term` to the system the effect
 * lands in and have it refuse a term lower than the last it accepted (docs/guarantees.md "Fencing").
 */
import { LeadershipLostError } from './errors.ts';
import { clip } from './quote.ts';

/** What `onStartedLeading` receives besides its signal: the term held, and a guard. */
export interface Leadership {
  /** This candidate's identity. */
  readonly identity: string;
  /** The fencing token: `leaderTransitions` of the record that made this candidate leader. */
  readonly term: number;
  /** The store version (`resourceVersion`) of the write that made this candidate leader. */
  readonly version: string;
  /** Aborts when this leadership ends, as `onStartedLeading`'s first argument does. */
  readonly signal: AbortSignal;
  /** Whether, right now, this candidate leads in this term with a lease valid on its own clock. */
  isCurrent(): boolean;
  /** Throws `LeadershipLostError` (saying why) unless `isCurrent()`: call it right before a side effect. */
  check(): void;
}

/** What the election tells a `Leadership` about itself now. */
export interface LeadershipProbe {
  /** Leading, with the lease valid on the local clock. */
  readonly leading: () => boolean;
  /** The term the lock shows now (`leaderTransitions`), and its holder. */
  readonly current: () => { readonly term: number; readonly holder: string } | null;
}

/** A `Leadership` over an election's probe. */
export function leadership(
  identity: string,
  term: number,
  version: string,
  signal: AbortSignal,
  probe: LeadershipProbe,
): Leadership {
  const why = (): string | null => {
    if (signal.aborted) return 'leadership ended';
    if (!probe.leading()) return "the lease is no longer valid on this candidate's clock";
    const now = probe.current();
    if (now === null || now.holder !== identity || now.term !== term)
      // The holder is whatever the lock holds: cut, so the reason stays short.
      return `the lock shows ${now === null ? 'no record' : `term ${now.term} held by ${clip(now.holder) || 'nobody'}`}`;
    return null;
  };
  return {
    identity,
    term,
    version,
    signal,
    isCurrent: () => why() === null,
    check: () => {
      const reason = why();
      if (reason !== null) throw new LeadershipLostError(identity, term, reason);
    },
  };
}
