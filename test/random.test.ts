import { describe, expect, test } from 'vitest';
import { seededRandom } from '../src/random.js';

describe('seededRandom', () => {
  test('the same seed gives the same sequence; another seed another one', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    const c = seededRandom(43);
    expect([c(), c(), c()]).not.toEqual(first);
    for (const x of first) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  test('fill gives the numbers as many calls would, and the sequence goes on after it', () => {
    const called = seededRandom(0x5eed);
    const expected = Array.from({ length: 7 }, () => called());
    const filled = seededRandom(0x5eed);
    expect(filled()).toBe(expected[0]);
    expect([...filled.fill(new Float64Array(4))]).toEqual(expected.slice(1, 5));
    expect([filled(), filled()]).toEqual(expected.slice(5, 7));
  });
});
