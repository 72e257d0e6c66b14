/**
 * The inspector a simulated cluster shows its elections in, typed without XState's declarations: the testkit's
 * public types must check in a strict consumer without `skipLibCheck`, and XState's do not (core's
 * `@leasehold/core/statechart` entry explains). What `@statelyai/inspect` gives (`inspector.inspect`, an
 * observer, or a function of an inspection event) fits it: the event parameter is compared both ways (a
 * method's), so a function of XState's `InspectionEvent` is accepted.
 */

/** An XState inspection event, by the one field every kind has. */
export interface InspectionEventLike {
  /** `@xstate.actor`, `@xstate.event`, `@xstate.snapshot`, ... */
  readonly type: string;
}

/** An observer of inspection events (XState's `Observer<InspectionEvent>`). */
export interface InspectionObserver {
  /** Receives each inspection event. */
  next?(event: InspectionEventLike): void;
}

/** A function of inspection events; declared as a method so that the parameter is compared both ways. */
export type InspectionListener = { listener(event: InspectionEventLike): void }['listener'];

/** What `inspectElection` (core's statechart entry) takes, for the simulator's `inspect` option. */
export type SimulationInspector = InspectionObserver | InspectionListener;
