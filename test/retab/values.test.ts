// What the runs extracted in the fields that fell, in-process against the fake Retab on a virtual
// clock: where each value comes from on either API, when values are read at all, the read budget,
// and reads that fail without changing anything else.
import { describe, expect, test } from 'vitest';
import type { FakeFieldScore, RecordedRequest, RetabScenario } from '../fakes/retab.ts';
import { VALUED_FIELDS } from '../fakes/scenarios.ts';
import { gateInProcess } from '../harness/gate-in-process.ts';
import {
  BASE,
  CURRENT_METRICS_PATH,
  CURRENT_RESULTS_PATH,
  METRICS_PATH,
  NEW_RUN,
  disputedRegression,
  next,
  numberedDocuments,
  pairedScenario,
  scenario,
} from '../harness/scenario.ts';

/** alpha −40 points, bravo −10 (both regressed); charlie +5. */
const DROPPED = [0.5, 0.75, 0.85, 0.95, 0.9];

/** alpha's fields: four fell, by 0.6, 0.4, 0.2 and 0.1; one held. */
const ALPHA = VALUED_FIELDS;

const BRAVO: FakeFieldScore[] = [
  {
    path: 'total_amount',
    score: 0.75,
    prior_score: 0.85,
    value: '88.00',
    prior_value: '88.00',
    votes: ['88.00', '88.00', '8.80', '88.00', '8.80'],
  },
];

/**
 * Results name their artifacts without an operation: the reads of cost and time then go to the
 * workflow artifacts route, apart from the value reads these tests count (an extraction's read).
 */
const APART = { artifactOperation: 'artifact' } as const;

function valuesScenario(overrides: Partial<RetabScenario> = {}): RetabScenario {
  return scenario({
    ...APART,
    next: next(DROPPED),
    fieldScores: { expdoc_1: ALPHA, expdoc_2: BRAVO },
    ...overrides,
  });
}

const text = (t: string) => ({ text: t, length: [...t].length });

/** The document a read about one document is about, or undefined for any other request. */
function documentOf(r: RecordedRequest): string | undefined {
  if (r.method !== 'GET') return undefined;
  if (r.query.view === 'by_document' || r.query.view === 'votes') return r.query.document_id;
  const result = /\/results\/([^/]+)$/.exec(r.path);
  if (result) return decodeURIComponent(result[1]!);
  const extraction = /^\/v1\/extractions\/extr_[^~]+~(.+)$/.exec(decodeURIComponent(r.path));
  return extraction?.[1];
}

/** The reads about each document, beyond the read of its fields (the run's by_document). */
function extraReads(requests: readonly RecordedRequest[]): Map<string, RecordedRequest[]> {
  const reads = new Map<string, RecordedRequest[]>();
  for (const r of requests) {
    const doc = documentOf(r);
    if (doc === undefined) continue;
    if (r.query.view === 'by_document' && r.query.run_id === NEW_RUN) continue;
    reads.set(doc, [...(reads.get(doc) ?? []), r]);
  }
  return reads;
}

const perDocument = (r: RecordedRequest) => documentOf(r) !== undefined;

function describeRead(r: RecordedRequest): string {
  if (r.query.view === 'votes') return `votes ${r.query.target_path}`;
  if (r.query.view === 'by_document') return `by_document ${r.query.run_id}`;
  return r.path.includes('/extractions/') ? 'extraction' : 'result';
}

describe('values shown: the reference and current value of each field that fell, and the votes', () => {
  test('older API: values from both runs’ by_document, votes from the extraction, 3 reads per document', async (ctx) => {
    const gate = await gateInProcess(ctx, { scenario: valuesScenario(), repositoryPrivate: true });
    expect(gate.verdict).toBe('regression');
    expect(gate.report.valuesHidden).toBeUndefined();
    const [alpha, bravo] = gate.report.fieldChanges ?? [];
    expect(alpha?.fields.map((f) => [f.path, f.values])).toEqual([
      [
        'vendor.name',
        {
          reference: text('ACME'),
          current: text('Acme Inc'),
          votes: [
            { value: text('Acme Inc'), count: 2 },
            { value: text('ACME'), count: 2 },
            { value: text('Acme'), count: 1 },
          ],
        },
      ],
      [
        'total_amount',
        {
          reference: text('1,240.00'),
          current: text('1,420.00'),
          votes: [
            { value: text('1,420.00'), count: 3 },
            { value: text('142.00'), count: 2 },
          ],
        },
      ],
      [
        'line_items.*.unit_price',
        {
          reference: text('[10,2]'),
          current: text('[10,20]'),
          votes: [
            { value: text('[10,20]'), count: 4 },
            { value: text('[10,2]'), count: 1 },
          ],
        },
      ],
      // null is a value (shown "—"); the passes agreed: no votes.
      ['due_date', { reference: text('2026-05-01'), current: null }],
    ]);
    expect(bravo?.fields[0]?.values?.votes).toEqual([
      { value: text('88.00'), count: 3 },
      { value: text('8.80'), count: 2 },
    ]);

    const reads = extraReads(gate.retab.requests);
    for (const doc of ['expdoc_1', 'expdoc_2']) {
      expect(reads.get(doc)?.map(describeRead).sort()).toEqual([
        'by_document exprun_1',
        'extraction',
        'result',
      ]);
    }
    // The reference's values are asked of the reference run itself.
    const reference = reads.get('expdoc_1')!.find((r) => r.query.view === 'by_document')!;
    expect(reference.path).toBe(METRICS_PATH);
    expect(reference.query).toEqual({
      view: 'by_document',
      document_id: 'expdoc_1',
      run_id: 'exprun_1',
    });
    expect([...reads.keys()].sort()).toEqual(['expdoc_1', 'expdoc_2']);
  });

  test('current API: votes for the two fields that fell most (view=votes, one read each); no results listed for values', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: valuesScenario({ dialect: 'current' }),
      repositoryPrivate: true,
    });
    expect(gate.verdict).toBe('regression');
    const reads = extraReads(gate.retab.requests);
    expect(reads.get('expdoc_1')?.map(describeRead)).toEqual([
      'by_document exprun_1',
      'votes vendor.name',
      'votes total_amount',
    ]);
    expect(reads.get('expdoc_1')?.every((r) => r.path === CURRENT_METRICS_PATH)).toBe(true);
    // The results list is read for cost and time alone: each run's first page, once.
    const listed = gate.retab.requests.filter((r) => r.path === CURRENT_RESULTS_PATH);
    expect(listed.map((r) => [r.query.run_id, r.query.after])).toEqual(
      expect.arrayContaining([
        ['exprun_1', undefined],
        ['exprun_new', undefined],
      ]),
    );
    expect(listed).toHaveLength(2);
    const alpha = gate.report.fieldChanges?.[0];
    expect(alpha?.fields.map((f) => [f.path, f.values?.votes?.length])).toEqual([
      ['vendor.name', 3],
      ['total_amount', 2],
      // Beyond the budget: reference and current only.
      ['line_items.*.unit_price', undefined],
      ['due_date', undefined],
    ]);
    expect(alpha?.fields[2]?.values).toEqual({
      reference: text('[10,2]'),
      current: text('[10,20]'),
    });
    // A list field's votes come as a row per item: a pass's vote is the list of its items'.
    const list = await gateInProcess(ctx, {
      scenario: valuesScenario({
        dialect: 'current',
        fieldScores: { expdoc_1: ALPHA.slice(2, 3) },
      }),
      repositoryPrivate: true,
    });
    expect(list.report.fieldChanges?.[0]?.fields[0]?.values?.votes).toEqual([
      { value: text('[10,20]'), count: 4 },
      { value: text('[10,2]'), count: 1 },
    ]);
  });

  test.for([
    ['auto', false, 'public'],
    ['auto', undefined, 'unknown'],
    ['false', true, 'off'],
  ] as const)(
    'show-values %s, repository private %s: hidden (%s), nothing extra read',
    async ([showValues, repositoryPrivate, hidden], ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: valuesScenario(),
        inputs: { 'show-values': showValues },
        ...(repositoryPrivate === undefined ? {} : { repositoryPrivate }),
      });
      expect(gate.verdict).toBe('regression');
      expect(gate.report.valuesHidden).toBe(hidden);
      expect(extraReads(gate.retab.requests).size).toBe(0);
      // The scores as they are, no value anywhere in the report.
      expect(
        gate.report.fieldChanges?.[0]?.fields.map((f) => [f.path, f.reference, f.current]),
      ).toEqual([
        ['vendor.name', 1, 0.4],
        ['total_amount', 1, 0.6],
        ['line_items.*.unit_price', 1, 0.8],
        ['due_date', 1, 0.9],
      ]);
      const json = JSON.stringify(gate.report);
      for (const value of ['1,420.00', 'Acme', '2026-05-01', '88.00', '"values"']) {
        expect(json).not.toContain(value);
      }
    },
  );

  test('show-values true shows them in a public repository', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: valuesScenario(),
      inputs: { 'show-values': 'true' },
      repositoryPrivate: false,
    });
    expect(gate.report.valuesHidden).toBeUndefined();
    expect(gate.report.fieldChanges?.[0]?.fields[0]?.values?.current).toEqual(text('Acme Inc'));
  });
});

describe('reads that fail leave the scores and the verdict as they are', () => {
  test('one extraction read fails: that document’s votes are unavailable, everything else shows', async (ctx) => {
    const clean = await gateInProcess(ctx, { scenario: valuesScenario(), repositoryPrivate: true });
    const gate = await gateInProcess(ctx, {
      scenario: valuesScenario({ valueFaults: { expdoc_1: { extraction: 500 } } }),
      repositoryPrivate: true,
    });
    expect(gate.verdict).toBe(clean.verdict);
    expect(gate.report.documents).toEqual(clean.report.documents);
    const [alpha, bravo] = gate.report.fieldChanges ?? [];
    expect(alpha?.fields[0]?.values).toEqual({
      reference: text('ACME'),
      current: text('Acme Inc'),
      votesUnavailable: true,
    });
    expect(alpha?.unreadable).toBeUndefined();
    expect(bravo).toEqual(clean.report.fieldChanges?.[1]);
    // The 500 is retried, as every read is; still 3 reads' worth of budget, never a 4th kind.
    expect(new Set(extraReads(gate.retab.requests).get('expdoc_1')?.map(describeRead))).toEqual(
      new Set(['by_document exprun_1', 'result', 'extraction']),
    );
    const line = gate.log.find((l) => l.startsWith('Values of document expdoc_1'));
    expect(line).toMatch(
      /^Values of document expdoc_1 partly unavailable: the extraction \(HTTP 500, x-request-id req_\d+\)\.$/,
    );
  });

  test('the reference run’s metrics are stale: its values are unavailable, the current ones show', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: valuesScenario({ valueFaults: { expdoc_1: { reference: 'stale' } } }),
      repositoryPrivate: true,
    });
    const alpha = gate.report.fieldChanges?.[0];
    expect(alpha?.fields[1]?.values).toEqual({
      current: text('1,420.00'),
      votes: [
        { value: text('1,420.00'), count: 3 },
        { value: text('142.00'), count: 2 },
      ],
    });
    expect(gate.log).toContain(
      "Values of document expdoc_1 partly unavailable: the reference run's values (stale_metrics).",
    );
  });

  test('a document whose fields cannot be read is named; one whose values cannot be read at all too', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      // A server whose by_document carries no values: they come from the result and extraction.
      scenario: valuesScenario({
        byDocumentWithoutValues: true,
        valueFaults: {
          expdoc_1: { fields: 404 },
          expdoc_2: { reference: 404, result: 404, votes: 404 },
        },
      }),
      repositoryPrivate: true,
    });
    expect(gate.verdict).toBe('regression');
    const [alpha, bravo] = gate.report.fieldChanges ?? [];
    expect(alpha).toMatchObject({ documentId: 'expdoc_1', fields: [], unreadable: 'fields' });
    expect(bravo).toMatchObject({ documentId: 'expdoc_2', unreadable: 'values' });
    expect(bravo?.fields[0]?.values).toEqual({ votesUnavailable: true });
    // The result read failed: its one read left went to view=votes, which failed too.
    expect(extraReads(gate.retab.requests).get('expdoc_2')?.map(describeRead)).toEqual([
      'by_document exprun_1',
      'result',
      'votes total_amount',
    ]);

    // Without the faults, the extraction (behind the result) gives the current values.
    const fallback = await gateInProcess(ctx, {
      scenario: valuesScenario({ byDocumentWithoutValues: true }),
      repositoryPrivate: true,
    });
    expect(fallback.report.fieldChanges?.[0]?.fields[0]?.values?.current).toEqual(text('Acme Inc'));
    expect(fallback.report.fieldChanges?.[0]?.fields[0]?.values?.reference).toBeUndefined();
  });

  test('values never reach the log, whatever fails', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: valuesScenario({
        dialect: 'current',
        valueFaults: { expdoc_1: { votes: 503, reference: 'malformed' } },
      }),
      repositoryPrivate: true,
    });
    const log = gate.log.join('\n');
    for (const value of ['1,420.00', '1,240.00', 'Acme', 'ACME', '88.00', '8.80']) {
      expect(log).not.toContain(value);
    }
    expect(log).toContain('Values of document expdoc_1 partly unavailable');
  });
});

describe('the read budget', () => {
  test.for(['older', 'current'] as const)(
    '%s API: at most 3 reads per listed document beyond its fields, at most 10 in flight',
    async (dialect, ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: disputedRegression(dialect),
        repositoryPrivate: true,
        // The answers wait until the gate can send no more: as many reads overlap as it allows.
        hold: perDocument,
      });
      expect(gate.verdict).toBe('regression');
      const reads = extraReads(gate.retab.requests);
      expect(reads.size).toBe(10);
      for (const [doc, list] of reads) expect(list.length, doc).toBeLessThanOrEqual(3);
      expect(gate.retab.maxInFlight(perDocument)).toBe(10);
      expect(gate.report.fieldChanges).toHaveLength(10);
      for (const change of gate.report.fieldChanges ?? []) {
        expect(change.fields).toHaveLength(5);
        expect(change.fields.every((f) => f.values?.reference && f.values.current)).toBe(true);
      }
    },
  );
});

describe('the field reads of the regressed documents', () => {
  // Drops of 3, 6, … points: the last documents fell most.
  test.for([
    [2, 2],
    [15, 10],
  ] as const)(
    'values hidden, %i documents fell: the %i worst are read, all at once',
    async ([fell, read], ctx) => {
      const documents = numberedDocuments(fell);
      const gate = await gateInProcess(ctx, {
        scenario: pairedScenario(
          documents,
          documents.map(() => 0.95),
          documents.map((_, i) => Number((0.92 - i * 0.03).toFixed(2))),
          APART,
        ),
        hold: perDocument,
      });
      expect(gate.verdict).toBe('regression');
      const reads = gate.retab.requests.filter(perDocument);
      expect(reads.every((r) => r.query.view === 'by_document' && r.query.run_id === NEW_RUN)).toBe(
        true,
      );
      expect(reads.map((r) => r.query.document_id).sort()).toEqual(
        documents
          .slice(fell - read)
          .map((d) => d.id)
          .sort(),
      );
      expect(gate.retab.maxInFlight(perDocument), 'reads in flight at once').toBe(read);
    },
  );
});

describe('no regressed document, no value read', () => {
  test('a pass reads nothing about single documents', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ ...APART, next: next(BASE), fieldScores: { expdoc_1: ALPHA } }),
      repositoryPrivate: true,
    });
    expect(gate.verdict).toBe('pass');
    expect(gate.retab.requests.filter((r) => documentOf(r) !== undefined)).toEqual([]);
  });
});
