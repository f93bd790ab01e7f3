import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
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
import { INPUT, OUTPUT, commentMarker } from './names.js';
import { readSettings, type Settings } from './inputs.js';
import { explainVerdict, renderComment, renderSummary } from './report/markdown.js';
import type { Report } from './report/model.js';
import { createRetabClient } from './retab/client.js';
import { emptyEvidence, gatherEvidence } from './retab/evidence.js';
import { abortableSleep } from './retry.js';

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** The action: read inputs, gather evidence from Retab, judge, report, set the step's result. */
export async function run(): Promise<void> {
  // Mask the secrets before anything else can print them. The mask covers the log only:
  // whatever goes to the PR, the summary or the report file is redacted by `redact`.
  const secrets = [INPUT.apiKey, INPUT.githubToken]
    .map((name) => core.getInput(name).trim())
    .filter((value) => value.length >= 4);
  for (const secret of secrets) core.setSecret(secret);
  const redact = (text: string) =>
    secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  core.setOutput(OUTPUT.verdict, 'error');
  const abort = new AbortController();
  const onSignal = (signal: string) => {
    core.warning(`Received ${signal}: cancelling the Retab run.`);
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const settings = readSettings((name) => core.getInput(name));
    await gate(settings, abort.signal, redact);
  } catch (error) {
    core.setOutput(OUTPUT.verdict, 'error');
    core.setFailed(redact(failureMessage(error)));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function gate(
  settings: Settings,
  signal: AbortSignal,
  redact: (text: string) => string,
): Promise<void> {
  const { context } = github;
  const client = createRetabClient({
    baseUrl: settings.apiBaseUrl,
    apiKey: settings.apiKey,
    signal,
    sleep: abortableSleep,
    onRetry: (message) => core.info(message),
  });
  const pullRequest = PULL_REQUEST_EVENTS.has(context.eventName)
    ? (context.payload.pull_request?.number as number | undefined)
    : undefined;
  const commentTarget =
    pullRequest !== undefined && settings.comment ? commentTargetFor(pullRequest) : undefined;
  const octokit =
    commentTarget && settings.githubToken ? github.getOctokit(settings.githubToken) : undefined;
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

  const report = assembleReport({ settings, evidence, error, pullRequest });
  const reportPath = await writeReportFile(report, redact);
  await writeSummary(redact(renderSummary(report)));

  let commentUrl = '';
  const existing = findExisting();
  if (commentTarget) {
    if (!octokit || !existing) {
      core.warning(
        `No PR comment: input '${INPUT.githubToken}' is empty. Leave it at its default (\${{ github.token }}).`,
      );
    } else {
      commentUrl = await postComment(
        octokit,
        commentTarget,
        existing,
        redact(renderComment(report)),
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

function commentTargetFor(issueNumber: number): CommentTarget {
  const { owner, repo } = github.context.repo;
  return { owner, repo, issueNumber };
}

async function postComment(
  octokit: ReturnType<typeof github.getOctokit>,
  target: CommentTarget,
  existing: Promise<StickyComment | undefined>,
  body: string,
): Promise<string> {
  try {
    const result = await writeStickyComment(octokit, target, await existing, body);
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
