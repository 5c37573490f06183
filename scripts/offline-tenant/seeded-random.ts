// A small deterministic PRNG (mulberry32, Tommy Ettinger's public-domain generator): the same seed
// gives the same draws in [0, 1), so a simulated fault, a jittered schedule or an injected duration
// is the same on every run. For simulations only, never for anything secret.

/** A generator of uniform draws in [0, 1) from `seed` (any 32-bit integer). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
