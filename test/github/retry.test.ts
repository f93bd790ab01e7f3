// GitHub's server errors and rate limits, on a virtual clock: the action's Octokit against the
// fake GitHub, with the retries' waits taken on the clock (a 1 s Retry-After costs nothing). The
// bundle's own client is checked to retry at all in test/e2e/failures.test.ts.
import { getOctokit } from '@actions/github';
import { describe, expect, test, type TestContext } from 'vitest';
import {
  findStickyComment,
  readViewerLogin,
  writeStickyComment,
  type CommentTarget,
} from '../../src/github/comment.js';
import { retryGitHubRequests } from '../../src/github/retry.js';
import { startFakeGitHub, type GitHubScenario } from '../fakes/github.ts';
import { virtualClock } from '../harness/gate-in-process.ts';

const TOKEN = 'ghs_unitFakeInstallationToken';
const MARKER = '<!-- retab-experiment-gate:exp_test -->';
const TARGET: CommentTarget = { owner: 'acme', repo: 'invoices', issueNumber: 7 };
const CREATE = 'GitHub POST /repos/{owner}/{repo}/issues/{issue_number}/comments';

/** The action's Octokit against a fake GitHub, its waits on a virtual clock (jitter at its middle). */
async function gitHub(ctx: TestContext, scenario: Partial<GitHubScenario>) {
  const github = await startFakeGitHub({ token: TOKEN, ...scenario });
  ctx.onTestFinished(() => github.close());
  const clock = virtualClock();
  const retries: string[] = [];
  const octokit = getOctokit(TOKEN, { baseUrl: github.url });
  retryGitHubRequests(octokit, {
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    onRetry: (message) => retries.push(message),
  });
  const posts = () =>
    github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'));
  return { github, clock, retries, octokit, posts };
}

describe('GitHub retries', () => {
  test('server errors on a read are retried with back-off; the comment is written once', async (ctx) => {
    const { github, clock, retries, octokit, posts } = await gitHub(ctx, { serverErrors: 2 });
    const login = await readViewerLogin(octokit);
    const existing = await findStickyComment(octokit, TARGET, MARKER, login);
    const written = await writeStickyComment(octokit, TARGET, existing, `${MARKER}\nbody`);
    expect(written.action).toBe('created');
    const list = (wait: string) =>
      new RegExp(
        `^GitHub GET \\S+/issues/7/comments\\S* failed \\(HTTP 502\\); retrying in ${wait} s$`,
      );
    expect(retries).toEqual([
      expect.stringMatching(list('0.4')),
      expect.stringMatching(list('0.8')),
    ]);
    expect(clock.elapsed()).toBe(375 + 750);
    expect(posts()).toHaveLength(1);
    expect(github.comments(TARGET.issueNumber).map((c) => c.body)).toEqual([`${MARKER}\nbody`]);
  });

  test('a secondary rate limit is waited out as GitHub asks (Retry-After), and the creation repeated', async (ctx) => {
    const { github, clock, retries, octokit, posts } = await gitHub(ctx, {
      secondaryRateLimits: 1,
    });
    // The creation is the first REST request: GitHub said it did nothing, so it is sent again.
    await writeStickyComment(octokit, TARGET, undefined, `${MARKER}\nbody`);
    // 1 s, as Retry-After says, rather than the first back-off (0.375 s).
    expect(retries).toEqual([`${CREATE} failed (HTTP 403); retrying in 1.0 s`]);
    expect(clock.elapsed()).toBe(1_000);
    expect(posts()).toHaveLength(2);
    expect(github.comments(TARGET.issueNumber)).toHaveLength(1);
  });

  test('a server error answering the creation is not repeated: the comment may exist already', async (ctx) => {
    const { retries, octokit, posts } = await gitHub(ctx, { serverErrors: 1 });
    await expect(
      writeStickyComment(octokit, TARGET, undefined, `${MARKER}\nbody`),
    ).rejects.toMatchObject({ status: 502 });
    expect(retries).toEqual([]);
    expect(posts()).toHaveLength(1);
  });
});
