// What the step leaves behind: the JSON report file, the job summary, the outputs, and its
// result (pass, warning or failure).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { errorMessage } from './errors.js';
import { OUTPUT } from './names.js';
import { documentsAdvice } from './report/power.js';
import { explainVerdict } from './report/sections.js';
import type { Report } from './report/model.js';

/** The JSON report, in a directory of its own: two steps of one job never share a file. */
export async function writeReportFile(
  report: Report,
  redact: (text: string) => string,
): Promise<string> {
  const parent = join(process.env.RUNNER_TEMP || tmpdir(), 'experiment-gate');
  await mkdir(parent, { recursive: true });
  const path = join(await mkdtemp(join(parent, 'report-')), 'report.json');
  await writeFile(path, redact(JSON.stringify(report, null, 2)) + '\n');
  return path;
}

export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(markdown).write();
  } catch (error) {
    core.warning(`The job summary was not written: ${errorMessage(error)}`);
  }
}

export function setOutputs(report: Report, reportPath: string, commentUrl: string): void {
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
  core.setOutput(OUTPUT.detectableDrop, number(report.noise?.detectableDrop));
  core.setOutput(OUTPUT.fingerprint, report.run?.definitionFingerprint ?? '');
  core.setOutput(OUTPUT.reused, String(report.run?.reused === true));
  core.setOutput(OUTPUT.regressedFields, report.fields ? String(report.fields.regressedCount) : '');
  core.setOutput(
    OUTPUT.configChanged,
    report.configuration ? String(report.configuration.applied) : '',
  );
  core.setOutput(OUTPUT.creditsPerDocument, number(report.cost?.credits.current));
  core.setOutput(OUTPUT.creditsDelta, number(report.cost?.credits.delta));
  core.setOutput(OUTPUT.secondsPerDocument, number(report.cost?.seconds.current));
  core.setOutput(OUTPUT.secondsDelta, number(report.cost?.seconds.delta));
}

/** The step's result: pass, a warning (a regression that does not block), or a failure. */
export function conclude(report: Report, redact: (text: string) => string): void {
  const why = redact(explainVerdict(report));
  // A threshold that cannot be checked is said with the result: the verdict stands on accuracy.
  for (const { input, why } of report.cost?.unchecked ?? []) {
    core.warning(`Input '${input}' could not be checked: ${why}. The verdict stands on accuracy.`);
  }
  const advice = documentsAdvice(report);
  if (advice) core.notice(redact(advice));
  if (report.verdict === 'pass') core.info(`Verdict: pass (score ${report.run?.score ?? '—'}).`);
  else if (report.verdict === 'error') core.setFailed(`Verdict: error. ${why}`);
  else if (report.blocking) core.setFailed(`Verdict: regression. ${why}`);
  else core.warning(`Verdict: regression (not blocking: fail-on-regression is false). ${why}`);
}
