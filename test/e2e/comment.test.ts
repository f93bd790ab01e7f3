// The sticky PR comment and the events without one, end to end.
import { afterEach, describe, test } from 'vitest';
import {
  BASE,
  MARKER,
  NEW_RUN,
  PR,
  closeFakes,
  commentWrites,
  documentRows,
  errorLines,
  gate,
  markedComments,
  next,
  scenario,
  startFakes,
  startRetab,
  warningLines,
} from './setup.ts';

afterEach(closeFakes);

/** Mean 0.79: alpha −40 points, bravo −10, charlie +5. */
const DROPPED = [0.5, 0.75, 0.85, 0.95, 0.9];

describe.concurrent('sticky comment', () => {
  test('the same PR again updates the comment in place, never a second one', async (ctx) => {
    const { expect } = ctx;
    // One Retab for both runs: the second is a new run (exprun_new_2), so its comment differs.
    const fakes = await startFakes(ctx);
    const first = await gate(ctx, fakes);
    expect(first.code).toBe(0);
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [created] = fakes.github.comments(PR);

    // A later push to the PR: a new workflow run, so a new trigger (not an idempotent replay).
    const second = await gate(ctx, fakes, { env: { GITHUB_RUN_ID: '1235' } });
    expect(second.code).toBe(0);
    expect(second.outputs['run-id']).toBe(`${NEW_RUN}_2`);
    const { posts, patches } = commentWrites(fakes.github);
    expect(posts).toHaveLength(1);
    expect(patches).toHaveLength(1);
    expect(patches[0]!.path).toBe(`/repos/acme/invoices/issues/comments/${created!.id}`);

    const comments = fakes.github.comments(PR);
    expect(comments).toHaveLength(1);
    expect(markedComments(fakes.github)).toHaveLength(1);
    expect(comments[0]!.body.split('\n', 1)[0]).toBe(MARKER);
    expect(comments[0]!.body).toContain(`\`${NEW_RUN}_2\``);
    expect(second.outputs['comment-url']).toBe(created!.html_url);
  });

  test('a report identical to the comment writes nothing', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx);
    const first = await gate(ctx, fakes);
    expect(first.code).toBe(0);
    const [created] = fakes.github.comments(PR);
    // A fresh Retab with the same history: the same run, the same report, the same body.
    const retab = await startRetab(ctx, scenario());
    const second = await gate(ctx, { ...fakes, retab });

    expect(second.code).toBe(0);
    expect(second.outputs['comment-url']).toBe(created!.html_url);
    const { posts, patches } = commentWrites(fakes.github);
    expect(posts).toHaveLength(1);
    expect(patches).toHaveLength(0);
    expect(fakes.github.comments(PR)).toEqual([created]);
  });

  test('our own earlier comment found on the PR is the one updated', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario(), {
      comments: [
        { issue: PR, body: 'LGTM', login: 'octocat' },
        { issue: PR, body: `${MARKER}\n\nan old report`, login: 'github-actions[bot]' },
        { issue: PR, body: 'one more thing', login: 'octocat' },
      ],
    });
    const ours = fakes.github.comments(PR)[1]!;
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    const { posts, patches } = commentWrites(fakes.github);
    expect(posts).toHaveLength(0);
    expect(patches.map((p) => p.path)).toEqual([`/repos/acme/invoices/issues/comments/${ours.id}`]);
    const comments = fakes.github.comments(PR);
    expect(comments.map((c) => c.body.split('\n', 1)[0])).toEqual([
      'LGTM',
      MARKER,
      'one more thing',
    ]);
    expect(comments[1]!.body).not.toContain('an old report');
    expect(comments[1]!.body).toContain('Experiment gate: passed');
    expect(run.outputs['comment-url']).toBe(ours.html_url);
  });

  test('our comment is found past the first page of comments', async (ctx) => {
    const { expect } = ctx;
    const chatter = Array.from({ length: 130 }, (_, i) => ({
      issue: PR,
      body: `comment ${i}`,
      login: 'octocat',
    }));
    chatter.splice(115, 0, { issue: PR, body: `${MARKER}\n\nold`, login: 'github-actions[bot]' });
    const fakes = await startFakes(ctx, scenario(), { comments: chatter });
    const ours = fakes.github.comments(PR)[115]!;
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    const { posts, patches } = commentWrites(fakes.github);
    expect(posts).toHaveLength(0);
    expect(patches.map((p) => p.path)).toEqual([`/repos/acme/invoices/issues/comments/${ours.id}`]);
    expect(markedComments(fakes.github)).toHaveLength(1);
    expect(run.outputs['comment-url']).toBe(ours.html_url);
    // It was on the second page, which GitHub links to under /repositories/{id}/.
    expect(fakes.github.requests.some((r) => r.method === 'GET' && r.query.page === '2')).toBe(
      true,
    );
  });

  test('comment false: the report goes to the summary, nothing is written on the PR', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx);
    const run = await gate(ctx, fakes, { inputs: { comment: 'false' } });

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'comment-url': '' });
    expect(commentWrites(fakes.github)).toEqual({ posts: [], patches: [] });
    expect(fakes.github.comments(PR)).toEqual([]);
    expect(documentRows(run.summary)).toHaveLength(5);
  });

  test('a comment GitHub refuses is a warning with the fix, not a failure', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario(), { refuseWrites: true });
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'comment-url': '' });
    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    expect(fakes.github.comments(PR)).toEqual([]);
    expect(errorLines(run.stdout)).toEqual([]);
    expect(warningLines(run.stdout).some((line) => line.includes('pull-requests: write'))).toBe(
      true,
    );
    expect(documentRows(run.summary)).toHaveLength(5);
  });

  test('a comment with our marker by another login is never edited', async (ctx) => {
    const { expect } = ctx;
    const forged = `${MARKER}\n\nnot written by the gate`;
    const fakes = await startFakes(ctx, scenario(), {
      comments: [{ issue: PR, body: forged, login: 'mallory' }],
    });
    const run = await gate(ctx, fakes);

    expect(run.code).toBe(0);
    const { posts, patches } = commentWrites(fakes.github);
    expect(patches).toHaveLength(0);
    expect(posts).toHaveLength(1);
    const comments = fakes.github.comments(PR);
    expect(comments).toHaveLength(2);
    expect(comments[0]).toMatchObject({ body: forged, user: { login: 'mallory' } });
    expect(comments[1]!.user.login).toBe('github-actions[bot]');
    expect(comments[1]!.body.split('\n', 1)[0]).toBe(MARKER);
    expect(run.outputs['comment-url']).toBe(comments[1]!.html_url);
  });

  test('fail-on-regression false: the drop is reported and warned, the step passes', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(DROPPED) }));
    const run = await gate(ctx, fakes, { inputs: { 'fail-on-regression': 'false' } });

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'regression', delta: '-0.09' });
    expect(errorLines(run.stdout)).toEqual([]);
    const warnings = warningLines(run.stdout);
    expect(warnings.some((line) => line.includes('regression'))).toBe(true);

    expect(commentWrites(fakes.github).posts).toHaveLength(1);
    const [comment] = markedComments(fakes.github);
    expect(comment!.body).toContain('not blocking');
    expect(documentRows(comment!.body)[0]?.[0]).toBe('alpha.pdf');
  });
});

describe.concurrent('events without a pull request', () => {
  test('push: no request to GitHub, the summary has the table, a regression fails', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(DROPPED) }));
    const run = await gate(ctx, fakes, { eventName: 'push' });

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      'run-id': NEW_RUN,
      verdict: 'regression',
      score: '0.79',
      'comment-url': '',
    });
    expect(fakes.github.requests).toEqual([]);
    expect(run.summary).toContain('| Document | Reference | Current | Δ | Status |');
    const rows = documentRows(run.summary);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual(['alpha.pdf', '0.900', '0.500', '−40.0 pts', '🔻 regressed']);
  });

  test('workflow_dispatch: no request to GitHub, a pass succeeds', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario({ next: next(BASE) }));
    const run = await gate(ctx, fakes, { eventName: 'workflow_dispatch' });

    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'comment-url': '' });
    expect(fakes.github.requests).toEqual([]);
    expect(documentRows(run.summary)).toHaveLength(5);
  });
});
