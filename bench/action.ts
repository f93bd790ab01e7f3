// The whole action, as the runner starts it: `node dist/index.js` in its own process, against the
// local fake Retab (with an injected delay on every answer) and the fake GitHub behind a delay
// proxy. What it costs beyond the run's own time, its peak memory, and how fast it starts.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeGitHub } from '../test/fakes/github.ts';
import type { RecordedRequest } from '../test/fakes/http.ts';
import { startFakeRetab, type RetabScenario } from '../test/fakes/retab.ts';
import { invoiceDocuments, scoresOf } from '../test/fakes/scenarios.ts';
import { DEFAULT_ENTRY, runAction } from '../test/harness/run-action.ts';
import { startDelayProxy } from './delay-proxy.ts';
import { seededRandom } from './jobs.ts';

const API_KEY = 'bench-key';
const GITHUB_TOKEN = 'ghs_benchToken';
const RSS_PROBE = fileURLToPath(new URL('./rss-probe.mjs', import.meta.url));

export interface OverheadResult {
  documents: number;
  jobMs: number;
  /** Process start to exit. */
  wallMs: number;
  /** wallMs less the run's own duration. */
  overheadMs: number;
  peakRssMb: number;
  code: number | null;
  verdict: string;
  /** Where the time went, in ms. */
  phases: {
    start: number;
    beforeRun: number;
    detection: number;
    afterCompletion: number;
    exit: number;
  };
  /** Requests sent after the poll that saw the run completed (method, path, ms after it). */
  afterRequests: string[];
  retabRequests: number;
  githubRequests: number;
}

function scenarioScores(documents: number) {
  const docs = invoiceDocuments(documents);
  const random = seededRandom(documents);
  const base = docs.map(() => Math.round((0.6 + 0.4 * random()) * 100) / 100);
  // A pull request that moves a few documents a little: a pass, with a full table to render.
  const next = base.map((score) => {
    const move = random() < 0.1 ? (random() < 0.5 ? -0.01 : 0.01) : 0;
    return Math.min(1, Math.max(0, Math.round((score + move) * 100) / 100));
  });
  return { docs, base: scoresOf(docs, base), next: scoresOf(docs, next) };
}

function describe(request: RecordedRequest, zero: number): string {
  return `${request.method} ${request.path} +${request.at - zero} ms`;
}

/** Another situation than the usual pass: a change of the fake's scenario, more inputs. */
export interface OverheadVariant {
  scenario?: (scenario: RetabScenario) => RetabScenario;
  /** Over the usual inputs. */
  inputs?: Record<string, string>;
  /** The event's payload (default: the harness's pull request). */
  event?: unknown;
}

/** One run of the action on `documents` documents whose run takes `jobMs`. */
export async function measureOverhead(
  documents: number,
  jobMs: number,
  latencyMs: number,
  entry = DEFAULT_ENTRY,
  variant: OverheadVariant = {},
): Promise<OverheadResult> {
  const { docs, base, next } = scenarioScores(documents);
  const usual: RetabScenario = {
    apiKey: API_KEY,
    workflowId: 'wf_bench',
    experimentId: 'exp_bench',
    documents: docs,
    history: [
      { id: 'exprun_1', definitionFingerprint: 'fp_base', scores: base, durationMs: jobMs },
    ],
    next: { definitionFingerprint: 'fp_next', scores: next, jobDurationMs: jobMs },
    latencyMs,
  };
  const retab = await startFakeRetab(variant.scenario?.(usual) ?? usual);
  const github = await startFakeGitHub({
    token: GITHUB_TOKEN,
    comments: [
      { issue: 7, body: 'Looks good to me.', login: 'octocat' },
      { issue: 7, body: 'Could you rebase?', login: 'hubot' },
    ],
  });
  const proxy = await startDelayProxy(github.url, latencyMs);
  const dir = await mkdtemp(join(tmpdir(), 'experiment-gate-bench-'));
  const rssFile = join(dir, 'rss');
  try {
    let spawnedAt = 0;
    const run = await runAction({
      inputs: {
        'api-key': API_KEY,
        'workflow-id': 'wf_bench',
        'experiment-id': 'exp_bench',
        'api-base-url': retab.url,
        'github-token': GITHUB_TOKEN,
        'max-drop': '0.02',
        ...variant.inputs,
      },
      ...(variant.event === undefined ? {} : { event: variant.event }),
      githubApiUrl: proxy.url,
      entry,
      env: {
        // BENCH_NODE_OPTIONS: extra flags for the action's process, e.g. --cpu-prof to profile it.
        NODE_OPTIONS: `--import=${RSS_PROBE} ${process.env.BENCH_NODE_OPTIONS ?? ''}`.trim(),
        BENCH_RSS_FILE: rssFile,
      },
      timeoutMs: 120_000,
      onSpawn: () => {
        spawnedAt = Date.now();
      },
    });
    const exitedAt = spawnedAt + run.durationMs;
    const all = [...retab.requests, ...github.requests].sort((a, b) => a.at - b.at);
    // The older API's trigger, or the current one's.
    const trigger = retab.requests.find(
      (r) =>
        r.method === 'POST' &&
        (r.path.endsWith('/run') || r.path === '/v1/workflows/experiments/runs'),
    );
    if (trigger === undefined || run.outputs.verdict === undefined) {
      throw new Error(`the action did not run through:\n${run.stdout}\n${run.stderr}`);
    }
    const completedAt = trigger.at + jobMs;
    const sawEnd = retab.requests.find(
      (r) => r.method === 'GET' && r.path.includes('/experiments/runs/') && r.at >= completedAt,
    );
    const seenAt = (sawEnd?.at ?? completedAt) + latencyMs;
    const last = all[all.length - 1];
    const lastAnsweredAt = (last?.at ?? seenAt) + latencyMs;
    const peakKb = Number(await readFile(rssFile, 'utf8').catch(() => 'NaN'));
    return {
      documents,
      jobMs,
      wallMs: run.durationMs,
      overheadMs: run.durationMs - jobMs,
      peakRssMb: peakKb / 1024,
      code: run.code,
      verdict: run.outputs.verdict,
      phases: {
        start: (all[0]?.at ?? spawnedAt) - spawnedAt,
        beforeRun: trigger.at - (all[0]?.at ?? trigger.at),
        detection: seenAt - completedAt,
        afterCompletion: lastAnsweredAt - seenAt,
        exit: exitedAt - lastAnsweredAt,
      },
      afterRequests: all
        .filter((r) => sawEnd !== undefined && r.at > sawEnd.at)
        .map((r) => describe(r, sawEnd?.at ?? 0)),
      retabRequests: retab.requests.length,
      githubRequests: github.requests.length,
    };
  } finally {
    await Promise.all([retab.close(), github.close(), proxy.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Spawn of `node dist/index.js` to the first request it sends (no injected delay). */
export async function measureColdStart(
  entry = DEFAULT_ENTRY,
  dialect: 'older' | 'current' = 'older',
): Promise<number> {
  const { docs, base } = scenarioScores(5);
  const retab = await startFakeRetab({
    dialect,
    apiKey: API_KEY,
    workflowId: 'wf_bench',
    experimentId: 'exp_bench',
    documents: docs,
    history: [{ id: 'exprun_1', definitionFingerprint: 'fp_base', scores: base, durationMs: 200 }],
    next: { definitionFingerprint: 'fp_next', scores: base, jobDurationMs: 200 },
  });
  const github = await startFakeGitHub({ token: GITHUB_TOKEN });
  try {
    let spawnedAt = 0;
    await runAction({
      inputs: {
        'api-key': API_KEY,
        'workflow-id': 'wf_bench',
        'experiment-id': 'exp_bench',
        'api-base-url': retab.url,
        'github-token': GITHUB_TOKEN,
      },
      githubApiUrl: github.url,
      entry,
      onSpawn: () => {
        spawnedAt = Date.now();
      },
    });
    const first = Math.min(retab.requests[0]?.at ?? Infinity, github.requests[0]?.at ?? Infinity);
    if (!Number.isFinite(first)) throw new Error('the action sent no request');
    return first - spawnedAt;
  } finally {
    await Promise.all([retab.close(), github.close()]);
  }
}

/** Start and exit of a bare `node -e ''`: the floor under any cold start. */
export async function measureBareNode(): Promise<number> {
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', () => resolve());
  });
  return Date.now() - started;
}
