import { describe, expect, test } from 'vitest';
import { detectableDrop, detectableDropOf, documentsToDetect } from '../../src/gate/power.js';
import { judge } from '../../src/gate/verdict.js';
import { parseThreshold } from '../../src/inputs.js';
import { doc, input } from './fixtures.ts';

// Expected values computed independently with SciPy 1.17.1 (Python), not with this code's own
// Student t: (scipy.stats.t.ppf(c, n−1) + scipy.stats.t.ppf(0.8, n−1)) × s / √n, and for the
// documents the first n ≥ 3, counting up one at a time, whose value is ≤ the allowed drop.

describe('detectableDropOf: (t(c, n−1) + t(0.80, n−1)) × s / √n', () => {
  test.each([
    [0.95, 3, 0.1149113448],
    [0.95, 4, 0.0832958937],
    [0.95, 5, 0.0687101509],
    [0.95, 12, 0.0385585513],
    [0.95, 30, 0.023308507],
    [0.95, 50, 0.0178584717],
    [0.95, 200, 0.0088246147],
    [0.95, 1000, 0.003934445],
    [0.95, 10000, 0.0012433316],
    [0.99, 3, 0.2316680571],
    [0.99, 4, 0.1379793793],
    [0.99, 5, 0.1048248983],
    [0.99, 12, 0.0518692804],
    [0.99, 30, 0.0302727476],
    [0.99, 50, 0.0230086194],
    [0.99, 200, 0.0112736277],
    [0.99, 1000, 0.0050154793],
    [0.99, 10000, 0.001584189],
  ])('confidence %d, %d documents, s = 0.05: %d (SciPy)', (level, n, expected) => {
    expect(detectableDropOf(n, 0.05, level)).toBeCloseTo(expected, 8);
  });

  test('s = 0: every document moved alike, any drop is detected', () => {
    expect(detectableDropOf(12, 0, 0.95)).toBe(0);
    expect(detectableDrop([-0.04, -0.04, -0.04, -0.04], 0.99, 0.02)).toEqual({ drop: 0 });
  });
});

describe('documentsToDetect: the smallest n whose detectable drop is within the allowed drop', () => {
  test.each([
    [0.05, 0.02, 0.95, 41],
    [0.05, 0.02, 0.99, 66],
    [0.1, 0.01, 0.95, 620],
    [0.02, 0.016, 0.95, 12],
  ])('s %d, allowed %d, confidence %d: %d documents (SciPy)', (sd, allowed, level, expected) => {
    const n = documentsToDetect(sd, allowed, level)!;
    expect(n).toBe(expected);
    expect(detectableDropOf(n, sd, level)).toBeLessThanOrEqual(allowed);
    expect(detectableDropOf(n - 1, sd, level)).toBeGreaterThan(allowed);
  });

  test('already within: 3; nothing allowed: no number of documents', () => {
    expect(documentsToDetect(0.001, 0.02, 0.95)).toBe(3);
    expect(documentsToDetect(0.05, 0, 0.95)).toBeUndefined();
  });
});

describe('detectableDrop over per-document changes', () => {
  // Twelve changes of ±0.05: mean 0, s = √(12 × 0.0025 / 11) = 0.0522233.
  const changes = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 0.05 : -0.05));

  test('fewer than 3 changes: nothing', () => {
    expect(detectableDrop([], 0.95, 0.02)).toBeUndefined();
    expect(detectableDrop([-0.1, 0.1], 0.95, 0.02)).toBeUndefined();
    expect(detectableDrop([-0.1, 0.1, 0], 0.95, 0.02)).toBeDefined();
  });

  test('within the allowed drop: no advice', () => {
    expect(detectableDrop(changes, 0.95, 0.05)).toEqual({ drop: expect.closeTo(0.0402731, 6) });
  });

  test('larger than the allowed drop: how many documents would detect it (SciPy: 44)', () => {
    expect(detectableDrop(changes, 0.95, 0.02)).toEqual({
      drop: expect.closeTo(0.0402731, 6),
      documentsToDetect: 44,
    });
  });

  /** The judgement of 12 documents at 0.8 whose changes are ±0.05, with this max-drop. */
  function judged(maxDrop: string, confidence: number | undefined) {
    return judge(
      input({
        runScore: 0.8,
        reference: { kind: 'previous', runId: 'r1', score: 0.8 },
        documents: changes.map((change, i) => doc(`d${i}`, 0.8, 0.8 + change)),
        thresholds: {
          maxDrop: parseThreshold(maxDrop),
          minScore: undefined,
          maxDocumentDrop: undefined,
          confidence,
        },
      }),
    );
  }

  test.each([
    // 4% of a reference score of 0.8 is 3.2 points: SciPy gives 19 documents at 0.95, 30 at 0.99.
    [undefined, 0.0402731, 19],
    [0.95, 0.0402731, 19],
    [0.99, 0.0541757, 30],
  ])(
    'a relative max-drop is turned into points against the reference (confidence %s)',
    (confidence, drop, documents) => {
      const noise = judged('4%', confidence).noise!;
      expect(noise.detectableDrop).toBeCloseTo(drop, 6);
      expect(noise.documentsToDetect).toBe(documents);
    },
  );

  test('the judgement carries the advice only when max-drop allows less than the detectable drop', () => {
    expect(judged('0.02', undefined).noise).toMatchObject({ documentsToDetect: 44 });
    expect(judged('0.05', undefined).noise?.documentsToDetect).toBeUndefined();
  });
});
