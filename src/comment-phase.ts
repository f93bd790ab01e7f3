import { readFile, stat } from 'node:fs/promises';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { mismatchOf } from './gate/set.js';
import { readEvent } from './github/event.js';
import type { CommentTarget, Octokit } from './github/comment.js';
import { valuesHiddenBy, type CommentSettings, type ShowValues } from './inputs.js';
import { INPUT, OUTPUT } from './names.js';
import {
  commentTargetFor,
  createOctokit,
  lookUpComment,
  postComment,
  reportComment,
} from './pr-comment.js';
import { hideValues, type Report } from './report/model.js';
import { parseReport, REPORT_MAX_BYTES } from './report/schema.js';

/**
 * Phase two of the fork-safe workflow (`mode: comment`): the comment from a report written by
 * phase one. The report is untrusted (a fork's workflow made it): it is schema-checked and
 * size-capped, the comment is rendered again from its data, and it is posted only on the pull
 * request it names, and only while that pull request's head is the commit both the report and
 * this workflow_run were made for.
 */
export async function commentFromReport(settings: CommentSettings): Promise<void> {
  const { context } = github;
  const event = readEvent(context.eventName, context.payload);
  if (context.eventName !== 'workflow_run' || !event.workflowRunHeadSha) {
    throw new Error(
      `'mode: comment' runs on workflow_run (the second phase of the fork-safe workflow), not on '${context.eventName}'.`,
    );
  }
  const { report } = await readUntrustedReport(settings.reportPath, INPUT.report);
  const pr = report.pullRequest;
  const mismatch = mismatchOf(pr, { headSha: event.workflowRunHeadSha, pullRequest: undefined });
  if (!pr) throw new Error('The report names no pull request: nothing to comment on.');
  if (mismatch) {
    throw new Error(
      `The report was made for commit ${pr.headSha}, but this workflow_run ran on ${event.workflowRunHeadSha}: not posted.`,
    );
  }
  if (!settings.githubToken) throw new Error(`Input '${INPUT.githubToken}' is empty.`);
  const octokit = createOctokit(settings.githubToken);
  const target = commentTargetFor(pr.number);
  await confirmHead(octokit, target, pr.headSha);
  const header = settings.commentHeader ?? report.header;
  const existing = lookUpComment(octokit, target, header);
  const shown = withValuesAllowed(report, settings.showValues, event.repositoryPrivate);
  const url = await postComment(
    octokit,
    target,
    existing,
    reportComment({ ...shown, header }),
    (t) => t,
  );
  core.setOutput(OUTPUT.verdict, report.verdict);
  core.setOutput(OUTPUT.commentUrl, url);
  core.setOutput(OUTPUT.reused, String(report.run?.reused === true));
  if (!url) core.setFailed('The comment was not written (see the warning above).');
}

/**
 * A report file from outside: size-capped before it is read, then schema-checked. `writtenAt`
 * is the file's own time. Throws why it is not a report the gate accepts.
 */
export async function readUntrustedReport(
  path: string,
  input: string,
): Promise<{ report: Report; writtenAt: number }> {
  const info = await stat(path).catch(() => {
    throw new Error(`Input '${input}': cannot read '${path}'.`);
  });
  if (info.size > REPORT_MAX_BYTES) {
    throw new Error(`The report is ${info.size} bytes; at most ${REPORT_MAX_BYTES} are accepted.`);
  }
  return { report: parseReport(await readFile(path, 'utf8')), writtenAt: info.mtimeMs };
}

/** Posting is for the commit the reports judged: refused once the pull request's head moved on. */
export async function confirmHead(
  octokit: Octokit,
  target: CommentTarget,
  headSha: string,
): Promise<void> {
  const { data: current } = await octokit.rest.pulls.get({
    owner: target.owner,
    repo: target.repo,
    pull_number: target.issueNumber,
  });
  if (current.head.sha !== headSha) {
    throw new Error(
      `Pull request #${target.issueNumber} is now at ${current.head.sha}, not at ${headSha} the report judged: not posted.`,
    );
  }
}

/** The values a report carries are shown only where this phase's own `show-values` allows. */
export function withValuesAllowed(
  report: Report,
  showValues: ShowValues,
  repositoryPrivate: boolean | undefined,
): Report {
  const hidden = valuesHiddenBy(showValues, repositoryPrivate);
  return hidden === undefined ? report : hideValues(report, hidden);
}
