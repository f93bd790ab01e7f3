// The flows between labels, reference → current: grown first, new and gone marked, a label's
// flow to itself left to the field table, nothing at all without flows.
import { describe, expect, test } from 'vitest';
import type { LabelFlow } from '../../src/gate/evidence.js';
import { compareFlows, type FlowRow } from '../../src/gate/flows.js';

const flow = (source: string, target: string, score: number): LabelFlow => ({
  source,
  target,
  score,
});

/** Each row as [source → target, status, delta in tenths of a point]. */
function summary(rows: FlowRow[] | undefined) {
  return rows?.map((row) => [
    `${row.source} → ${row.target}`,
    row.status,
    row.delta === null ? null : Math.round(row.delta * 1000) || 0,
  ]);
}

const REFERENCE = [
  flow('receipt', 'invoice', 0.02),
  flow('invoice', 'receipt', 0.05),
  flow('purchase_order', 'invoice', 0.1),
  flow('invoice', 'purchase_order', 0.04),
  flow('contract', 'invoice', 0.03),
  flow('receipt', 'receipt', 0.9),
];
const CURRENT = [
  flow('receipt', 'invoice', 0.15), // grew by 13 points
  flow('invoice', 'receipt', 0.01), // shrank by 4
  flow('purchase_order', 'invoice', 0.14), // grew by 4
  flow('invoice', 'purchase_order', 0.04), // unchanged
  flow('receipt', 'purchase_order', 0.03), // new
  flow('receipt', 'receipt', 0.7), // the label's agreement: the field table's
  // contract → invoice is gone
];

describe('compareFlows', () => {
  test('grown first, worst first; then new, gone, shrank, unchanged; no self-flow', () => {
    const compared = compareFlows({ current: CURRENT, reference: REFERENCE, comparable: true });
    expect(compared?.comparable).toBe(true);
    expect(summary(compared?.rows)).toEqual([
      ['receipt → invoice', 'grew', 130],
      ['purchase_order → invoice', 'grew', 40],
      ['receipt → purchase_order', 'new', null],
      ['contract → invoice', 'gone', null],
      ['invoice → receipt', 'shrank', -40],
      ['invoice → purchase_order', 'unchanged', 0],
    ]);
    expect(compared?.rows[2]).toMatchObject({ reference: null, current: 0.03 });
    expect(compared?.rows[3]).toMatchObject({ reference: 0.03, current: null });
  });

  test('a change that does not show to a tenth of a point is unchanged', () => {
    const compared = compareFlows({
      reference: [flow('a', 'b', 0.1), flow('a', 'c', 0.1), flow('a', 'd', 0.1)],
      current: [flow('a', 'b', 0.1004), flow('a', 'c', 0.1006), flow('a', 'd', 0.0996)],
      comparable: true,
    });
    expect(summary(compared?.rows)).toEqual([
      ['a → c', 'grew', 1],
      ['a → b', 'unchanged', 0],
      ['a → d', 'unchanged', 0],
    ]);
  });

  test('new flows largest first, ties by name in code-unit order', () => {
    const compared = compareFlows({
      reference: [],
      current: [flow('b', 'a', 0.1), flow('a', 'b', 0.1), flow('Z', 'a', 0.1), flow('c', 'a', 0.3)],
      comparable: false,
    });
    expect(compared?.comparable).toBe(false);
    expect(summary(compared?.rows)?.map(([name]) => name)).toEqual([
      'c → a',
      'Z → a',
      'a → b',
      'b → a',
    ]);
  });

  test('a pair said twice counts once, as first said', () => {
    const compared = compareFlows({
      reference: [flow('a', 'b', 0.1)],
      current: [flow('a', 'b', 0.2), flow('a', 'b', 0.9)],
      comparable: true,
    });
    expect(compared?.rows).toEqual([
      {
        source: 'a',
        target: 'b',
        reference: 0.1,
        current: 0.2,
        delta: expect.closeTo(0.1),
        status: 'grew',
      },
    ]);
  });

  test.for([
    ['neither run gives flows', undefined, undefined],
    ['this run gives none', REFERENCE, undefined],
    ['the reference gives none', undefined, CURRENT],
    ['both give empty lists', [], []],
    ['only self-flows', [flow('a', 'a', 0.9)], [flow('a', 'a', 0.8), flow('b', 'b', 1)]],
  ] as const)('%s: nothing to show', ([, reference, current]) => {
    expect(compareFlows({ reference, current, comparable: true })).toBeUndefined();
  });
});
