// The sticky PR comment, for both phases: where it goes, finding ours, writing it, and the
// warning with the fix when GitHub refuses it.
import * as core from '@actions/core';
import * as github from '@actions/github';
import { errorMessage } from './errors.js';
import {
  findStickyComment,
  readViewerLogin,
  writeStickyComment,
  type CommentTarget,
  type Octokit,
  type StickyComment,
} from './github/comment.js';
import { retryGitHubRequests } from './github/retry.js';
import { commentMarker, INPUT } from './names.js';
import { renderComment } from './report/markdown.js';
import type { Report } from './report/model.js';
import { reportTime } from './gate/set.js';
import { reportsNewerThan } from './report/run-data.js';

/** A comment to post: its body, rendered only when it is written, and when what it tells happened. */
export interface CommentToPost {
  render: () => string;
  time: string | undefined;
}

/** One experiment's report as its comment. */
export function reportComment(report: Report): CommentToPost {
  return { render: () => renderComment(report), time: reportTime(report) };
}

/** Said when a pull request would get a comment but the token to write it is empty. */
export const NO_TOKEN_WARNING = `No PR comment: input '${INPUT.githubToken}' is empty. Leave it at its default (\${{ github.token }}).`;

export function commentTargetFor(issueNumber: number): CommentTarget {
  const { owner, repo } = github.context.repo;
  return { owner, repo, issueNumber };
}

/** An Octokit for `token` that retries GitHub's server errors and rate limits. */
export function createOctokit(token: string): Octokit {
  // The URL from the context, not getOctokit's default: local-action reads GITHUB_API_URL from
  // its .env file after that default was fixed (on a runner both are the same value).
  const octokit = github.getOctokit(token, { baseUrl: github.context.apiUrl });
  retryGitHubRequests(octokit, { onRetry: (message) => core.info(message) });
  return octokit;
}

/** Our comment on the pull request, if any: the marker, written by this token's own user. */
export function lookUpComment(
  octokit: Octokit,
  target: CommentTarget,
  header: string,
  login: Promise<string> = readViewerLogin(octokit),
): Promise<StickyComment | undefined> {
  return login.then((me) => findStickyComment(octokit, target, commentMarker(header), me));
}

/**
 * Writes the sticky comment, unless the comment already reports a newer run.
 * A refusal is a warning with the fix, not a failure: the URL is then ''.
 */
export async function postComment(
  octokit: Octokit,
  target: CommentTarget,
  existing: Promise<StickyComment | undefined>,
  comment: CommentToPost,
  redact: (text: string) => string,
): Promise<string> {
  try {
    const current = await existing;
    // Two pushes racing: the later run's report stays, whichever finishes last.
    if (current && reportsNewerThan(current.body, comment.time)) {
      core.info(`The PR comment already reports a newer run; left as it is: ${current.url}`);
      return current.url;
    }
    const body = redact(comment.render());
    const result = await writeStickyComment(octokit, target, current, body);
    core.info(`PR comment ${result.action}: ${result.url}`);
    return result.url;
  } catch (error) {
    const status = (error as { status?: number }).status;
    const fix =
      status === 403 || status === 404
        ? ` Give the job 'permissions: pull-requests: write'. On pull requests from forks the token cannot write: ` +
          `use the two-phase workflow of the README ("Fork pull requests").`
        : '';
    core.warning(
      `The PR comment was not written: ${errorMessage(error)}.${fix} The report is in the job summary.`,
    );
    return '';
  }
}
