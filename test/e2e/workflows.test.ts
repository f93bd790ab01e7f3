// Every way teams run it: the fork-safe pair, merge queues, baselines pinned in the
// repository, and the fingerprint to promote.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, type TestContext } from 'vitest';
import { DEFAULT_SHA as SHA, runAction } from '../harness/run-action.ts';
import {
  BASE,
  closeFakes,
  DROP,
  commentWrites,
  errorLines,
  gate,
  GITHUB_TOKEN,
  history,
  markedComments,
  next,
  scenario,
  startFakes,
  type Fakes,
} from './setup.ts';

afterEach(closeFakes);

const OTHER_SHA = 'ffffffffffffffffffffffffffffffffffffffff';

function forkPullRequest(sha = SHA) {
  return {
    number: 7,
    pull_request: {
      number: 7,
      head: { sha, repo: { full_name: 'someone/invoices-fork' } },
      base: { sha: '0'.repeat(40), repo: { full_name: 'acme/invoices' } },
    },
    repository: { full_name: 'acme/invoices', name: 'invoices', owner: { login: 'acme' } },
  };
}

async function tempDir(ctx: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'workflows-e2e-'));
  ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Phase one on a fork's pull request: the report, and no comment. */
async function phaseOne(ctx: TestContext, fakes: Fakes) {
  const run = await gate(ctx, fakes, { event: forkPullRequest() });
  expect(run.reportText).toBeDefined();
  return run;
}

/** Phase two on workflow_run, with no Retab key, from a report file. */
async function phaseTwo(fakes: Fakes, reportFile: string, runSha = SHA) {
  return runAction({
    inputs: { mode: 'comment', report: reportFile, 'github-token': GITHUB_TOKEN },
    eventName: 'workflow_run',
    event: {
      workflow_run: { id: 99, head_sha: runSha, event: 'pull_request', pull_requests: [] },
      repository: { full_name: 'acme/invoices', name: 'invoices', owner: { login: 'acme' } },
    },
    githubApiUrl: fakes.github.url,
  });
}

describe.concurrent('the fork-safe pair', () => {
  test('phase one on a fork PR: the report is written, no comment, and the log says why', async (ctx) => {
    const fakes = await startFakes(ctx, scenario({ next: next(DROP) }), {
      pulls: [{ number: 7, headSha: SHA }],
    });
    const run = await phaseOne(ctx, fakes);
    expect(run.code).toBe(1); // the gate still blocks the regression
    expect(run.outputs.verdict).toBe('regression');
    expect(fakes.github.requests).toEqual([]);
    expect(run.stdout).toContain('Pull request from a fork');
    expect(run.summary).toContain('the comment is posted by the second phase');
    expect(JSON.parse(run.reportText!).pullRequest).toEqual({ number: 7, headSha: SHA });
  });

  test('phase two on workflow_run: the comment is posted from the report, with no Retab key', async (ctx) => {
    const fakes = await startFakes(ctx, scenario({ next: next(DROP) }), {
      pulls: [{ number: 7, headSha: SHA }],
    });
    const one = await phaseOne(ctx, fakes);
    const file = join(await tempDir(ctx), 'report.json');
    await writeFile(file, one.reportText!);
    const retabBefore = fakes.retab.requests.length;
    const two = await phaseTwo(fakes, file);
    expect(two.code).toBe(0);
    expect(two.outputs.verdict).toBe('regression');
    expect(two.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
    const [comment] = markedComments(fakes.github);
    expect(comment?.body).toContain('❌ Experiment gate: regression');
    expect(comment?.body).toContain('alpha.pdf');
    expect(fakes.retab.requests.length).toBe(retabBefore); // phase two never calls Retab
  });

  type Tamper = [string, (report: Record<string, unknown>) => unknown, string, string?];
  const TAMPERED: Tamper[] = [
    ['a report for another commit', (r) => r, 'was made for commit', OTHER_SHA],
    [
      'a pull request whose head moved on',
      (r) => ({ ...r, pullRequest: { number: 8, headSha: SHA } }),
      'Pull request #8 is now at',
    ],
    [
      'extra Markdown carried in the file',
      (r) => ({ ...r, body: '# hi @octocat' }),
      'does not match its schema',
    ],
    ['a bad version', (r) => ({ ...r, schema: 'retab-experiment-gate/report@9' }), 'schema'],
    ['a forged header', (r) => ({ ...r, header: 'x --> <b>' }), 'header'],
    ['an outside score', (r) => ({ ...r, run: { ...(r.run as object), score: 7 } }), 'run.score'],
    [
      'an oversized file',
      (r) => ({ ...r, padding: 'x'.repeat(5 * 1024 * 1024) }),
      'bytes; at most',
    ],
  ];
  test.for(TAMPERED)('refused: %s', async ([, tamper, message, runSha], ctx) => {
    const fakes = await startFakes(ctx, scenario(), {
      pulls: [
        { number: 7, headSha: SHA },
        { number: 8, headSha: OTHER_SHA },
      ],
    });
    const one = await phaseOne(ctx, fakes);
    const file = join(await tempDir(ctx), 'report.json');
    await writeFile(file, JSON.stringify(tamper(JSON.parse(one.reportText!))));
    const two = await phaseTwo(fakes, file, runSha);
    expect(two.code).toBe(1);
    const errors = errorLines(two.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
    expect(commentWrites(fakes.github)).toEqual({ posts: [], patches: [] });
  });

  test('phase two refuses to run on any other event', async (ctx) => {
    const fakes = await startFakes(ctx);
    const file = join(await tempDir(ctx), 'report.json');
    await writeFile(file, '{}');
    const run = await runAction({
      inputs: { mode: 'comment', report: file, 'github-token': GITHUB_TOKEN },
      eventName: 'pull_request',
      githubApiUrl: fakes.github.url,
    });
    expect(run.code).toBe(1);
    expect(errorLines(run.stdout)[0]).toContain("'mode: comment' runs on workflow_run");
    expect(fakes.github.requests).toEqual([]);
  });
});

describe.concurrent('merge queue', () => {
  test('merge_group gates without a comment and names the queued pull requests', async (ctx) => {
    const fakes = await startFakes(ctx, scenario({ next: next(DROP) }));
    const run = await gate(ctx, fakes, {
      eventName: 'merge_group',
      event: {
        merge_group: { head_sha: SHA, head_ref: 'refs/heads/gh-readonly-queue/main/pr-12-abc123' },
        repository: { full_name: 'acme/invoices' },
      },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('regression');
    expect(fakes.github.requests).toEqual([]);
    expect(run.summary).toContain('Merge queue group: #12');
  });
});

describe.concurrent('baselines pinned in the repository', () => {
  const OLD = 'fp_old';
  const pinned = () =>
    scenario({
      history: [
        history('exprun_1', OLD, [0.8, 0.8, 0.8, 0.8, 0.8]),
        history('exprun_2', 'fp_base', BASE),
      ],
    });

  test('found: the baseline is the pinned fingerprint, and the run fingerprint is an output', async (ctx) => {
    const fakes = await startFakes(ctx, pinned());
    const workspace = await tempDir(ctx);
    await writeFile(
      join(workspace, 'baselines.json'),
      JSON.stringify({ exp_test: OLD, exp_other: 'fp_x' }),
    );
    const run = await gate(ctx, fakes, {
      inputs: { 'baseline-file': 'baselines.json' },
      env: { GITHUB_WORKSPACE: workspace },
    });
    expect(run.code).toBe(0);
    expect(run.outputs['baseline-score']).toBe('0.8');
    expect(run.outputs.fingerprint).toBe('fp_next');
    expect(run.stdout).toContain('Baseline pinned in baselines.json: fp_old');
  });

  test('a missing file: one clear error before any request', async (ctx) => {
    const fakes = await startFakes(ctx, pinned());
    const workspace = await tempDir(ctx);
    const run = await gate(ctx, fakes, {
      inputs: { 'baseline-file': '.github/retab-baselines.json' },
      env: { GITHUB_WORKSPACE: workspace },
    });
    expect(run.code).toBe(1);
    const [error] = errorLines(run.stdout);
    expect(error).toContain(
      "Input 'baseline-file': cannot read '.github/retab-baselines.json' (ENOENT)",
    );
    expect(error).toContain('actions/checkout');
    expect(fakes.retab.requests).toEqual([]);
  });

  test('an experiment the file does not pin: one clear error listing the ones it does', async (ctx) => {
    const fakes = await startFakes(ctx, pinned());
    const workspace = await tempDir(ctx);
    await writeFile(join(workspace, 'b.json'), JSON.stringify({ exp_a: 'fp1', exp_b: 'fp2' }));
    const run = await gate(ctx, fakes, {
      inputs: { 'baseline-file': 'b.json' },
      env: { GITHUB_WORKSPACE: workspace },
    });
    expect(run.code).toBe(1);
    const [error] = errorLines(run.stdout);
    expect(error).toContain(
      'pins no baseline for experiment exp_test (experiments in it: exp_a, exp_b)',
    );
    expect(fakes.retab.requests).toEqual([]);
  });
});
