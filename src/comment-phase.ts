import { readFile, stat } from 'node:fs/promises';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { readEvent } from './github/event.js';
import { valuesHiddenBy, type CommentSettings } from './inputs.js';
import { INPUT, OUTPUT } from './names.js';
import { commentTargetFor, createOctokit, lookUpComment, postComment } from './pr-comment.js';
import { hideValues } from './report/model.js';
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
  const size = await stat(settings.reportPath).then(
    (s) => s.size,
    () => {
      throw new Error(`Input '${INPUT.report}': cannot read '${settings.reportPath}'.`);
    },
  );
  if (size > REPORT_MAX_BYTES) {
    throw new Error(`The report is ${size} bytes; at most ${REPORT_MAX_BYTES} are accepted.`);
  }
  const report = parseReport(await readFile(settings.reportPath, 'utf8'));
  const pr = report.pullRequest;
  if (!pr) throw new Error('The report names no pull request: nothing to comment on.');
  if (pr.headSha !== event.workflowRunHeadSha) {
    throw new Error(
      `The report was made for commit ${pr.headSha}, but this workflow_run ran on ${event.workflowRunHeadSha}: not posted.`,
    );
  }
  if (!settings.githubToken) throw new Error(`Input '${INPUT.githubToken}' is empty.`);
  const octokit = createOctokit(settings.githubToken);
  const target = commentTargetFor(pr.number);
  const { data: current } = await octokit.rest.pulls.get({
    owner: target.owner,
    repo: target.repo,
    pull_number: pr.number,
  });
  if (current.head.sha !== pr.headSha) {
    throw new Error(
      `Pull request #${pr.number} is now at ${current.head.sha}, not at ${pr.headSha} the report judged: not posted.`,
    );
  }
  const header = settings.commentHeader ?? report.header;
  const existing = lookUpComment(octokit, target, header);
  // The values a report carries are shown only where this phase's own `show-values` allows.
  const hidden = valuesHiddenBy(settings.showValues, event.repositoryPrivate);
  const shown = hidden === undefined ? report : hideValues(report, hidden);
  const url = await postComment(octokit, target, existing, { ...shown, header }, (t) => t);
  core.setOutput(OUTPUT.verdict, report.verdict);
  core.setOutput(OUTPUT.commentUrl, url);
  core.setOutput(OUTPUT.reused, String(report.run?.reused === true));
  if (!url) core.setFailed('The comment was not written (see the warning above).');
}
