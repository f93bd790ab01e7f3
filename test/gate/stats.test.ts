import { describe, expect, test } from 'vitest';
import {
  changeInterval,
  isCredibleDrop,
  runToRunNoise,
  tCdf,
  tQuantile,
} from '../../src/gate/stats.js';

describe('tQuantile', () => {
  // Two-sided 95% and 99% critical values from a printed t table.
  test.each([
    [0.975, 1, 12.706],
    [0.975, 2, 4.303],
    [0.975, 5, 2.571],
    [0.975, 10, 2.228],
    [0.975, 11, 2.201],
    [0.975, 30, 2.042],
    [0.975, 100, 1.984],
    [0.995, 10, 3.169],
    [0.995, 49, 2.68],
    [0.95, 11, 1.796],
    [0.99, 11, 2.718],
  ])('t(%d, df %d) = %d', (p, df, expected) => {
    expect(tQuantile(p, df)).toBeCloseTo(expected, 2);
  });
  test('symmetric, and the CDF inverts it', () => {
    expect(tQuantile(0.025, 7)).toBeCloseTo(-tQuantile(0.975, 7), 10);
    expect(tCdf(tQuantile(0.9, 4), 4)).toBeCloseTo(0.9, 9);
  });
});

describe('changeInterval', () => {
  test('a hand-worked example: 5 changes', () => {
    // mean −0.02; sd = sqrt(((−.03+.02)²+(−.01+.02)²+(0+.02)²+(−.05+.02)²+(−.01+.02)²)/4)
    //   = sqrt((1+1+4+9+1)e−4 / 4) = 0.02; se = 0.02/√5 = 0.0089443; t(0.975, 4) = 2.7764
    const interval = changeInterval([-0.03, -0.01, 0, -0.05, -0.01], 0.95)!;
    expect(interval.method).toBe('t');
    expect(interval.mean).toBeCloseTo(-0.02, 12);
    expect(interval.low).toBeCloseTo(-0.02 - 2.7764 * 0.0089443, 4);
    expect(interval.high).toBeCloseTo(-0.02 + 2.7764 * 0.0089443, 4);
  });

  test('fewer than 3 paired documents: no interval', () => {
    expect(changeInterval([], 0.95)).toBeUndefined();
    expect(changeInterval([-0.1], 0.95)).toBeUndefined();
    expect(changeInterval([-0.1, -0.2], 0.95)).toBeUndefined();
    expect(changeInterval([-0.1, -0.2, -0.3], 0.95)).toBeDefined();
  });

  test('all changes equal: a zero-width interval at the change', () => {
    expect(changeInterval([-0.04, -0.04, -0.04, -0.04], 0.99)).toMatchObject({
      mean: -0.04,
      low: -0.04,
      high: -0.04,
    });
  });

  test('skewed changes over many documents use the seeded bootstrap, the same every time', () => {
    const changes = [...Array(47).fill(0.001), -0.3, -0.3, -0.3];
    const a = changeInterval(changes, 0.95)!;
    expect(a.method).toBe('bootstrap');
    expect(changeInterval(changes, 0.95)).toEqual(a);
    expect(a.low).toBeLessThan(a.mean);
    expect(a.high).toBeGreaterThan(a.mean);
    // The figures v1.0.0 reported for these changes: a faster resampling draws the same.
    expect(a.low).toBeCloseTo(-0.03512, 12);
    expect(a.high).toBeCloseTo(0.001, 12);
  });

  test('a wider level gives a wider interval', () => {
    const changes = [-0.05, 0.02, -0.01, -0.04, 0.03, -0.02];
    const i95 = changeInterval(changes, 0.95)!;
    const i99 = changeInterval(changes, 0.99)!;
    expect(i99.low).toBeLessThan(i95.low);
    expect(i99.high).toBeGreaterThan(i95.high);
  });
});

describe('isCredibleDrop', () => {
  test('a consistent drop is credible; the same mean with a large spread is not', () => {
    const steady = [-0.04, -0.05, -0.03, -0.04, -0.05, -0.04, -0.03, -0.05, -0.04, -0.04];
    expect(isCredibleDrop(steady, 0.99)?.credible).toBe(true);
    const noisy = [-0.2, 0.15, -0.1, 0.12, -0.25, 0.1, 0.05, -0.15, 0.08, 0.0];
    expect(isCredibleDrop(noisy, 0.95)?.credible).toBe(false);
  });
  test('the one-sided bound at c is the two-sided upper end at 2c − 1', () => {
    const changes = [-0.03, -0.01, 0, -0.05, -0.01];
    expect(isCredibleDrop(changes, 0.95)!.upper).toBeCloseTo(
      changeInterval(changes, 0.9)!.high,
      12,
    );
  });
  test('below 3 documents: nothing to say', () => {
    expect(isCredibleDrop([-0.5, -0.5], 0.95)).toBeUndefined();
  });
});

describe('runToRunNoise', () => {
  test('three or more runs give their spread', () => {
    expect(runToRunNoise([0.8, 0.82])).toBeUndefined();
    const noise = runToRunNoise([0.8, 0.82, 0.84])!;
    expect(noise).toMatchObject({ runs: 3, min: 0.8, max: 0.84 });
    expect(noise.standardDeviation).toBeCloseTo(0.02, 10);
  });
});
