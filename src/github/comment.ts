import type { getOctokit } from '@actions/github';
import { visibleBody } from '../report/run-data.js';

export type Octokit = ReturnType<typeof getOctokit>;

export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface StickyComment {
  id: number;
  body: string;
  url: string;
}

/** The token's own login: `GET /user` answers 403 to a workflow's GITHUB_TOKEN, GraphQL does not. */
export async function readViewerLogin(octokit: Octokit): Promise<string> {
  const answer = await octokit.graphql<{ viewer: { login: string } }>('query { viewer { login } }');
  return answer.viewer.login;
}

/**
 * Our comment: it starts with our marker and was written by this token's own user (`login`).
 * A comment with the marker by anyone else is never ours to edit.
 */
export async function findStickyComment(
  octokit: Octokit,
  target: CommentTarget,
  marker: string,
  login: string,
): Promise<StickyComment | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  const ours = comments.find(
    (c) => c.user?.login === login && (c.body ?? '').split('\n', 1)[0]?.trimEnd() === marker,
  );
  return ours ? { id: ours.id, body: ours.body ?? '', url: ours.html_url } : undefined;
}

export type CommentAction = 'created' | 'updated' | 'unchanged';

/**
 * Updates our comment in place, creates it when absent, and writes nothing (no notification)
 * when what a reader sees is the same.
 */
export async function writeStickyComment(
  octokit: Octokit,
  target: CommentTarget,
  existing: StickyComment | undefined,
  body: string,
): Promise<{ url: string; action: CommentAction }> {
  if (existing && visibleBody(existing.body) === visibleBody(body)) {
    return { url: existing.url, action: 'unchanged' };
  }
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({
      owner: target.owner,
      repo: target.repo,
      comment_id: existing.id,
      body,
    });
    return { url: data.html_url, action: 'updated' };
  }
  const { data } = await octokit.rest.issues.createComment({
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    body,
  });
  return { url: data.html_url, action: 'created' };
}
