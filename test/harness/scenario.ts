// The Retab side of the tests, shared by the end-to-end tests and the in-process ones: the
// experiment the fake Retab holds by default, and what must hold for every request it receives.
import type { ExpectStatic } from 'vitest';
import type {
  FakeCost,
  FakeDocument,
  FakeHistoryRun,
  FakeNextRun,
  RecordedRequest,
  RetabScenario,
} from '../fakes/retab.ts';
import { DISPUTED_FIELDS, scoresOf } from '../fakes/scenarios.ts';

/** Distinctive, so that any leak of it is found by a plain substring search. */
export const API_KEY = 'rk_live_e2eSecretKey_4Qz9Lm2Vx7Tn';
export const WORKFLOW_ID = 'wf_test';
export const EXPERIMENT_ID = 'exp_test';
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

/** The same time for each of DOCS, in ms (a FakeCost's `documentMs`). */
export const ms = (value: number) => Object.fromEntries(DOCS.map((d) => [d.id, value]));

/** retab-small at 5 passes, 3.2 s a document. */
export const BEFORE: FakeCost = { creditsPerDocument: 2.5, documentMs: ms(3_200) };

/** The default experiment, its reference run at the cost `before`, the next run at `after`. */
export function costScenario(
  dialect: Dialect,
  before: FakeCost,
  after: FakeCost,
  overrides: Partial<RetabScenario> = {},
): RetabScenario {
  return scenario({
    dialect,
    history: [history('exprun_1', 'fp_base', BASE, { cost: before })],
    next: next(BASE, { cost: after }),
    ...overrides,
  });
}

/** Mean 0.82: alpha −30 points, −6 points on the mean of BASE. */
export const DROP = BASE.map((score, i) => (i === 0 ? score - 0.3 : score));

/**
 * A flaky Retab, by seed: every read has a 20% chance of a 5xx and 10% of a 429; the first trigger
 * loses its answer in one of three ways, and the API ignores Idempotency-Key, so only the action's
 * own care can keep it to one run. Even seeds regress (DROP), odd ones pass.
 */
export function flakyScenario(seed: number, dialect: Dialect = 'older'): RetabScenario {
  const traps = [
    { triggerReset: 'after' },
    { triggerReset: 'before' },
    { triggerLostAnswer: true },
  ] as const;
  return scenario({
    dialect,
    next: next(seed % 2 === 0 ? DROP : BASE, { jobDurationMs: 300 }),
    faults: {
      seed,
      serverErrorRate: 0.2,
      rateLimitRate: 0.1,
      ignoreIdempotencyKey: true,
      ...traps[seed % 3],
    },
  });
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

/** `count` documents, expdoc_1 (doc_1.pdf) on. */
export function numberedDocuments(count: number): FakeDocument[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `expdoc_${i + 1}`,
    filename: `doc_${i + 1}.pdf`,
  }));
}

/**
 * 15 documents fall (the 10 worst are listed), each with five fields that fell and disagree
 * (DISPUTED_FIELDS); the cost reads on their own route (`artifactOperation: 'artifact'`), apart
 * from the older API's extraction reads.
 */
export function disputedRegression(dialect: Dialect): RetabScenario {
  const documents = numberedDocuments(15);
  return pairedScenario(
    documents,
    documents.map(() => 0.95),
    documents.map((_, i) => Number((0.9 - i * 0.03).toFixed(2))),
    {
      artifactOperation: 'artifact',
      dialect,
      fieldScores: Object.fromEntries(documents.map((d) => [d.id, DISPUTED_FIELDS])),
    },
  );
}

const HEADER = { older: 'Api-Key', current: 'Authorization: Bearer' } as const;
const OLDER_LIST = /\/v1\/workflows\/[^/]+\/experiments\/[^/]+\/runs$/;
const CURRENT_LIST = /\/v1\/workflows\/experiments\/runs$/;

/**
 * Every request carried the key in the header of the API the fake speaks (Api-Key on the older
 * one, Bearer on the current one), never both, and no URL carried it. The one exception: the
 * first read asks both APIs' lists at once, each in its own API's header.
 */
export function expectKeyOnlyInHeader(
  expect: ExpectStatic,
  retab: { requests: readonly RecordedRequest[]; dialect: 'older' | 'current' },
): void {
  const other = retab.dialect === 'older' ? 'current' : 'older';
  const otherList = other === 'older' ? OLDER_LIST : CURRENT_LIST;
  for (const req of retab.requests) {
    const where = `${req.method} ${req.path}`;
    const header =
      req.headers['api-key'] === API_KEY
        ? HEADER.older
        : req.headers.authorization === `Bearer ${API_KEY}`
          ? HEADER.current
          : undefined;
    expect(
      req.headers['api-key'] !== undefined && req.headers.authorization !== undefined,
      `both headers on ${where}`,
    ).toBe(false);
    const probe = req.method === 'GET' && otherList.test(req.path);
    expect(header, `the key in the ${retab.dialect} API's header on ${where}`).toBe(
      HEADER[probe ? other : retab.dialect],
    );
    const url = `${req.path}?${new URLSearchParams(req.query).toString()}`;
    expect(url.includes(API_KEY), `the key is in the URL of ${where}`).toBe(false);
    expect(url.includes(encodeURIComponent(API_KEY)), `the key is in the URL of ${where}`).toBe(
      false,
    );
  }
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
export const CONTENT_PATH = `/v1/workflows/${WORKFLOW_ID}/experiments/${EXPERIMENT_ID}/content`;
/** The current API's routes. */
export const CURRENT_RUNS_PATH = '/v1/workflows/experiments/runs';
export const CURRENT_METRICS_PATH = '/v1/workflows/experiments/metrics';
export const CURRENT_RESULTS_PATH = '/v1/workflows/experiments/results';

/** The two APIs the fake Retab speaks (`scenario.dialect`): a case that depends on it runs on both. */
export const DIALECTS = ['older', 'current'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** What a gate asks of each API for the default experiment, and how it cancels the new run. */
export const ROUTES_OF = {
  older: {
    runs: RUNS_PATH,
    trigger: TRIGGER_PATH,
    metrics: METRICS_PATH,
    /** Where the error texts of errored documents are read. */
    errorTexts: CONTENT_PATH,
    /** The experiment, read before the trigger (is its latest run fresh?): the current API's only. */
    experiment: undefined,
    cancel: `/v1/jobs/${NEW_JOB}/cancel`,
    /** What the fake records as cancelled (`cancelled()`) when the new run is. */
    cancelled: NEW_JOB,
  },
  current: {
    runs: CURRENT_RUNS_PATH,
    trigger: CURRENT_RUNS_PATH,
    metrics: CURRENT_METRICS_PATH,
    errorTexts: CURRENT_RESULTS_PATH,
    experiment: `/v1/workflows/experiments/${EXPERIMENT_ID}`,
    cancel: `/v1/workflows/experiments/runs/${NEW_RUN}/cancel`,
    cancelled: NEW_RUN,
  },
} as const;
