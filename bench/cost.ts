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
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { RecordedRequest } from '../test/fakes/http.ts';
import { startFakeRetab, type FakeFieldScore, type RetabScenario } from '../test/fakes/retab.ts';
import { invoiceDocuments, scoresOf } from '../test/fakes/scenarios.ts';
import { REPO_ROOT, defaultEvent } from '../test/harness/run-action.ts';
import { measureOverhead, type OverheadResult } from './action.ts';
import { resolveTsSiblings } from './resolve-ts.ts';

// The sources import their siblings as `./x.js`: load the `.ts` (see bench/run.ts).
resolveTsSiblings();
const { createRetabClient } = await import('../src/retab/client.ts');
const { readScores } = await import('../src/retab/evidence.ts');
const { readCost } = await import('../src/retab/cost.ts');
const { limitInFlight } = await import('../src/retab/queue.ts');
const { runResults } = await import('../src/retab/results.ts');

const LATENCY_MS = 25;
const JOB_MS = 3_000;
const REPEATS = 3;
const READ_REPEATS = 5;
/** Documents that fall in the regression variant: more than the 10 the comment lists. */
const FALLING = 12;
const SIZES = [
  { documents: 100, targetMs: 1_000 },
  { documents: 10_000, targetMs: 2_500 },
] as const;
const DIALECTS = ['older', 'current'] as const;
const API_KEY = 'bench-key';

/** Five fields that fell in each falling document, the passes split 3 to 2 on each. */
const FIELDS: FakeFieldScore[] = ['total_amount', 'subtotal', 'tax.amount', 'vendor.name'].map(
  (path, i) => ({
    path,
    score: 0.4 + i * 0.1,
    prior_score: 1,
    value: `${1_420 + i}.00`,
    prior_value: `${1_240 + i}.00`,
    votes: ['a', 'b', 'a', 'b', 'a'].map((v) => `${v}${i}`),
  }),
);

/** Retab-small before, retab-large now; realistic times. */
function withCost(scenario: RetabScenario): RetabScenario {
  return {
    ...scenario,
    history: scenario.history.map((run) => ({ ...run, cost: { creditsPerDocument: 10 } })),
    next: { ...scenario.next, cost: { creditsPerDocument: 30 } },
  };
}

function variantOf(dialect: 'older' | 'current', regression: boolean) {
  return (usual: RetabScenario): RetabScenario => {
    const scenario = withCost({ ...usual, dialect });
    if (!regression) return scenario;
    const falling = usual.documents.slice(0, FALLING).map((d) => d.id);
    const reference = usual.history[0]?.scores ?? {};
    const scores = { ...usual.next.scores };
    falling.forEach((id, i) => {
      scores[id] = Math.round(Math.max(0, (reference[id] ?? 0.9) - 0.3 - i * 0.01) * 100) / 100;
    });
    return {
      ...scenario,
      next: { ...scenario.next, scores },
      fieldScores: Object.fromEntries(falling.map((id) => [id, FIELDS])),
    };
  };
}

/** The harness's pull request, from a private repository (where `auto` shows values). */
function privateEvent(): unknown {
  const event = defaultEvent('pull_request', 'acme/invoices') as { repository: object };
  return { ...event, repository: { ...event.repository, private: true } };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A read of cost and time: a results page (or the older API's content), or an artifact. */
function isCostRead(path: string): boolean {
  return (
    path === '/v1/workflows/experiments/results' ||
    path.endsWith('/content') ||
    /^\/v1\/(extractions|classifications|splits|partitions|workflows\/artifacts)\//.test(path)
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
  const docs = invoiceDocuments(documents);
  const base = docs.map((_, i) => 0.6 + ((i * 37) % 40) / 100);
  const retab = await startFakeRetab(
    withCost({
      dialect,
      apiKey: API_KEY,
      workflowId: 'wf_bench',
      experimentId: 'exp_bench',
      documents: docs,
      history: [{ id: 'exprun_1', definitionFingerprint: 'fp_base', scores: scoresOf(docs, base) }],
      next: { definitionFingerprint: 'fp_next', scores: scoresOf(docs, base), jobDurationMs: 0 },
      latencyMs: LATENCY_MS,
    }),
  );
  try {
    const client = createRetabClient({ baseUrl: retab.url, apiKey: API_KEY, dialect });
    const ref = { workflowId: 'wf_bench', experimentId: 'exp_bench' };
    const started = await client.triggerRun(ref.workflowId, ref.experimentId, {
      nConsensus: undefined,
      retryFailedOnly: false,
      idempotencyKey: `bench-${Date.now()}-${Math.random()}`,
    });
    const runId = started.dialect === 'older' ? started.trigger.run_id : started.run.id;
    const deps = {
      client,
      now: Date.now,
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
      log: () => undefined,
    };
    const scores = await readScores(ref, deps, runId, 'exprun_1');
    // Timed from here: the trigger and the scores are the same either way.
    const before = retab.requests.length;
    const t0 = performance.now();
    const cost = await readCost(deps, {
      scores,
      current: runResults(client, ref, runId),
      reference: runResults(client, ref, 'exprun_1'),
      slot: limitInFlight(),
      after: Promise.resolve(),
    });
    const ms = performance.now() - t0;
    if (cost.sampled.length !== 30)
      throw new Error(`expected 30 sampled, got ${cost.sampled.length}`);
    const reads = retab.requests.slice(before);
    const isArtifact = (r: RecordedRequest) =>
      isCostRead(r.path) &&
      !r.path.startsWith('/v1/workflows/experiments/results') &&
      !r.path.endsWith('/content');
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
): Promise<OverheadResult> {
  const result = await measureOverhead(documents, JOB_MS, LATENCY_MS, undefined, {
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

/** The reads of cost and time among those sent after the run completed. */
function costReads(result: OverheadResult): number {
  return result.afterRequests.filter((line) => isCostRead(line.split(' ')[1] ?? '')).length;
}

async function main(args: readonly string[]): Promise<number> {
  const started = Date.now();
  const load = loadavg()[0] ?? 0;
  const readsOnly = args.includes('--reads');
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
      const pass: OverheadResult[] = [];
      const regression: OverheadResult[] = [];
      for (let i = 0; i < REPEATS; i++) {
        pass.push(await measure(documents, dialect, false));
        regression.push(await measure(documents, dialect, true));
        process.stderr.write('.');
      }
      const overhead = (runs: OverheadResult[]) => median(runs.map((r) => r.overheadMs));
      const within = overhead(pass) <= targetMs && overhead(regression) <= targetMs;
      met &&= within;
      rows.push([
        `${dialect === 'older' ? 'Older' : 'Current'} API, ${documents.toLocaleString('en')} documents`,
        `${seconds(overhead(pass))} (${costReads(pass[0]!)} reads)`,
        `${seconds(overhead(regression))} (${costReads(regression[0]!)} reads)`,
        `${Math.max(...[...pass, ...regression].map((r) => r.peakRssMb)).toFixed(0)} MB`,
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
      'With cost and time',
      'Overhead, pass (cost reads)',
      'Regression, 10 listed with values',
      'Peak RSS',
      'Overhead target',
    ],
    ...rows,
  ]);
  console.log(`${readsTable}\n\n${actionTable}`);
  if (!readsOnly) await writeSection(readsTable, actionTable, Date.now() - started, load);
  return met ? 0 : 1;
}

function markdownTable(rows: string[][]): string {
  const [header = [], ...body] = rows;
  return [header, header.map(() => '-'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const START = '<!-- bench:cost -->';
const END = '<!-- /bench:cost -->';

/** This bench's section of bench/RESULTS.md, replaced in place (or added at the end). */
async function writeSection(
  reads: string,
  action: string,
  tookMs: number,
  load: number,
): Promise<void> {
  const section = [
    START,
    '## Cost and time (`node bench/cost.ts`)',
    '',
    `Written on ${new Date().toISOString().slice(0, 10)} in ${Math.round(tookMs / 1000)} s, on the machine above ` +
      `(load average ${load.toFixed(1)} at the start). Every request to the fake Retab (and to GitHub) ` +
      `takes ${LATENCY_MS} ms; each run's artifacts report credits, each result its time.`,
    '',
    `**The reads alone** (src/retab/cost.ts \`readCost\` in this process, median of ${READ_REPEATS}): ` +
      'what cost and time add to the time to a verdict on a pass, where nothing is queued before them.',
    '',
    reads,
    '',
    `**The whole action** (as in parts 2–3: node dist/index.js, the run's ${JOB_MS / 1000} s not counted, ` +
      `median of ${REPEATS}), cost and time always read, against issue 4's targets. The reads of cost ` +
      'and time sent after the run completed are counted in brackets (results pages or content, and ' +
      `artifacts); the regression lists 10 of ${FALLING} falling documents with their values, and the ` +
      'cost reads wait for those.',
    '',
    action,
    '',
    '- Per run: the older API reads its `content` once (every document’s time and artifact), the ' +
      'current one at most 5 pages of 100 results; then the artifacts of the same 30 documents in ' +
      'both runs. 2 to 10 page reads and 60 artifact reads, at most 10 in flight: 6 round trips for ' +
      'the artifacts.',
    '- The fake Retab answers a run of 10,000 documents more slowly (each answer looks the run up ' +
      'among 10,000 scores in the bench’s own process), which is most of the difference between the ' +
      'two sizes of the reads.',
    END,
  ].join('\n');
  const path = join(REPO_ROOT, 'bench', 'RESULTS.md');
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + section + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(path, next);
}

process.exitCode = await main(process.argv.slice(2));
