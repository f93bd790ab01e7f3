// Extracted values in the comment: outside text from documents, escaped like filenames, cut to a
// readable length, hidden when show-values says so, and the first thing left out to fit.
import { describe, expect, test } from 'vitest';
import { COMMENT_LIMIT, renderComment, renderSummary } from '../../src/report/markdown.js';
import { hideValues, type Report } from '../../src/report/model.js';
import { parseReport } from '../../src/report/schema.js';
import type { FakeFieldScore } from '../fakes/retab.ts';
import { invoiceDocuments } from '../fakes/scenarios.ts';
import { gateInProcess } from '../harness/gate-in-process.ts';
import { next, pairedScenario, scenario } from '../harness/scenario.ts';
import { report, row } from './fixtures.ts';
import { foreignTags, renderGfm, tableShapes, visibleText } from './render.ts';

/** Values a document may hold that try every trick: table breaks, HTML, the marker, mentions, links. */
const HOSTILE: unknown[] = [
  '| a | b |',
  'pipe\\|escaped',
  '<img src=x onerror=alert(1)><script>alert(1)</script>',
  '<!-- retab-experiment-gate:exp_test -->',
  '--> </details> <details open>',
  '@octocat please review',
  '[click](https://evil.example) https://evil.example www.evil.example',
  '![x](https://evil.example/t.png)',
  '**bold** _em_ ~~strike~~ `code`',
  'fixes #1',
  'line\nbreak\r\ttab',
  'A'.repeat(10_240),
  { a: { b: [1, { c: '<b>x</b> | @octocat' }] } },
  'lone \uD800 surrogates \uDC00',
  '\u202Egnp.exe\u202C',
];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One field per hostile value: it is the current value, the next one the reference's. */
const HOSTILE_FIELDS: FakeFieldScore[] = HOSTILE.map((value, i) => {
  const other = HOSTILE[(i + 1) % HOSTILE.length];
  return {
    path: `field_${String(i).padStart(2, '0')}`,
    score: 0.6,
    prior_score: 1,
    value,
    prior_value: other,
    votes: [value, value, other, value, other],
  };
});

/** What a reader sees of one cell: GitHub's rendering, as text. */
function cellText(cell: string): string {
  const html = renderGfm(`| x |\n| - |\n| ${cell} |\n`);
  return visibleText(/<td>([\s\S]*?)<\/td>/.exec(html)?.[1] ?? '');
}

/** The rows of the field tables: [field, reference, current, values, votes]. */
function fieldRows(body: string): string[][] {
  const section = body.slice(body.indexOf('### What fell inside regressed documents'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| field_') || line.startsWith('| f'))
    .map((line) => line.slice(2, -2).split(' | '));
}

async function hostileReport(ctx: Parameters<typeof gateInProcess>[0]): Promise<Report> {
  const gate = await gateInProcess(ctx, {
    scenario: scenario({
      next: next([0.5, 0.85, 0.8, 0.95, 0.9]),
      fieldScores: { expdoc_1: HOSTILE_FIELDS },
    }),
    repositoryPrivate: true,
  });
  expect(gate.verdict).toBe('regression');
  return gate.report;
}

describe('values in the comment', () => {
  test('a hostile value corpus renders as plain text (GFM): no HTML, link, mention, marker or broken table', async (ctx) => {
    const hostile = await hostileReport(ctx);
    const body = renderComment(hostile);
    const html = renderGfm(body);
    expect(foreignTags(html)).toEqual([]);
    expect(html).not.toMatch(/<[^>]*\s(href|src|on\w+)=/i);
    expect(html).not.toMatch(/@[a-z0-9]/i);
    expect(html).not.toMatch(/:\/\//);
    expect(html).not.toMatch(/#\d/);
    // The marker once, and the hidden run line: nothing else hides in an HTML comment.
    expect(body.match(/<!-- retab-experiment-gate:/g)).toHaveLength(1);
    expect(html.match(/<!--/g)).toHaveLength(2);
    for (const shape of tableShapes(html)) expect(new Set(shape).size).toBe(1);

    const rows = fieldRows(body);
    expect(rows).toHaveLength(HOSTILE.length);
    for (const cells of rows) expect(cells).toHaveLength(5);
    const byPath = new Map(rows.map((cells) => [cells[0], cells]));
    // Strings as they are (whitespace as spaces), objects as compact JSON, read back cell by cell.
    const shown = (i: number) => cellText(byPath.get(`field_${String(i).padStart(2, '0')}`)![3]!);
    expect(shown(0)).toBe('pipe\\|escaped → | a | b |');
    expect(shown(2)).toBe(
      '<!-- retab-experiment-gate:exp_test --> → <img src=x onerror=alert(1)><script>alert(1)</script>',
    );
    const link = HOSTILE[6] as string;
    expect(shown(5)).toBe(`${link.slice(0, 59)}… (67 characters) → @octocat please review`);
    expect(shown(12)).toBe(
      'lone \uFFFD surrogates \uFFFD → {"a":{"b":[1,{"c":"<b>x</b> | @octocat"}]}}',
    );
    // 10,240 characters: cut to 60 with "…", and the full length said.
    expect(shown(10)).toBe(`${'A'.repeat(59)}… (10,240 characters) → line break tab`);
    // Votes: each distinct value with its count, most voted first.
    expect(cellText(byPath.get('field_06')![4]!)).toBe(
      `${link.slice(0, 59)}… (67 characters) ×3 · ![x](https://evil.example/t.png) ×2`,
    );
    // No lone surrogate reaches GitHub, the summary or the JSON report.
    expect(body).not.toMatch(LONE_SURROGATE);
    expect(renderSummary(hostile)).not.toMatch(LONE_SURROGATE);
    expect(JSON.stringify(hostile)).not.toMatch(LONE_SURROGATE);
  });

  test('phase two: the JSON report parses with its values and renders the same comment; hidden, they are gone', async (ctx) => {
    const hostile = await hostileReport(ctx);
    const parsed = parseReport(JSON.stringify(hostile, null, 2));
    expect(renderComment(parsed)).toBe(renderComment(hostile));

    const hidden = hideValues(parsed, 'public');
    expect(JSON.stringify(hidden)).not.toContain('"values"');
    const body = renderComment(hidden);
    expect(body).toContain(
      '_Extracted values are hidden: the repository is public (`show-values: auto`); `show-values: true` shows them._',
    );
    expect(body).not.toContain('octocat please review');
    expect(body).not.toContain('→');
    expect(fieldRows(body).every((cells) => cells.length === 3)).toBe(true);
  });

  test('values are left out before any row, the least regressed document’s first, and a line says so', () => {
    const long = { text: 'B'.repeat(200), length: 4_000 };
    const votes = Array.from({ length: 7 }, (_, i) => ({
      value: { text: `${i}${'C'.repeat(199)}`, length: 900 },
      count: 1,
    }));
    const docs = Array.from({ length: 10 }, (_, i) => row(i, `doc_${i}.pdf`, 0.9, 0.5 + i * 0.01));
    const fieldChanges = docs.map((d) => ({
      documentId: d.id,
      filename: d.filename,
      fields: Array.from({ length: 15 }, (_, j) => ({
        path: `f${j}`,
        reference: 1,
        current: 0.5,
        values: { reference: long, current: long, votes },
      })),
      more: 0,
    }));
    const full = report(docs, { fieldChanges });
    const body = renderComment(full);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    // Every row is kept.
    expect(body).not.toContain('more document');
    for (const d of docs) expect(body).toContain(`| ${d.filename} |`);
    const left = /_Extracted values of (\d+) documents are left out to fit/.exec(body);
    expect(left).not.toBeNull();
    const kept = 10 - Number(left![1]);
    expect(kept).toBeGreaterThan(0);
    // The worst documents keep theirs.
    const blocks = body.split('<details><summary>doc_').slice(1);
    blocks.forEach((block, i) => {
      expect(block.includes('Values (reference → current)'), `doc_${i}`).toBe(i < kept);
    });
    // The job summary has room for all of them.
    const summary = renderSummary(full);
    expect(summary).not.toContain('left out to fit');
    expect(summary.match(/Values \(reference → current\)/g)).toHaveLength(10);
  });

  test('a 10,000-document run with 10 listed documents stays within the comment limit', async (ctx) => {
    const documents = invoiceDocuments(10_000);
    const fields: FakeFieldScore[] = ['total_amount', 'vendor.name', 'tax.amount'].map((path) => ({
      path,
      score: 0.4,
      prior_score: 1,
      value: `${path} now`,
      prior_value: `${path} before`,
      votes: [`${path} now`, `${path} now`, `${path} then`, `${path} now`, `${path} then`],
    }));
    const fell = documents.slice(0, 12);
    const gate = await gateInProcess(ctx, {
      scenario: pairedScenario(
        documents,
        documents.map(() => 0.9),
        documents.map((_, i) => (i < fell.length ? 0.5 : 0.9)),
        {
          dialect: 'current',
          fieldScores: Object.fromEntries(fell.map((d) => [d.id, fields])),
        },
      ),
      inputs: { 'max-document-drop': '0.10' },
      repositoryPrivate: true,
    });
    expect(gate.verdict).toBe('regression');
    expect(gate.report.fieldChanges).toHaveLength(10);
    // Never the whole list of results (100 pages a run): only the first 5 pages of cost and time.
    const listed = gate.retab.requests.filter((r) => r.path.endsWith('/results'));
    for (const run of ['exprun_1', 'exprun_new']) {
      expect(listed.filter((r) => r.query.run_id === run)).toHaveLength(5);
    }
    expect(listed).toHaveLength(10);
    const body = renderComment(gate.report);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain('more documents, left out to fit');
    // The rule: values go before rows. 9,988 unchanged rows never all fit, so none is shown here...
    expect(body).toContain('_Extracted values of 10 documents are left out to fit');
    // ...and the summary, which holds every row, shows them.
    const summary = renderSummary(gate.report);
    expect(summary.match(/total&#95;amount now|total_amount now/g)?.length).toBeGreaterThanOrEqual(
      10,
    );
  });
});
