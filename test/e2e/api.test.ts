// How the action talks to Retab, end to end: the API's newer shapes, the trigger's options, and
// the errors that must stop it before anything is paid for. Paging, a job the API does not serve,
// the trigger's body and a retry with nothing to retry are tested in-process
// (test/retab/gather.test.ts).
import { afterEach, describe, test } from 'vitest';
import {
  BASE,
  METRICS_PATH,
  NEW_RUN,
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
