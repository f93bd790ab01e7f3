import { Buffer } from 'node:buffer';
import { describe, expect, test } from 'vitest';
import { gatherSet, type Candidate } from '../../src/gate/set.js';
import type { Report } from '../../src/report/model.js';
import {
  creditsPerDocument,
  renderSetComment,
  renderSetSummary,
  type SetContext,
} from '../../src/report/set.js';
import { DEFAULT_SHA as SHA } from '../harness/run-action.ts';
import { HOSTILE, report, row } from './fixtures.ts';
import { ALLOWED_TAGS, renderGfm, tableShapes, tagsIn, visibleText } from './render.ts';

const OLD_SHA = 'ffffffffffffffffffffffffffffffffffffffff';
const CONTEXT: SetContext = { header: 'experiments', headSha: SHA, pullRequest: 7 };
const GITHUB_COMMENT_LIMIT = 65_536;
const GITHUB_SUMMARY_LIMIT = 1024 * 1024;

/** An experiment's report: `regressed` of `documents` documents fall 30 points. */
function experiment(id: string, documents = 12, regressed = 0, overrides: Partial<Report> = {}) {
  const rows = Array.from({ length: documents }, (_, i) =>
    row(i, `${id}-invoice-${i}.pdf`, 0.9, i < regressed ? 0.6 : 0.9),
  );
  return report(rows, {
    experimentId: id,
    header: id,
    verdict: regressed > 0 ? 'regression' : 'pass',
    reasons: regressed > 0 ? [{ rule: 'max-document-drop', documents: regressed }] : [],
    comparison: {
      current: 0.9,
      reference: 0.9,
      delta: regressed > 0 ? -0.011 : 0.004,
      likeForLike: false,
      sharedDocuments: documents,
      allowedDrop: 0.02,
    },
    ...overrides,
  });
}

function setOf(reports: Report[], experiments?: string[], more: Candidate<Report>[] = []) {
  const candidates: Candidate<Report>[] = reports.map((r) => ({
    file: `experiment-gate-report-${r.experimentId}/report.json`,
    writtenAt: 0,
    report: r,
  }));
  return gatherSet([...candidates, ...more], CONTEXT, experiments);
}

/** The rows of the set's table (the first table of the Markdown), as cells, as GitHub shows them. */
function setRows(markdown: string): string[][] {
  const block = /^\|.*(?:\n\|.*)*/m.exec(markdown)?.[0] ?? '';
  const html = renderGfm(block);
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<t[dh]>([\s\S]*?)<\/t[dh]>/g)].map((c) => visibleText(c[1]!).trim()),
  );
}

/** Each experiment's folded details: open or not, and its summary. */
function experimentDetails(markdown: string): [boolean, string][] {
  return [...markdown.matchAll(/^<details( open)?><summary>((?:✅|❌|⚠️).*?)<\/summary>/gm)].map(
    (m) => [m[1] === ' open', m[2]!],
  );
}

describe('the comment of several experiments', () => {
  const three = setOf([
    experiment('exp_invoices'),
    experiment('exp_receipts', 12, 2),
    experiment('exp_contracts'),
  ]);

  test('one first line for the set: the worst verdict, the counts, the regressed documents', () => {
    const body = renderSetComment(three, CONTEXT);
    const lines = body.split('\n');
    expect(lines[0]).toBe('<!-- retab-experiment-gate:experiments -->');
    expect(lines.find((l) => l.startsWith('## '))).toBe(
      '## ❌ Experiment gate: regression · 3 experiments: 2 passed, 1 regressed, 0 errored · 2 regressed documents',
    );
  });

  test('one row per experiment: verdict, score, change, regressed documents; the regression first', () => {
    const rows = setRows(renderSetComment(three, CONTEXT));
    expect(rows).toEqual([
      ['Experiment', 'Verdict', 'Score', 'Change', 'Regressed documents'],
      ['exp_receipts', '❌ regression', '0.845', '−1.1 pts vs previous run', '2'],
      ['exp_contracts', '✅ passed', '0.845', '+0.4 pts vs previous run', '0'],
      ['exp_invoices', '✅ passed', '0.845', '+0.4 pts vs previous run', '0'],
    ]);
  });

  test("each experiment's own report folded below, regressions open, passes closed", () => {
    const body = renderSetComment(three, CONTEXT);
    expect(experimentDetails(body)).toEqual([
      [true, '❌ exp_receipts: regression'],
      [false, '✅ exp_contracts: passed'],
      [false, '✅ exp_invoices: passed'],
    ]);
    // Its own headline, one level below the set's, and its documents.
    expect(body).toContain('### ❌ Experiment gate: regression');
    expect(body).toContain('exp_receipts-invoice-0.pdf');
  });

  test('a missing experiment: an error row naming it, and the set is an error', () => {
    const set = setOf([experiment('exp_invoices')], ['exp_invoices', 'exp_receipts']);
    const body = renderSetComment(set, CONTEXT);
    expect(body).toContain(
      '## ⚠️ Experiment gate: error · 2 experiments: 1 passed, 0 regressed, 1 errored',
    );
    expect(setRows(body)[1]).toEqual([
      'exp_receipts',
      '⚠️ error: no report (its job ended before writing one)',
      '—',
      '—',
      '—',
    ]);
  });

  test('a report of another commit is left out, with a line naming its experiment and why', () => {
    const stale = experiment('exp_receipts', 12, 0, {
      pullRequest: { number: 7, headSha: OLD_SHA },
    });
    const set = setOf([experiment('exp_invoices'), stale]);
    const body = renderSetComment(set, CONTEXT);
    expect(setRows(body)).toHaveLength(2);
    expect(body).toContain(
      '- Left out: `exp_receipts` (experiment-gate-report-exp_receipts/report.json): its report was made for commit `fffffff`, not commit `6dcb09b` of pull request #7.',
    );
    expect(body).toContain('## ✅ Experiment gate: passed');
  });

  test('a duplicate: the newest is shown, and a line says there were two', () => {
    const older = experiment('exp_a', 12, 3, {
      run: { ...experiment('x').run!, id: 'exprun_old', createdAt: '2026-05-18T09:00:00Z' },
    });
    const newer = experiment('exp_a', 12, 0, {
      run: { ...experiment('x').run!, id: 'exprun_new', createdAt: '2026-05-18T09:30:00Z' },
    });
    const body = renderSetComment(setOf([newer, older]), CONTEXT);
    expect(body).toContain('- `exp_a`: 2 reports; the newest is shown.');
    expect(body).toContain('`exprun_new`');
    expect(body).not.toContain('`exprun_old`');
  });

  test('credits per document only when some report carries them; "not reported" for the others', () => {
    expect(setRows(renderSetComment(three, CONTEXT))[0]).not.toContain('Credits per document');
    const figure = { reference: null, delta: null, relative: null, documents: 12, of: 12 };
    const costOf = (credits: number | null): Partial<Report> => ({
      cost: {
        credits: {
          ...figure,
          current: credits,
          sampled: false,
          notReported: { current: 0, reference: 0 },
        },
        seconds: { ...figure, current: 3.2, sampled: false },
        judged: false,
        unchecked: [],
        failures: [],
        failedReads: 0,
      },
    });
    const costed = experiment('exp_invoices', 12, 0, costOf(1.24));
    const rows = setRows(renderSetComment(setOf([costed, experiment('exp_receipts')]), CONTEXT));
    expect(rows[0]).toContain('Credits per document');
    expect(rows.slice(1).map((r) => r[5])).toEqual(['1.24', 'not reported']);
    expect(creditsPerDocument(experiment('a', 1, 0, costOf(null)))).toBeUndefined();
  });

  test('hostile text in any report: experiment ids, filenames, errors, file names render as text', () => {
    const reports = HOSTILE.map((text, i) =>
      experiment(`exp_${i}`, 3, i % 2, {
        experimentId: text,
        documents: [row(1, text, 0.9, 0.5), row(2, 'ok.pdf', 0.9, 0.9)],
        ...(i % 3 === 0 ? { verdict: 'error', error: text, reasons: [] } : {}),
      }),
    );
    const unreadable = HOSTILE.map((text) => ({ file: text, problem: text }));
    const set = setOf(
      reports,
      [...HOSTILE.slice(0, 3).map((_, i) => `exp_missing_${i}`)],
      unreadable,
    );
    const markdown = renderSetComment(set, CONTEXT);
    // The summary is the same text, without the comment's hidden lines.
    expect(markdown.endsWith(renderSetSummary(set, CONTEXT))).toBe(true);
    {
      const html = renderGfm(markdown);
      const foreign = [...tagsIn(html)].filter((t) => !ALLOWED_TAGS.has(t) && t !== 'h4');
      expect(foreign).toEqual([]);
      expect(html).not.toMatch(/<[^>]*\s(href|src|on\w+)=/i);
      expect(html).not.toMatch(/@[a-z0-9]/i);
      expect(html).not.toMatch(/:\/\//);
      // Every row of the set's table has the table's width.
      const [setTable] = tableShapes(html);
      expect(new Set(setTable)).toEqual(new Set([5]));
      expect(setTable).toHaveLength(1 + set.rows.length);
      // The marker only where we put it: nothing forges a second one.
      expect(
        markdown.split('\n').filter((l) => l.startsWith('<!-- retab-experiment-gate:')),
      ).toHaveLength(1);
    }
  });
});

describe('fitted to the limits', () => {
  // 20 experiments of 2,000 documents each, 3 of them regressed (150 documents each).
  const big = setOf(
    Array.from({ length: 20 }, (_, i) =>
      experiment(`exp_pipeline_${String(i).padStart(2, '0')}`, 2_000, i % 7 === 0 ? 150 : 0),
    ),
  );
  const sizeOfDetails = (markdown: string, id: string) => {
    const start = markdown.indexOf('<summary>');
    const at = markdown.indexOf(`${id}:`, start);
    const next = markdown.indexOf('\n<details', markdown.indexOf('</summary>', at) + 1);
    return (next < 0 ? markdown.length : next) - at;
  };

  test('20 experiments × 2,000 documents: the comment fits, every row stays, the regressions keep the most', () => {
    const body = renderSetComment(big, CONTEXT);
    expect([...body].length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(setRows(body)).toHaveLength(21);
    const details = experimentDetails(body);
    expect(details.slice(0, 3)).toEqual([
      [true, '❌ exp_pipeline_00: regression'],
      [true, '❌ exp_pipeline_07: regression'],
      [true, '❌ exp_pipeline_14: regression'],
    ]);
    // Each cut inside with its own "N more"; a regression's share is larger than a pass's.
    expect(body).toMatch(/_…and [\d,]+ more documents, left out to fit/);
    expect(sizeOfDetails(body, 'exp_pipeline_00')).toBeGreaterThan(
      3 * sizeOfDetails(body, 'exp_pipeline_01'),
    );
  });

  test('the job summary holds every row and as many details as 1 MiB allows', () => {
    const summary = renderSetSummary(big, CONTEXT);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(GITHUB_SUMMARY_LIMIT);
    expect(Buffer.byteLength(summary)).toBeGreaterThan(GITHUB_SUMMARY_LIMIT * 0.9);
    expect(setRows(summary)).toHaveLength(21);
    expect(experimentDetails(summary)).toHaveLength(20);
  });

  test('when not every experiment can keep its details, the passes lose theirs first, with "N more"', () => {
    const crowd = setOf(
      Array.from({ length: 90 }, (_, i) =>
        experiment(`exp_${String(i).padStart(2, '0')}`, 200, i < 2 ? 20 : 0),
      ),
    );
    const body = renderSetComment(crowd, CONTEXT);
    expect([...body].length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(setRows(body)).toHaveLength(91);
    const details = experimentDetails(body);
    expect(details.length).toBeLessThan(90);
    expect(details.slice(0, 2).map(([open]) => open)).toEqual([true, true]);
    expect(body).toContain(
      `_The details of ${90 - details.length} more experiments are left out to fit; the job summary has them._`,
    );
  });

  test('rows that do not fit even without details are cut from the end, with "N more"', () => {
    const many = setOf(
      Array.from({ length: 256 }, (_, i) =>
        experiment(`exp_${String(i).padStart(3, '0')}_${'x'.repeat(190)}`, 2, 0, {
          verdict: 'error',
          error: `The run failed on Retab: ${'e'.repeat(300)}`,
        }),
      ),
    );
    const body = renderSetComment(many, CONTEXT);
    expect([...body].length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const shown = setRows(body).length - 1;
    expect(shown).toBeGreaterThan(100);
    expect(shown).toBeLessThan(256);
    expect(body).toContain(
      `_…and ${256 - shown} more experiments, left out to fit; the job summary lists every experiment._`,
    );
    expect(experimentDetails(body)).toEqual([]);
    expect(setRows(renderSetSummary(many, CONTEXT))).toHaveLength(257);
  });
});
