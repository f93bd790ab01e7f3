import { describe, expect, test } from 'vitest';
import type { FieldAggregate } from '../../src/gate/evidence.js';
import { compareFields, type FieldThresholds } from '../../src/gate/fields.js';
import { judge, type JudgeInput } from '../../src/gate/verdict.js';
import { parseThreshold } from '../../src/inputs.js';

function fields(scores: Record<string, number>, kind: FieldAggregate['kind'] = 'field') {
  return { kind, scores: Object.entries(scores).map(([name, score]) => ({ name, score })) };
}

const PLAIN: FieldThresholds = { maxDrop: parseThreshold('0.02') };
const GATED: FieldThresholds = { ...PLAIN, maxFieldDrop: parseThreshold('0.05') };

describe('compareFields: one field, classified against the field threshold', () => {
  test.each([
    // [reference, current, thresholds, status, counts]
    [0.9, 0.9, PLAIN, 'unchanged', false],
    [0.9, 0.88, PLAIN, 'unchanged', false], // exactly max-drop is not "more than"
    [0.9, 0.87, PLAIN, 'regressed', false], // marked, decides nothing without max-field-drop
    [0.9, 0.87, GATED, 'unchanged', false], // max-field-drop replaces max-drop for fields
    [0.9, 0.85, GATED, 'unchanged', false],
    [0.9, 0.849, GATED, 'regressed', true],
    [0.8, 0.9, GATED, 'improved', false],
    [0.9, 0.86, { maxDrop: parseThreshold('5%') }, 'unchanged', false], // 5% of 0.9 = 0.045
    [0.9, 0.85, { maxDrop: parseThreshold('5%') }, 'regressed', false],
    [0.9, 0.85, { ...PLAIN, maxFieldDrop: parseThreshold('5%') }, 'regressed', true],
  ] as const)('%d → %d (%j): %s', (reference, current, thresholds, status, counts) => {
    const result = compareFields({
      current: fields({ total_amount: current }),
      reference: fields({ total_amount: reference }),
      comparable: true,
      thresholds,
    });
    expect(result?.rows).toEqual([
      {
        name: 'total_amount',
        reference,
        current,
        delta: expect.closeTo(current - reference, 10) as number,
        status,
        counts,
      },
    ]);
    expect(result?.regressedCount).toBe(status === 'regressed' ? 1 : 0);
  });
});

describe('compareFields: the table', () => {
  test('fell first, worst first; removed, new, improved best first, then unchanged, those that fell a little first', () => {
    const result = compareFields({
      reference: fields({ a: 0.9, b: 0.9, c: 0.9, d: 0.5, e: 0.5, f: 0.9, g: 0.9, gone: 0.7 }),
      current: fields({ a: 0.85, b: 0.4, c: 0.9, d: 0.7, e: 0.9, f: 0.89, g: 0.6, fresh: 0.8 }),
      comparable: true,
      thresholds: GATED,
    });
    expect(result?.rows.map((row) => [row.name, row.status])).toEqual([
      ['b', 'regressed'],
      ['g', 'regressed'],
      ['gone', 'removed'],
      ['fresh', 'new'],
      ['e', 'improved'],
      ['d', 'improved'],
      ['a', 'unchanged'],
      ['f', 'unchanged'],
      ['c', 'unchanged'],
    ]);
    expect(result?.rows.filter((row) => row.counts).map((row) => row.name)).toEqual(['b', 'g']);
    expect(result?.regressedCount).toBe(2);
    expect(result?.rows.find((row) => row.name === 'gone')).toMatchObject({
      reference: 0.7,
      current: null,
      delta: null,
      counts: false,
    });
  });

  test('different document sets: still shown and marked, never counted', () => {
    const result = compareFields({
      reference: fields({ total_amount: 0.9 }),
      current: fields({ total_amount: 0.5 }),
      comparable: false,
      thresholds: GATED,
    });
    expect(result).toMatchObject({ comparable: false, regressedCount: 1 });
    expect(result?.rows[0]).toMatchObject({ status: 'regressed', counts: false });
  });

  test.each([
    ['no field scores in this run', undefined, fields({ a: 0.9 })],
    ['none in the reference', fields({ a: 0.9 }), undefined],
    ['fields against labels', fields({ a: 0.9 }), fields({ a: 0.9 }, 'label')],
    ['both empty', fields({}), fields({})],
  ])('nothing to compare (%s): no table', (_, current, reference) => {
    expect(compareFields({ current, reference, comparable: true, thresholds: GATED })).toBe(
      undefined,
    );
  });

  test('labels are compared like fields, and say so', () => {
    const result = compareFields({
      reference: fields({ invoice: 0.95, receipt: 0.9 }, 'label'),
      current: fields({ invoice: 0.8, receipt: 0.91 }, 'label'),
      comparable: true,
      thresholds: GATED,
    });
    expect(result?.kind).toBe('label');
    expect(result?.rows.map((row) => [row.name, row.status])).toEqual([
      ['invoice', 'regressed'],
      ['receipt', 'unchanged'],
    ]);
  });

  test('names that are not plain words keep their identity (no object keys)', () => {
    const names = ['__proto__', 'constructor', 'toString', 'a|b', ''];
    const scores = names.map((name) => ({ name, score: 0.9 }));
    const result = compareFields({
      reference: { kind: 'field', scores },
      current: { kind: 'field', scores: scores.map((s) => ({ ...s, score: 0.5 })) },
      comparable: true,
      thresholds: GATED,
    });
    expect(result?.rows.map((row) => row.name).sort()).toEqual([...names].sort());
    expect(result?.rows.every((row) => row.status === 'regressed' && row.counts)).toBe(true);
  });
});

describe('judge: the field rule', () => {
  const documents = [
    { id: 'a', filename: 'a.pdf', score: 0.9, inReference: true, referenceScore: 0.9 },
    { id: 'b', filename: 'b.pdf', score: 0.8, inReference: true, referenceScore: 0.8 },
  ];
  const many = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [`field_${i}`, 0.9] as const),
  );
  function judgeFields(
    current: Record<string, number>,
    thresholds: FieldThresholds,
    extra: Partial<JudgeInput> = {},
  ) {
    const comparable = !(extra.documentSetsDiffer ?? false);
    return judge({
      runScore: 0.85,
      reference: { kind: 'previous', runId: 'r1', score: 0.85 },
      documentSetsDiffer: false,
      documents,
      thresholds: {
        minScore: undefined,
        maxDocumentDrop: undefined,
        confidence: undefined,
        ...thresholds,
      },
      fields: compareFields({
        current: fields(current),
        reference: fields({ total_amount: 0.95, vendor: 0.9, ...many }),
        comparable,
        thresholds,
      }),
      ...extra,
    });
  }

  test('a field past max-field-drop is a regression that names it, whatever the score does', () => {
    const result = judgeFields({ total_amount: 0.8, vendor: 0.88, ...many }, GATED);
    expect(result.verdict).toBe('regression');
    expect(result.reasons).toEqual([
      { rule: 'max-field-drop', kind: 'field', fields: 1, names: ['total_amount'] },
    ]);
  });

  test('the reason names the five worst, and counts them all', () => {
    const fallen = Object.fromEntries(Object.keys(many).map((name, i) => [name, 0.5 - i / 100]));
    const result = judgeFields({ total_amount: 0.95, vendor: 0.9, ...fallen }, GATED);
    expect(result.reasons).toEqual([
      {
        rule: 'max-field-drop',
        kind: 'field',
        fields: 8,
        names: ['field_7', 'field_6', 'field_5', 'field_4', 'field_3'],
      },
    ]);
  });

  test('without max-field-drop, fields that moved are marked and decide nothing', () => {
    const result = judgeFields({ total_amount: 0.5, vendor: 0.99, ...many }, PLAIN);
    expect(result.verdict).toBe('pass');
    expect(result.reasons).toEqual([]);
  });

  test('confidence does not soften it', () => {
    const result = judgeFields(
      { total_amount: 0.8, vendor: 0.9, ...many },
      { ...GATED },
      {
        thresholds: {
          ...GATED,
          minScore: undefined,
          maxDocumentDrop: undefined,
          confidence: 0.99,
        },
      },
    );
    expect(result.verdict).toBe('regression');
    expect(result.reasons.map((r) => r.rule)).toEqual(['max-field-drop']);
  });

  test('a run judged again (reuse): its fields against the previous run are shown, not judged; against a baseline they are', () => {
    const fell = { total_amount: 0.5, vendor: 0.9, ...many };
    const again = judgeFields(fell, GATED, { reused: true });
    expect(again.verdict).toBe('pass');
    expect(again.fields?.rows[0]).toMatchObject({ name: 'total_amount', counts: false });
    const baseline = judgeFields(fell, GATED, {
      reused: true,
      reference: { kind: 'baseline', runId: 'b1', score: 0.85 },
    });
    expect(baseline.verdict).toBe('regression');
    expect(baseline.fields?.rows[0]).toMatchObject({ name: 'total_amount', counts: true });
  });

  test('different document sets: the field rule does not apply', () => {
    const result = judgeFields({ total_amount: 0.5, vendor: 0.9, ...many }, GATED, {
      documentSetsDiffer: true,
    });
    expect(result.verdict).toBe('pass');
    expect(result.reasons).toEqual([]);
  });
});
