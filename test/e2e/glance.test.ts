// The report at a glance, end to end: what fell inside the worst regressed documents (how many
// of their reads overlap is counted in-process: test/retab/values.test.ts), why documents
// errored, added and removed documents, a body written only when it changes and never over a
// newer run's report, the trend, and the first screen. No test reads the clock.
import { afterEach, describe, test } from 'vitest';
import type { ExpectStatic } from 'vitest';
import type { FakeDocument, FakeFieldScore, RecordedRequest } from '../fakes/retab.ts';
import { renderGfm, tableShapes, tagsIn } from '../report/render.ts';
import {
  BASE,
  CONTENT_PATH,
  DOCS,
  MARKER,
  METRICS_PATH,
  NEW_RUN,
  PR,
  closeFakes,
  commentWrites,
  documentRows,
  errorLines,
  gate,
  history,
  markedComments,
  next,
  requestsTo,
  scenario,
  startFakes,
  startRetab,
  pairedScenario,
} from './setup.ts';

/** Each run's content is read once, for its times (and this run's error texts, when any). */
function expectContentOncePerRun(
  expect: ExpectStatic,
  retab: { requests: RecordedRequest[] },
): void {
  const runs = requestsTo(retab, 'GET', CONTENT_PATH).map((r) => r.query.run_id ?? '');
  expect(runs).toContain(NEW_RUN);
  expect(new Set(runs).size).toBe(runs.length);
}

afterEach(closeFakes);

const BOT = 'github-actions[bot]';
const RUN_DATA_PREFIX = '<!-- retab-experiment-gate-run: ';
const BARS = /[▁▂▃▄▅▆▇█]{3,}/u;

/** Mean 0.79: alpha −40 points, bravo −10 (both regressed), charlie +5 (improved). */
const DROPPED = [0.5, 0.75, 0.85, 0.95, 0.9];
/** Mean 0.916: alpha, bravo, charlie and echo improve by 3 to 5 points, delta unchanged. */
const IMPROVED = [0.95, 0.9, 0.85, 0.95, 0.93];

/** A field path that tries every trick a filename can: a pipe, HTML, a mention, a link. */
const HOSTILE_PATH = 'items[0]|<b>price</b> @octocat https://evil.example';

/** alpha's fields: three fell (one of them the hostile path), one held, one rose, one is new. */
const ALPHA_FIELDS: FakeFieldScore[] = [
  { path: 'total_amount', score: 0.2, prior_score: 0.9, value: '1,200.00' },
  { path: 'vendor.name', score: 1, prior_score: 1, value: 'Acme' },
  { path: 'invoice_date', score: 0.9, prior_score: 0.7 },
  { path: 'due_date', score: 0.8, prior_score: null },
  { path: HOSTILE_PATH, score: 0.5, prior_score: 0.8 },
  { path: 'line_items.0.price', score: 0.6, prior_score: 1 },
];

// ---- reading the comment ----

function isByDocument(r: RecordedRequest): boolean {
  return r.method === 'GET' && r.path === METRICS_PATH && r.query.view === 'by_document';
}

function byDocumentCalls(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter(isByDocument);
}

/** Cells of the rows of a GFM table (header and delimiter rows left out). */
function tableRows(markdown: string, firstHeader: string): string[][] {
  const rows: string[][] = [];
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line
      .replace(/^\|\s?/, '')
      .replace(/\s?\|$/, '')
      .split(' | ')
      .map((cell) => cell.trim());
    if (cells[0] === firstHeader || cells.every((cell) => /^:?-+:?$/.test(cell))) continue;
    rows.push(cells);
  }
  return rows;
}

interface FieldBlock {
  /** The text of <summary>. */
  summary: string;
  /** The raw Markdown inside the block, after the summary. */
  inner: string;
  /** [field, reference, current] per row. */
  rows: string[][];
}

/** The collapsed "N fields fell" blocks, in the comment's order. */
function fieldBlocks(markdown: string): FieldBlock[] {
  const blocks: FieldBlock[] = [];
  for (const m of markdown.matchAll(
    /<details><summary>([^\n]*?)<\/summary>\n([\s\S]*?)<\/details>/g,
  )) {
    const summary = m[1] ?? '';
    if (!/\bfields? fell$/.test(summary)) continue;
    const inner = m[2] ?? '';
    blocks.push({ summary, inner, rows: tableRows(inner, 'Field') });
  }
  return blocks;
}

/** The block of one document, by the start of its summary (its filename, then a colon). */
function blockOf(blocks: FieldBlock[], filename: string): FieldBlock | undefined {
  return blocks.find(
    (b) => b.summary.startsWith(filename) && /^ ?:/.test(b.summary.slice(filename.length)),
  );
}

/** What a reader sees of one escaped table cell: GitHub's rendering, as text. */
function renderedCell(cell: string): { text: string; html: string } {
  const html = renderGfm(`| x |\n| - |\n| ${cell} |\n`);
  const td = /<td>([\s\S]*?)<\/td>/.exec(html)?.[1] ?? '';
  const text = td
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\u200b/g, '');
  return { text, html };
}

/** The hidden run line of a comment, parsed; undefined when there is none. */
function runData(body: string): { runId?: unknown; createdAt?: unknown } | undefined {
  const lines = body.split('\n').filter((l) => l.startsWith(RUN_DATA_PREFIX));
  if (lines.length !== 1) return undefined;
  const json = lines[0]!.slice(RUN_DATA_PREFIX.length).replace(/\s*-->\s*$/, '');
  return JSON.parse(json) as { runId?: unknown; createdAt?: unknown };
}

function headline(body: string): string {
  return body.split('\n').find((line) => line.startsWith('#')) ?? '';
}

/** The ```mermaid fenced blocks of a comment. */
function mermaidBlocks(body: string): string[] {
  return [...body.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

/** The series of a Mermaid xychart, one per `line [...]`. */
function chartLines(chart: string): number[][] {
  return [...chart.matchAll(/^\s*line\s*\[([^\]]*)\]/gm)].map((m) =>
    (m[1] ?? '').split(',').map((v) => Number(v.trim())),
  );
}

function expectCloseAll(expect: ExpectStatic, actual: number[], wanted: number[]): void {
  expect(actual).toHaveLength(wanted.length);
  actual.forEach((value, i) => expect(value, `value ${i}`).toBeCloseTo(wanted[i]!, 3));
}

/** Documents `doc_01.pdf`…: plain names, so the tables read back cell by cell. */
function plainDocuments(n: number): FakeDocument[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `expdoc_${i + 1}`,
    filename: `doc_${String(i + 1).padStart(2, '0')}.pdf`,
  }));
}

describe.concurrent('field diffs of regressed documents', () => {
  test('the regressed documents show only the fields that fell', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({
        next: next(DROPPED),
        fieldScores: { expdoc_1: ALPHA_FIELDS },
      }),
    );
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      'run-id': NEW_RUN,
      score: '0.79',
      'previous-score': '0.88',
      delta: '-0.09',
      verdict: 'regression',
      'regressed-documents': '2',
    });
    expect(errorLines(run.stdout)).toHaveLength(1);

    // One by_document read per regressed document (alpha, bravo), against the reference run.
    const reads = byDocumentCalls(fakes.retab.requests);
    expect(reads.map((r) => r.query.document_id).sort()).toEqual(['expdoc_1', 'expdoc_2']);
    for (const read of reads) {
      expect(read.query).toEqual({
        view: 'by_document',
        document_id: read.query.document_id,
        run_id: NEW_RUN,
        prior_run_id: 'exprun_1',
      });
    }
    // No document errored: no content read beyond the one of cost and time.
    expectContentOncePerRun(expect, fakes.retab);

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [comment] = markedComments(fakes.github);
    const body = comment!.body;
    expect(documentRows(body)[0]).toEqual([
      'alpha.pdf',
      '0.900',
      '0.500',
      '−40.0 pts',
      '🔻 regressed',
    ]);

    const blocks = fieldBlocks(body);
    // Worst first: alpha (−40) before bravo (−10); nothing for the documents that did not regress.
    expect(blocks.map((b) => b.summary.replace(/ ?:.*$/, ''))).toEqual(['alpha.pdf', 'bravo.pdf']);
    const alpha = blockOf(blocks, 'alpha.pdf')!;
    expect(alpha.summary).toMatch(/^alpha\.pdf ?: 3 fields fell$/);
    expect(alpha.inner.split('\n')).toContain('| Field | Reference | Current |');
    expect(alpha.rows).toHaveLength(3);
    expect(
      alpha.rows
        .filter((r) => r[0] === 'total_amount' || r[0] === 'line_items.0.price')
        .sort((a, b) => a[0]!.localeCompare(b[0]!)),
    ).toEqual([
      ['line_items.0.price', '1.000', '0.600'],
      ['total_amount', '0.900', '0.200'],
    ]);
    // The hostile path: escaped like a filename, it reads as the same letters and nothing else.
    const hostile = alpha.rows.find(
      (r) => r[0] !== 'total_amount' && r[0] !== 'line_items.0.price',
    );
    expect(hostile, 'the hostile field row').toBeDefined();
    expect(hostile).toHaveLength(3);
    expect(hostile!.slice(1)).toEqual(['0.800', '0.500']);
    expect(hostile![0]).not.toContain('<');
    expect(hostile![0]).not.toContain('|');
    const cell = renderedCell(hostile![0]!);
    expect(cell.text).toBe(HOSTILE_PATH);
    expect([...tagsIn(cell.html)].sort()).toEqual(['table', 'tbody', 'td', 'th', 'thead', 'tr']);
    expect(cell.html).not.toMatch(/<a\b|@[a-z0-9]|:\/\//i);
    // Held, rose, or had no reference score: not listed.
    for (const path of ['vendor.name', 'invoice_date', 'due_date']) {
      expect(alpha.inner).not.toContain(path);
    }

    // bravo has no per-field scores of its own: the API's single total_amount target.
    const bravo = blockOf(blocks, 'bravo.pdf')!;
    expect(bravo.summary).toMatch(/^bravo\.pdf ?: 1 field fell$/);
    expect(bravo.rows).toEqual([['total_amount', '0.850', '0.750']]);

    // Every table of the comment keeps one width per table once rendered.
    for (const shape of tableShapes(renderGfm(body))) expect(new Set(shape).size).toBe(1);
  });

  test('nothing regressed: no by_document read, no field block, each run’s content read once (cost and time)', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({ next: next(IMPROVED), fieldScores: { expdoc_1: ALPHA_FIELDS } }),
    );
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      score: '0.916',
      delta: '0.036',
      verdict: 'pass',
      'regressed-documents': '0',
    });
    expect(byDocumentCalls(fakes.retab.requests)).toEqual([]);
    expectContentOncePerRun(expect, fakes.retab);
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const body = markedComments(fakes.github)[0]!.body;
    expect(fieldBlocks(body)).toEqual([]);
    expect(body).not.toContain('fell');
    const heading = headline(body);
    expect(heading).toContain('✅');
    expect(heading).toContain('+3.6 pts');
    expect(heading).toContain('0 regressed · 4 improved · 0 errored');
  });

  test('15 regressed documents: the 10 worst are read', async (ctx) => {
    const { expect } = ctx;
    const documents = plainDocuments(15);
    // Drops of 3, 6, …, 45 points: doc_06…doc_15 are the 10 worst.
    const reference = documents.map(() => 0.95);
    const current = documents.map((_, i) => Number((0.95 - (i + 1) * 0.03).toFixed(2)));
    const fakes = await startFakes(ctx, pairedScenario(documents, reference, current));
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      verdict: 'regression',
      'regressed-documents': '15',
      score: '0.71',
      'previous-score': '0.95',
      delta: '-0.24',
    });
    const reads = byDocumentCalls(fakes.retab.requests);
    const worst = documents.slice(5).map((d) => d.id);
    expect(reads.map((r) => r.query.document_id).sort()).toEqual([...worst].sort());
    for (const read of reads) {
      expect(read.query).toMatchObject({ run_id: NEW_RUN, prior_run_id: 'exprun_1' });
    }
    expectContentOncePerRun(expect, fakes.retab);

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const body = markedComments(fakes.github)[0]!.body;
    const blocks = fieldBlocks(body);
    // Worst first.
    expect(blocks.map((b) => b.summary)).toEqual(
      documents
        .slice(5)
        .reverse()
        .map((d) =>
          expect.stringMatching(new RegExp(`^${d.filename.replace('.', '\\.')} ?: 1 field fell$`)),
        ),
    );
    expect(blockOf(blocks, 'doc_15.pdf')!.rows).toEqual([['total_amount', '0.950', '0.500']]);
    expect(documentRows(body).filter((r) => r[4] === '🔻 regressed')).toHaveLength(15);
    expect(headline(body)).toContain('15 regressed · 0 improved · 0 errored');
  });
});

describe.concurrent('errored documents', () => {
  test('one content read; the error text, on one line and escaped, is in the Status cell', async (ctx) => {
    const { expect } = ctx;
    const error =
      'Page 3 unreadable | <b>OCR</b> timed out, ask @octocat\n    at ocr.run (worker.js:12)';
    const fakes = await startFakes(
      ctx,
      scenario({
        next: next([0.9, null, 0.8, 0.95, 0.9], { documentErrors: { expdoc_2: error } }),
      }),
    );
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      score: '0.8875',
      'previous-score': '0.88',
      verdict: 'regression',
      'regressed-documents': '1',
    });
    // The one content read of the run serves its error texts and its times alike.
    expectContentOncePerRun(expect, fakes.retab);
    // bravo errored, nothing regressed: no per-field read.
    expect(byDocumentCalls(fakes.retab.requests)).toEqual([]);

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const body = markedComments(fakes.github)[0]!.body;
    const rows = documentRows(body);
    const bravo = rows.find((r) => r[0] === 'bravo.pdf');
    // Still five cells: the pipe in the error did not split the row.
    expect(bravo).toHaveLength(5);
    expect(bravo!.slice(0, 4)).toEqual(['bravo.pdf', '0.850', '—', '—']);
    const status = bravo![4]!;
    expect(status.startsWith('💥 errored: ')).toBe(true);
    expect(status).not.toContain('<');
    const shown = renderedCell(status);
    expect(
      shown.text.startsWith('💥 errored: Page 3 unreadable | <b>OCR</b> timed out, ask @octocat'),
    ).toBe(true);
    expect([...tagsIn(shown.html)].sort()).toEqual(['table', 'tbody', 'td', 'th', 'thead', 'tr']);
    expect(shown.html).not.toMatch(/@[a-z0-9]/i);
    // The other rows keep the plain label.
    expect(rows.filter((r) => r[4]?.startsWith('💥')).map((r) => r[0])).toEqual(['bravo.pdf']);
    expect(headline(body)).toContain('0 regressed · 0 improved · 1 errored');
  });

  test('no errored document: no content read for error texts, each run’s read once for cost and time', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(DROPPED) }));
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('regression');
    expectContentOncePerRun(expect, fakes.retab);
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const body = markedComments(fakes.github)[0]!.body;
    expect(body).not.toContain('💥');
    expect(headline(body)).toContain('2 regressed · 1 improved · 0 errored');
  });
});

describe.concurrent('document sets', () => {
  test('documents added and removed are named, and only shared documents are compared', async (ctx) => {
    const { expect } = ctx;
    const documents = [...DOCS, { id: 'expdoc_6', filename: 'foxtrot.pdf' }];
    // The reference has alpha…echo; the new run bravo…foxtrot, under another fingerprint.
    const reference = Object.fromEntries(DOCS.map((d, i) => [d.id, BASE[i] ?? null]));
    const current: Record<string, number | null> = { ...reference, expdoc_6: 0.9 };
    delete current.expdoc_1;
    const fakes = await startFakes(
      ctx,
      scenario({
        documents,
        history: [
          {
            id: 'exprun_1',
            definitionFingerprint: 'fp_base',
            documentsFingerprint: 'docs_v1',
            scores: reference,
            durationMs: 400,
          },
        ],
        next: {
          definitionFingerprint: 'fp_next',
          documentsFingerprint: 'docs_v2',
          scores: current,
          jobDurationMs: 200,
        },
      }),
    );
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      'run-id': NEW_RUN,
      score: '0.88',
      'previous-score': '0.88',
      delta: '0',
      verdict: 'pass',
      'regressed-documents': '0',
    });
    expect(byDocumentCalls(fakes.retab.requests)).toEqual([]);
    expectContentOncePerRun(expect, fakes.retab);

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const body = markedComments(fakes.github)[0]!.body;
    expect(body).toContain('The document sets differ');
    const lines = body.split('\n');
    expect(lines.filter((l) => l.includes('Added: '))).toEqual([
      expect.stringMatching(/Added: foxtrot\.pdf$/),
    ]);
    expect(lines.filter((l) => l.includes('Removed: '))).toEqual([
      expect.stringMatching(/Removed: alpha\.pdf$/),
    ]);
    const rows = documentRows(body);
    expect(rows.find((r) => r[0] === 'foxtrot.pdf')?.[4]).toBe('🆕 new');
    for (const name of ['bravo.pdf', 'charlie.pdf', 'delta.pdf', 'echo.pdf']) {
      expect(rows.find((r) => r[0] === name)?.[4]).toBe('unchanged');
    }
  });
});

describe.concurrent('writing the comment', () => {
  test('the same report again, from another workflow run, writes nothing', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx);
    const first = await gate(ctx, fakes);
    expect(first.code).toBe(0);
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [created] = fakes.github.comments(PR);

    // Another workflow run (GITHUB_RUN_ID), a fresh Retab with the same data: the same report.
    const retab = await startRetab(ctx, scenario());
    const second = await gate(ctx, { ...fakes, retab }, { env: { GITHUB_RUN_ID: '1235' } });

    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({
      'run-id': NEW_RUN,
      verdict: 'pass',
      'comment-url': created!.html_url,
    });
    // What the second run would write (its summary is the same report, without the comment's
    // two hidden lines), line by line against the comment: a failure shows what changed.
    const summaryBody = (text: string) =>
      text
        .split('\n')
        .filter((l) => !l.startsWith('<!--'))
        .join('\n')
        .trim();
    expect(summaryBody(second.summary)).toBe(summaryBody(first.summary));
    const { posts, patches } = commentWrites(fakes.github);
    expect(posts).toHaveLength(1);
    const patched = (patches[0]?.body as { body?: string } | undefined)?.body;
    expect(patched ?? created!.body, 'the body the second run wrote').toBe(created!.body);
    expect(patches, 'no PATCH for an identical report').toHaveLength(0);
    expect(fakes.github.comments(PR)).toEqual([created]);
  });

  /** Our comment, reporting a run created long after any run of these tests. */
  const NEWER_RUN_COMMENT =
    `${MARKER}\n` +
    `${RUN_DATA_PREFIX}{"runId":"exprun_future","createdAt":"2999-01-01T00:00:00.000Z"} -->\n` +
    'old body';

  test('a comment that reports a newer run is left alone; the verdict is still ours', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(DROPPED) }), {
      comments: [{ issue: PR, body: NEWER_RUN_COMMENT, login: BOT }],
    });
    const [seeded] = fakes.github.comments(PR);
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      'run-id': NEW_RUN,
      verdict: 'regression',
      delta: '-0.09',
      'regressed-documents': '2',
      'comment-url': seeded!.html_url,
    });
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('regression');
    expect(
      run.stdout.split('\n').some((line) => /newer run/i.test(line)),
      'the log says a newer run is already reported',
    ).toBe(true);
    expect(commentWrites(fakes.github)).toEqual({ posts: [], patches: [] });
    expect(fakes.github.comments(PR)).toEqual([seeded]);
  });

  test('an error from an older workflow does not replace the report of a newer run', async (ctx) => {
    const { expect } = ctx;
    // The newer run was created after this workflow started; this one fails before its run.
    const fakes = await startFakes(
      ctx,
      scenario({ faults: { triggerRefusal: 'Quota exceeded' } }),
      {
        comments: [{ issue: PR, body: NEWER_RUN_COMMENT, login: BOT }],
      },
    );
    const [seeded] = fakes.github.comments(PR);
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    expect(errorLines(run.stdout).join('\n')).toContain('Quota exceeded');
    expect(commentWrites(fakes.github)).toEqual({ posts: [], patches: [] });
    expect(fakes.github.comments(PR)).toEqual([seeded]);
  });

  test('an error comment carries the time the gate started, so only an older report is replaced by it', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ faults: { triggerRefusal: 'Quota exceeded' } }));
    const run = await gate(ctx, fakes);

    expect(run.outputs.verdict).toBe('error');
    const [comment] = markedComments(fakes.github);
    expect(comment!.body).toContain('Experiment gate: error');
    const data = runData(comment!.body);
    expect(data?.runId, 'no run was started').toBeUndefined();
    // The gate's own start, as its JSON report holds it: no clock is read here.
    const report = JSON.parse(run.reportText!) as { startedAt?: string; run?: unknown };
    expect(report.run).toBeUndefined();
    expect(data?.createdAt).toBe(report.startedAt);
    expect(new Date(Date.parse(String(data?.createdAt))).toISOString()).toBe(data?.createdAt);
  });

  test('a comment that reports an older run is updated, with this run in its hidden line', async (ctx) => {
    const { expect } = ctx;
    const older =
      `${MARKER}\n` +
      `${RUN_DATA_PREFIX}{"runId":"exprun_past","createdAt":"2000-01-01T00:00:00.000Z"} -->\n` +
      'old body';
    const fakes = await startFakes(ctx, scenario({ next: next(DROPPED) }), {
      comments: [{ issue: PR, body: older, login: BOT }],
    });
    const [seeded] = fakes.github.comments(PR);
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      verdict: 'regression',
      'comment-url': seeded!.html_url,
    });
    const { posts, patches } = commentWrites(fakes.github);
    expect(posts).toHaveLength(0);
    expect(patches.map((p) => p.path)).toEqual([
      `/repos/acme/invoices/issues/comments/${seeded!.id}`,
    ]);
    const [comment] = markedComments(fakes.github);
    expect(comment!.body).not.toContain('old body');
    expect(comment!.body).toContain('Experiment gate: regression');
    const data = runData(comment!.body);
    expect(data, 'one hidden run line').toBeDefined();
    expect(data!.runId).toBe(NEW_RUN);
    expect(typeof data!.createdAt).toBe('string');
    const createdAt = Date.parse(data!.createdAt as string);
    expect(new Date(createdAt).toISOString()).toBe(data!.createdAt);
    // The run's creation as Retab reported it (the JSON report's run), not the older run's.
    const report = JSON.parse(run.reportText!) as { run?: { createdAt?: string } };
    expect(data!.createdAt).toBe(report.run?.createdAt);
    expect(createdAt).toBeGreaterThan(Date.parse('2000-01-01T00:00:00.000Z'));
  });

  test('a new comment carries the hidden run line under the marker', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx);
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const body = markedComments(fakes.github)[0]!.body;
    const [marker, hidden] = body.split('\n');
    expect(marker).toBe(MARKER);
    expect(hidden).toMatch(
      /^<!-- retab-experiment-gate-run: \{"runId":"exprun_new","createdAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\} -->$/,
    );
    // Hidden: once rendered, nothing but HTML comments (which GitHub does not show).
    expect(
      renderGfm(`${marker}\n${hidden}\n`)
        .replace(/<!--[\s\S]*?-->/g, '')
        .trim(),
    ).toBe('');
  });
});

describe.concurrent('trend', () => {
  const RUNS = [
    history('exprun_1', 'fp_a', [0.8, 0.8, 0.8, 0.8, 0.8]),
    history('exprun_2', 'fp_b', [0.85, 0.85, 0.85, 0.85, 0.85]),
    history('exprun_3', 'fp_c', BASE),
  ];

  test('3 completed runs: a Mermaid line chart, and a sparkline on the first screen', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ history: RUNS, next: next(IMPROVED) }));
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      score: '0.916',
      'previous-score': '0.88',
      verdict: 'pass',
    });
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const body = markedComments(fakes.github)[0]!.body;

    const charts = mermaidBlocks(body);
    expect(charts).toHaveLength(1);
    expect(charts[0]!.trimStart().startsWith('xychart-beta')).toBe(true);
    const series = chartLines(charts[0]!);
    expect(series).toHaveLength(1);
    expectCloseAll(expect, series[0]!, [0.8, 0.85, 0.88, 0.916]);

    const firstLines = body.split('\n').slice(0, 5).join('\n');
    expect(firstLines).toMatch(BARS);
    expect(headline(body)).toMatch(BARS);
    // The summary has the same chart.
    expect(mermaidBlocks(run.summary)).toEqual(charts);
  });

  test('with a baseline fingerprint the chart has a second, flat line: the baseline', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ history: RUNS, next: next(IMPROVED) }));
    const run = await gate(ctx, fakes, { inputs: { 'baseline-fingerprint': 'fp_a' } });

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      score: '0.916',
      'baseline-score': '0.8',
      delta: '0.116',
      verdict: 'pass',
    });
    const body = markedComments(fakes.github)[0]!.body;
    const charts = mermaidBlocks(body);
    expect(charts).toHaveLength(1);
    expect(charts[0]).toContain('xychart-beta');
    const series = chartLines(charts[0]!);
    expect(series).toHaveLength(2);
    expectCloseAll(expect, series[0]!, [0.8, 0.85, 0.88, 0.916]);
    expectCloseAll(
      expect,
      series[1]!,
      series[0]!.map(() => 0.8),
    );
    expect(headline(body)).toMatch(BARS);
  });

  test('one earlier run: no chart, no sparkline', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(IMPROVED) }));
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    const body = markedComments(fakes.github)[0]!.body;
    expect(mermaidBlocks(body)).toEqual([]);
    expect(body).not.toContain('xychart-beta');
    expect(body).not.toMatch(/[▁▂▃▄▅▆▇█]/u);
  });
});

describe.concurrent('the first screen', () => {
  test('the first heading has the verdict mark, the change and the document counts', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(DROPPED) }));
    const run = await gate(ctx, fakes, { inputs: { 'max-drop': '0.02' } });

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ verdict: 'regression', delta: '-0.09' });
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const body = markedComments(fakes.github)[0]!.body;
    const heading = headline(body);
    // The first visible line: marker and hidden run line aside, the heading comes first.
    const visible = body.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('<!--'));
    expect(visible[0]).toBe(heading);
    expect(heading).toContain('❌');
    expect(heading).toContain('−9.0 pts');
    expect(heading).toContain('2 regressed · 1 improved · 0 errored');
    expect(heading).not.toContain('✅');
    // The summary opens the same way.
    expect(headline(run.summary)).toBe(heading);
  });
});
