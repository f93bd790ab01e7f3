// Shared plumbing of the end-to-end tests: fresh fakes per test, the bundled action run against
// them, and the checks that hold for every run (the API key never leaks, it travels only in the
// Api-Key header).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExpectStatic, TestContext } from 'vitest';
import { startFakeGitHub } from '../fakes/github.ts';
import type { FakeGitHub, GitHubScenario } from '../fakes/github.ts';
import { startFakeRetab } from '../fakes/retab.ts';
import type {
  FakeDocument,
  FakeHistoryRun,
  FakeNextRun,
  FakeRetab,
  RetabScenario,
} from '../fakes/retab.ts';
import type { RecordedRequest } from '../fakes/http.ts';
import { scoresOf } from '../fakes/scenarios.ts';
import { runAction } from '../harness/run-action.ts';
import type { ActionRun } from '../harness/run-action.ts';

/** Distinctive, so that any leak of it is found by a plain substring search. */
export const API_KEY = 'rk_live_e2eSecretKey_4Qz9Lm2Vx7Tn';
export const GITHUB_TOKEN = 'ghs_e2eFakeInstallationToken_8Kp3';
export const WORKFLOW_ID = 'wf_test';
export const EXPERIMENT_ID = 'exp_test';
export const MARKER = '<!-- retab-experiment-gate:exp_test -->';
/** The pull request of the harness's default event. */
export const PR = 7;
export const NEW_RUN = 'exprun_new';
export const NEW_JOB = 'job_new';

/** Plain filenames: nothing in them is escaped, so the tables can be read back cell by cell. */
export const DOCS = ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((name, i) => ({
  id: `expdoc_${i + 1}`,
  filename: `${name}.pdf`,
}));

/** Scores of alpha..echo, in that order. */
export function scores(...values: Array<number | null>): Record<string, number | null> {
  return scoresOf(DOCS, values);
}

/** Mean 0.88. */
export const BASE = [0.9, 0.85, 0.8, 0.95, 0.9] as const;

export function history(
  id: string,
  definitionFingerprint: string,
  values: readonly (number | null)[],
  extra: Partial<FakeHistoryRun> = {},
): FakeHistoryRun {
  // A short duration keeps the action's forecast, and so its first poll, short.
  return { id, definitionFingerprint, scores: scores(...values), durationMs: 400, ...extra };
}

export function next(
  values: readonly (number | null)[],
  extra: Partial<FakeNextRun> = {},
): FakeNextRun {
  return {
    definitionFingerprint: 'fp_next',
    scores: scores(...values),
    jobDurationMs: 200,
    ...extra,
  };
}

/** One completed run ('exprun_1', 'fp_base', BASE) and a next run with the same scores. */
export function scenario(overrides: Partial<RetabScenario> = {}): RetabScenario {
  return {
    apiKey: API_KEY,
    workflowId: WORKFLOW_ID,
    experimentId: EXPERIMENT_ID,
    documents: DOCS,
    history: [history('exprun_1', 'fp_base', BASE)],
    next: next(BASE),
    ...overrides,
  };
}

/** One completed reference run and a next run over any documents, scores in document order. */
export function pairedScenario(
  documents: FakeDocument[],
  reference: readonly (number | null)[],
  current: readonly (number | null)[],
  overrides: Partial<RetabScenario> = {},
): RetabScenario {
  return scenario({
    documents,
    history: [
      {
        id: 'exprun_1',
        definitionFingerprint: 'fp_base',
        scores: scoresOf(documents, [...reference]),
        durationMs: 400,
      },
    ],
    next: {
      definitionFingerprint: 'fp_next',
      scores: scoresOf(documents, [...current]),
      jobDurationMs: 200,
    },
    ...overrides,
  });
}

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

export async function startFakes(
  ctx: TestContext,
  retabScenario: RetabScenario = scenario(),
  githubScenario: Partial<GitHubScenario> = {},
): Promise<Fakes> {
  const [retab, github] = await Promise.all([
    startFakeRetab(retabScenario),
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

/**
 * Runs dist/index.js against the fakes with the usual inputs (overridden by `inputs`), then
 * checks what must hold for every run: the key leaked nowhere and went only in the Api-Key header.
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
    inputs: {
      'api-key': API_KEY,
      'workflow-id': WORKFLOW_ID,
      'experiment-id': EXPERIMENT_ID,
      'api-base-url': fakes.retab.url,
      'github-token': GITHUB_TOKEN,
      ...opts.inputs,
    },
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
  expectKeyOnlyInHeader(ctx.expect, fakes.retab.requests);
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

/** Every request carried the key in the Api-Key header, and no URL carried it. */
export function expectKeyOnlyInHeader(
  expect: ExpectStatic,
  requests: readonly RecordedRequest[],
): void {
  for (const req of requests) {
    const where = `${req.method} ${req.path}`;
    expect(req.headers['api-key'], `Api-Key header of ${where}`).toBe(API_KEY);
    const url = `${req.path}?${new URLSearchParams(req.query).toString()}`;
    expect(url.includes(API_KEY), `the key is in the URL of ${where}`).toBe(false);
    expect(url.includes(encodeURIComponent(API_KEY)), `the key is in the URL of ${where}`).toBe(
      false,
    );
  }
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

/** The requests that reached a fake on one method and path. */
export function requestsTo(
  fake: { requests: RecordedRequest[] },
  method: string,
  path: string,
): RecordedRequest[] {
  return fake.requests.filter((r) => r.method === method && r.path === path);
}

export const TRIGGER_PATH = `/v1/workflows/${WORKFLOW_ID}/experiments/${EXPERIMENT_ID}/run`;
export const METRICS_PATH = `/v1/workflows/${WORKFLOW_ID}/experiments/${EXPERIMENT_ID}/metrics`;
export const RUNS_PATH = `/v1/workflows/${WORKFLOW_ID}/experiments/${EXPERIMENT_ID}/runs`;
