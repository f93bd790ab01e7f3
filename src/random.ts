/**
 * The project's one seeded PRNG (mulberry32): small, fast, and the same sequence for the same
 * seed everywhere. The bootstrap, the fakes' fault dice and the benchmarks' jobs all use it.
 */
export interface SeededRandom {
  /** The next number of the sequence, in [0, 1). */
  (): number;
  /**
   * The next `out.length` numbers of the sequence, in order, the same as as many calls: the
   * bootstrap's millions of draws take half the time this way.
   */
  fill(out: Float64Array): Float64Array;
}

const STEP = 0x6d2b79f5;

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (() => {
    state = (state + STEP) >>> 0;
    return output(state);
  }) as SeededRandom;
  next.fill = (out) => {
    // The state in a local while the loop runs: most of the speed-up.
    let a = state;
    for (let i = 0; i < out.length; i++) {
      a = (a + STEP) >>> 0;
      out[i] = output(a);
    }
    state = a;
    return out;
  };
  return next;
}

/** mulberry32's number for state `a`. */
function output(a: number): number {
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
