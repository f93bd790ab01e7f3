// Failure handling: flaky networks, lost trigger answers, timeouts, cancellation,
// malformed answers, refused or flaky GitHub, bad inputs. Never a wrong verdict, never a
// second paid run, never the key in sight.
import { afterEach, describe, expect, test } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { RetabEndpoint } from '../fakes/retab.ts';
import { runAction } from '../harness/run-action.ts';
import { foreignTags, renderGfm, tableShapes } from '../report/render.ts';
import {
  API_KEY,
  BASE,
  closeFakes,
  commentWrites,
  errorLines,
  gate,
  GITHUB_TOKEN,
  history,
  markedComments,
  next,
  NEW_JOB,
  NEW_RUN,
  scenario,
  startFakes,
  warningLines,
} from './setup.ts';

afterEach(closeFakes);

const DROP = BASE.map((s, i) => (i === 0 ? s - 0.3 : s)); // mean −6 points

describe.concurrent('flaky Retab: 20 seeded runs', () => {
  // Every read has a 20% chance of a 5xx and 10% of a 429; the first trigger loses its
  // answer in one of three ways, and the API ignores Idempotency-Key, so only the action's
  // own care can keep it to one run.
  const TRAPS = [
    { triggerReset: 'after' },
    { triggerReset: 'before' },
    { triggerLostAnswer: true },
  ] as const;
  test.for(Array.from({ length: 20 }, (_, i) => i + 1))('seed %i', async (seed, ctx) => {
    const regress = seed % 2 === 0;
    const fakes = await startFakes(
      ctx,
      scenario({
        next: next(regress ? DROP : BASE, { jobDurationMs: 300 }),
        faults: {
          seed,
          serverErrorRate: 0.2,
          rateLimitRate: 0.1,
          ignoreIdempotencyKey: true,
          ...TRAPS[seed % 3],
        },
      }),
    );
    const run = await gate(ctx, fakes);
    expect(fakes.retab.createdRuns(), 'runs created').toBe(1);
    expect(run.outputs.verdict).toBe(regress ? 'regression' : 'pass');
    expect(run.code).toBe(regress ? 1 : 0);
    expect(Number(run.outputs.delta)).toBeCloseTo(regress ? -0.06 : 0, 4);
  });
});

describe.concurrent('the run is cancelled when the gate stops following it', () => {
  test('timeout: the run is cancelled, the step fails with how far it got', async (ctx) => {
    const fakes = await startFakes(ctx, scenario({ next: next(BASE, { jobDurationMs: 120_000 }) }));
    const run = await gate(ctx, fakes, { inputs: { timeout: '10s' } });
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    const [error] = errorLines(run.stdout);
    expect(error).toContain("Timed out after 10 s (input 'timeout')");
    expect(error).toContain(NEW_RUN);
    expect(error).toMatch(/\d\/5 documents were done/);
    expect(error).toContain('the run was cancelled on Retab');
    expect(fakes.retab.cancelled()).toContain(NEW_JOB);
    const trigger = fakes.retab.requests.find((r) => r.path.endsWith('/run'))!;
    const cancel = fakes.retab.requests.find((r) => r.path.endsWith('/cancel'))!;
    expect(cancel.at - trigger.at, 'cancel within 5 s of the timeout').toBeLessThan(15_000);
  });

  test('SIGINT (workflow cancelled): the run is cancelled and the step exits in the grace period', async (ctx) => {
    const fakes = await startFakes(ctx, scenario({ next: next(BASE, { jobDurationMs: 120_000 }) }));
    let child: ChildProcess | undefined;
    const running = runAction({
      inputs: {
        'api-key': API_KEY,
        'workflow-id': 'wf_test',
        'experiment-id': 'exp_test',
        'api-base-url': fakes.retab.url,
        'github-token': GITHUB_TOKEN,
      },
      githubApiUrl: fakes.github.url,
      onSpawn: (c) => (child = c),
    });
    // Wait for the trigger, then cancel the workflow as the runner does.
    for (let i = 0; i < 200 && !fakes.retab.requests.some((r) => r.path.endsWith('/run')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const signalledAt = Date.now();
    child!.kill('SIGINT');
    const run = await running;
    const exitedAfter = Date.now() - signalledAt;
    expect(run.code).toBe(1);
    expect(fakes.retab.cancelled()).toContain(NEW_JOB);
    const cancel = fakes.retab.requests.find((r) => r.path.endsWith('/cancel'))!;
    expect(cancel.at - signalledAt, 'cancel within 5 s').toBeLessThan(5_000);
    expect(exitedAfter, 'exit before the runner sends SIGTERM (7.5 s)').toBeLessThan(7_500);
    expect(run.stdout).toContain('Received SIGINT');
    expect(run.stdout.replaceAll(`::add-mask::${API_KEY}`, '')).not.toContain(API_KEY);
  });
});

describe('a runner the action cannot write to', () => {
  test('an unwritable GITHUB_OUTPUT: one error saying so, exit 1, and no run started', async (ctx) => {
    const fakes = await startFakes(ctx);
    const run = await gate(ctx, fakes, { env: { GITHUB_OUTPUT: '/nonexistent/dir/output' } });
    expect(run.code).toBe(1);
    expect(run.signal).toBeNull();
    expect(errorLines(run.stdout)).toEqual([
      expect.stringContaining(
        'experiment-gate could not run: Error: Missing file at path: /nonexistent/dir/output',
      ),
    ]);
    expect(fakes.retab.createdRuns()).toBe(0);
  });
});

describe.concurrent('malformed answers give an error naming the endpoint and the fields', () => {
  const CASES: Array<[RetabEndpoint, string, string]> = [
    ['runs', '/v1/workflows/wf_test/experiments/exp_test/runs', 'runs'],
    ['run', '/v1/workflows/experiments/runs/exprun_new', 'lifecycle'],
    ['metrics', '/v1/workflows/wf_test/experiments/exp_test/metrics', 'documents.0.score'],
  ];
  test.for(CASES)('%s', async ([endpoint, path, field], ctx) => {
    const fakes = await startFakes(ctx, scenario({ faults: { malformed: endpoint } }));
    const run = await gate(ctx, fakes);
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    const [error] = errorLines(run.stdout);
    expect(error).toContain(path);
    expect(error).toContain(field);
    expect(error).toContain('x-request-id req_');
    // Nothing is left running: a run we cannot follow is cancelled; none is started on a bad list.
    if (endpoint === 'runs') expect(fakes.retab.createdRuns()).toBe(0);
    if (endpoint === 'run') expect(fakes.retab.cancelled()).toContain(NEW_JOB);
  });
});

describe.concurrent('metrics right after completion', () => {
  test('not ready twice, then ready: judged normally', async (ctx) => {
    const fakes = await startFakes(ctx, scenario({ metricsNotReadyCount: 2 }));
    const run = await gate(ctx, fakes);
    expect(run.code).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
  });

  test('never ready: an error after a bounded number of tries, never a pass', async (ctx) => {
    const fakes = await startFakes(ctx, scenario({ metricsNotReadyCount: 1000 }));
    const run = await gate(ctx, fakes);
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('error');
    expect(errorLines(run.stdout)[0]).toContain('no_metrics');
    const metricsCalls = fakes.retab.requests.filter((r) => r.path.endsWith('/metrics'));
    // A bounded wait (30 s, back-off from 0.5 s): a handful of calls, then the error.
    expect(metricsCalls.length).toBeLessThanOrEqual(8);
  });
});

describe.concurrent('GitHub', () => {
  test('a refused comment is a warning with the fix; the result follows the verdict', async (ctx) => {
    const fakes = await startFakes(ctx, scenario(), { refuseWrites: true });
    const run = await gate(ctx, fakes);
    expect(run.code).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs['comment-url']).toBe('');
    const [warning] = warningLines(run.stdout);
    expect(warning).toContain('Resource not accessible by integration');
    expect(warning).toContain('pull-requests: write');
    expect(run.summary).toContain('Experiment gate: passed');
  });

  test('a refused comment does not hide a regression', async (ctx) => {
    const fakes = await startFakes(ctx, scenario({ next: next(DROP) }), { refuseWrites: true });
    const run = await gate(ctx, fakes);
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('regression');
  });

  test('5xx and secondary rate limits are retried, and the comment is written once', async (ctx) => {
    const fakes = await startFakes(ctx, scenario(), { serverErrors: 2, secondaryRateLimits: 1 });
    const run = await gate(ctx, fakes);
    expect(run.code).toBe(0);
    expect(markedComments(fakes.github)).toHaveLength(1);
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    expect(run.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
  });
});

describe.concurrent('bad inputs: one error naming the input, before any request', () => {
  const CASES: Array<[Record<string, string>, string]> = [
    [{ 'api-key': '' }, 'api-key'],
    [{ 'workflow-id': '' }, 'workflow-id'],
    [{ 'experiment-id': '' }, 'experiment-id'],
    [{ 'workflow-id': 'wf/../../admin' }, 'workflow-id'],
    [{ 'n-consensus': '4' }, 'n-consensus'],
    [{ 'max-drop': 'abc' }, 'max-drop'],
    [{ 'max-drop': '-0.02' }, 'max-drop'],
    [{ 'max-drop': '101%' }, 'max-drop'],
    [{ 'max-drop': '1.5' }, 'max-drop'],
    [{ 'max-document-drop': 'x%' }, 'max-document-drop'],
    [{ 'min-score': '2' }, 'min-score'],
    [{ timeout: 'forever' }, 'timeout'],
    [{ 'api-base-url': 'http://api.retab.com' }, 'api-base-url'],
    [{ 'api-base-url': 'retab' }, 'api-base-url'],
    [{ 'fail-on-regression': 'nope' }, 'fail-on-regression'],
    [{ comment: 'yes' }, 'comment'],
    [{ 'retry-failed-only': 'maybe' }, 'retry-failed-only'],
    [{ 'baseline-fingerprint': 'has space' }, 'baseline-fingerprint'],
    [{ 'comment-header': 'a --> b' }, 'comment-header'],
    // The key pasted into the wrong input: named, refused, and not echoed back.
    [{ 'max-drop': API_KEY }, 'max-drop'],
  ];
  test.for(CASES)('%o', async ([bad, name], ctx) => {
    const fakes = await startFakes(ctx);
    const run = await runAction({
      inputs: {
        'api-key': API_KEY,
        'workflow-id': 'wf_test',
        'experiment-id': 'exp_test',
        'api-base-url': fakes.retab.url,
        'github-token': GITHUB_TOKEN,
        ...bad,
      },
      githubApiUrl: fakes.github.url,
    });
    expect(run.code).toBe(1);
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`Input '${name}'`);
    expect(errors[0]!.split('%0A')).toHaveLength(1);
    expect(fakes.retab.requests).toEqual([]);
    expect(fakes.github.requests).toEqual([]);
    expect(run.stdout.replaceAll(`::add-mask::${API_KEY}`, '')).not.toContain(API_KEY);
    expect(run.outputs.verdict).toBe('error');
  });
});

test('history runs keep a verdict after a retried trigger: the previous run is found', async (ctx) => {
  const fakes = await startFakes(
    ctx,
    scenario({
      history: [history('exprun_0', 'fp_old', BASE), history('exprun_1', 'fp_base', BASE)],
      next: next(DROP),
      faults: { triggerReset: 'after', ignoreIdempotencyKey: true },
    }),
  );
  const run = await gate(ctx, fakes);
  expect(fakes.retab.createdRuns()).toBe(1);
  expect(run.outputs['previous-score']).toBe('0.88');
  expect(run.outputs.verdict).toBe('regression');
});

test('hostile filenames from Retab cannot break the comment', async (ctx) => {
  const names = [
    'a|b.pdf',
    '<img src=x onerror=alert(1)>.png',
    '<!-- retab-experiment-gate:exp_test -->',
    '@octocat.pdf',
    '[x](javascript:alert(1))',
  ];
  const documents = names.map((filename, i) => ({ id: `expdoc_${i + 1}`, filename }));
  const fakes = await startFakes(ctx, scenario({ documents }));
  const run = await gate(ctx, fakes);
  expect(run.outputs.verdict).toBe('pass');
  const [comment] = markedComments(fakes.github);
  const html = renderGfm(comment!.body);
  const documentTables = tableShapes(html).filter((shape) => shape[0] === 5);
  expect(documentTables.flat()).toEqual(Array(names.length + documentTables.length).fill(5));
  expect(foreignTags(html)).toEqual([]);
  expect(comment!.body.match(/<!-- retab-experiment-gate:/g)).toHaveLength(1);
  expect(html).not.toMatch(/@[a-z0-9]/i);
});

test('an API error that echoes the key does not carry it to the PR, the summary or the report', async (ctx) => {
  const fakes = await startFakes(
    ctx,
    scenario({ faults: { triggerRefusal: `Key ${API_KEY} may not run experiments` } }),
  );
  // gate() asserts that the key is in none of stdout, outputs, summary, report or comment.
  const run = await gate(ctx, fakes);
  expect(run.code).toBe(1);
  expect(run.outputs.verdict).toBe('error');
  const [comment] = markedComments(fakes.github);
  expect(comment?.body).toContain('Key *** may not run experiments');
  expect(errorLines(run.stdout)[0]).toContain('HTTP 400');
});

test('a lost trigger answer while another workflow started a run too: neither is guessed at', async (ctx) => {
  const fakes = await startFakes(
    ctx,
    scenario({ faults: { triggerReset: 'after', concurrentTrigger: true } }),
  );
  const run = await gate(ctx, fakes);
  // Two new runs: no telling which is ours, so the trigger is sent again with the same
  // Idempotency-Key, and the API answers with our own run.
  expect(run.outputs['run-id']).toBe(NEW_RUN);
  expect(run.stdout).toContain('2 new runs of the experiment: none is taken as ours');
  expect(fakes.retab.requests.filter((r) => r.path.endsWith('/run'))).toHaveLength(2);
  expect(fakes.retab.createdRuns()).toBe(2); // ours and the other workflow's
  expect(run.outputs.verdict).toBe('pass');
});
