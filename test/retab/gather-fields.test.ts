// The field table and the field rule, in-process against the fake Retab on a virtual clock: the
// summaries of both runs carry `aggregate`, and the reference's costs at most one extra read.
import { describe, expect, test } from 'vitest';
import type { FakeAggregate, FakeRetab } from '../fakes/retab.ts';
import type { Report } from '../../src/report/model.js';
import { gateInProcess, renderComment } from '../harness/gate-in-process.ts';
import {
  BASE,
  CURRENT_METRICS_PATH,
  METRICS_PATH,
  history,
  next,
  scenario,
} from '../harness/scenario.ts';

const REFERENCE: FakeAggregate = {
  likelihoods: {
    total_amount: 0.95,
    'vendor.name': 0.9,
    'line_items.*.unit_price': 0.8,
    due_date: 0.85,
    po_number: 0.7,
  },
};
/** total_amount −15 points, unit_price −3, vendor.name +1; po_number gone, currency new. */
const FELL: FakeAggregate = {
  likelihoods: {
    total_amount: 0.8,
    'vendor.name': 0.91,
    'line_items.*.unit_price': 0.77,
    due_date: 0.85,
    currency: 0.99,
  },
};

/** The reference run exprun_1 and the new run, each with its summary's aggregate. */
function withFields(reference: FakeAggregate | null, current: FakeAggregate | null) {
  return scenario({
    history: [history('exprun_1', 'fp_base', BASE, { aggregate: reference })],
    next: next(BASE, { aggregate: current }),
  });
}

/** Every summary read, of either run. */
function summaryReads(retab: FakeRetab, path = METRICS_PATH) {
  return retab.requests.filter((r) => r.path === path && r.query.view === 'summary');
}

/** Summary reads of the reference run on its own (no prior): what the field table costs. */
function referenceSummaryReads(retab: FakeRetab, path = METRICS_PATH) {
  return retab.requests.filter(
    (r) =>
      r.path === path &&
      r.query.view === 'summary' &&
      r.query.run_id === 'exprun_1' &&
      r.query.prior_run_id === undefined,
  );
}

describe('fields', () => {
  test('a field that fell past max-field-drop: a regression naming it, for one extra read', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: withFields(REFERENCE, FELL),
      inputs: { 'max-field-drop': '0.05', confidence: '0.99' },
    });
    expect(gate.verdict).toBe('regression');
    expect(gate.report.reasons).toEqual([
      { rule: 'max-field-drop', kind: 'field', fields: 1, names: ['total_amount'] },
    ]);
    expect(gate.report.fields).toMatchObject({
      kind: 'field',
      comparable: true,
      regressedCount: 1,
    });
    expect(gate.report.fields?.rows.map((row) => [row.name, row.status, row.counts])).toEqual([
      ['total_amount', 'regressed', true],
      ['po_number', 'removed', false],
      ['currency', 'new', false],
      ['line_items.*.unit_price', 'unchanged', false],
      ['due_date', 'unchanged', false],
      ['vendor.name', 'unchanged', false],
    ]);
    expect(gate.report.thresholds.maxFieldDrop).toBe('0.05');
    expect(referenceSummaryReads(gate.retab)).toHaveLength(1);
    // An extract block has no flows between labels.
    expect(gate.report.confusions).toBeUndefined();
  });

  test('fields that moved while max-field-drop is empty: marked against max-drop, and a pass', async (ctx) => {
    const gate = await gateInProcess(ctx, { scenario: withFields(REFERENCE, FELL) });
    expect(gate.verdict).toBe('pass');
    expect(gate.report.reasons).toEqual([]);
    expect(
      gate.report.fields?.rows.filter((row) => row.status === 'regressed').map((row) => row.name),
    ).toEqual(['total_amount', 'line_items.*.unit_price']);
    expect(gate.report.fields?.rows.some((row) => row.counts)).toBe(false);
    expect(gate.report.fields?.regressedCount).toBe(2);
  });

  test("a classifier's labels (diag) and its confusions (flows, in either spelling), on the current API, for one extra read", async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: {
        ...withFields(
          {
            diag: { invoice: 0.96, receipt: 0.9, purchase_order: 0.88 },
            flows: [
              { source: 'receipt', target: 'invoice', score: 0.06 },
              { source: 'receipt', target: 'receipt', score: 0.9 },
            ],
          },
          {
            diag: { invoice: 0.97, receipt: 0.7, purchase_order: 0.88 },
            flows: [
              { from: 'receipt', to: 'invoice', score: 0.25 },
              { from: 'receipt', to: 'receipt', score: 0.7 },
            ],
          },
        ),
        dialect: 'current',
      },
      inputs: { 'max-field-drop': '0.1' },
    });
    expect(gate.verdict).toBe('regression');
    // The confusions add no reason: the label that lost agreement is the field rule's.
    expect(gate.report.reasons).toEqual([
      { rule: 'max-field-drop', kind: 'label', fields: 1, names: ['receipt'] },
    ]);
    expect(gate.report.fields?.kind).toBe('label');
    expect(gate.report.fields?.rows.map((row) => row.name)).toEqual([
      'receipt',
      'purchase_order',
      'invoice',
    ]);
    expect(gate.report.confusions).toEqual({
      comparable: true,
      rows: [
        {
          source: 'receipt',
          target: 'invoice',
          reference: 0.06,
          current: 0.25,
          delta: expect.closeTo(0.19) as number,
          status: 'grew',
        },
      ],
      more: 0,
    });
    expect(referenceSummaryReads(gate.retab, CURRENT_METRICS_PATH)).toHaveLength(1);
    expect(summaryReads(gate.retab, CURRENT_METRICS_PATH)).toHaveLength(2);
  });

  test('flows without label scores: the confusions, for one read of each run', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: withFields(
        { flows: [{ source: 'receipt', target: 'invoice', score: 0.02 }] },
        { flows: [{ source: 'invoice', target: 'receipt', score: 0.1 }] },
      ),
    });
    expect(gate.verdict).toBe('pass');
    expect(gate.report.fields).toBeUndefined();
    expect(gate.report.confusions?.rows.map((row) => [row.source, row.target, row.status])).toEqual(
      [
        ['invoice', 'receipt', 'new'],
        ['receipt', 'invoice', 'gone'],
      ],
    );
    expect(referenceSummaryReads(gate.retab)).toHaveLength(1);
    expect(summaryReads(gate.retab)).toHaveLength(2);
    const body = renderComment(gate.report);
    expect(body).toContain('### Confusions');
    // No Labels table to point to.
    expect(body).not.toContain('Labels table');
  });

  test('the same run without flows: the same verdict and headline, no section', async (ctx) => {
    const labels = (receipt: number) => ({ diag: { invoice: 0.96, receipt } });
    const flows = [{ source: 'receipt', target: 'invoice', score: 0.3 }];
    const [withFlows, without] = await Promise.all([
      gateInProcess(ctx, {
        scenario: withFields({ ...labels(0.9), flows: [] }, { ...labels(0.7), flows }),
        inputs: { 'max-field-drop': '0.1' },
      }),
      gateInProcess(ctx, {
        scenario: withFields(labels(0.9), labels(0.7)),
        inputs: { 'max-field-drop': '0.1' },
      }),
    ]);
    expect(withFlows.report.confusions?.rows.map((row) => row.status)).toEqual(['new']);
    expect(without.report.confusions).toBeUndefined();
    expect(withFlows.verdict).toBe(without.verdict);
    expect(withFlows.report.reasons).toEqual(without.report.reasons);
    expect(renderComment(without.report)).not.toContain('### Confusions');
    const headline = (report: Report) =>
      renderComment(report)
        .split('\n')
        .find((line) => line.startsWith('## '));
    expect(headline(withFlows.report)).toBe(headline(without.report));
  });

  test('different document sets: the table is shown, not comparable, and gates nothing', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        history: [
          history('exprun_1', 'fp_base', BASE, {
            aggregate: REFERENCE,
            documentsFingerprint: 'docs_v0',
            // echo is new in this run
            scores: { expdoc_1: 0.9, expdoc_2: 0.85, expdoc_3: 0.8, expdoc_4: 0.95 },
          }),
        ],
        next: next(BASE, { aggregate: FELL }),
      }),
      inputs: { 'max-field-drop': '0.05' },
    });
    expect(gate.verdict).toBe('pass');
    expect(gate.report.documentSets?.added.map((d) => d.filename)).toEqual(['echo.pdf']);
    expect(gate.report.fields).toMatchObject({ comparable: false, regressedCount: 1 });
    expect(gate.report.fields?.rows.some((row) => row.counts)).toBe(false);
    // The reference's summary was read anyway, for its documents: no second read.
    expect(referenceSummaryReads(gate.retab)).toHaveLength(1);
  });

  test("different document sets: the confusions are shown, said to be over other documents, from the one read of the reference's summary", async (ctx) => {
    const flows = (score: number) => [{ source: 'receipt', target: 'invoice', score }];
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        history: [
          history('exprun_1', 'fp_base', BASE, {
            aggregate: { diag: { receipt: 0.9 }, flows: flows(0.02) },
            documentsFingerprint: 'docs_v0',
            scores: { expdoc_1: 0.9, expdoc_2: 0.85, expdoc_3: 0.8, expdoc_4: 0.95 },
          }),
        ],
        next: next(BASE, { aggregate: { diag: { receipt: 0.8 }, flows: flows(0.12) } }),
      }),
    });
    expect(gate.report.documentSets?.added.map((d) => d.filename)).toEqual(['echo.pdf']);
    expect(gate.report.confusions).toMatchObject({
      comparable: false,
      rows: [{ source: 'receipt', target: 'invoice', status: 'grew' }],
    });
    expect(referenceSummaryReads(gate.retab)).toHaveLength(1);
    expect(summaryReads(gate.retab)).toHaveLength(2);
  });

  test.for([
    ['in this run', REFERENCE, null],
    ['in the reference run', null, FELL],
    ['in either', null, null],
  ] as const)(
    'no field scores %s: no table, no rule, no error',
    async ([, reference, current], ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: withFields(reference, current),
        inputs: { 'max-field-drop': '0.05' },
      });
      expect(gate.verdict).toBe('pass');
      expect(gate.report.fields).toBeUndefined();
      expect(gate.report.confusions).toBeUndefined();
      // Without field scores in this run, the reference's are not asked for.
      expect(referenceSummaryReads(gate.retab)).toHaveLength(current === null ? 0 : 1);
    },
  );

  test('the first run of an experiment: nothing to compare the fields with', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ history: [], next: next(BASE, { aggregate: FELL }) }),
      inputs: { 'max-field-drop': '0.05' },
    });
    expect(gate.verdict).toBe('pass');
    expect(gate.report.fields).toBeUndefined();
  });
});
