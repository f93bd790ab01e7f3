// How the action talks to Retab, end to end: the API's newer shapes, paging, the trigger's options,
// and the errors that must stop it before anything is paid for.
import { afterEach, describe, test } from 'vitest';
import {
  BASE,
  METRICS_PATH,
  NEW_JOB,
  NEW_RUN,
  RUNS_PATH,
  TRIGGER_PATH,
  closeFakes,
  commentWrites,
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

const FLAT_80 = [0.8, 0.8, 0.8, 0.8, 0.8];
const FLAT_85 = [0.85, 0.85, 0.85, 0.85, 0.85];
/** Mean 0.79: alpha −40 points, bravo −10, charlie +5. */
const DROPPED = [0.5, 0.75, 0.85, 0.95, 0.9];

describe.concurrent('Retab API', () => {
  test('a baseline fingerprint that matches no completed run: error, and no run is started', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({
        history: [
          history('exprun_1', 'fp_old', FLAT_80),
          history('exprun_2', 'fp_mid', BASE),
          history('exprun_3', 'fp_missing', BASE, { status: 'error' }),
        ],
      }),
    );
    const run = await gate(ctx, fakes, { inputs: { 'baseline-fingerprint': 'fp_missing' } });

    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("'fp_missing'");
    expect(errors[0]).toContain('baseline-fingerprint');
    // The newest fingerprints of completed runs, newest first; the failed run's is not one.
    expect(errors[0]).toContain('fp_mid, fp_old');

    // Nothing was paid for.
    expect(requestsTo(fakes.retab, 'POST', TRIGGER_PATH)).toEqual([]);
    expect(fakes.retab.createdRuns()).toBe(0);
    // The PR says so too: an earlier passing comment must not stand for a gate that erred.
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [comment] = markedComments(fakes.github);
    expect(comment?.body).toContain('⚠️ Experiment gate: error');
    expect(comment?.body).toContain('fp_missing');
    expect(run.summary).toContain('Experiment gate: error');
  });

  test('block_execution_fingerprint, the newer field name, finds the baseline', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({
        newFingerprintName: true,
        history: [history('exprun_1', 'fp_old', FLAT_80), history('exprun_2', 'fp_mid', BASE)],
        next: next(FLAT_85),
      }),
    );
    const run = await gate(ctx, fakes, { inputs: { 'baseline-fingerprint': 'fp_old' } });

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      verdict: 'pass',
      score: '0.85',
      'previous-score': '0.88',
      'baseline-score': '0.8',
      delta: '0.05',
    });
    const metrics = requestsTo(fakes.retab, 'GET', METRICS_PATH).filter(
      (r) => r.query.run_id === NEW_RUN,
    );
    expect(metrics.map((r) => r.query.prior_run_id)).toContain('exprun_1');
    const [comment] = markedComments(fakes.github);
    expect(comment!.body).toContain('Baseline `fp_old` (reference)');
    // The run's own fingerprint, read under its newer name, is in the footer.
    expect(comment!.body).toContain('this run: definition `fp_next`');
  });

  test('a job the API does not serve: the action waits on the run and judges it', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ jobNotFound: true, next: next(DROPPED) }));
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      'run-id': NEW_RUN,
      'job-id': NEW_JOB,
      verdict: 'regression',
      score: '0.79',
      delta: '-0.09',
    });
    expect(
      requestsTo(fakes.retab, 'GET', `/v1/workflows/experiments/runs/${NEW_RUN}`).length,
    ).toBeGreaterThan(0);
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    expect(markedComments(fakes.github)[0]!.body).toContain('Experiment gate: regression');
  });

  test('a baseline five runs back is found by following the pages of the run list', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({
        listEnvelope: 'data',
        pageSize: 2,
        history: [
          history('exprun_1', 'fp_target', FLAT_80),
          ...[2, 3, 4, 5, 6].map((n) => history(`exprun_${n}`, `fp_other_${n}`, BASE)),
        ],
        next: next(FLAT_85),
      }),
    );
    const run = await gate(ctx, fakes, { inputs: { 'baseline-fingerprint': 'fp_target' } });

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      verdict: 'pass',
      'baseline-score': '0.8',
      'previous-score': '0.88',
      delta: '0.05',
    });
    // Page by page: newest first, two a page, each page after the last id of the one before.
    expect(requestsTo(fakes.retab, 'GET', RUNS_PATH).map((r) => r.query.after)).toEqual([
      undefined,
      'exprun_5',
      'exprun_3',
    ]);
    const metrics = requestsTo(fakes.retab, 'GET', METRICS_PATH).filter(
      (r) => r.query.run_id === NEW_RUN,
    );
    expect(metrics.map((r) => r.query.prior_run_id)).toContain('exprun_1');
    expect(markedComments(fakes.github)[0]!.body).toContain('Baseline `fp_target` (reference)');
  });

  test('n-consensus and retry-failed-only reach the trigger', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx);
    const run = await gate(ctx, fakes, {
      inputs: { 'n-consensus': '7', 'retry-failed-only': 'true' },
    });

    expect(run.code).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    const triggers = requestsTo(fakes.retab, 'POST', TRIGGER_PATH);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.body).toEqual({ n_consensus: 7, retry_failed_only: true });
    expect(markedComments(fakes.github)[0]!.body).toContain('n_consensus 7');
  });

  test('without those inputs the trigger leaves the experiment its own settings', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx);
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    const triggers = requestsTo(fakes.retab, 'POST', TRIGGER_PATH);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.body ?? {}).toEqual({});
  });

  test('retry-failed-only with nothing to retry: an error that says so', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ retryFailedOnlyConflict: true }));
    const run = await gate(ctx, fakes, { inputs: { 'retry-failed-only': 'true' } });

    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Nothing to retry');
    expect(errors[0]).toContain('retry-failed-only');
    expect(fakes.retab.createdRuns()).toBe(0);
    // The PR is told why the gate could not run.
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    expect(markedComments(fakes.github)[0]?.body).toContain('Nothing to retry');
  });

  test('a bad input: one error naming it, and no request to either service', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx);
    const run = await gate(ctx, fakes, { inputs: { 'max-drop': 'abc' } });

    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("'max-drop'");
    expect(errors[0]).toContain("'abc'");
    expect(fakes.retab.requests).toEqual([]);
    expect(fakes.github.requests).toEqual([]);
  });
});
