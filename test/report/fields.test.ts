// The field table in the comment, the job summary and the JSON report: fell first, unchanged
// folded, fitted with the rest, and field names (the customer's text) inert.
import { describe, expect, test } from 'vitest';
import type { FieldAggregate } from '../../src/gate/evidence.js';
import { compareFields } from '../../src/gate/fields.js';
import { parseThreshold } from '../../src/inputs.js';
import { COMMENT_LIMIT, renderComment, renderSummary } from '../../src/report/markdown.js';
import type { Report } from '../../src/report/model.js';
import { parseReport } from '../../src/report/schema.js';
import { explainVerdict } from '../../src/report/sections.js';
import { HOSTILE, report, row, section, tableRows as rows } from './fixtures.ts';
import { foreignTags, renderGfm, tableShapes } from './render.ts';

const FIELD_COLUMNS = 5;

function aggregate(entries: Array<[string, number]>, kind: FieldAggregate['kind'] = 'field') {
  return { kind, scores: entries.map(([name, score]) => ({ name, score })) };
}

/** The report's field table, as assemble makes it (judge's reason included when one counts). */
function withFields(
  reference: Array<[string, number]>,
  current: Array<[string, number]>,
  options: { maxFieldDrop?: string; comparable?: boolean; kind?: FieldAggregate['kind'] } = {},
  documents = [row(1, 'a.pdf', 0.9, 0.9), row(2, 'b.pdf', 0.8, 0.5)],
): Report {
  const fields = compareFields({
    reference: aggregate(reference, options.kind),
    current: aggregate(current, options.kind),
    comparable: options.comparable ?? true,
    thresholds: {
      maxDrop: parseThreshold('0.02'),
      maxFieldDrop: options.maxFieldDrop ? parseThreshold(options.maxFieldDrop) : undefined,
    },
  });
  if (!fields) throw new Error('no field table');
  const counted = fields.rows.filter((r) => r.counts);
  return report(documents, {
    verdict: counted.length > 0 ? 'regression' : 'pass',
    reasons:
      counted.length > 0
        ? [
            {
              rule: 'max-field-drop',
              kind: fields.kind,
              fields: counted.length,
              names: counted.slice(0, 5).map((r) => r.name),
            },
          ]
        : [],
    thresholds: {
      maxDrop: '0.02',
      minScore: undefined,
      maxDocumentDrop: undefined,
      maxFieldDrop: options.maxFieldDrop,
      confidence: undefined,
    },
    fields,
  });
}

const REFERENCE: Array<[string, number]> = [
  ['total_amount', 0.95],
  ['vendor.name', 0.9],
  ['line_items.*.unit_price', 0.8],
  ['due_date', 0.85],
  ['po_number', 0.7],
];
const CURRENT: Array<[string, number]> = [
  ['total_amount', 0.8],
  ['vendor.name', 0.99],
  ['line_items.*.unit_price', 0.77],
  ['due_date', 0.85],
  ['currency', 0.99],
];

describe('the field table', () => {
  test('fell first, worst first; removed and new marked; unchanged folded; the headline counts them', () => {
    const body = renderComment(withFields(REFERENCE, CURRENT));
    const fields = section(body, 'Fields');
    expect(rows(fields)).toEqual([
      ['total_amount', '0.950', '0.800', '−15.0 pts', '🔻 regressed'],
      ['line_items.&#42;.unit_price', '0.800', '0.770', '−3.0 pts', '🔻 regressed'],
      ['po_number', '0.700', '—', '—', '➖ removed'],
      ['currency', '—', '0.990', '—', '🆕 new'],
      ['vendor.name', '0.900', '0.990', '+9.0 pts', '🔺 improved'],
      ['due_date', '0.850', '0.850', '±0.0 pts', 'unchanged'],
    ]);
    expect(fields).toContain('<details><summary>1 unchanged field</summary>');
    expect(fields).toContain('marked against `max-drop` 0.02; set `max-field-drop`');
    const headline = body.split('\n').find((line) => line.startsWith('## '));
    expect(headline).toContain('1 regressed · 0 improved · 0 errored · 2 fields regressed');
    // After the documents, before what fell inside them.
    expect(body.indexOf('### Documents')).toBeLessThan(body.indexOf('### Fields'));
  });

  test('a field past max-field-drop: "why it failed" names it, in the comment and in the log', () => {
    const fell = withFields(REFERENCE, CURRENT, { maxFieldDrop: '0.05' });
    const body = renderComment(fell);
    expect(body).toContain('- 1 field dropped by more than `max-field-drop` 0.05: total_amount.');
    expect(body).toContain('Thresholds: `max-drop` 0.02 (2.0 pts here) · `max-field-drop` 0.05');
    expect(section(body, 'Fields')).toContain(
      'A field that fell by more than `max-field-drop` 0.05 fails the check.',
    );
    expect(explainVerdict(fell)).toBe(
      '1 field dropped by more than `max-field-drop` 0.05: total_amount.',
    );
  });

  test('labels of a classifier are labels', () => {
    const body = renderComment(
      withFields(
        [
          ['invoice', 0.96],
          ['receipt', 0.9],
        ],
        [
          ['invoice', 0.97],
          ['receipt', 0.7],
        ],
        { maxFieldDrop: '0.1', kind: 'label' },
      ),
    );
    expect(body).toContain('### Labels');
    expect(body).toContain('| Label | Reference | Current | Δ | Status |');
    expect(body).toContain('1 label dropped by more than `max-field-drop` 0.1: receipt.');
    expect(body).toContain('· 1 label regressed');
  });

  test('different document sets: the table says so, and the headline counts no field', () => {
    const body = renderComment(
      withFields(REFERENCE, CURRENT, { maxFieldDrop: '0.05', comparable: false }),
    );
    expect(section(body, 'Fields')).toContain(
      "**Not compared:** the document sets differ from the reference run's, so each field's agreement is over other documents: shown, never gated (`max-field-drop` does not apply).",
    );
    expect(body).not.toContain('fields regressed');
    expect(body).not.toContain('Why it failed');
  });

  test('no field scores: no section, and the headline as before', () => {
    const body = renderComment(report([row(1, 'a.pdf', 0.9, 0.9)]));
    expect(body).not.toContain('### Fields');
    expect(body).not.toMatch(/fields? regressed/);
  });

  test('the JSON report holds the table, and a report read back renders the same (phase two)', () => {
    const fell = withFields(REFERENCE, CURRENT, { maxFieldDrop: '0.05' });
    const read = parseReport(JSON.stringify(fell));
    expect(read.fields).toEqual(fell.fields);
    expect(renderComment(read)).toBe(renderComment(fell));
  });

  test('a forged table in a report is refused (phase two)', () => {
    const fell = withFields(REFERENCE, CURRENT);
    const forged = { ...fell, fields: { ...fell.fields, rows: [{ name: 'x', status: 'gone' }] } };
    expect(() => parseReport(JSON.stringify(forged))).toThrow(/fields\.rows\.0/);
  });
});

describe('fitting', () => {
  const many = (n: number, score: (i: number) => number): Array<[string, number]> =>
    Array.from({ length: n }, (_, i) => [
      `line_items.*.field_${String(i).padStart(3, '0')}`,
      score(i),
    ]);

  test('500 fields beside 2,000 documents: the comment fits, each table cut with an "N more" line', () => {
    const documents = Array.from({ length: 2_000 }, (_, i) =>
      row(i, `invoice_2026_batch_${String(i).padStart(5, '0')}.pdf`, 0.9, i % 3 ? 0.9 : 0.7),
    );
    const fields = withFields(
      many(500, () => 0.9),
      many(500, (i) => (i % 4 === 0 ? 0.6 + i / 10_000 : 0.9)),
      {},
      documents,
    );
    const body = renderComment(fields);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    const table = section(body, 'Fields');
    const more = /…and ([\d,]+) more fields, left out to fit/.exec(table);
    expect(more).not.toBeNull();
    const shown = rows(table);
    expect(shown.length + Number(more![1]!.replaceAll(',', ''))).toBe(500);
    // The worst first: field_000 fell the most.
    expect(shown[0]?.[0]).toBe('line_items.&#42;.field_000');
    expect(/…and ([\d,]+) more documents/.test(body)).toBe(true);
    expect(new Set(tableShapes(renderGfm(body)).flat())).toEqual(new Set([4, FIELD_COLUMNS]));
    // The job summary holds every field.
    expect(rows(section(renderSummary(fields), 'Fields'))).toHaveLength(500);
  });

  test('500 fields alone fit whole in the comment when their rows are short', () => {
    const body = renderComment(
      withFields(
        Array.from({ length: 500 }, (_, i) => [`f${i}`, 0.9]),
        Array.from({ length: 500 }, (_, i) => [`f${i}`, i % 50 ? 0.9 : 0.5]),
      ),
    );
    expect(rows(section(body, 'Fields'))).toHaveLength(500);
    expect(body).toContain('<summary>490 unchanged fields</summary>');
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  });
});

describe('hostile field names', () => {
  test('render as plain text: no table break, no HTML, no mention, no forged marker', () => {
    const names = [...HOSTILE, '__proto__', 'constructor', ''];
    const fell = withFields(
      names.map((name) => [name, 0.9]),
      names.map((name, i) => [name, i % 2 ? 0.5 : 0.9]),
      { maxFieldDrop: '0.05' },
    );
    const body = renderComment(fell);
    const html = renderGfm(body);
    const fieldTables = tableShapes(renderGfm(section(body, 'Fields')));
    expect(fieldTables.flat()).toHaveLength(names.length + fieldTables.length);
    expect(new Set(fieldTables.flat())).toEqual(new Set([FIELD_COLUMNS]));
    expect(foreignTags(html)).toEqual([]);
    expect(body.match(/<!-- retab-experiment-gate:/g)).toHaveLength(1);
    expect(html.match(/<details>/g)).toHaveLength(2); // unchanged documents, unchanged fields
    expect(html).not.toMatch(/<[^>]*\s(href|src|on\w+)=/i);
    expect(html).not.toMatch(/@[a-z0-9]/i);
    expect(html).not.toMatch(/#\d/);
    expect(html).not.toMatch(/:\/\//);
    // The reason names the five worst, escaped the same way.
    const why = body.slice(body.indexOf('**Why it failed**'), body.indexOf('| |'));
    expect(why).toContain(`${names.filter((_, i) => i % 2).length} fields dropped`);
    expect(foreignTags(renderGfm(why))).toEqual([]);
    // In the log: one line, cut.
    expect(explainVerdict(fell)).not.toMatch(/[\r\n\u202e]/);
    expect(explainVerdict(fell).length).toBeLessThan(1000);
  });
});
