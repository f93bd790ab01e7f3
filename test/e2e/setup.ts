// Shared plumbing of the end-to-end tests: fresh fakes per test, the bundled action run against
// them, and the checks that hold for every run (the API key never leaks, it travels only in the
// header of the API the fake Retab speaks).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExpectStatic, TestContext } from 'vitest';
import { startFakeGitHub } from '../fakes/github.ts';
import type { FakeGitHub, GitHubScenario } from '../fakes/github.ts';
import { startFakeRetab } from '../fakes/retab.ts';
import type { FakeRetab, RetabScenario } from '../fakes/retab.ts';
import type { HoldOptions, RecordedRequest } from '../fakes/http.ts';
import { runAction } from '../harness/run-action.ts';
import type { ActionRun } from '../harness/run-action.ts';
import {
  API_KEY,
  EXPERIMENT_ID,
  WORKFLOW_ID,
  expectKeyOnlyInHeader,
  scenario,
} from '../harness/scenario.ts';

export {
  API_KEY,
  BASE,
  BEFORE,
  CONTENT_PATH,
  CURRENT_RUNS_PATH,
  DIALECTS,
  DOCS,
  DROP,
  EXPERIMENT_ID,
  METRICS_PATH,
  NEW_JOB,
  NEW_RUN,
  ROUTES_OF,
  RUNS_PATH,
  TRIGGER_PATH,
  WORKFLOW_ID,
  costScenario,
  expectKeyOnlyInHeader,
  history,
  ms,
  next,
  pairedScenario,
  requestsTo,
  scenario,
  scores,
} from '../harness/scenario.ts';
export const GITHUB_TOKEN = 'ghs_e2eFakeInstallationToken_8Kp3';
export const MARKER = '<!-- retab-experiment-gate:exp_test -->';
/** The pull request of the harness's default event. */
export const PR = 7;

// ---- per-test resources, closed by `closeFakes` in afterEach ----

const resources = new Map<string, Array<() => Promise<void>>>();

function own(ctx: TestContext, close: () => Promise<void>): void {
  const list = resources.get(ctx.task.id) ?? [];
  list.push(close);
  resources.set(ctx.task.id, list);
}

/** afterEach hook: closes what this test (and only this one: tests run concurrently) opened. */
export async function closeFakes(ctx: TestContext): Promise<void> {
  const list = resources.get(ctx.task.id) ?? [];
  resources.delete(ctx.task.id);
  await Promise.all(list.map((close) => close()));
}

export interface Fakes {
  retab: FakeRetab;
  github: FakeGitHub;
}

/** The fakes of one test; `hold` keeps the answers it matches waiting until `fakes.retab.held` releases them. */
export async function startFakes(
  ctx: TestContext,
  retabScenario: RetabScenario = scenario(),
  githubScenario: Partial<GitHubScenario> = {},
  hold?: HoldOptions,
): Promise<Fakes> {
  const [retab, github] = await Promise.all([
    startFakeRetab(retabScenario, { hold }),
    startFakeGitHub({ token: GITHUB_TOKEN, ...githubScenario }),
  ]);
  own(ctx, () => retab.close());
  own(ctx, () => github.close());
  return { retab, github };
}

/** Another fake Retab for the same test, e.g. a second run of the action against one GitHub. */
export async function startRetab(
  ctx: TestContext,
  retabScenario: RetabScenario,
): Promise<FakeRetab> {
  const retab = await startFakeRetab(retabScenario);
  own(ctx, () => retab.close());
  return retab;
}

// ---- running the action ----

export interface GateRun extends ActionRun {
  /** The text of the file named by output `report-path`, read before anything else can remove it. */
  reportText: string | undefined;
}

export interface GateOptions {
  inputs?: Record<string, string>;
  eventName?: string;
  /** The event payload; default: the harness's payload for `eventName`. */
  event?: unknown;
  /** Extra environment, e.g. another GITHUB_RUN_ID for a later workflow run. */
  env?: Record<string, string>;
}

/** The inputs of a gate against the fakes, `inputs` over them. */
export function usualInputs(fakes: Fakes, inputs: Record<string, string> = {}) {
  return {
    'api-key': API_KEY,
    'workflow-id': WORKFLOW_ID,
    'experiment-id': EXPERIMENT_ID,
    'api-base-url': fakes.retab.url,
    'github-token': GITHUB_TOKEN,
    ...inputs,
  };
}

/**
 * Runs dist/index.js against the fakes with the usual inputs (overridden by `inputs`), then
 * checks what must hold for every run: the key leaked nowhere and went only in the header of the
 * API the fake Retab speaks.
 */
export async function gate(
  ctx: TestContext,
  fakes: Fakes,
  opts: GateOptions = {},
): Promise<GateRun> {
  // Our own RUNNER_TEMP: the harness deletes its own when the run ends, with the report in it.
  const runnerTemp = await mkdtemp(join(tmpdir(), 'experiment-gate-e2e-'));
  own(ctx, () => rm(runnerTemp, { recursive: true, force: true }));
  const run = await runAction({
    inputs: usualInputs(fakes, opts.inputs),
    eventName: opts.eventName ?? 'pull_request',
    ...(opts.event === undefined ? {} : { event: opts.event }),
    githubApiUrl: fakes.github.url,
    env: { RUNNER_TEMP: runnerTemp, ...opts.env },
  });
  const reportPath = run.outputs['report-path'];
  const reportText =
    reportPath === undefined || reportPath === '' ? undefined : await readFile(reportPath, 'utf8');
  const result: GateRun = { ...run, reportText };
  // The test's own expect: tests run concurrently.
  expectKeyHidden(ctx.expect, result, fakes);
  expectKeyOnlyInHeader(ctx.expect, fakes.retab);
  return result;
}

/**
 * The API key appears nowhere a person or a log could read it, and is masked before anything
 * else is printed; the GitHub token stays out of everything but GitHub's Authorization header.
 */
export function expectKeyHidden(expect: ExpectStatic, run: GateRun, fakes: Fakes): void {
  const maskLine = `::add-mask::${API_KEY}`;
  const stdoutLines = run.stdout.split(/\r?\n/);
  const maskAt = stdoutLines.indexOf(maskLine);
  // A crashed action prints no mask: show why, rather than only that.
  expect(maskAt, `the key is masked (stderr: ${run.stderr.slice(-500)})`).toBeGreaterThanOrEqual(0);
  expect(
    stdoutLines.slice(0, maskAt).every((line) => line.startsWith('::add-mask::')),
    'the key is masked before anything else is printed',
  ).toBe(true);
  const readable: Record<string, string> = {
    stdout: stdoutLines.filter((line) => !line.startsWith('::add-mask::')).join('\n'),
    stderr: run.stderr,
    outputs: JSON.stringify(run.outputs),
    summary: run.summary,
    report: run.reportText ?? '',
    'comments on the PR': JSON.stringify(fakes.github.comments(PR)),
  };
  for (const [place, text] of Object.entries(readable)) {
    expect(text.includes(API_KEY), `the API key appears in ${place}`).toBe(false);
    expect(text.includes(GITHUB_TOKEN), `the GitHub token appears in ${place}`).toBe(false);
  }
  expect(
    JSON.stringify(fakes.github.requests).includes(API_KEY),
    'the API key reached GitHub',
  ).toBe(false);
}

// ---- reading what the user sees ----

/** `::error::` lines of the log (what the runner shows as annotations). */
export function errorLines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((line) => line.startsWith('::error::'));
}

export function warningLines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((line) => line.startsWith('::warning::'));
}

const COMMENTS_PATH = /^\/repos\/acme\/invoices\/issues\/\d+\/comments$/;
const COMMENT_PATH = /^\/repos\/acme\/invoices\/issues\/comments\/\d+$/;

/** Comment writes that reached the fake GitHub. */
export function commentWrites(github: FakeGitHub): {
  posts: RecordedRequest[];
  patches: RecordedRequest[];
} {
  return {
    posts: github.requests.filter((r) => r.method === 'POST' && COMMENTS_PATH.test(r.path)),
    patches: github.requests.filter((r) => r.method === 'PATCH' && COMMENT_PATH.test(r.path)),
  };
}

/** Comments on the PR whose first line is our marker. */
export function markedComments(github: FakeGitHub, marker = MARKER) {
  return github.comments(PR).filter((c) => c.body.split('\n', 1)[0] === marker);
}

/**
 * The rows of the per-document tables (shown, then folded), as cells:
 * [document, reference, current, delta, status].
 */
export function documentRows(markdown: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf('### Documents');
  if (start < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    // The section ends at the next heading (the field tables of regressed documents follow it).
    if (line.startsWith('#')) break;
    if (!line.startsWith('|')) continue;
    const cells = line
      .replace(/^\|\s?/, '')
      .replace(/\s?\|$/, '')
      .split(' | ')
      .map((cell) => cell.trim());
    if (cells[0] === 'Document' || cells.every((cell) => /^:?-+:?$/.test(cell))) continue;
    rows.push(cells);
  }
  return rows;
}
