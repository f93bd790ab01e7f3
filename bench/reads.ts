// What bench/values.ts and bench/cost.ts share: a fake Retab whose run has completed, read as the
// action reads it up to its scores (the part they time comes after); the private pull request
// whose values show. Medians and their own section of bench/RESULTS.md: ./results.ts.
import {
  startFakeRetab,
  type FakeFieldScore,
  type FakeRetab,
  type RetabScenario,
} from '../test/fakes/retab.ts';
import { invoiceDocuments, scoresOf } from '../test/fakes/scenarios.ts';
import { defaultEvent } from '../test/harness/run-action.ts';
import { resolveTsSiblings } from './resolve-ts.ts';

// The sources import their siblings as `./x.js`: load the `.ts` (see bench/run.ts).
resolveTsSiblings();
const { createRetabClient } = await import('../src/retab/client.ts');
const { readScores } = await import('../src/retab/evidence.ts');

const API_KEY = 'bench-key';

export const LATENCY_MS = 25;
export const JOB_MS = 3_000;
export const REPEATS = 3;
/** Documents that fall: more than the 10 the comment lists. */
export const FALLING = 12;
export const SIZES = [
  { documents: 100, targetMs: 1_000 },
  { documents: 10_000, targetMs: 2_500 },
] as const;
export const DIALECTS = ['older', 'current'] as const;

/** Five fields that fell in each falling document, the passes split 3 to 2 on each. */
const FIELDS: FakeFieldScore[] = [
  'total_amount',
  'subtotal',
  'tax.amount',
  'vendor.name',
  'line_items.*.unit_price',
].map((path, i) => ({
  path,
  score: 0.4 + i * 0.1,
  prior_score: 1,
  value: path.includes('*') ? [12.5, 140] : `${1_420 + i}.00`,
  prior_value: path.includes('*') ? [12.5, 14] : `${1_240 + i}.00`,
  votes: path.includes('*')
    ? [
        [12.5, 140],
        [12.5, 14],
        [12.5, 140],
        [12.5, 14],
        [12.5, 140],
      ]
    : ['a', 'b', 'a', 'b', 'a'].map((v) => `${v}${i}`),
}));

/** The usual pass, but FALLING documents fall 30 points, each with FIELDS that fell. */
export function regression(dialect: 'older' | 'current') {
  return (usual: RetabScenario): RetabScenario => {
    const falling = usual.documents.slice(0, FALLING).map((d) => d.id);
    const reference = usual.history[0]?.scores ?? {};
    const scores = { ...usual.next.scores };
    falling.forEach((id, i) => {
      scores[id] = Math.round(Math.max(0, (reference[id] ?? 0.9) - 0.3 - i * 0.01) * 100) / 100;
    });
    return {
      ...usual,
      dialect,
      next: { ...usual.next, scores },
      fieldScores: Object.fromEntries(falling.map((id) => [id, FIELDS])),
    };
  };
}
export const BENCH_EXPERIMENT = { workflowId: 'wf_bench', experimentId: 'exp_bench' } as const;

/**
 * A run of `documents` documents started and completed on a fake Retab answering in `latencyMs`,
 * its scores read against exprun_1: what the action knows when its reads of evidence begin.
 */
export async function completedRun(
  documents: number,
  dialect: 'older' | 'current',
  latencyMs: number,
  variant: (usual: RetabScenario) => RetabScenario,
) {
  const docs = invoiceDocuments(documents);
  const base = docs.map((_, i) => 0.6 + ((i * 37) % 40) / 100);
  const retab: FakeRetab = await startFakeRetab(
    variant({
      dialect,
      apiKey: API_KEY,
      ...BENCH_EXPERIMENT,
      documents: docs,
      history: [{ id: 'exprun_1', definitionFingerprint: 'fp_base', scores: scoresOf(docs, base) }],
      next: { definitionFingerprint: 'fp_next', scores: scoresOf(docs, base), jobDurationMs: 0 },
      latencyMs,
    }),
  );
  const client = createRetabClient({ baseUrl: retab.url, apiKey: API_KEY, dialect });
  const started = await client.triggerRun(
    BENCH_EXPERIMENT.workflowId,
    BENCH_EXPERIMENT.experimentId,
    {
      nConsensus: undefined,
      retryFailedOnly: false,
      idempotencyKey: `bench-${Date.now()}-${Math.random()}`,
    },
  );
  const runId = started.dialect === 'older' ? started.trigger.run_id : started.run.id;
  const deps = {
    client,
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    log: () => undefined,
  };
  const scores = await readScores(BENCH_EXPERIMENT, deps, runId, 'exprun_1');
  return { retab, client, deps, runId, scores };
}

/** The harness's pull request, from a private repository (where `auto` shows values). */
export function privateEvent(): unknown {
  const event = defaultEvent('pull_request', 'acme/invoices') as { repository: object };
  return { ...event, repository: { ...event.repository, private: true } };
}
