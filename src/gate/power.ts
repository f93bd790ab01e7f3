/**
 * How small a drop the experiment can see: the power of the gate's one-sided test. Pure.
 *
 * From the per-document changes over the documents both runs scored (n of them, standard
 * deviation s), the detectable drop is `(t(c, n−1) + t(0.80, n−1)) × s / √n`: the true drop of
 * the mean per-document score that the one-sided test at level c finds credible 80 % of the time.
 */

import { MIN_PAIRED_DOCUMENTS, standardDeviation, tQuantile } from './stats.js';

/** The share of true drops of the detectable size that the test catches. */
export const POWER = 0.8;

/** A spread below this is rounding: every document moved alike. */
const ALIKE = 1e-12;

/** Beyond this many documents the advice stops counting: no golden set is that large. */
const MOST_DOCUMENTS = 10_000_000;

export interface DetectableDrop {
  /** The detectable drop, on the 0–1 scale (0: every document moved alike, any drop is seen). */
  drop: number;
  /**
   * When `drop` is larger than the allowed drop: the smallest number of documents whose
   * detectable drop, with the same spread, is within it. Undefined otherwise, or when no number
   * of documents would do (an allowed drop of 0).
   */
  documentsToDetect?: number;
}

/** The detectable drop of `n` documents whose changes spread by `sd`, at one-sided `level`. */
export function detectableDropOf(n: number, sd: number, level: number): number {
  if (sd < ALIKE) return 0;
  return ((tQuantile(level, n - 1) + tQuantile(POWER, n - 1)) * sd) / Math.sqrt(n);
}

/**
 * The smallest n ≥ 3 whose detectable drop is within `allowed`, with the same spread; undefined
 * when none up to MOST_DOCUMENTS is. The drop shrinks as n grows. The normal approximation
 * (t replaced by its limit) is never above the t formula, so its n is a lower bound: the search
 * starts there, steps up by doubling strides, then bisects.
 */
export function documentsToDetect(sd: number, allowed: number, level: number): number | undefined {
  const within = (n: number) => detectableDropOf(n, sd, level) <= allowed;
  if (!(allowed > 0) || !within(MOST_DOCUMENTS)) return undefined;
  const normal =
    ((tQuantile(level, MOST_DOCUMENTS) + tQuantile(POWER, MOST_DOCUMENTS)) * sd) / allowed;
  let low = Math.max(MIN_PAIRED_DOCUMENTS, Math.floor(normal ** 2)) - 1; // below the answer
  let stride = 1;
  let high = Math.min(low + stride, MOST_DOCUMENTS);
  while (!within(high)) {
    low = high;
    stride *= 2;
    high = Math.min(low + stride, MOST_DOCUMENTS);
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (within(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * The detectable drop of these changes at one-sided `level`, and, when it is larger than
 * `allowed` (the drop `max-drop` allows, in points), how many documents would detect that.
 * Undefined with fewer than 3 changes.
 */
export function detectableDrop(
  changes: readonly number[],
  level: number,
  allowed: number | undefined,
): DetectableDrop | undefined {
  const n = changes.length;
  if (n < MIN_PAIRED_DOCUMENTS) return undefined;
  const sd = standardDeviation(changes);
  const drop = detectableDropOf(n, sd, level);
  if (allowed === undefined || drop <= allowed) return { drop };
  const documents = documentsToDetect(sd, allowed, level);
  return documents === undefined ? { drop } : { drop, documentsToDetect: documents };
}
