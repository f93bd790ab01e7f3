// The verdicts end to end: dist/index.js against local fakes of Retab and GitHub, judged by what a
// user sees (exit code, outputs, the PR comment, the report file).
import { afterEach, describe, test } from 'vitest';
import {
  BASE,
  DIALECTS,
  DOCS,
  MARKER,
  METRICS_PATH,
  NEW_JOB,
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
} from './setup.ts';

afterEach(closeFakes);

/** Mean 0.916: alpha, bravo, charlie and echo improve by 3 to 5 points, delta unchanged. */
const IMPROVED = [0.95, 0.9, 0.85, 0.95, 0.93];
/** Mean 0.79: alpha −40 points, bravo −10, charlie +5. */
const DROPPED = [0.5, 0.75, 0.85, 0.95, 0.9];

describe.concurrent('verdict', () => {
  test('an improvement passes, sets every output and creates exactly one comment', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(IMPROVED) }));
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(errorLines(run.stdout)).toEqual([]);
    const comments = fakes.github.comments(PR);
    expect(comments).toHaveLength(1);
    const comment = comments[0]!;
    expect(run.outputs).toMatchObject({
      'run-id': NEW_RUN,
      'job-id': NEW_JOB,
      score: '0.916',
      'previous-score': '0.88',
      'baseline-score': '',
      delta: '0.036',
      verdict: 'pass',
      'regressed-documents': '0',
      'comment-url': comment.html_url,
      reused: 'false',
    });

    const { posts, patches } = commentWrites(fakes.github);
    expect(posts).toHaveLength(1);
    expect(patches).toHaveLength(0);
    expect(comment.body.split('\n', 1)[0]).toBe(MARKER);
    expect(comment.body).toContain('Experiment gate: passed');
    expect(comment.body).toContain(`\`${NEW_RUN}\``);
    const rows = documentRows(comment.body);
    expect(rows.map((row) => row[0]).sort()).toEqual(DOCS.map((d) => d.filename).sort());
    expect(rows.find((row) => row[0] === 'alpha.pdf')).toEqual([
      'alpha.pdf',
      '0.900',
      '0.950',
      '+5.0 pts',
      '🔺 improved',
    ]);

    // The JSON report holds the whole run, every document included.
    expect(run.reportText).toBeDefined();
    const report = JSON.parse(run.reportText!) as {
      verdict: string;
      run: { id: string; jobId: string; score: number };
      documents: Array<{ id: string; filename: string; score: number | null }>;
    };
    expect(report.verdict).toBe('pass');
    expect(report.run).toMatchObject({ id: NEW_RUN, jobId: NEW_JOB, score: 0.916 });
    expect(report.documents.map((d) => d.id).sort()).toEqual(DOCS.map((d) => d.id).sort());
    expect(report.documents.find((d) => d.id === 'expdoc_1')).toMatchObject({
      filename: 'alpha.pdf',
      score: 0.95,
    });

    // The summary is the same report.
    expect(documentRows(run.summary)).toEqual(rows);
  });

  test('a drop past max-drop fails, still comments, and lists the worst document first', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(DROPPED) }));
    const run = await gate(ctx, fakes, { inputs: { 'max-drop': '0.02' } });

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      score: '0.79',
      'previous-score': '0.88',
      delta: '-0.09',
      verdict: 'regression',
      'regressed-documents': '2',
    });
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('regression');
    expect(errors[0]).toContain('max-drop');

    const { posts, patches } = commentWrites(fakes.github);
    expect(posts).toHaveLength(1);
    expect(patches).toHaveLength(0);
    const [comment] = markedComments(fakes.github);
    expect(comment).toBeDefined();
    expect(run.outputs['comment-url']).toBe(comment!.html_url);
    expect(comment!.body).toContain('Experiment gate: regression');
    expect(comment!.body).toContain('`max-drop` 0.02');
    const rows = documentRows(comment!.body);
    expect(rows[0]).toEqual(['alpha.pdf', '0.900', '0.500', '−40.0 pts', '🔻 regressed']);
    expect(rows[1]?.[0]).toBe('bravo.pdf');
    expect(rows[1]?.[4]).toBe('🔻 regressed');
  });

  test('a baseline fingerprint makes an older run the reference', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({
        history: [
          history('exprun_1', 'fp_old', [0.8, 0.8, 0.8, 0.8, 0.8]),
          history('exprun_2', 'fp_mid', BASE),
        ],
        next: next([0.85, 0.85, 0.85, 0.85, 0.85]),
      }),
    );
    const run = await gate(ctx, fakes, { inputs: { 'baseline-fingerprint': 'fp_old' } });

    // 3 points below the previous run, but 5 above the baseline: the baseline decides.
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      score: '0.85',
      'previous-score': '0.88',
      'baseline-score': '0.8',
      delta: '0.05',
      verdict: 'pass',
    });
    const metrics = requestsTo(fakes.retab, 'GET', METRICS_PATH).filter(
      (r) => r.query.run_id === NEW_RUN,
    );
    expect(metrics.length).toBeGreaterThan(0);
    for (const request of metrics) expect(request.query.prior_run_id).toBe('exprun_1');

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [comment] = markedComments(fakes.github);
    expect(comment!.body).toContain('Baseline `fp_old` (reference)');
    expect(comment!.body).toContain('`exprun_1`');
    expect(documentRows(comment!.body).find((row) => row[0] === 'alpha.pdf')).toEqual([
      'alpha.pdf',
      '0.800',
      '0.850',
      '+5.0 pts',
      '🔺 improved',
    ]);
  });

  test('a failed job is an error that carries the job error message', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({
        next: next(BASE, {
          terminalStatus: 'failed',
          jobError: { code: 'quota_exceeded', message: 'Model quota exceeded for this workspace' },
        }),
      }),
    );
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      'run-id': NEW_RUN,
      'job-id': NEW_JOB,
      score: '',
      delta: '',
      verdict: 'error',
    });
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Model quota exceeded for this workspace');

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [comment] = markedComments(fakes.github);
    expect(comment!.body).toContain('Experiment gate: error');
    expect(comment!.body).toContain('Model quota exceeded for this workspace');
    expect(comment!.body).not.toContain('passed');
  });

  // The rest of the reuse is tested in-process (test/retab/gather.test.ts); here, the output.
  test.for(DIALECTS)(
    'fresh results reused, the %s API: no new run, the output reused is true',
    async (dialect, ctx) => {
      const { expect } = ctx;
      const fakes = await startFakes(
        ctx,
        scenario({
          dialect,
          reuseFreshResults: true,
          history: [history('exprun_1', 'fp_base', BASE), history('exprun_2', 'fp_next', IMPROVED)],
        }),
      );
      const run = await gate(ctx, fakes);

      expect(run.code).toBe(0);
      expect(fakes.retab.createdRuns()).toBe(0);
      expect(run.outputs).toMatchObject({
        reused: 'true',
        'run-id': 'exprun_2',
        'job-id': '',
        score: '0.916',
        'previous-score': '0.88',
        verdict: 'pass',
      });
      const [comment] = markedComments(fakes.github);
      expect(comment!.body).toContain('run `exprun_2` (reused: ');
    },
  );

  test('a first run passes with no previous score and no delta', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ history: [], next: next(IMPROVED) }));
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      'run-id': NEW_RUN,
      score: '0.916',
      'previous-score': '',
      'baseline-score': '',
      delta: '',
      verdict: 'pass',
      'regressed-documents': '0',
    });
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [comment] = markedComments(fakes.github);
    expect(comment!.body).toContain('Experiment gate: passed');
    expect(comment!.body).toContain('First run of this experiment');
    expect(documentRows(comment!.body).map((row) => row[4])).toEqual(Array(5).fill('🆕 new'));
  });

  test('a first run below min-score is a regression that names min-score', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ history: [], next: next(IMPROVED) }));
    const run = await gate(ctx, fakes, { inputs: { 'min-score': '0.95' } });

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      score: '0.916',
      'previous-score': '',
      delta: '',
      verdict: 'regression',
    });
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('min-score');
    expect(errors[0]).toContain('0.95');

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [comment] = markedComments(fakes.github);
    expect(comment!.body).toContain('Experiment gate: regression');
    expect(comment!.body).toContain('below `min-score` 0.95');
  });

  test('a document that had a score and errored now is a regression', async (ctx) => {
    const { expect } = ctx;
    // The run's score rises (the errored document no longer weighs): only the error can fail it.
    const fakes = await startFakes(ctx, scenario({ next: next([0.9, null, 0.8, 0.95, 0.9]) }));
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      score: '0.8875',
      'previous-score': '0.88',
      delta: '0.0075',
      verdict: 'regression',
      'regressed-documents': '1',
    });
    expect(errorLines(run.stdout)[0]).toContain('errored');

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [comment] = markedComments(fakes.github);
    const rows = documentRows(comment!.body);
    // The fake's default error text of a failed document, from the run's content.
    expect(rows[0]).toEqual(['bravo.pdf', '0.850', '—', '—', '💥 errored: Extraction failed']);
    expect(comment!.body).toContain('errored in this one');
  });
});
