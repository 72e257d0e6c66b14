/**
 * A pure PRNG (mulberry32) for retry jitter: the state lives in the machine's context and is threaded through
 * transitions, so a seed reproduces every delay and the machine never calls Math.random.
 */
export function nextRandom(state: number): readonly [value: number, next: number] {
  const next = (state + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000, next];
}

/** client-go's `wait.Jitter`: base + random * factor * base, so a delay in [base, base * (1 + factor)). */
export function jittered(baseMs: number, factor: number, rng: number): readonly [ms: number, rng: number] {
  const [r, next] = nextRandom(rng);
  return [baseMs * (1 + factor * r), next];
}
