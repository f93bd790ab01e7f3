// Failure handling, where it needs the real process: the runner's SIGINT, a runner the action
// cannot write to, refused or flaky GitHub, bad inputs, hostile names, a key echoed back. Never a
// wrong verdict, never a second paid run, never the key in sight. A flaky Retab (seeded 5xx, 429
// and lost trigger answers), timeouts, malformed answers and metrics that are late are tested
// in-process on a virtual clock (test/retab/gather.test.ts), where a retry's wait costs nothing;
// GitHub's retries likewise (test/github/retry.test.ts).
import { afterEach, describe, expect, test } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { RecordedRequest } from '../fakes/http.ts';
import { runAction } from '../harness/run-action.ts';
import { foreignTags, renderGfm, tableShapes } from '../report/render.ts';
import {
  API_KEY,
  BASE,
  closeFakes,
  DIALECTS,
  DROP,
  commentWrites,
  errorLines,
  expectKeyOnlyInHeader,
  gate,
  markedComments,
  NEW_JOB,
  NEW_RUN,
  next,
  ROUTES_OF,
  scenario,
  startFakes,
  usualInputs,
  warningLines,
} from './setup.ts';

afterEach(closeFakes);

// The timeout and the cancel of a run the gate stops following are tested in-process
// (test/retab/gather.test.ts); here, the runner's own signal.
describe.concurrent('the run is cancelled when the gate stops following it', () => {
  test.for(DIALECTS)(
    'SIGINT (workflow cancelled) while the gate waits, the %s API: the run is cancelled, nothing is written to the PR, and the step ends on its own',
    async (dialect, ctx) => {
      const routes = ROUTES_OF[dialect];
      // The first poll of the new run (of its job, on the older API) waits for its answer.
      const isPoll = (r: RecordedRequest) =>
        r.method === 'GET' && [NEW_RUN, NEW_JOB].some((id) => r.path.endsWith(`/${id}`));
      const fakes = await startFakes(
        ctx,
        scenario({ dialect, next: next(BASE, { jobDurationMs: 120_000 }) }),
        {},
        { match: isPoll },
      );
      let child: ChildProcess | undefined;
      const running = runAction({
        inputs: usualInputs(fakes),
        githubApiUrl: fakes.github.url,
        onSpawn: (c) => (child = c),
      });
      // Once the gate waits on the run (the fake holds the poll), the runner cancels the workflow.
      await fakes.retab.held.until(1);
      child!.kill('SIGINT');
      // The step ends on its own: the runner never has to send SIGTERM after its grace period.
      const run = await running;
      expect(run.code).toBe(1);
      expect(run.signal).toBeNull();
      expect(fakes.retab.cancelled()).toEqual([routes.cancelled]);
      expect(
        fakes.retab.requests.filter((r) => r.path.endsWith('/cancel')).map((r) => r.path),
      ).toEqual([routes.cancel]);
      expect(run.stdout).toContain('Received SIGINT');
      expect(run.stdout, 'the step ended before the runner had to send SIGTERM').not.toContain(
        'Received SIGTERM',
      );
      // Cancelled: nothing written to the pull request.
      expect(commentWrites(fakes.github)).toEqual({ posts: [], patches: [] });
      expect(run.stdout.replaceAll(`::add-mask::${API_KEY}`, '')).not.toContain(API_KEY);
      expectKeyOnlyInHeader(expect, fakes.retab);
    },
  );
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

  // One 502, so one real back-off (at most 0.5 s): the bundle's client retries GitHub at all.
  // Which failures are retried, how long each wait is, and a creation never repeated after a
  // 5xx: test/github/retry.test.ts, on a virtual clock.
  test('a GitHub 5xx is retried, and the comment is written once', async (ctx) => {
    const fakes = await startFakes(ctx, scenario(), { serverErrors: 1 });
    const run = await gate(ctx, fakes);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/GitHub \S+ \S+ failed \(HTTP 502\); retrying in/);
    expect(markedComments(fakes.github)).toHaveLength(1);
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    expect(run.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
  });
});

describe.concurrent('bad inputs: one error naming the input, before any request', () => {
  // Each input's own refusal is tested on the parser (test/inputs.test.ts); here, what the
  // process does with one: a missing key, a path in an id, the key pasted into another input.
  const CASES: Array<[Record<string, string>, string]> = [
    [{ 'api-key': '' }, 'api-key'],
    [{ 'workflow-id': 'wf/../../admin' }, 'workflow-id'],
    // The key pasted into the wrong input: named, refused, and not echoed back.
    [{ 'max-drop': API_KEY }, 'max-drop'],
  ];
  test.for(CASES)('%o', async ([bad, name], ctx) => {
    const fakes = await startFakes(ctx);
    const run = await runAction({
      inputs: usualInputs(fakes, bad),
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
