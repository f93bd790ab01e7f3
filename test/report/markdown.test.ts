import { describe, expect, test } from 'vitest';
import { escapeText } from '../../src/report/escape.js';
import { formatCount } from '../../src/report/format.js';
import {
  COMMENT_LIMIT,
  renderComment,
  renderSummary,
  SUMMARY_LIMIT_BYTES,
} from '../../src/report/markdown.js';
import { HOSTILE, report, row } from './fixtures.ts';
import { foreignTags, renderGfm, tableShapes } from './render.ts';

describe('formatCount', () => {
  test('groups thousands with commas, as the comment prints counts', () => {
    expect([0, 7, 999, 1_000, 9_997, 10_000, 1_234_567].map(formatCount)).toEqual([
      '0',
      '7',
      '999',
      '1,000',
      '9,997',
      '10,000',
      '1,234,567',
    ]);
  });
});

describe('escapeText', () => {
  test.each(HOSTILE)('%j renders as plain text', (name) => {
    const html = renderGfm(`| a | b |\n| - | - |\n| ${escapeText(name)} | x |\n`);
    expect(tableShapes(html)).toEqual([[2, 2]]);
    expect(foreignTags(html)).toEqual([]);
    expect(html).not.toMatch(/<[^>]*\s(href|src|on\w+)=|<!--/i);
    // No mention or autolink survives: '@', '#', ':' and 'www.' are always broken up.
    expect(html).not.toMatch(/@[a-z0-9]/i);
    expect(html).not.toMatch(/#\d/);
    expect(html).not.toMatch(/:\/\//);
  });

  test('ordinary filenames stay readable in the raw Markdown', () => {
    expect(escapeText('invoice_2026_q1_001.pdf')).toBe('invoice_2026_q1_001.pdf');
    expect(escapeText('INV-2026-007 (soylent).pdf')).toBe('INV-2026-007 (soylent).pdf');
    expect(escapeText('facture été.pdf')).toBe('facture été.pdf');
  });

  test('an underscore is kept inside a word only: at its edge it could open emphasis', () => {
    expect(escapeText('a_b')).toBe('a_b');
    expect(escapeText('_draft_ invoice.pdf')).toBe('&#95;draft&#95; invoice.pdf');
    expect(escapeText('invoice_.pdf')).toBe('invoice&#95;.pdf');
  });

  test('long names are cut with an ellipsis', () => {
    expect([...escapeText('y'.repeat(500), 50)]).toHaveLength(50);
  });
});

describe('renderComment', () => {
  test('starts with the marker, exactly', () => {
    const body = renderComment(report([row(1, 'a.pdf', 0.9, 0.9)]));
    expect(body.split('\n')[0]).toBe('<!-- retab-experiment-gate:exp_abc -->');
  });

  test('rows keep the verdict order, unchanged rows folded, every table row with the same cells', () => {
    // In the order judge() sorts them (test/gate/verdict.test.ts).
    const docs = [
      row(2, 'worse.pdf', 0.9, 0.5),
      row(4, 'bit-worse.pdf', 0.9, 0.8),
      row(3, 'better.pdf', 0.5, 0.9),
      row(1, 'same.pdf', 0.9, 0.9),
    ];
    const body = renderComment(report(docs));
    const html = renderGfm(body);
    const table = body.slice(body.indexOf('### Documents'));
    expect(table.indexOf('| worse.pdf')).toBeLessThan(table.indexOf('| bit-worse.pdf'));
    expect(table.indexOf('| bit-worse.pdf')).toBeLessThan(table.indexOf('| better.pdf'));
    const details = body.slice(body.indexOf('<details>'), body.indexOf('</details>'));
    expect(details).toContain('same.pdf');
    expect(details).not.toContain('worse.pdf');
    for (const shape of tableShapes(html)) expect(new Set(shape).size).toBe(1);
  });

  test('a hostile corpus renders one row per document, all the same width, and nothing else', () => {
    const docs = HOSTILE.map((name, i) => row(i, name, 0.9, i % 2 ? 0.5 : 0.9));
    const body = renderComment(report(docs));
    const html = renderGfm(body);
    const documentTables = tableShapes(html).filter((shape) => shape[0] === 5);
    expect(documentTables.flat()).toHaveLength(HOSTILE.length + documentTables.length);
    expect(new Set(documentTables.flat())).toEqual(new Set([5]));
    expect(foreignTags(html)).toEqual([]);
    expect(body.match(/<!-- retab-experiment-gate:/g)).toHaveLength(1);
    expect(html.match(/<details>/g)).toHaveLength(1);
  });

  test('10,000 documents fit under the limit with an "N more" line; the summary keeps far more', () => {
    const docs = Array.from({ length: 10_000 }, (_, i) =>
      row(i, `invoice_2026_batch_${String(i).padStart(5, '0')}.pdf`, 0.9, i % 3 ? 0.9 : 0.7),
    );
    const body = renderComment(report(docs));
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    // As many rows as fit: one more row (under 100 characters here) would not.
    expect(body.length).toBeGreaterThan(COMMENT_LIMIT - 100);
    const shown = (body.match(/invoice_2026_batch_/g) ?? []).length;
    const more = /…and ([\d,]+) more documents/.exec(body);
    expect(more).not.toBeNull();
    expect(shown + Number(more![1]!.replaceAll(',', ''))).toBe(10_000);
    // The worst rows are the ones kept.
    expect(body).toContain('invoice_2026_batch_00000.pdf');
    expect(
      tableShapes(renderGfm(body))
        .flat()
        .every((cells) => cells === 5 || cells === 4),
    ).toBe(true);
    const summary = renderSummary(report(docs));
    expect((summary.match(/invoice_2026_batch_/g) ?? []).length).toBeGreaterThan(shown * 5);
  });

  test('the job summary is fitted in bytes, not characters: as many rows as 1 MB holds', () => {
    const docs = Array.from({ length: 10_000 }, (_, i) =>
      row(i, `facture_été_${'é'.repeat(60)}_${String(i).padStart(5, '0')}.pdf`, 0.9, 0.7),
    );
    const summary = renderSummary(report(docs));
    const bytes = Buffer.byteLength(summary);
    expect(bytes).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);
    expect(bytes).toBeGreaterThan(SUMMARY_LIMIT_BYTES - 300); // one more row would not fit
    expect(summary.length).toBeLessThan(bytes * 0.7);
    const shown = (summary.match(/facture_été_/g) ?? []).length;
    const more = /…and ([\d,]+) more documents/.exec(summary);
    expect(shown + Number(more?.[1]?.replaceAll(',', ''))).toBe(10_000);
  });

  test('an error report says why, and never looks like a pass', () => {
    const body = renderComment(
      report([], {
        verdict: 'error',
        error: "Run exprun_2 ended 'failed': <b>boom</b>",
        reasons: [],
        comparison: undefined,
      }),
    );
    expect(body).toContain('⚠️ Experiment gate: error');
    expect(body).toContain('ended');
    expect(renderGfm(body)).not.toContain('<b>');
    expect(body).not.toContain('✅');
  });

  test('a first run says it was judged by min-score alone', () => {
    const body = renderComment(
      report([row(1, 'a.pdf', 0.9, 0.9)], {
        verdict: 'pass',
        previous: undefined,
        referenceKind: undefined,
        comparison: undefined,
        reasons: [],
        thresholds: {
          maxDrop: '0.02',
          minScore: 0.8,
          maxDocumentDrop: undefined,
          confidence: undefined,
        },
      }),
    );
    expect(body).toContain('First run of this experiment');
    expect(body).toContain('`min-score` 0.8 alone');
  });

  test('document sets that differ are named', () => {
    const body = renderComment(
      report([row(1, 'a.pdf', 0.9, 0.9)], {
        documentSets: {
          added: [{ id: 'n', filename: 'new_one.pdf' }],
          removed: [{ id: 'o', filename: 'old_one.pdf' }],
        },
      }),
    );
    expect(body).toContain('Added: new_one.pdf');
    expect(body).toContain('Removed: old_one.pdf');
  });
});
