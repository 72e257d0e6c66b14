/**
 * Rule 9, the takeover herd: when a lease runs out or is released, the followers that watch the lock do not
 * all write at once. Each waits a slot it computes alone, from a hash of its identity and the version it
 * would replace, and writes only if nobody has taken over by then; the others see the winner through their
 * watch and stand down. Safety is untouched (every takeover is still a compare-and-swap on a version seen
 * for a full lease, or released); only when the write is sent changes.
 *
 * The slots are geometric: a follower's draw `g` is the number of leading zero bits of the hash (g = k with
 * probability 2^-(k+1)) and its slot is `max(0, spread - g)`. With N followers the largest draw is about
 * log2 N, so when `spread` is about log2 N the first non-empty slot holds one or two followers whatever N
 * is, and comes after about one slot: expected requests at a takeover are O(1), not O(N).
 *
 * Nobody knows N, so each follower learns `spread` from the takeovers it sees (`learnSpread`): the winner's
 * draw on the version it replaced (every follower can compute it from the winner's identity) estimates
 * log2 N when the stagger decided the race; a winner in slot 0 only says the spread was too small, and it
 * grows fast. A new follower starts at 0, every slot 0: a small cluster pays nothing until its first race,
 * then about a slot. With no live watch there is no stagger (polling followers are spread by their jitter).
 *
 * At a release, newer candidates go first (`staggerMs` in rules.ts): one that joined well into the
 * holder's term writes at once, the others a slot later than their own, so that a rolling update moves
 * leadership to an updated replica once instead of to an old one about to be replaced. That slot is left
 * only when a newer candidate can exist: after a term no longer than a lease there is none
 * (`newerMayWait`), and a release is taken as fast as an expiry.
 */
import type { ElectionContext } from './types.ts';

/** The largest spread: slots 0 to 10, for up to about a thousand followers on one lock. */
export const MAX_SPREAD = 10;

/** The longest a follower staggers its takeover: `MAX_SPREAD` slots, and one more at a release. */
export function maxStaggerMs(timing: Pick<ElectionContext['timing'], 'takeoverSlotMs'>): number {
  return (MAX_SPREAD + 1) * timing.takeoverSlotMs;
}

/** A follower's draw for the race on `version`: 0 with probability 1/2, k with 2^-(k+1). */
export function draw(identity: string, version: string): number {
  return Math.clz32(hash32(`${identity}\n${version}`));
}

/** The slot (0 = at once) a follower with `spread` takes in the race on `version`. */
export function slotOf(identity: string, version: string, spread: number): number {
  return Math.max(0, spread - draw(identity, version));
}

/**
 * The spread after seeing `winner` take over `version`, for a follower `self` racing with `spread`;
 * `slotsElapsed` is how many slots passed from the race's start until the winner's record arrived:
 * - the winner's draw put it in slot 0: the stagger did not decide (more followers raced than the spread
 *   allows for, or nobody had learned yet): twice the spread plus two, at most `MAX_SPREAD`;
 * - it arrived before its own slot could have come (less than a slot), or its draw is smaller than this
 *   follower's own (this follower's slot came first): it raced on something else, a smaller spread (a
 *   follower that has not learned yet) or a newer start (rule 9's preference at a release): nothing to learn;
 * - otherwise it went first because it had the largest draw, about log2 of the racers. The spread moves to
 *   one more than that (a slot of margin, so that the first non-empty slot seldom holds two): up at once,
 *   down by one slot a race.
 */
export function learnSpread(
  spread: number,
  self: string,
  winner: string,
  version: string,
  slotsElapsed: number,
): number {
  const g = draw(winner, version);
  if (g >= spread) return Math.min(MAX_SPREAD, 2 * spread + 2);
  if (slotsElapsed < 1 || g < draw(self, version)) return spread;
  return Math.max(g + 1, spread - 1);
}

/** FNV-1a over the string's UTF-16 code units, then murmur3's finaliser so that similar names spread. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
