import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { assembleReport } from './gate/assemble.js';
import {
  findStickyComment,
  readViewerLogin,
  writeStickyComment,
  type CommentTarget,
  type StickyComment,
} from './github/comment.js';
import { retryGitHubRequests } from './github/retry.js';
import { reportsNewerRun } from './report/run-data.js';
import { INPUT, OUTPUT, commentMarker } from './names.js';
import { runnerInput, type CommentSettings } from './inputs.js';
import { headStart, type HeadStart } from './head-start.js';
import { readEvent } from './github/event.js';
import { parseReport, REPORT_MAX_BYTES } from './report/schema.js';
import { explainVerdict, renderComment, renderSummary } from './report/markdown.js';
import type { Report } from './report/model.js';
import { emptyEvidence, gatherEvidence } from './retab/evidence.js';
import { abortableSleep } from './retry.js';

/**
 * The action, once the head start (src/head-start.ts) has read the inputs and sent the first
 * request: mask the secrets, gather evidence from Retab, judge, report, set the step's result.
 */
export async function run(started?: HeadStart): Promise<void> {
  // No argument (local-action, the template's convention): do the head start here.
  const head = started ?? (await headStart());
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

  try {
    if (head.mode === 'invalid') throw head.error;
    if (head.mode === 'comment') await commentFromReport(head.settings);
    else await gate(head, redact);
  } catch (error) {
    core.setOutput(OUTPUT.verdict, 'error');
    core.setFailed(redact(failureMessage(error)));
  }
}

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
  if (pullRequest && event.fromFork && settings.comment) {
    core.info(
      'Pull request from a fork: its token cannot comment. The report is left at the output ' +
        "'report-path' for the second phase ('mode: comment' on workflow_run) to post.",
    );
  }
  const commentTarget =
    pullRequest && settings.comment && !event.fromFork
      ? commentTargetFor(pullRequest.number)
      : undefined;
  // baseUrl from the context, not getOctokit's default: local-action reads GITHUB_API_URL from
  // its .env file after that default was fixed (the same value on a runner).
  const octokit =
    commentTarget && settings.githubToken
      ? github.getOctokit(settings.githubToken, { baseUrl: context.apiUrl })
      : undefined;
  if (octokit) retryGitHubRequests(octokit, { onRetry: (message) => core.info(message) });
  // The token's login cannot go stale: ask now. Our comment is looked up once the run
  // completes, beside the reads of its results (or when the gate fails): early enough to
  // cost no time, late enough not to be stale.
  const login = octokit ? readViewerLogin(octokit) : undefined;
  login?.catch(() => undefined); // reported where it is awaited
  let lookup: Promise<StickyComment | undefined> | undefined;
  const findExisting = (): Promise<StickyComment | undefined> | undefined => {
    if (!octokit || !commentTarget || !login) return undefined;
    const marker = commentMarker(settings.commentHeader);
    lookup ??= login.then((me) => findStickyComment(octokit, commentTarget, marker, me));
    lookup.catch(() => undefined);
    return lookup;
  };

  const evidence = emptyEvidence();
  let error: string | undefined;
  try {
    await gatherEvidence(
      settings,
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
    error = failureMessage(thrown);
  }

  const report = assembleReport({
    settings,
    evidence,
    error,
    pullRequest,
    mergeGroup: event.mergeGroup,
    startedAt,
  });
  const reportPath = await writeReportFile(report, redact);
  const deferred =
    pullRequest && event.fromFork && settings.comment
      ? '\n> The pull request comes from a fork: the comment is posted by the second phase of the workflow (`mode: comment`).\n'
      : '';
  await writeSummary(redact(renderSummary(report)) + deferred);

  let commentUrl = '';
  const existing = findExisting();
  if (commentTarget) {
    if (!octokit || !existing) {
      core.warning(
        `No PR comment: input '${INPUT.githubToken}' is empty. Leave it at its default (\${{ github.token }}).`,
      );
    } else {
      commentUrl = await postComment(octokit, commentTarget, existing, report, redact);
    }
  } else if (pullRequest === undefined) {
    core.info(
      `Event '${context.eventName}' is not a pull request: report in the job summary, no comment.`,
    );
  }

  setOutputs(report, reportPath, commentUrl);
  conclude(report, redact);
}

/**
 * Phase two of the fork-safe workflow: the comment from a report written by phase one. The
 * report is untrusted (a fork's workflow made it): it is schema-checked and size-capped, the
 * comment is rendered again from its data, and it is posted only on the pull request it names,
 * and only while that pull request's head is the commit both the report and this
 * workflow_run were made for.
 */
async function commentFromReport(settings: CommentSettings): Promise<void> {
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
  const octokit = github.getOctokit(settings.githubToken, { baseUrl: context.apiUrl });
  retryGitHubRequests(octokit, { onRetry: (message) => core.info(message) });
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
  const marker = commentMarker(header);
  const existing = readViewerLogin(octokit).then((login) =>
    findStickyComment(octokit, target, marker, login),
  );
  const url = await postComment(octokit, target, existing, { ...report, header }, (t) => t);
  core.setOutput(OUTPUT.verdict, report.verdict);
  core.setOutput(OUTPUT.commentUrl, url);
  if (!url) core.setFailed('The comment was not written (see the warning above).');
}

function commentTargetFor(issueNumber: number): CommentTarget {
  const { owner, repo } = github.context.repo;
  return { owner, repo, issueNumber };
}

async function postComment(
  octokit: ReturnType<typeof github.getOctokit>,
  target: CommentTarget,
  existing: Promise<StickyComment | undefined>,
  report: Report,
  redact: (text: string) => string,
): Promise<string> {
  try {
    const current = await existing;
    // Two pushes racing: the later run's report stays, whichever finishes last.
    if (current && reportsNewerRun(current.body, report)) {
      core.info(`The PR comment already reports a newer run; left as it is: ${current.url}`);
      return current.url;
    }
    const body = redact(renderComment(report));
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
      `The PR comment was not written: ${(error as Error).message}.${fix} The report is in the job summary.`,
    );
    return '';
  }
}

/** The JSON report, in a directory of its own: two steps of one job never share a file. */
async function writeReportFile(report: Report, redact: (text: string) => string): Promise<string> {
  const parent = join(process.env.RUNNER_TEMP || tmpdir(), 'experiment-gate');
  await mkdir(parent, { recursive: true });
  const path = join(await mkdtemp(join(parent, 'report-')), 'report.json');
  await writeFile(path, redact(JSON.stringify(report, null, 2)) + '\n');
  return path;
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(markdown).write();
  } catch (error) {
    core.warning(`The job summary was not written: ${(error as Error).message}`);
  }
}

function setOutputs(report: Report, reportPath: string, commentUrl: string): void {
  const number = (value: number | null | undefined) =>
    value === null || value === undefined ? '' : String(Number(value.toFixed(4)));
  const delta = report.comparison?.delta;
  core.setOutput(OUTPUT.runId, report.run?.id ?? '');
  core.setOutput(OUTPUT.jobId, report.run?.jobId ?? '');
  core.setOutput(OUTPUT.score, number(report.run?.score));
  core.setOutput(OUTPUT.previousScore, number(report.previous?.score));
  core.setOutput(OUTPUT.baselineScore, number(report.baseline?.score));
  core.setOutput(OUTPUT.delta, number(delta));
  core.setOutput(OUTPUT.verdict, report.verdict);
  core.setOutput(OUTPUT.regressedDocuments, String(report.regressedCount));
  core.setOutput(OUTPUT.reportPath, reportPath);
  core.setOutput(OUTPUT.commentUrl, commentUrl);
  core.setOutput(OUTPUT.deltaLow, number(report.noise?.interval?.low));
  core.setOutput(OUTPUT.deltaHigh, number(report.noise?.interval?.high));
  core.setOutput(OUTPUT.fingerprint, report.run?.definitionFingerprint ?? '');
}

function conclude(report: Report, redact: (text: string) => string): void {
  const why = redact(explainVerdict(report));
  if (report.verdict === 'pass') core.info(`Verdict: pass (score ${report.run?.score ?? '—'}).`);
  else if (report.verdict === 'error') core.setFailed(`Verdict: error. ${why}`);
  else if (report.blocking) core.setFailed(`Verdict: regression. ${why}`);
  else core.warning(`Verdict: regression (not blocking: fail-on-regression is false). ${why}`);
}

function failureMessage(error: unknown): string {
  return error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`;
}
