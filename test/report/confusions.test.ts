// The Confusions section in the comment, the job summary and the JSON report: which label was
// taken for which, grown first, unchanged folded, fitted with the rest, labels (outside text)
// inert.
import { describe, expect, test } from 'vitest';
import type { FieldAggregate, LabelFlow } from '../../src/gate/evidence.js';
import { compareFields } from '../../src/gate/fields.js';
import { parseThreshold } from '../../src/inputs.js';
import { reportConfusions } from '../../src/report/confusions.js';
import { FLOWS_KEPT, TEXT_MAX } from '../../src/report/limits.js';
import { COMMENT_LIMIT, renderComment, renderSummary } from '../../src/report/markdown.js';
import type { Report } from '../../src/report/model.js';
import { parseReport } from '../../src/report/schema.js';
import { HOSTILE, report, row, section, tableRows as rows } from './fixtures.ts';
import { foreignTags, renderGfm, tableShapes } from './render.ts';

const FLOW_COLUMNS = 6;

type Flow = [source: string, target: string, score: number];

function labels(diag: Array<[string, number]>, flows: Flow[] | undefined): FieldAggregate {
  return {
    kind: 'label',
    scores: diag.map(([name, score]) => ({ name, score })),
    ...(flows
      ? {
          flows: flows.map(([source, target, score]): LabelFlow => ({ source, target, score })),
        }
      : {}),
  };
}

const DIAG_BEFORE: Array<[string, number]> = [
  ['invoice', 0.96],
  ['receipt', 0.9],
  ['purchase_order', 0.88],
];
const DIAG_AFTER: Array<[string, number]> = [
  ['invoice', 0.95],
  ['receipt', 0.75],
  ['purchase_order', 0.88],
];
const FLOWS_BEFORE: Flow[] = [
  ['receipt', 'invoice', 0.02],
  ['invoice', 'receipt', 0.03],
  ['purchase_order', 'invoice', 0.08],
  ['receipt', 'purchase_order', 0.04],
  ['receipt', 'receipt', 0.9],
];
/** Receipts go to invoices (+13 points); receipt → purchase_order gone; invoice → purchase_order new. */
const FLOWS_AFTER: Flow[] = [
  ['receipt', 'invoice', 0.15],
  ['invoice', 'receipt', 0.01],
  ['purchase_order', 'invoice', 0.08],
  ['invoice', 'purchase_order', 0.02],
  ['receipt', 'receipt', 0.75],
];

/** A classifier's report, as assemble makes it: its labels and its confusions. */
function classifier(
  reference: { diag?: Array<[string, number]>; flows?: Flow[] },
  current: { diag?: Array<[string, number]>; flows?: Flow[] },
  options: { comparable?: boolean; documents?: ReturnType<typeof row>[] } = {},
): Report {
  const comparable = options.comparable ?? true;
  const before = labels(reference.diag ?? DIAG_BEFORE, reference.flows);
  const after = labels(current.diag ?? DIAG_AFTER, current.flows);
  return report(options.documents ?? [row(1, 'a.pdf', 0.9, 0.9), row(2, 'b.pdf', 0.8, 0.5)], {
    fields: compareFields({
      reference: before,
      current: after,
      comparable,
      thresholds: { maxDrop: parseThreshold('0.02') },
    }),
    confusions: reportConfusions(after, before, comparable),
  });
}

function headline(body: string): string | undefined {
  return body.split('\n').find((line) => line.startsWith('## '));
}

describe('the Confusions table', () => {
  test('grown first, worst first; new and gone marked; unchanged folded; no self-flow', () => {
    const body = renderComment(classifier({ flows: FLOWS_BEFORE }, { flows: FLOWS_AFTER }));
    const confusions = section(body, 'Confusions');
    expect(rows(confusions)).toEqual([
      ['receipt', 'invoice', '0.020', '0.150', '+13.0 pts', '📈 grew'],
      ['invoice', 'purchase_order', '—', '0.020', '—', '🆕 new'],
      ['receipt', 'purchase_order', '0.040', '—', '—', '➖ gone'],
      ['invoice', 'receipt', '0.030', '0.010', '−2.0 pts', '📉 shrank'],
      ['purchase_order', 'invoice', '0.080', '0.080', '±0.0 pts', 'unchanged'],
    ]);
    expect(confusions).toContain('| Label | Taken for | Reference | Current | Δ | Status |');
    expect(confusions).toContain('<details><summary>1 unchanged flow</summary>');
    expect(confusions).toContain("against the previous run: the flows that grew first. A label's");
    // After the labels' own agreement, which holds receipt → receipt.
    expect(body.indexOf('### Labels')).toBeLessThan(body.indexOf('### Confusions'));
    expect(body).toContain('| receipt | 0.900 | 0.750 | −15.0 pts | 🔻 regressed |');
  });

  test('the headline counts nothing new, and the verdict is the same', () => {
    const withFlows = classifier({ flows: FLOWS_BEFORE }, { flows: FLOWS_AFTER });
    const without = classifier({}, {});
    expect(without.confusions).toBeUndefined();
    expect(withFlows.verdict).toBe(without.verdict);
    expect(headline(renderComment(withFlows))).toBe(headline(renderComment(without)));
    expect(headline(renderComment(withFlows))).not.toMatch(/\bflows?\b|confus/i);
  });

  test.for([
    ['neither run gives flows', undefined, undefined],
    ['the reference gives none', undefined, FLOWS_AFTER],
    ['this run gives none', FLOWS_BEFORE, undefined],
    ['only self-flows', [['receipt', 'receipt', 0.9]], [['receipt', 'receipt', 0.75]]],
  ] as Array<[string, Flow[] | undefined, Flow[] | undefined]>)(
    '%s: no section, and no line',
    ([, before, after]) => {
      const classified = classifier({ flows: before }, { flows: after });
      expect(classified.confusions).toBeUndefined();
      const body = renderComment(classified);
      expect(body).toContain('### Labels');
      expect(body).not.toMatch(/confusion|\bflows?\b|taken for/i);
    },
  );

  test('different document sets: the section says the flows are over other documents', () => {
    const body = renderComment(
      classifier({ flows: FLOWS_BEFORE }, { flows: FLOWS_AFTER }, { comparable: false }),
    );
    expect(section(body, 'Confusions')).toContain(
      "**Over other documents:** the document sets differ from the reference run's",
    );
  });

  test('the JSON report holds the table, and a report read back renders the same (phase two)', () => {
    const classified = classifier({ flows: FLOWS_BEFORE }, { flows: FLOWS_AFTER });
    const read = parseReport(JSON.stringify(classified));
    expect(read.confusions).toEqual(classified.confusions);
    expect(read.confusions?.rows).toHaveLength(5);
    expect(renderComment(read)).toBe(renderComment(classified));
    expect(renderSummary(read)).toBe(renderSummary(classified));
  });

  test.for([
    ['an unknown status', { status: 'worse' }, /confusions\.rows\.0\.status/],
    ['a label longer than kept', { source: 'x'.repeat(TEXT_MAX.label + 1) }, /rows\.0\.source/],
    ['a share out of range', { current: 1.5 }, /rows\.0\.current/],
    ['an unknown key', { note: 'x' }, /confusions\.rows\.0/],
  ] as const)('a forged table in a report is refused (phase two): %s', ([, forged, error]) => {
    const classified = classifier({ flows: FLOWS_BEFORE }, { flows: FLOWS_AFTER });
    const confusions = classified.confusions!;
    const bad = {
      ...classified,
      confusions: { ...confusions, rows: [{ ...confusions.rows[0], ...forged }] },
    };
    expect(() => parseReport(JSON.stringify(bad))).toThrow(error);
  });

  test('more rows than a report keeps are refused (phase two)', () => {
    const classified = classifier({ flows: FLOWS_BEFORE }, { flows: FLOWS_AFTER });
    const row = classified.confusions!.rows[0]!;
    const bad = {
      ...classified,
      confusions: {
        comparable: true,
        rows: Array.from({ length: FLOWS_KEPT + 1 }, () => row),
        more: 0,
      },
    };
    expect(() => parseReport(JSON.stringify(bad))).toThrow(/confusions\.rows/);
  });
});

describe('fitting', () => {
  /** `n` flows between labels of `length` characters; every fourth grew, by more the earlier. */
  function manyFlows(n: number, length = 12): { before: Flow[]; after: Flow[] } {
    const label = (i: number) => `label_${String(i).padStart(4, '0')}`.padEnd(length, 'x');
    const pairs = Array.from({ length: n }, (_, i) => [label(i), label(i + 1)] as const);
    return {
      before: pairs.map(([s, t]) => [s, t, 0.01]),
      after: pairs.map(([s, t], i) => [s, t, i % 4 === 0 ? 0.5 - i / 10_000 : 0.01]),
    };
  }

  test('300 flows fit whole in the comment when their rows are short', () => {
    const { before, after } = manyFlows(300);
    const body = renderComment(classifier({ flows: before }, { flows: after }));
    const confusions = section(body, 'Confusions');
    expect(rows(confusions)).toHaveLength(300);
    expect(confusions).toContain('<summary>225 unchanged flows</summary>');
    expect(confusions).not.toContain('more flow');
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  });

  test('300 long flows beside 500 labels and 1,200 documents: the comment fits, each table cut with an "N more" line', () => {
    const documents = Array.from({ length: 1_200 }, (_, i) =>
      row(i, `receipt_2026_batch_${String(i).padStart(5, '0')}.pdf`, 0.9, i % 3 ? 0.9 : 0.7),
    );
    const diag = (score: (i: number) => number): Array<[string, number]> =>
      Array.from({ length: 500 }, (_, i) => [`class_${String(i).padStart(3, '0')}`, score(i)]);
    const { before, after } = manyFlows(300, 110);
    const classified = classifier(
      { diag: diag(() => 0.9), flows: before },
      { diag: diag((i) => (i % 4 === 0 ? 0.6 : 0.9)), flows: after },
      { documents },
    );
    const body = renderComment(classified);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    const confusions = section(body, 'Confusions');
    const more =
      /…and ([\d,]+) more flows, left out to fit; the JSON report \(output `report-path`\) lists every flow\./.exec(
        confusions,
      );
    expect(more).not.toBeNull();
    const shown = rows(confusions);
    expect(shown.length).toBeGreaterThan(20);
    expect(shown.length + Number(more![1]!.replaceAll(',', ''))).toBe(300);
    // The one that grew most first.
    expect(shown[0]?.slice(0, 2)).toEqual([before[0]![0], before[0]![1]]);
    expect(shown[0]?.[5]).toBe('📈 grew');
    expect(/…and ([\d,]+) more labels, left out to fit/.test(body)).toBe(true);
    expect(/…and ([\d,]+) more documents/.test(body)).toBe(true);
    expect(new Set(tableShapes(renderGfm(confusions)).flat())).toEqual(new Set([FLOW_COLUMNS]));
    // The job summary holds every flow.
    expect(rows(section(renderSummary(classified), 'Confusions'))).toHaveLength(300);
  });

  test('more flows than the report keeps: the first are kept, the rest counted', () => {
    const { before, after } = manyFlows(FLOWS_KEPT + 200);
    const classified = classifier({ flows: before }, { flows: after });
    expect(classified.confusions?.rows).toHaveLength(FLOWS_KEPT);
    expect(classified.confusions?.more).toBe(200);
    expect(classified.confusions?.rows.at(-1)?.status).toBe('unchanged');
    const summary = section(renderSummary(classified), 'Confusions');
    expect(rows(summary)).toHaveLength(FLOWS_KEPT);
    expect(summary).toContain(
      '_…and 200 more flows, left out; the JSON report (output `report-path`) keeps the first 1,000, grown first._',
    );
    expect(renderComment(classified).length).toBeLessThanOrEqual(COMMENT_LIMIT);
  });
});

describe('hostile labels', () => {
  test('render as plain text: no table break, no HTML, no mention, no forged marker', () => {
    const names = [...HOSTILE, '__proto__', 'constructor', ''];
    const before: Flow[] = names.map((name, i) => [name, names[(i + 1) % names.length]!, 0.05]);
    const after: Flow[] = names.map((name, i) => [
      name,
      names[(i + 1) % names.length]!,
      i % 2 ? 0.3 : 0.05,
    ]);
    const body = renderComment(
      classifier(
        { diag: names.map((name) => [name, 0.9]), flows: before },
        { diag: names.map((name) => [name, 0.9]), flows: after },
      ),
    );
    const html = renderGfm(body);
    const flowTables = tableShapes(renderGfm(section(body, 'Confusions')));
    expect(flowTables.flat()).toHaveLength(names.length + flowTables.length);
    expect(new Set(flowTables.flat())).toEqual(new Set([FLOW_COLUMNS]));
    expect(foreignTags(html)).toEqual([]);
    expect(body.match(/<!-- retab-experiment-gate:/g)).toHaveLength(1);
    // Unchanged documents, unchanged labels, unchanged flows.
    expect(html.match(/<details>/g)).toHaveLength(3);
    expect(html).not.toMatch(/<[^>]*\s(href|src|on\w+)=/i);
    expect(html).not.toMatch(/@[a-z0-9]/i);
    expect(html).not.toMatch(/#\d/);
    expect(html).not.toMatch(/:\/\//);
    expect(section(body, 'Confusions')).toContain('| (no name) |');
  });
});
