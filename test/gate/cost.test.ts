import { describe, expect, test } from 'vitest';
import { compareCost, isNotable, type CostThresholds } from '../../src/gate/cost.js';
import type { CostEvidence, RunCost } from '../../src/gate/evidence.js';
import { parseCostIncrease, parseTimeIncrease } from '../../src/inputs.js';

const IDS = ['a', 'b', 'c', 'd', 'e'];

/** A run whose documents cost `credits` (by position; undefined: not read) and took `ms`. */
function run(credits: Array<number | null | undefined>, ms: number[] = []): RunCost {
  const map = new Map<string, number | null>();
  credits.forEach((c, i) => c !== undefined && map.set(IDS[i] ?? `x${i}`, c));
  return {
    credits: map,
    creditsUnread: credits.filter((c) => c === undefined).length,
    durations: new Map(ms.map((m, i) => [IDS[i] ?? `x${i}`, m])),
  };
}

function evidence(current: RunCost, reference: RunCost | undefined, scored = 5): CostEvidence {
  return {
    current,
    reference,
    scoredDocuments: scored,
    sampled: IDS.slice(0, Math.min(5, scored)),
    failures: [],
    failedReads: 0,
  };
}

const NONE: CostThresholds = { confidence: undefined };
const THREE_X = evidence(
  run([7.5, 7.5, 7.5, 7.5, 7.5], [6400, 6400, 6400, 6400, 600_000]),
  run([2.5, 2.5, 2.5, 2.5, 2.5], [3200, 3200, 3200, 3200, 3200]),
);

describe('compareCost: the figures', () => {
  test('credits: the mean; time: the median, which one slow document does not move', () => {
    const cost = compareCost({ cost: THREE_X, thresholds: NONE, judgesChange: true });
    expect(cost.credits).toMatchObject({
      reference: 2.5,
      current: 7.5,
      delta: 5,
      relative: 2,
      documents: 5,
      of: 5,
      sampled: false,
    });
    expect(cost.credits.interval).toBeUndefined(); // every document read: no sample, no interval
    expect(cost.seconds).toMatchObject({ reference: 3.2, current: 6.4, documents: 5 });
    expect(cost.seconds.delta).toBeCloseTo(3.2, 10);
    expect(cost.reasons).toEqual([]);
  });

  test('a sample: said so, with the interval of the credits change', () => {
    const cost = compareCost({
      cost: evidence(run([3, 3.2, 2.8, 3.1, 2.9]), run([1, 1, 1, 1, 1]), 2_000),
      thresholds: NONE,
      judgesChange: true,
    });
    expect(cost.credits).toMatchObject({ documents: 5, of: 2_000, sampled: true });
    expect(cost.credits.interval?.level).toBe(0.95);
    expect(cost.credits.interval?.low).toBeLessThan(2);
    expect(cost.credits.interval?.high).toBeGreaterThan(2);
  });

  test('the same documents: a document one run did not report is left out of both means', () => {
    const cost = compareCost({
      cost: evidence(run([4, null, 4, 4, undefined]), run([2, 2, null, 2, 2])),
      thresholds: NONE,
      judgesChange: true,
    });
    expect(cost.credits).toMatchObject({ reference: 2, current: 4, documents: 2 });
    expect(cost.credits.notReported).toEqual({ current: 1, reference: 1 });
  });

  test('nothing reported: null, never 0', () => {
    const cost = compareCost({
      cost: evidence(run([null, null, null, null, null]), run([2, 2, 2, 2, 2])),
      thresholds: { ...NONE, maxCostIncrease: parseCostIncrease('20%') },
      judgesChange: true,
    });
    expect(cost.credits).toMatchObject({ current: null, reference: 2, delta: null });
    expect(cost.reasons).toEqual([]);
    expect(cost.unchecked).toEqual([
      {
        input: 'max-cost-increase',
        why: 'Retab reported no credits for the same documents in both runs',
      },
    ]);
  });

  test('no reference: this run’s figures alone; a threshold cannot be checked', () => {
    const cost = compareCost({
      cost: evidence(run([5, 5, 5, 5, 5], [1000, 2000, 3000, 4000, 5000]), undefined),
      thresholds: { ...NONE, maxTimeIncrease: parseTimeIncrease('2s') },
      judgesChange: true,
    });
    expect(cost.credits).toMatchObject({ current: 5, reference: null, delta: null });
    expect(cost.seconds).toMatchObject({ current: 3, reference: null, delta: null });
    expect(cost.judged).toBe(false);
    expect(cost.unchecked.map((u) => u.input)).toEqual(['max-time-increase']);
  });
});

describe('compareCost: the thresholds', () => {
  test.each([
    // [input, value, fails]: credits 2.5 → 7.5 (+5.00, +200 %); time 3.2 s → 6.4 s (+3.2 s, +100 %)
    ['max-cost-increase', '50%', true],
    ['max-cost-increase', '200%', false], // exactly the threshold is not "past" it
    ['max-cost-increase', '4.5', true],
    ['max-cost-increase', '5', false],
    ['max-time-increase', '50%', true],
    ['max-time-increase', '100%', false],
    ['max-time-increase', '3s', true],
    ['max-time-increase', '3200ms', false],
    ['max-time-increase', '1m', false],
  ] as const)('%s %s: fails %s', (input, value, fails) => {
    const thresholds: CostThresholds =
      input === 'max-cost-increase'
        ? { ...NONE, maxCostIncrease: parseCostIncrease(value) }
        : { ...NONE, maxTimeIncrease: parseTimeIncrease(value) };
    const cost = compareCost({ cost: THREE_X, thresholds, judgesChange: true });
    expect(cost.reasons.map((r) => r.rule)).toEqual(fails ? [input] : []);
    expect(cost.unchecked).toEqual([]);
  });

  test('a reused run against its previous run: shown, not judged', () => {
    const cost = compareCost({
      cost: THREE_X,
      thresholds: { ...NONE, maxCostIncrease: parseCostIncrease('10%') },
      judgesChange: false,
    });
    expect(cost.credits.delta).toBe(5);
    expect(cost.judged).toBe(false);
    expect(cost.reasons).toEqual([]);
    expect(cost.unchecked).toEqual([]);
  });

  test('with confidence, a sampled rise counts only when its interval lies wholly above the threshold', () => {
    // +1.0 credits on average, spread from +0.2 to +1.8: the interval reaches below +0.5.
    const spread = evidence(run([1.2, 2.8, 1.6, 2.4, 2]), run([1, 1, 1, 1, 1]), 2_000);
    const threshold = { maxCostIncrease: parseCostIncrease('0.5') };
    const plain = compareCost({
      cost: spread,
      thresholds: { ...threshold, confidence: undefined },
      judgesChange: true,
    });
    expect(plain.reasons.map((r) => r.rule)).toEqual(['max-cost-increase']);
    const noisy = compareCost({
      cost: spread,
      thresholds: { ...threshold, confidence: 0.95 },
      judgesChange: true,
    });
    expect(noisy.credits.interval?.low).toBeLessThan(0.5);
    expect(noisy.reasons).toEqual([]);
    // A steady rise of +1.0: the interval lies above +0.5, it counts.
    const steady = evidence(run([2, 2.01, 1.99, 2, 2]), run([1, 1, 1, 1, 1]), 2_000);
    const credible = compareCost({
      cost: steady,
      thresholds: { ...threshold, confidence: 0.95 },
      judgesChange: true,
    });
    expect(credible.reasons.map((r) => r.rule)).toEqual(['max-cost-increase']);
  });
});

describe('isNotable: the first line names a move of 25 % or more, or a failed threshold', () => {
  test.each([
    [0.25, false, true],
    [-0.3, false, true],
    [0.2, false, false],
    [0.01, true, true],
    [null, false, false],
  ] as const)('relative %s, failed %s: %s', (relative, failed, notable) => {
    const figure = {
      reference: 1,
      current: 1,
      delta: 0,
      relative,
      documents: 1,
      of: 1,
      sampled: false,
    };
    expect(isNotable(figure, failed)).toBe(notable);
  });
});
