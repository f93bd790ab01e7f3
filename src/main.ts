import * as core from '@actions/core';
import * as github from '@actions/github';
import { commentFromReport } from './comment-phase.js';
import { commentForSet } from './set-phase.js';
import { errorMessage } from './errors.js';
import { emptyEvidence } from './gate/evidence.js';
import { readEvent } from './github/event.js';
import { readViewerLogin, type StickyComment } from './github/comment.js';
import { headStart, type HeadStart } from './head-start.js';
import { runnerInput, valuesHiddenBy } from './inputs.js';
import { COST_OUTPUTS, INPUT, OUTPUT } from './names.js';
import {
  commentTargetFor,
  NO_TOKEN_WARNING,
  createOctokit,
  lookUpComment,
  postComment,
  reportComment,
} from './pr-comment.js';
import { assembleReport } from './report/assemble.js';
import { renderSummary } from './report/markdown.js';
import { gatherEvidence } from './retab/gather.js';
import { abortableSleep } from './retry.js';
import { conclude, setOutputs, writeReportFile, writeSummary } from './step-results.js';

/**
 * The action: mask the secrets, then gather evidence from Retab, judge, report, and set the
 * step's result (or, with `mode: comment`, post a report made earlier). src/index.ts passes the
 * head start it began before the toolkit loaded; called with nothing (local-action, a test), it
 * does the head start itself.
 */
export async function run(head?: HeadStart): Promise<void> {
  head ??= await headStart();
  // Mask the secrets before anything else can print them. The mask covers the log only:
  // whatever goes to the PR, the summary or the report file is redacted by `redact`.
  const secrets = [INPUT.apiKey, INPUT.githubToken]
    .map((name) => runnerInput(name))
    .filter((value) => value.length >= 4);
  for (const secret of secrets) core.setSecret(secret);
  const redact = (text: string) =>
    secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  head.log.open((message, level) =>
    level === 'warning' ? core.warning(message) : core.info(message),
  );
  core.setOutput(OUTPUT.verdict, 'error');
  core.setOutput(OUTPUT.reused, 'false');
  // Always set: empty until the figures are known.
  for (const name of COST_OUTPUTS) core.setOutput(name, '');

  try {
    if (head.mode === 'invalid') throw head.error;
    if (head.mode === 'comment') await commentFromReport(head.settings);
    else if (head.mode === 'set') await commentForSet(head.settings);
    else await gate(head, redact);
  } catch (error) {
    core.setOutput(OUTPUT.verdict, 'error');
    core.setFailed(redact(errorMessage(error)));
  }
}

/** `mode: run`: gather the evidence, judge it, and report it wherever the event allows. */
async function gate(
  head: HeadStart & { mode: 'run' },
  redact: (text: string) => string,
): Promise<void> {
  const startedAt = new Date().toISOString();
  const { settings, client, firstHistoryPage } = head;
  const { signal } = head.abort;
  const { context } = github;
  const event = readEvent(context.eventName, context.payload);
  const pullRequest = event.pullRequest;
  const valuesHidden = valuesHiddenBy(settings.showValues, event.repositoryPrivate);
  const deferToPhaseTwo = pullRequest !== undefined && event.fromFork && settings.comment;
  if (deferToPhaseTwo) {
    core.info(
      'Pull request from a fork: its token cannot comment. The report is left at the output ' +
        "'report-path' for the second phase ('mode: comment' on workflow_run) to post.",
    );
  }
  const commentTarget =
    pullRequest && settings.comment && !event.fromFork
      ? commentTargetFor(pullRequest.number)
      : undefined;
  const octokit =
    commentTarget && settings.githubToken ? createOctokit(settings.githubToken) : undefined;
  // The token's login cannot go stale: ask now. Our comment is looked up once the run
  // completes, beside the reads of its results (or when the gate fails): early enough to
  // cost no time, late enough not to be stale.
  const login = octokit ? readViewerLogin(octokit) : undefined;
  login?.catch(() => undefined); // reported where it is awaited
  let lookup: Promise<StickyComment | undefined> | undefined;
  const findExisting = (): Promise<StickyComment | undefined> | undefined => {
    if (!octokit || !commentTarget || !login) return undefined;
    lookup ??= lookUpComment(octokit, commentTarget, settings.commentHeader, login);
    lookup.catch(() => undefined);
    return lookup;
  };

  const evidence = emptyEvidence();
  let error: string | undefined;
  try {
    await gatherEvidence(
      { ...settings, spec: head.spec, readValues: valuesHidden === undefined },
      {
        client,
        now: Date.now,
        sleep: abortableSleep,
        log: (message) => core.info(message),
        signal,
        onCompleted: () => void findExisting(),
        firstHistoryPage,
        attempt: process.env.GITHUB_RUN_ID
          ? {
              repository: process.env.GITHUB_REPOSITORY ?? '',
              runId: process.env.GITHUB_RUN_ID,
              runAttempt: process.env.GITHUB_RUN_ATTEMPT ?? '1',
              job: process.env.GITHUB_JOB ?? '',
            }
          : undefined,
      },
      evidence,
    );
  } catch (thrown) {
    // Cancelled: exit within the runner's grace period, without writing to GitHub.
    if (signal.aborted) throw thrown;
    // Any other failure is reported where the passing report would have been, so an
    // earlier "pass" comment never stands for a gate that could not judge.
    error = errorMessage(thrown);
  }

  const report = assembleReport({
    settings,
    evidence,
    error,
    pullRequest,
    mergeGroup: event.mergeGroup,
    startedAt,
    valuesHidden,
  });
  const reportPath = await writeReportFile(report, redact);
  const deferred = deferToPhaseTwo
    ? '\n> The pull request comes from a fork: the comment is posted by the second phase of the workflow (`mode: comment`).\n'
    : '';
  await writeSummary(redact(renderSummary(report)) + deferred);

  let commentUrl = '';
  const existing = findExisting();
  if (commentTarget) {
    if (!octokit || !existing) {
      core.warning(NO_TOKEN_WARNING);
    } else {
      commentUrl = await postComment(
        octokit,
        commentTarget,
        existing,
        reportComment(report),
        redact,
      );
    }
  } else if (pullRequest === undefined) {
    core.info(
      `Event '${context.eventName}' is not a pull request: report in the job summary, no comment.`,
    );
  }

  setOutputs(report, reportPath, commentUrl);
  conclude(report, redact);
}
