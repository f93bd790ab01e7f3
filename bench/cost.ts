// `node bench/cost.ts`: what "Cost and time" adds (issue 21), with 25 ms per request, at 100 and
// 10,000 documents, on both of Retab's APIs, in two parts:
//
// 1. the reads alone: the action's reading of cost and time (src/retab/cost.ts) against the fake
//    Retab, in this process: its time, its reads (counted), the most in flight;
// 2. the whole action, as bench/action.ts runs it (node dist/index.js, GitHub behind a 25 ms proxy,
//    the run's 3 s not counted): its overhead with cost and time, against issue 4's targets, on a
//    pass and on a regression with 10 listed documents and their values (the cost reads queued
//    after those).
//
// Prints both tables and writes its own section of bench/RESULTS.md (`npm run bench` keeps it).
// Needs a fresh dist/ (npm run build). `--reads`: part 1 only, nothing written.
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedRequest } from '../test/fakes/http.ts';
import { ARTIFACT_READ, type RetabScenario } from '../test/fakes/retab.ts';
import { REPO_ROOT } from '../test/harness/run-action.ts';
import { measureOverhead, type OverheadResult } from './action.ts';
import {
  BENCH_EXPERIMENT,
  completedRun,
  DIALECTS,
  FALLING,
  JOB_MS,
  LATENCY_MS,
  regression,
  REPEATS,
  SIZES,
  privateEvent,
} from './reads.ts';
import { markdownTable, median, seconds, writeSection, writtenOn } from './results.ts';

const { readCost } = await import('../src/retab/cost.ts');
const { limitInFlight } = await import('../src/retab/queue.ts');
const { runResults } = await import('../src/retab/results.ts');

const READ_REPEATS = 5;

/** Retab-small before, retab-large now; realistic times. */
function withCost(scenario: RetabScenario): RetabScenario {
  return {
    ...scenario,
    history: scenario.history.map((run) => ({ ...run, cost: { creditsPerDocument: 10 } })),
    next: { ...scenario.next, cost: { creditsPerDocument: 30 } },
  };
}

function variantOf(dialect: 'older' | 'current', falling: boolean) {
  return (usual: RetabScenario): RetabScenario =>
    withCost(falling ? regression(dialect)(usual) : { ...usual, dialect });
}

/** A read of cost and time: a results page (or the older API's content), or an artifact. */
function isCostRead(path: string): boolean {
  return (
    path === '/v1/workflows/experiments/results' ||
    path.endsWith('/content') ||
    ARTIFACT_READ.test(path)
  );
}

interface ReadsResult {
  ms: number;
  pages: number;
  artifacts: number;
  inFlight: number;
}

/** Part 1: the action's reads of cost and time, timed in this process (a pass: nothing before them). */
async function measureReads(documents: number, dialect: 'older' | 'current'): Promise<ReadsResult> {
  const { retab, client, deps, runId, scores } = await completedRun(
    documents,
    dialect,
    LATENCY_MS,
    withCost,
  );
  try {
    // Timed from here: the trigger and the scores are the same either way.
    const before = retab.requests.length;
    const t0 = performance.now();
    const cost = await readCost(deps, {
      scores,
      current: runResults(client, BENCH_EXPERIMENT, runId),
      reference: runResults(client, BENCH_EXPERIMENT, 'exprun_1'),
      slot: limitInFlight(),
      after: Promise.resolve(),
    });
    const ms = performance.now() - t0;
    if (cost.sampled.length !== 30)
      throw new Error(`expected 30 sampled, got ${cost.sampled.length}`);
    const reads = retab.requests.slice(before);
    const isArtifact = (r: RecordedRequest) => ARTIFACT_READ.test(r.path);
    return {
      ms,
      pages: reads.filter((r) => isCostRead(r.path) && !isArtifact(r)).length,
      artifacts: reads.filter(isArtifact).length,
      inFlight: retab.maxInFlight((r) => isCostRead(r.path)),
    };
  } finally {
    await retab.close();
  }
}

/** Part 2: one run of the whole action. */
async function measure(
  documents: number,
  dialect: 'older' | 'current',
  regression: boolean,
  entry: string | undefined,
): Promise<OverheadResult> {
  const result = await measureOverhead(documents, JOB_MS, LATENCY_MS, entry, {
    scenario: variantOf(dialect, regression),
    inputs: regression
      ? { 'max-document-drop': '0.10', 'show-values': 'true', 'max-cost-increase': '500%' }
      : { 'max-cost-increase': '500%' },
    event: privateEvent(),
  });
  const expected = regression ? 'regression' : 'pass';
  if (result.verdict !== expected) {
    throw new Error(`expected ${expected}, got ${result.verdict} (exit ${result.code})`);
  }
  return result;
}

/** The action without cost and time: the bundle committed on main, the branch this work left. */
const BASE_REV = process.env.BENCH_BASE ?? 'main';

/** dist/ of `rev`, out of git into a temporary folder (nothing checked out); its entry. */
async function baselineEntry(rev: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'experiment-gate-base-'));
  const archive = execFileSync('git', ['-C', REPO_ROOT, 'archive', rev, 'dist'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  return join(dir, 'dist', 'index.js');
}

/** The reads of cost and time among those sent after the run completed. */
function costReads(result: OverheadResult): number {
  return result.afterRequests.filter((line) => isCostRead(line.split(' ')[1] ?? '')).length;
}

async function main(args: readonly string[]): Promise<number> {
  const started = Date.now();
  const load = loadavg()[0] ?? 0;
  const readsOnly = args.includes('--reads');
  const baseline = readsOnly ? undefined : await baselineEntry(BASE_REV);
  const readRows: string[][] = [];
  for (const dialect of DIALECTS) {
    for (const { documents } of SIZES) {
      const runs: ReadsResult[] = [];
      for (let i = 0; i < READ_REPEATS; i++) {
        runs.push(await measureReads(documents, dialect));
        process.stderr.write('.');
      }
      readRows.push([
        `${dialect === 'older' ? 'Older' : 'Current'} API, ${documents.toLocaleString('en')} documents`,
        `${Math.round(median(runs.map((r) => r.ms)))} ms`,
        `${runs[0]!.pages} + ${runs[0]!.artifacts}`,
        `${Math.max(...runs.map((r) => r.inFlight))}`,
      ]);
    }
  }
  const rows: string[][] = [];
  let met = true;
  for (const dialect of readsOnly ? [] : DIALECTS) {
    for (const { documents, targetMs } of SIZES) {
      const runs = { pass: [[], []], regression: [[], []] } as Record<
        'pass' | 'regression',
        [OverheadResult[], OverheadResult[]]
      >;
      for (let i = 0; i < REPEATS; i++) {
        // Without and with in turn: a machine that drifts moves both alike.
        for (const kind of ['pass', 'regression'] as const) {
          runs[kind][0].push(await measure(documents, dialect, kind === 'regression', baseline));
          runs[kind][1].push(await measure(documents, dialect, kind === 'regression', undefined));
        }
        process.stderr.write('.');
      }
      const overhead = (list: OverheadResult[]) => median(list.map((r) => r.overheadMs));
      const { pass, regression } = runs;
      const within = overhead(pass[1]) <= targetMs && overhead(regression[1]) <= targetMs;
      met &&= within;
      const cell = ([off, on]: [OverheadResult[], OverheadResult[]]) =>
        `${seconds(overhead(off))} → ${seconds(overhead(on))} (+${costReads(on[0]!) - costReads(off[0]!)} reads)`;
      rows.push([
        `${dialect === 'older' ? 'Older' : 'Current'} API, ${documents.toLocaleString('en')} documents`,
        cell(pass),
        cell(regression),
        `${Math.max(...[...pass[1], ...regression[1]].map((r) => r.peakRssMb)).toFixed(0)} MB`,
        `≤ ${seconds(targetMs)}: ${within ? 'met' : 'MISSED'}`,
      ]);
    }
  }
  process.stderr.write('\n');
  const readsTable = markdownTable([
    [
      'Pass, cost and time read',
      'Reads of cost and time (median)',
      'Pages + artifacts',
      'Most in flight',
    ],
    ...readRows,
  ]);
  const actionTable = markdownTable([
    [
      'Overhead without → with cost and time (median)',
      'Pass',
      'Regression, 10 listed with values',
      'Peak RSS, with',
      'Overhead target (with)',
    ],
    ...rows,
  ]);
  console.log(`${readsTable}\n\n${actionTable}`);
  if (!readsOnly) await writeResults(readsTable, actionTable, Date.now() - started, load);
  return met ? 0 : 1;
}

/** This bench's section of bench/RESULTS.md. */
async function writeResults(
  reads: string,
  action: string,
  tookMs: number,
  load: number,
): Promise<void> {
  await writeSection('cost', [
    '## Cost and time (`node bench/cost.ts`)',
    '',
    `${writtenOn(tookMs, load)} Every request to the fake Retab (and to GitHub) ` +
      `takes ${LATENCY_MS} ms; each run's artifacts report credits, each result its time.`,
    '',
    `**The reads alone** (src/retab/cost.ts \`readCost\` in this process, median of ${READ_REPEATS}): ` +
      'what cost and time add to the time to a verdict on a pass, where nothing is queued before them.',
    '',
    reads,
    '',
    `**The whole action** (as in parts 2–3: node dist/index.js, the run's ${JOB_MS / 1000} s not counted, ` +
      `median of ${REPEATS}), without cost and time (the bundle on \`${BASE_REV}\`) and with them (this ` +
      "bundle), in turn, against issue 4's targets. In brackets: the reads of cost and time added after " +
      `the run completed (results pages or content, and artifacts; the reference's are read during the ` +
      `run). The regression lists 10 of ${FALLING} falling documents with their values; the cost reads ` +
      'wait for those.',
    '',
    action,
    '',
    '- Per run: the older API reads its `content` once (every document’s time and artifact), the ' +
      'current one at most 5 pages of 100 results; then the artifacts of the same 30 documents in ' +
      'both runs. 2 to 10 page reads and 60 artifact reads in all, at most 10 in flight. The ' +
      'reference has ended before the gate starts: its pages and 30 of its artifacts are read while ' +
      'the run is going (20 when its 5 pages do not hold all its results, as for a current-API run ' +
      'of 10,000 documents: the other 10 once this run’s pages are read), so after completion mostly ' +
      'this run’s are (the “+N reads” above): its artifacts ' +
      'of the documents read ahead are asked for as soon as a page names them, the others once its ' +
      'pages are read. The reads alone (first table) read both runs after completion.',
    '- This bundle also computes the seeded bootstrap interval in about half the time, with the same ' +
      'figures. The regressions at 10,000 documents use it (12 falling documents make the changes ' +
      'skewed): there “without → with” holds that saving too, about 0.3 s, and understates what cost ' +
      'and time add. The pass column and the first table show them alone.',
    '- The fake Retab answers a run of 10,000 documents more slowly (each answer looks the run up ' +
      'among 10,000 scores in the bench’s own process), which is most of the difference between the ' +
      'two sizes of the reads.',
  ]);
}

process.exitCode = await main(process.argv.slice(2));
