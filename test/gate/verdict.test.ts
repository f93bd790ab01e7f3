import { describe, expect, test } from 'vitest';
import { parseThreshold } from '../../src/inputs.js';
import { judge, pairedChanges, type DocumentScore } from '../../src/gate/verdict.js';
import { doc, input } from './fixtures.ts';

describe('judge', () => {
  test.each([
    // [run score, reference score, max-drop, verdict]
    [0.85, 0.85, '0.02', 'pass'],
    [0.83, 0.85, '0.02', 'pass'], // exactly the allowed drop is not "more than"
    [0.8299, 0.85, '0.02', 'regression'],
    [0.9, 0.85, '0.02', 'pass'],
    [0.84, 0.85, '1%', 'regression'], // 1% of 0.85 = 0.0085 allowed; 0.01 is more
    [0.843, 0.85, '1%', 'pass'], // 0.007 is less
    [0.8, 0.85, '5%', 'regression'], // 5% of 0.85 = 0.0425 < 0.05
    [0.81, 0.85, '5%', 'pass'], // 0.04 < 0.0425
    [0.5, 0.85, '0', 'regression'],
    [0.85, 0.85, '0', 'pass'],
  ])('score %d against %d with max-drop %s → %s', (runScore, refScore, maxDrop, verdict) => {
    const result = judge(
      input({
        runScore,
        reference: { kind: 'previous', runId: 'r1', score: refScore },
        thresholds: {
          maxDrop: parseThreshold(maxDrop),
          minScore: undefined,
          maxDocumentDrop: undefined,
          confidence: undefined,
        },
      }),
    );
    expect(result.verdict).toBe(verdict);
    expect(result.comparison?.delta).toBeCloseTo(runScore - refScore, 10);
  });

  test('a drop reports the rule, both scores and the allowance', () => {
    const result = judge(input({ runScore: 0.8 }));
    expect(result.reasons).toEqual([
      { rule: 'max-drop', current: 0.8, reference: 0.85, allowed: 0.02, referenceKind: 'previous' },
    ]);
  });

  test('first run: judged by min-score alone', () => {
    const docs = [doc('a', null, 0.7, false)];
    expect(judge(input({ reference: undefined, documents: docs, runScore: 0.7 })).verdict).toBe(
      'pass',
    );
    const floored = judge(
      input({
        reference: undefined,
        documents: docs,
        runScore: 0.7,
        thresholds: {
          maxDrop: parseThreshold('0.02'),
          minScore: 0.8,
          maxDocumentDrop: undefined,
          confidence: undefined,
        },
      }),
    );
    expect(floored.verdict).toBe('regression');
    expect(floored.reasons).toEqual([{ rule: 'min-score', current: 0.7, minimum: 0.8 }]);
    expect(floored.rows[0]?.status).toBe('new');
  });

  test('a document that had a score and has none now is a regression, even without max-document-drop', () => {
    const result = judge(input({ documents: [doc('a', 0.9, null), doc('b', 0.8, 0.8)] }));
    expect(result.verdict).toBe('regression');
    expect(result.reasons).toContainEqual({ rule: 'errored-documents', documents: 1 });
    expect(result.rows[0]).toMatchObject({ id: 'a', status: 'errored', counts: true });
    expect(result.regressedCount).toBe(1);
  });

  test('a document that errored in both runs is shown but does not fail the gate', () => {
    const result = judge(input({ documents: [doc('a', null, null), doc('b', 0.8, 0.8)] }));
    expect(result.verdict).toBe('pass');
    expect(result.rows.find((r) => r.id === 'a')).toMatchObject({
      status: 'errored',
      counts: false,
    });
  });

  test('max-document-drop fails on one document even when the mean holds', () => {
    const documents = [doc('a', 0.9, 0.7), doc('b', 0.5, 0.7)];
    const plain = judge(input({ documents }));
    expect(plain.verdict).toBe('pass');
    expect(plain.rows[0]).toMatchObject({ id: 'a', status: 'regressed', counts: false });
    const strict = judge(
      input({
        documents,
        thresholds: {
          maxDrop: parseThreshold('0.02'),
          minScore: undefined,
          maxDocumentDrop: parseThreshold('0.1'),
          confidence: undefined,
        },
      }),
    );
    expect(strict.verdict).toBe('regression');
    expect(strict.reasons).toEqual([{ rule: 'max-document-drop', documents: 1 }]);
  });

  test('rows: regressions first, worst first; unchanged last', () => {
    const result = judge(
      input({
        documents: [
          doc('same', 0.8, 0.8),
          doc('up', 0.5, 0.9),
          doc('down-a-bit', 0.9, 0.85),
          doc('down-a-lot', 0.9, 0.3),
          doc('new', null, 0.9, false),
          doc('broken', 0.9, null),
        ],
      }),
    );
    expect(result.rows.map((r) => r.id)).toEqual([
      'down-a-lot',
      'down-a-bit',
      'broken',
      'new',
      'up',
      'same',
    ]);
  });

  test('like for like: different document sets compare the means over shared documents', () => {
    const result = judge(
      input({
        runScore: 0.6, // dragged down by a new, hard document
        reference: { kind: 'baseline', runId: 'b', score: 0.85 },
        documentSetsDiffer: true,
        documents: [doc('a', 0.9, 0.9), doc('b', 0.8, 0.8), doc('hard', null, 0.1, false)],
      }),
    );
    expect(result.verdict).toBe('pass');
    expect(result.comparison).toMatchObject({ likeForLike: true, sharedDocuments: 2, delta: 0 });
    expect(result.comparison?.current).toBeCloseTo(0.85, 10);
  });

  test('no score at all is an error, never a pass', () => {
    const result = judge(input({ runScore: null, documents: [doc('a', 0.9, null)] }));
    expect(result.verdict).toBe('error');
  });

  test('like for like with nothing in common is an error', () => {
    const result = judge(
      input({ documentSetsDiffer: true, documents: [doc('x', null, 0.9, false)] }),
    );
    expect(result.verdict).toBe('error');
    expect(result.reasons).toEqual([{ rule: 'nothing-comparable' }]);
  });
});

describe('judge with confidence (noise-aware)', () => {
  const spread = [0.1, -0.15, 0.08, -0.12, 0.05, -0.1, 0.07, -0.09, 0.04, -0.08, 0.0, -0.1];
  const noisyDocs = spread.map((change, i) => doc(`n${i}`, 0.85, 0.85 + change));
  const steadyDocs = spread.map((_, i) => doc(`s${i}`, 0.85, 0.81 + (i % 3) * 0.005));
  const mean = (docs: DocumentScore[]) =>
    docs.reduce((sum, d) => sum + (d.score ?? 0), 0) / docs.length;
  const thresholds = (confidence: number | undefined, extra = {}) => ({
    maxDrop: parseThreshold('0.02'),
    minScore: undefined,
    maxDocumentDrop: undefined,
    confidence,
    ...extra,
  });

  test('a drop past max-drop that is within noise passes with confidence, fails without', () => {
    const base = { documents: noisyDocs, runScore: mean(noisyDocs) };
    const plain = judge(input({ ...base, thresholds: thresholds(undefined) }));
    expect(plain.verdict).toBe('regression');
    expect(plain.noise).toMatchObject({ level: 0.95, dropWithinNoise: true, dismissed: false });
    const aware = judge(input({ ...base, thresholds: thresholds(0.95) }));
    expect(aware.verdict).toBe('pass');
    expect(aware.noise).toMatchObject({ dropWithinNoise: true, dismissed: true });
    expect(aware.noise?.interval?.low).toBeLessThan(0);
    expect(aware.noise?.interval?.high).toBeGreaterThan(0);
  });

  test('a consistent drop is a regression with confidence too', () => {
    const base = { documents: steadyDocs, runScore: mean(steadyDocs) };
    const aware = judge(input({ ...base, thresholds: thresholds(0.99) }));
    expect(aware.verdict).toBe('regression');
    expect(aware.noise?.dismissed).toBe(false);
    expect(aware.noise?.interval?.high).toBeLessThan(0);
  });

  test('fewer than 3 paired documents: the plain threshold decides, and says so', () => {
    const docs = [doc('a', 0.9, 0.8), doc('b', 0.9, 0.85)];
    const result = judge(
      input({
        documents: docs,
        runScore: 0.825,
        reference: { kind: 'previous', runId: 'r', score: 0.9 },
        thresholds: thresholds(0.95),
      }),
    );
    expect(result.verdict).toBe('regression');
    expect(result.noise).toMatchObject({
      interval: undefined,
      tooFewDocuments: true,
      dismissed: false,
    });
  });

  test('min-score, max-document-drop and errored documents are never softened', () => {
    const base = { documents: [...noisyDocs, doc('broken', 0.9, null)], runScore: mean(noisyDocs) };
    const errored = judge(input({ ...base, thresholds: thresholds(0.95) }));
    expect(errored.verdict).toBe('regression');
    expect(errored.reasons.map((r) => r.rule)).toEqual(['errored-documents']);
    const floor = judge(
      input({
        documents: noisyDocs,
        runScore: mean(noisyDocs),
        thresholds: thresholds(0.95, { minScore: 0.9 }),
      }),
    );
    expect(floor.reasons.map((r) => r.rule)).toEqual(['min-score']);
    const perDoc = judge(
      input({
        documents: noisyDocs,
        runScore: mean(noisyDocs),
        thresholds: thresholds(0.95, { maxDocumentDrop: parseThreshold('0.1') }),
      }),
    );
    expect(perDoc.reasons.map((r) => r.rule)).toEqual(['max-document-drop']);
  });
});

describe('pairedChanges', () => {
  test('only documents both runs scored: null scores and new documents are left out', () => {
    expect(
      pairedChanges([
        doc('a', 0.9, 0.8),
        doc('errored-now', 0.9, null),
        doc('unscored-before', null, 0.7),
        doc('new', null, 0.9, false),
        doc('b', 0.5, 0.6),
      ]).map((c) => Number(c.toFixed(10))),
    ).toEqual([-0.1, 0.1]);
  });
});
