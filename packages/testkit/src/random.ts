/**
 * The simulator's seeded draws, over core's PRNG (`nextRandom`, the one the statechart's jitter uses): one
 * generator in the project. One seed, one sequence.
 */
import { nextRandom } from '@leasehold/core/internal';

/** The simulator's seeded random draws. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed | 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    const [value, state] = nextRandom(this.#state);
    this.#state = state;
    return value;
  }

  /** Uniform in [min, max). */
  float(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A child seed, so sub-generators do not disturb each other's sequences. */
  fork(): number {
    return Math.floor(this.next() * 0x7fff_ffff);
  }
}
