// `node bench/values.ts`: what showing extracted values adds (issue 15), in two parts, both with
// 25 ms per request and a regression whose 10 worst documents are listed, each with five fields
// that fell and passes that disagree, at 100 and 10,000 documents, on both of Retab's APIs:
//
// 1. the reads alone: the action's own reading of the fields (src/retab/evidence.ts) against the
//    fake Retab, in this process, values off then on: what values add to the time to a verdict;
// 2. the whole action, as bench/action.ts runs it (node dist/index.js, GitHub behind a 25 ms proxy,
//    the run's 3 s not counted): its overhead with values on, against issue 4's targets.
//
// Prints both tables and writes its own section of bench/RESULTS.md (`npm run bench` keeps it).
// Needs a fresh dist/ (npm run build); about 3 minutes. `--reads`: part 1 only, nothing written.
import { loadavg } from 'node:os';
import type { RecordedRequest } from '../test/fakes/http.ts';
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

const { readFieldScores } = await import('../src/retab/evidence.ts');
const { limitInFlight } = await import('../src/retab/queue.ts');
const { parseThreshold } = await import('../src/inputs.ts');

/** Runs of the reads alone, per configuration (they are short). */
const READ_REPEATS = 7;

const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(Math.round(ms))} ms`;

/** Part 2: one run of the whole action. */
async function measure(
  documents: number,
  dialect: 'older' | 'current',
  values: boolean,
): Promise<OverheadResult> {
  const result = await measureOverhead(documents, JOB_MS, LATENCY_MS, undefined, {
    scenario: regression(dialect),
    inputs: { 'max-document-drop': '0.10', 'show-values': values ? 'true' : 'false' },
    event: privateEvent(),
  });
  if (result.verdict !== 'regression') {
    throw new Error(`expected a regression, got ${result.verdict} (exit ${result.code})`);
  }
  return result;
}

function isDocumentRead(r: RecordedRequest): boolean {
  return (
    r.query.view === 'by_document' ||
    r.query.view === 'votes' ||
    /\/results\/[^/]+$/.test(r.path) ||
    r.path.startsWith('/v1/extractions/')
  );
}

interface ReadsResult {
  ms: number;
  documentReads: number;
  inFlight: number;
}

/** Part 1: the action's reads of the listed documents, timed in this process. */
async function measureReads(
  documents: number,
  dialect: 'older' | 'current',
  values: boolean,
): Promise<ReadsResult> {
  const { retab, deps, scores } = await completedRun(
    documents,
    dialect,
    LATENCY_MS,
    regression(dialect),
  );
  try {
    const options = {
      ...BENCH_EXPERIMENT,
      maxDrop: parseThreshold('0.02'),
      maxDocumentDrop: parseThreshold('0.10'),
      minScore: undefined,
      confidence: undefined,
      readValues: values,
    };
    // Timed from here: the trigger and the scores are the same either way.
    const before = retab.requests.length;
    const t0 = performance.now();
    const fields = await readFieldScores(options, deps, scores, 'exprun_1', limitInFlight());
    const ms = performance.now() - t0;
    if (fields.length !== 10) throw new Error(`expected 10 listed documents, got ${fields.length}`);
    const reads = retab.requests.slice(before).filter(isDocumentRead);
    return { ms, documentReads: reads.length, inFlight: retab.maxInFlight(isDocumentRead) };
  } finally {
    await retab.close();
  }
}

async function main(args: readonly string[]): Promise<number> {
  const started = Date.now();
  const load = loadavg()[0] ?? 0;
  // --reads: part 1 only, printed, RESULTS.md left as it is.
  const readsOnly = args.includes('--reads');
  const readRows: string[][] = [];
  for (const dialect of DIALECTS) {
    for (const { documents } of SIZES) {
      const off: ReadsResult[] = [];
      const on: ReadsResult[] = [];
      for (let i = 0; i < READ_REPEATS; i++) {
        off.push(await measureReads(documents, dialect, false));
        on.push(await measureReads(documents, dialect, true));
        process.stderr.write('.');
      }
      const ms = (runs: ReadsResult[]) => median(runs.map((r) => r.ms));
      readRows.push([
        `${dialect === 'older' ? 'Older' : 'Current'} API, ${documents.toLocaleString('en')} documents`,
        `${Math.round(ms(off))} ms`,
        `${Math.round(ms(on))} ms`,
        signed(ms(on) - ms(off)),
        `${off[0]!.documentReads} → ${on[0]!.documentReads}`,
        `${Math.max(...on.map((r) => r.inFlight))}`,
      ]);
    }
  }
  const rows: string[][] = [];
  let met = true;
  for (const dialect of readsOnly ? [] : DIALECTS) {
    for (const { documents, targetMs } of SIZES) {
      const off: OverheadResult[] = [];
      const on: OverheadResult[] = [];
      for (let i = 0; i < REPEATS; i++) {
        // Off and on in turn: a machine that drifts moves both alike.
        for (const [values, into] of [
          [false, off],
          [true, on],
        ] as const) {
          into.push(await measure(documents, dialect, values));
          process.stderr.write('.');
        }
      }
      const overhead = (runs: OverheadResult[]) => median(runs.map((r) => r.overheadMs));
      const within = overhead(on) <= targetMs;
      met &&= within;
      rows.push([
        `${dialect === 'older' ? 'Older' : 'Current'} API, ${documents.toLocaleString('en')} documents`,
        `${seconds(overhead(off))} → ${seconds(overhead(on))}`,
        `${Math.max(...on.map((r) => r.peakRssMb)).toFixed(0)} MB`,
        `≤ ${seconds(targetMs)}: ${within ? 'met' : 'MISSED'}`,
      ]);
    }
  }
  process.stderr.write('\n');
  const readsTable = markdownTable([
    [
      'Regression, 10 documents listed',
      'Reads, values off (median)',
      'Values on',
      'Added',
      'Reads about single documents, off → on',
      'Most in flight',
    ],
    ...readRows,
  ]);
  const actionTable = markdownTable([
    [
      'Regression, 10 documents listed',
      'Overhead, values off → on (median)',
      'Peak RSS, values on',
      'Overhead target (values on)',
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
  await writeSection('values', [
    '## Extracted values (`node bench/values.ts`)',
    '',
    `${writtenOn(tookMs, load)} ` +
      `A regression: ${FALLING} documents fall 30 points, so the 10 worst are listed, each with five ` +
      'fields that fell and passes split 3 to 2; every request to the fake Retab (and to GitHub) takes ' +
      `${LATENCY_MS} ms. Values off is \`show-values: false\`; on is \`true\` (or a private repository).`,
    '',
    `**The reads alone** (src/retab/evidence.ts \`readFieldScores\` in this process, median of ${READ_REPEATS}): ` +
      'what values add to the time to a verdict.',
    '',
    reads,
    '',
    `**The whole action** (as in parts 2–3: node dist/index.js, the run's ${JOB_MS / 1000} s not counted, ` +
      `median of ${REPEATS}), with values on, against issue 4's targets.`,
    '',
    action,
    '',
    '- Older API, per listed document: its fields, the reference run’s `by_document`, the result, then ' +
      'the extraction behind it (3 reads beyond the fields). Current API: its fields, the reference’s ' +
      '`by_document`, then `view=votes` for the two fields that fell most (3 reads). At most 10 in ' +
      'flight in all, the field reads first; the extraction and the votes wait for the answer they ' +
      'need: 40 reads in 4 to 5 round trips instead of 1.',
    '- The fake Retab answers a run of 10,000 documents more slowly (each answer looks the run up ' +
      'among 10,000 scores in the bench’s own process), which is most of the difference between the ' +
      'two sizes of the reads. The whole-action rows vary with the machine’s load by more than what ' +
      'values add: read the first table for that.',
  ]);
}

process.exitCode = await main(process.argv.slice(2));
