import { describe, expect, test } from 'vitest';
import { FALLBACK_SPREAD, forecastDuration, type DurationSample } from '../../src/gate/forecast.js';
import { seededRandom } from '../../src/random.js';

/** Runs of these many seconds, newest first, with `documents` documents each when given. */
function runs(seconds: readonly number[], documents?: number): DurationSample[] {
  return seconds.map((s) => ({ durationMs: s * 1000, documentCount: documents }));
}

describe('forecastDuration', () => {
  test.each([
    {
      name: 'no run: no forecast',
      samples: [],
      documents: 12,
      want: undefined,
    },
    {
      name: 'one run: its duration, the fallback spread (20 %)',
      samples: runs([240]),
      documents: 12,
      want: { durationMs: 240_000, spreadMs: 240_000 * FALLBACK_SPREAD },
    },
    {
      name: 'two runs that agree to a second: the floor for two runs (10 %)',
      samples: runs([240, 241]),
      documents: 12,
      want: { durationMs: 240_500, spreadMs: 24_050 },
    },
    {
      name: 'five runs within ±1 %: the floor for five runs (4 %), far below the fallback',
      samples: runs([100, 101, 99, 100.5, 99.5]),
      documents: 12,
      want: { durationMs: 100_000, spreadMs: 4_000 },
    },
    {
      // Deviations 0, ±10 %, ±20 % around 100 s; the farthest (one of the 20 %) is left out:
      // √((0 + 0.01 + 0.01 + 0.04) / 3) = 14.1 %, times 2.2.
      name: 'five runs that scatter by ±20 %: a wide window, wider than the fallback',
      samples: runs([80, 100, 120, 90, 110]),
      documents: 12,
      want: { durationMs: 100_000, spreadMs: 31_113 },
    },
    {
      // 120 s for 6 documents is 240 s for 12: it agrees with the others.
      name: 'a run with half the documents counts at the new run’s document count',
      samples: [...runs([240, 242], 12), ...runs([120], 6), ...runs([238, 240], 12)],
      documents: 12,
      want: { durationMs: 240_000, spreadMs: 9_600 },
    },
    {
      name: 'one run that took three times as long: the median and the spread ignore it',
      samples: runs([100, 102, 98, 101, 300]),
      documents: 12,
      // The three others scatter by 1.9 %, times 2.2.
      want: { durationMs: 101_000, spreadMs: 4_213 },
    },
    {
      name: 'only the five newest runs count, and runs without a duration do not',
      samples: [...runs([0, 100, 101, 99, 100.5, 99.5]), ...runs([1_000, 1_000])],
      documents: 12,
      want: { durationMs: 100_000, spreadMs: 4_000 },
    },
  ])('$name', ({ samples, documents, want }) => {
    expect(forecastDuration(samples, documents)).toEqual(want);
  });

  test('the outlier would have widened the window fivefold had it counted', () => {
    const withOutlier = forecastDuration(runs([100, 102, 98, 101, 300]), 12)!;
    const fourRuns = forecastDuration(runs([100, 102, 98, 101]), 12)!;
    const threeAndOutlier = forecastDuration(runs([100, 102, 300]), 12)!;
    // With four runs or more the farthest one is left out: the outlier changes nothing.
    expect(withOutlier.spreadMs).toBeLessThanOrEqual(fourRuns.spreadMs * 1.1);
    // With three runs nothing is left out, and the outlier shows.
    expect(threeAndOutlier.spreadMs).toBeGreaterThan(5 * withOutlier.spreadMs);
  });

  test('a run that differs in document count is scaled, not taken as scatter', () => {
    const same = forecastDuration(runs([240, 238, 242], 12), 12)!;
    const scaled = forecastDuration(
      [...runs([240], 12), ...runs([119], 6), ...runs([242], 12)],
      12,
    )!;
    const unscaled = forecastDuration(runs([240, 119, 242]), 12)!;
    expect(scaled).toEqual(same);
    // Without the document counts the short run would be scatter: a window many times as wide.
    expect(unscaled.spreadMs).toBeGreaterThan(5 * scaled.spreadMs);
  });

  test.each([2, 3, 4, 5])(
    'calibrated: with %i runs of normal durations the next run falls within 1.5 spreads about 87 % of the time',
    (n) => {
      const random = seededRandom(2026 + n);
      const normal = () => {
        const u = 1 - random();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      };
      // 20 %: well above the floors, which would otherwise widen the spread.
      const duration = () => 100_000 * (1 + 0.2 * normal());
      const trials = 4_000;
      let inside = 0;
      for (let i = 0; i < trials; i++) {
        const history = Array.from({ length: n }, () => ({ durationMs: duration() }));
        const forecast = forecastDuration(history, undefined)!;
        if (Math.abs(duration() - forecast.durationMs) <= 1.5 * forecast.spreadMs) inside++;
      }
      expect(inside / trials).toBeGreaterThan(0.84);
      expect(inside / trials).toBeLessThan(0.92);
    },
  );
});
