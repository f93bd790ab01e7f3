// Verdicts under consensus noise: how often judge() fails a pull request when nothing changed
// (false failures) and when the extraction really got worse (detection), with the plain max-drop
// threshold and with noise-aware gating (`confidence`), on seeded simulated pairs of runs.
//
// judge() itself decides every verdict, as the action calls it: the benchmark measures the
// shipped rule, not a copy of it.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { seededRandom } from '../src/random.ts';
import { judge, type DocumentScore, type Thresholds } from '../src/gate/verdict.ts';
import { parseThreshold } from '../src/inputs.ts';

/** Experiment sizes: documents per run. */
export const SIZES = [12, 50, 200] as const;
/** Standard deviation of one document's score from one run to the next (before clamping). */
export const NOISES = [0.03, 0.06] as const;
/** The true scores of the documents: a Beta distribution with this mean and spread. */
export const DIFFICULTY = { mean: 0.85, sd: 0.1 } as const;
export const MAX_DROP = '0.02';

export interface Rule {
  label: string;
  confidence: number | undefined;
}

/** Side by side on the same runs: the plain threshold, then noise-aware gating at two levels. */
export const RULES: readonly Rule[] = [
  { label: 'plain', confidence: undefined },
  { label: '0.95', confidence: 0.95 },
  { label: '0.99', confidence: 0.99 },
];

export interface Case {
  label: string;
  /** What it did to document `index`'s true score. */
  change: (index: number) => number;
  /** Nothing changed: a failure is a false failure. Otherwise a failure is a detection. */
  regression: boolean;
}

export const CASES: readonly Case[] = [
  { label: 'nothing changed', change: () => 0, regression: false },
  { label: 'every document −3 pts', change: () => -0.03, regression: true },
  { label: 'every document −5 pts', change: () => -0.05, regression: true },
  { label: '3 documents −30 pts', change: (i) => (i < 3 ? -0.3 : 0), regression: true },
];

export interface VerdictOptions {
  seed: number;
  /** Simulated pairs of runs (reference, current) per size × noise. */
  pairs: number;
  /** Worker threads (default: one per CPU). The numbers do not depend on it. */
  threads?: number;
}

/** Pairs per unit of work. Each chunk has its own seeded stream, so the split is fixed. */
export const CHUNK_PAIRS = 250;

/** A unit of work: `pairs` pairs of runs of one size × noise, from stream `index` of the cell. */
export interface Chunk {
  seed: number;
  documents: number;
  noise: number;
  index: number;
  pairs: number;
}

/** What a chunk (or a whole cell) counted. */
export interface Tally {
  documents: number;
  noise: number;
  pairs: number;
  /** Pairs judged a regression, by case then rule (CASES × RULES). */
  failures: number[][];
  /** Sum over pairs of the observed change of the run score, by case. */
  change: number[];
  /** Pairs whose interval was a bootstrap (skewed changes), by case. */
  bootstrap: number[];
  /**
   * Pairs where a stricter rule failed the pull request and a looser one did not (0.99 but not
   * 0.95, or either but not the plain threshold). Gating can only dismiss a drop, and the
   * one-sided bound at 0.99 is above the one at 0.95, so this stays 0 unless judge() breaks its
   * own rule.
   */
  inconsistent: number;
  /** Time spent simulating and judging (summed over chunks: CPU time across the workers). */
  busyMs: number;
}

export interface VerdictResults {
  seed: number;
  pairs: number;
  threads: number;
  /** One per SIZES × NOISES, in that order. */
  cells: Tally[];
  judgeCalls: number;
  wallMs: number;
}

function thresholds(confidence: number | undefined): Thresholds {
  return {
    maxDrop: parseThreshold(MAX_DROP),
    minScore: undefined,
    maxDocumentDrop: undefined,
    confidence,
  };
}

/** Standard normal deviates (Box–Muller, both halves used). */
export function normals(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = 1 - random(); // (0, 1]: the log is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * random();
    spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  };
}

/** Gamma(shape, 1) for shape ≥ 1 (Marsaglia and Tsang). */
function gamma(shape: number, random: () => number, normal: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) with the mean and standard deviation of DIFFICULTY. */
export function difficulties(random: () => number, normal: () => number): () => number {
  const { mean, sd } = DIFFICULTY;
  const k = (mean * (1 - mean)) / (sd * sd) - 1;
  const a = mean * k;
  const b = (1 - mean) * k;
  return () => {
    const x = gamma(a, random, normal);
    return x / (x + gamma(b, random, normal));
  };
}

export const clamp = (score: number) => Math.min(1, Math.max(0, score));
export const mean = (values: readonly number[]) =>
  values.reduce((s, v) => s + v, 0) / values.length;

/** Simulates and judges one chunk of run pairs. Exported for the workers. */
export function simulateChunk(chunk: Chunk): Tally {
  const started = performance.now();
  const { documents, noise } = chunk;
  const random = seededRandom(
    chunk.seed * 7_919 + documents * 1_009 + Math.round(noise * 1_000) * 101 + chunk.index,
  );
  const normal = normals(random);
  const difficulty = difficulties(random, normal);
  const rules = RULES.map((rule) => thresholds(rule.confidence));
  const tally: Tally = {
    documents,
    noise,
    pairs: chunk.pairs,
    failures: CASES.map(() => RULES.map(() => 0)),
    change: CASES.map(() => 0),
    bootstrap: CASES.map(() => 0),
    inconsistent: 0,
    busyMs: 0,
  };

  const ids = Array.from({ length: documents }, (_, i) => `d${i + 1}`);
  for (let pair = 0; pair < chunk.pairs; pair++) {
    // A fresh experiment each time: its documents' true scores, then two runs of it. The cases
    // share these draws (common random numbers): they differ only by what changed.
    const truth = ids.map(() => difficulty());
    const referenceNoise = ids.map(() => noise * normal());
    const currentNoise = ids.map(() => noise * normal());
    const reference = truth.map((t, i) => clamp(t + (referenceNoise[i] ?? 0)));
    const referenceScore = mean(reference);
    CASES.forEach((kase, c) => {
      const current = truth.map((t, i) => clamp(t + kase.change(i) + (currentNoise[i] ?? 0)));
      const runScore = mean(current);
      const documentScores: DocumentScore[] = ids.map((id, i) => ({
        id,
        filename: `${id}.pdf`,
        score: current[i] ?? null,
        inReference: true,
        referenceScore: reference[i] ?? null,
      }));
      const judgements = rules.map((rule) =>
        judge({
          runScore,
          reference: { kind: 'previous', runId: 'r0', score: referenceScore },
          documentSetsDiffer: false,
          documents: documentScores,
          thresholds: rule,
        }),
      );
      const failed = judgements.map((j) => j.verdict === 'regression');
      failed.forEach((f, r) => {
        const row = tally.failures[c];
        if (f && row) row[r] = (row[r] ?? 0) + 1;
      });
      tally.change[c] = (tally.change[c] ?? 0) + runScore - referenceScore;
      if (judgements[0]?.noise?.interval?.method === 'bootstrap') {
        tally.bootstrap[c] = (tally.bootstrap[c] ?? 0) + 1;
      }
      const [plain, at95, at99] = failed;
      if ((at99 && !at95) || (at95 && !plain)) tally.inconsistent++;
    });
  }
  tally.busyMs = performance.now() - started;
  return tally;
}

function add(into: Tally, chunk: Tally): void {
  const sum = (a: number[], b: readonly number[]) => a.forEach((v, i) => (a[i] = v + (b[i] ?? 0)));
  into.pairs += chunk.pairs;
  into.failures.forEach((row, c) => sum(row, chunk.failures[c] ?? []));
  sum(into.change, chunk.change);
  sum(into.bootstrap, chunk.bootstrap);
  into.inconsistent += chunk.inconsistent;
  into.busyMs += chunk.busyMs;
}

/** Runs the chunks on a pool of workers, biggest experiments first. */
async function runChunks(chunks: readonly Chunk[], threads: number): Promise<Tally[]> {
  if (threads <= 1) return chunks.map(simulateChunk);
  const queue = [...chunks].sort((a, b) => b.documents - a.documents);
  const results: Tally[] = [];
  const work = async () => {
    const worker = new Worker(new URL('./verdicts-worker.ts', import.meta.url));
    try {
      for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
        const next = new Promise<Tally>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        });
        worker.postMessage(chunk);
        results.push(await next);
        worker.removeAllListeners('error');
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: threads }, work));
  return results;
}

/** Every size × noise, `pairs` pairs each, judged under every case and rule. */
export async function simulateVerdicts(options: VerdictOptions): Promise<VerdictResults> {
  const started = performance.now();
  const chunks: Chunk[] = [];
  for (const documents of SIZES) {
    for (const noise of NOISES) {
      for (let index = 0; index * CHUNK_PAIRS < options.pairs; index++) {
        const pairs = Math.min(CHUNK_PAIRS, options.pairs - index * CHUNK_PAIRS);
        chunks.push({ seed: options.seed, documents, noise, index, pairs });
      }
    }
  }
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), chunks.length));
  const tallies = await runChunks(chunks, threads);
  const cells = SIZES.flatMap((documents) =>
    NOISES.map((noise) => {
      const cell: Tally = {
        documents,
        noise,
        pairs: 0,
        failures: CASES.map(() => RULES.map(() => 0)),
        change: CASES.map(() => 0),
        bootstrap: CASES.map(() => 0),
        inconsistent: 0,
        busyMs: 0,
      };
      for (const t of tallies) if (t.documents === documents && t.noise === noise) add(cell, t);
      return cell;
    }),
  );
  return {
    seed: options.seed,
    pairs: options.pairs,
    threads,
    cells,
    judgeCalls: cells.length * options.pairs * CASES.length * RULES.length,
    wallMs: performance.now() - started,
  };
}

export const percent = (share: number) => `${(100 * share).toFixed(1)} %`;

/** Share of a cell's pairs that `rule` failed under `kase` (indices into CASES and RULES). */
export function failureRate(cell: Tally, kase: number, rule: number): number {
  return (cell.failures[kase]?.[rule] ?? 0) / cell.pairs;
}

/** A Markdown table padded as Prettier pads it, so that a formatted copy stays the same. */
export function markdownTable(header: readonly string[], body: readonly string[][]): string {
  const width = (s: string) => [...s].length;
  const widths = header.map((h, i) => Math.max(3, width(h), ...body.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (cells[i] ?? '') + ' '.repeat(w - width(cells[i] ?? ''))).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The compact table: one row per size × noise, each cell plain / 0.95 / 0.99. */
export function noiseTable(results: VerdictResults): string {
  const header = [
    'Documents',
    'Noise (sd)',
    ...CASES.map((k) => (k.regression ? `Detected: ${k.label}` : `False failures: ${k.label}`)),
  ];
  const body = results.cells.map((cell) => [
    String(cell.documents),
    cell.noise.toFixed(2),
    ...CASES.map((_, c) =>
      RULES.map((_, r) => (100 * failureRate(cell, c, r)).toFixed(1)).join(' / '),
    ),
  ]);
  return markdownTable(header, body);
}

/** How the runs are simulated, in a few sentences (README and RESULTS.md). */
export function describeSimulation(results: VerdictResults): string {
  const { mean: m, sd } = DIFFICULTY;
  return (
    `Each pair of runs is a fresh experiment: every document gets its own true score, drawn ` +
    `from a Beta distribution with mean ${m} and standard deviation ${sd}; each run scores it ` +
    `at that true score plus independent normal noise (sd 0.03 or 0.06), clamped to 0–1. The ` +
    `reference run and the current run are judged by \`judge()\` itself with \`max-drop: ` +
    `${MAX_DROP}\`, without \`confidence\` (plain) and with \`confidence\` 0.95 and 0.99; a ` +
    `failure is a verdict of regression. ${results.pairs.toLocaleString('en-US')} seeded pairs ` +
    `per cell (seed ${results.seed}); the four cases share the same draws.`
  );
}

/** bench/NOISE-TABLE.md: the snippet for the README's "Noise" section. */
export function noiseSnippet(results: VerdictResults): string {
  return `${[
    '<!-- Written by `npm run bench` (bench/verdicts.ts) on every run; do not edit by hand. -->',
    '',
    'How often the check fails a pull request, in % of simulated pairs of runs. Each cell is ' +
      '**plain / 0.95 / 0.99**: `max-drop: 0.02` alone, then with `confidence: 0.95` and ' +
      '`confidence: 0.99`. "Noise" is the run-to-run standard deviation of one document\'s ' +
      'score; −3 pts is a drop of 0.03 on the 0–1 scale.',
    '',
    noiseTable(results),
    '',
    describeSimulation(results),
  ].join('\n')}\n`;
}
