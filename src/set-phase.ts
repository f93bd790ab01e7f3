import * as core from '@actions/core';
import * as github from '@actions/github';
import { confirmHead, readUntrustedReport, withValuesAllowed } from './comment-phase.js';
import { errorMessage } from './errors.js';
import { gatherSet, pullRequestOf, type Candidate } from './gate/set.js';
import { readEvent } from './github/event.js';
import type { SetSettings } from './inputs.js';
import { INPUT, OUTPUT } from './names.js';
import {
  commentTargetFor,
  createOctokit,
  lookUpComment,
  NO_TOKEN_WARNING,
  postComment,
} from './pr-comment.js';
import type { Report } from './report/model.js';
import { findReportFiles } from './report-files.js';
import { workspace } from './head-start.js';
import { explainVerdict } from './report/sections.js';
import {
  renderSetComment,
  renderSetSummary,
  type ReportSet,
  type SetContext,
} from './report/set.js';
import { writeSummary } from './step-results.js';

/**
 * `mode: comment` with `reports`: the reports of a matrix's experiments, gathered into one
 * comment and one verdict. The reports are untrusted, as in the fork-safe second phase: each is
 * size-capped and schema-checked, re-rendered from its data, and counted only when it names the
 * pull request and commit of this event (on pull_request, the event's own; on workflow_run, the
 * commit it ran on, with the pull request GitHub confirms is at that commit).
 */
export async function commentForSet(settings: SetSettings): Promise<void> {
  // Found before any request to GitHub: a bad glob or an empty folder is one error, nothing sent.
  const files = await findReportFiles(settings.reports, workspace());
  const { context } = github;
  const event = readEvent(context.eventName, context.payload);
  const headSha = event.pullRequest?.headSha ?? event.workflowRunHeadSha;
  if (!headSha) {
    throw new Error(
      `'mode: comment' with '${INPUT.reports}' runs on pull_request (a job after the matrix, in its workflow) or on workflow_run (for pull requests from forks), not on '${context.eventName}'.`,
    );
  }
  const candidates: Candidate<Report>[] = await Promise.all(
    files.map(({ path, name }) =>
      readUntrustedReport(path, INPUT.reports).then(
        ({ report, writtenAt }) => ({
          file: name,
          writtenAt,
          report: withValuesAllowed(report, settings.showValues, event.repositoryPrivate),
        }),
        (error: unknown) => ({ file: name, problem: errorMessage(error) }),
      ),
    ),
  );
  const setContext: SetContext = {
    header: settings.commentHeader,
    headSha,
    pullRequest: event.pullRequest?.number ?? pullRequestOf(candidates, headSha),
  };
  const set = gatherSet(candidates, setContext, settings.experiments);
  core.info(
    `${files.length} report file(s) read: ${set.rows.length} experiment(s), ${set.leftOut.length} report(s) left out.`,
  );
  await writeSummary(renderSetSummary(set, setContext));
  core.setOutput(OUTPUT.verdict, set.verdict);
  core.setOutput(OUTPUT.regressedDocuments, String(set.regressedDocuments));

  let url = '';
  if (setContext.pullRequest === undefined) {
    core.info('No report names a pull request at this commit: no comment.');
  } else if (!settings.githubToken) {
    core.warning(NO_TOKEN_WARNING);
  } else {
    const octokit = createOctokit(settings.githubToken);
    const target = commentTargetFor(setContext.pullRequest);
    await confirmHead(octokit, target, headSha);
    url = await postComment(
      octokit,
      target,
      lookUpComment(octokit, target, settings.commentHeader),
      { render: () => renderSetComment(set, setContext), time: set.newest },
      (t) => t,
    );
  }
  core.setOutput(OUTPUT.commentUrl, url);
  concludeSet(set);
}

/** Each missing experiment an error of its own; then the step's result, as for one experiment. */
function concludeSet(set: ReportSet): void {
  const why: string[] = [];
  for (const row of set.rows) {
    if (row.kind === 'missing') {
      const message = `Experiment ${row.experimentId} has no report${row.leftOut ? ' of this commit' : ': its job ended before writing one'}.`;
      core.error(message);
      why.push(message);
    } else if (row.kind === 'unreadable') {
      why.push(`${row.file}: ${row.problem}`);
    } else if (row.report.verdict !== 'pass') {
      why.push(`${row.experimentId}: ${explainVerdict(row.report)}`);
    }
  }
  if (set.rows.length === 0) why.push('No report of this commit was found.');
  const { passed, regressed, errored } = set.counts;
  const counts = `${passed} passed, ${regressed} regressed, ${errored} errored`;
  if (set.verdict === 'pass') core.info(`Verdict: pass (${counts}).`);
  else if (set.verdict === 'error') core.setFailed(`Verdict: error (${counts}). ${why.join(' ')}`);
  else if (set.blocking) core.setFailed(`Verdict: regression (${counts}). ${why.join(' ')}`);
  else core.warning(`Verdict: regression, not blocking (${counts}). ${why.join(' ')}`);
}
