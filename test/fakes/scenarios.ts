// Ready-made scenarios for the fakes, shared by the tests and `npm run demo`.
import { seededRandom } from '../../src/random.ts';
import { defaultDraft, EXPERIMENT_BLOCK, exportSpec, fingerprintOf, withConfig } from './draft.ts';
import type { FakeDocument, FakeFieldScore, FakeNextRun, RetabScenario } from './retab.ts';
import type { GitHubScenario } from './github.ts';

const VENDORS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'wonka', 'soylent'];

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}

/** `n` invoice documents `expdoc_1..n` with varied, realistic file names. */
export function invoiceDocuments(n: number): FakeDocument[] {
  const documents: FakeDocument[] = [];
  for (let i = 1; i <= n; i++) {
    const quarter = ((i - 1) % 4) + 1;
    const vendor = VENDORS[(i - 1) % VENDORS.length] ?? 'acme';
    let filename: string;
    if (i % 6 === 0) filename = `scan_${vendor}_invoice_${pad3(i)}.png`;
    else if (i % 5 === 0)
      filename = `invoice_${vendor}_2026-${String(((i - 1) % 12) + 1).padStart(2, '0')}.pdf`;
    else if (i % 7 === 0) filename = `INV-2026-${pad3(i)} (${vendor}).pdf`;
    else filename = `invoice_2026_q${quarter}_${pad3(i)}.pdf`;
    documents.push({ id: `expdoc_${i}`, filename });
  }
  return documents;
}

/**
 * The fields of an invoice that fell (by 0.6, 0.4, 0.2 and 0.1; one held), with what the run
 * before and the new run extracted, and the new run's five passes' votes where they disagreed.
 */
export const VALUED_FIELDS: FakeFieldScore[] = [
  {
    path: 'total_amount',
    score: 0.6,
    prior_score: 1,
    value: '1,420.00',
    prior_value: '1,240.00',
    votes: ['1,420.00', '142.00', '1,420.00', '142.00', '1,420.00'],
  },
  {
    path: 'vendor.name',
    score: 0.4,
    prior_score: 1,
    value: 'Acme Inc',
    prior_value: 'ACME',
    votes: ['Acme Inc', 'ACME', 'Acme Inc', 'ACME', 'Acme'],
  },
  {
    path: 'line_items.*.unit_price',
    score: 0.8,
    prior_score: 1,
    value: [10, 20],
    prior_value: [10, 2],
    votes: [
      [10, 20],
      [10, 20],
      [10, 2],
      [10, 20],
      [10, 20],
    ],
  },
  // The passes agree: no votes to show, whatever the score says.
  { path: 'due_date', score: 0.9, prior_score: 1, value: null, prior_value: '2026-05-01' },
  { path: 'invoice_number', score: 1, prior_score: 1, value: 'INV-7', prior_value: 'INV-7' },
];

/** Five fields that fell (0.2 to 0.6 from 1), the passes split 3 to 2 on each: votes to show. */
export const DISPUTED_FIELDS: FakeFieldScore[] = ['a', 'b', 'c', 'd', 'e'].map((path, i) => ({
  path,
  score: 0.2 + i * 0.1,
  prior_score: 1,
  value: `${path}1`,
  prior_value: `${path}0`,
  votes: [`${path}1`, `${path}1`, `${path}2`, `${path}1`, `${path}2`],
}));

/** Scores by document id, in document order: `values[i]` for `documents[i]`. */
export function scoresOf(
  documents: FakeDocument[],
  values: Array<number | null>,
): Record<string, number | null> {
  if (values.length !== documents.length) {
    throw new Error(`scoresOf: ${values.length} scores for ${documents.length} documents`);
  }
  const scores: Record<string, number | null> = {};
  documents.forEach((d, i) => {
    scores[d.id] = values[i] ?? null;
  });
  return scores;
}

/** The same score for every document. */
export function constantScores(
  documents: FakeDocument[],
  value: number | null,
): Record<string, number | null> {
  return scoresOf(
    documents,
    documents.map(() => value),
  );
}

/**
 * A small scenario for tests: 5 documents, one completed history run ('fp_base'), a next run
 * ('fp_next') with the same scores that completes after 300 ms. Override anything.
 */
export function basicScenario(overrides: Partial<RetabScenario> = {}): RetabScenario {
  const documents = invoiceDocuments(5);
  const scores = scoresOf(documents, [0.95, 0.9, 0.85, 0.92, 0.88]);
  return {
    apiKey: 'test-key',
    workflowId: 'wf_test',
    experimentId: 'exp_test',
    documents,
    history: [{ id: 'exprun_1', definitionFingerprint: 'fp_base', scores }],
    next: { definitionFingerprint: 'fp_next', scores, jobDurationMs: 300 },
    ...overrides,
  };
}

export const DEMO = {
  apiKey: 'demo-key',
  workflowId: 'wf_demo',
  experimentId: 'exp_invoices',
  githubToken: 'demo-github-token',
  repository: 'acme/invoices',
  pullRequest: 7,
} as const;

/**
 * The demo: a dozen invoices, two completed runs, and a new configuration under which the invoice
 * with a handwritten total loses 0.32 while two others gain 0.01: the score moves from 0.9142 to
 * 0.8892 (-0.025), a regression under max-drop 0.02.
 */
export function demoScenario(): RetabScenario {
  const documents = invoiceDocuments(12).map((d) =>
    d.id === 'expdoc_6' ? { ...d, filename: 'invoice_2026_q2_006_handwritten_total.jpg' } : d,
  );
  const documentsFingerprint = 'ddd95baadce6045f';
  // prettier-ignore
  const older = [0.93, 0.90, 0.86, 0.92, 0.95, 0.80, 0.90, 0.88, 0.87, 0.94, 0.91, 0.85];
  // prettier-ignore
  const newer = [0.96, 0.91, 0.88, 0.94, 0.97, 0.85, 0.92, 0.90, 0.89, 0.95, 0.93, 0.87];
  const demoCost = smallModelCost(documents);
  // prettier-ignore
  const next = [0.96, 0.91, 0.89, 0.94, 0.97, 0.53, 0.92, 0.90, 0.90, 0.95, 0.93, 0.87];
  return {
    apiKey: DEMO.apiKey,
    workflowId: DEMO.workflowId,
    experimentId: DEMO.experimentId,
    documents,
    history: [
      {
        id: 'exprun_7f3a91',
        definitionFingerprint: 'a1b2c3d4e5f60718',
        documentsFingerprint,
        scores: scoresOf(documents, older),
        durationMs: 2_650,
        cost: demoCost,
      },
      {
        id: 'exprun_8c41d2',
        definitionFingerprint: '0ff93ddc7cefcb42',
        documentsFingerprint,
        scores: scoresOf(documents, newer),
        durationMs: 2_410,
        cost: demoCost,
      },
    ],
    next: {
      runId: 'exprun_9b07e5',
      jobId: 'job_5d2e8f',
      definitionFingerprint: '9e8d7c6b5a493827',
      documentsFingerprint,
      scores: scoresOf(documents, next),
      jobDurationMs: 2_500,
      // Longer instructions: a little more time, the same credits.
      cost: { creditsPerDocument: SMALL_MODEL_CREDITS, documentMs: invoiceTimes(documents, 1.15) },
    },
  };
}

export function demoGitHubScenario(): GitHubScenario {
  return { token: DEMO.githubToken, repository: DEMO.repository };
}

// ---- The example comments of docs/examples (`npm run examples`) ----
//
// Each builder is one situation a reader may meet. Scores are fixed numbers or come from a seeded
// PRNG, so the comments are the same on every run. Most have three completed runs of history,
// so the trend chart shows.

const EXAMPLE_DOCUMENTS_FP = 'ddd95baadce6045f';

/** A change of `cents` hundredths, kept to two decimals (no 0.1 + 0.2 noise in the tables). */
function moved(values: readonly number[], cents: readonly number[]): number[] {
  return values.map((v, i) => Math.round(v * 100 + (cents[i] ?? 0)) / 100);
}

function exampleScenario(
  documents: FakeDocument[],
  history: Array<{ id: string; fingerprint: string; scores: Array<number | null> }>,
  next: Omit<FakeNextRun, 'scores' | 'runId' | 'jobId' | 'jobDurationMs'> & {
    scores: Array<number | null>;
    jobDurationMs?: number;
  },
): RetabScenario {
  return {
    apiKey: DEMO.apiKey,
    workflowId: DEMO.workflowId,
    experimentId: DEMO.experimentId,
    documents,
    history: history.map((run, i) => ({
      id: run.id,
      definitionFingerprint: run.fingerprint,
      documentsFingerprint: EXAMPLE_DOCUMENTS_FP,
      scores: scoresOf(documents, run.scores),
      durationMs: 2_400 + 100 * i,
    })),
    next: {
      documentsFingerprint: EXAMPLE_DOCUMENTS_FP,
      jobDurationMs: 1_500,
      ...next,
      runId: 'exprun_9b07e5',
      jobId: 'job_5d2e8f',
      scores: scoresOf(documents, next.scores),
    },
  };
}

// prettier-ignore
const EXAMPLE_SCORES = [0.93, 0.90, 0.86, 0.92, 0.95, 0.80, 0.90, 0.88, 0.87, 0.94, 0.91, 0.85];

/** The fingerprint of the oldest run of `examplePassScenario`: pin it as `baseline-fingerprint`. */
export const EXAMPLE_BASELINE_FINGERPRINT = 'a1b2c3d4e5f60718';

/**
 * An improvement: three earlier runs (the oldest pinned as the baseline), then a configuration
 * under which five of twelve invoices gain 4 to 12 points and none falls.
 */
export function examplePassScenario(): RetabScenario {
  const documents = invoiceDocuments(12);
  const base = EXAMPLE_SCORES;
  return exampleScenario(
    documents,
    [
      { id: 'exprun_7f3a91', fingerprint: EXAMPLE_BASELINE_FINGERPRINT, scores: base },
      {
        id: 'exprun_8c41d2',
        fingerprint: '0ff93ddc7cefcb42',
        scores: moved(base, [1, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 0]),
      },
      {
        id: 'exprun_8e5a07',
        fingerprint: '5c2f8a9d0e1b3c47',
        scores: moved(base, [1, 1, 1, 0, 0, 3, 0, 1, 0, 1, 1, 1]),
      },
    ],
    {
      definitionFingerprint: '9e8d7c6b5a493827',
      scores: moved(base, [1, 1, 6, 0, 0, 12, 0, 5, 4, 1, 1, 10]),
    },
  );
}

/** The invoice of `exampleRegressionScenario` that falls, and what falls inside it. */
const REGRESSED_DOCUMENT = 'expdoc_6';

/** Each field's agreement over the twelve invoices in the previous run of the regression example. */
const EXAMPLE_FIELDS_BEFORE: Record<string, number> = {
  invoice_number: 0.99,
  invoice_date: 0.97,
  due_date: 0.93,
  'vendor.name': 0.98,
  'vendor.tax_id': 0.91,
  subtotal: 0.95,
  'tax.amount': 0.94,
  total_amount: 0.96,
  currency: 0.99,
  'line_items.*.description': 0.84,
  'line_items.*.quantity': 0.9,
  'line_items.*.unit_price': 0.86,
  'line_items.*.amount': 0.88,
  po_number: 0.8,
};

/**
 * And in the new run: `total_amount` falls 7 points over all invoices, a few others a little,
 * the line items' descriptions gain 6; the schema drops `po_number` and adds `payment_terms`.
 */
const EXAMPLE_FIELDS_AFTER: Record<string, number> = {
  invoice_number: 0.99,
  invoice_date: 0.97,
  due_date: 0.92,
  'vendor.name': 0.98,
  'vendor.tax_id': 0.91,
  subtotal: 0.93,
  'tax.amount': 0.91,
  total_amount: 0.89,
  currency: 0.99,
  'line_items.*.description': 0.9,
  'line_items.*.quantity': 0.9,
  'line_items.*.unit_price': 0.83,
  'line_items.*.amount': 0.84,
  payment_terms: 0.88,
};

/**
 * A regression with field diffs: one invoice (a handwritten total) loses 30 points while three
 * others gain 3; the score moves by less than `max-drop`, but `max-document-drop: 0.10` catches
 * the one document, and its per-field scores show six fields falling, with what both runs
 * extracted in them and, where the five passes disagreed, what they voted. Over all invoices,
 * `total_amount` falls past `max-field-drop: 0.05`.
 */
export function exampleRegressionScenario(): RetabScenario {
  const documents = invoiceDocuments(12).map((d) =>
    d.id === REGRESSED_DOCUMENT
      ? { ...d, filename: 'invoice_2026_q2_006_handwritten_total.jpg' }
      : d,
  );
  const base = EXAMPLE_SCORES;
  const previous = moved(base, [1, 1, 1, 0, 0, 5, 0, 1, 0, 1, 1, 1]);
  /** Five passes: `a` three times, `b` twice. */
  const split = (a: unknown, b: unknown) => [a, b, a, b, a];
  const runs = exampleScenario(
    documents,
    [
      { id: 'exprun_7f3a91', fingerprint: 'a1b2c3d4e5f60718', scores: base },
      {
        id: 'exprun_8c41d2',
        fingerprint: '0ff93ddc7cefcb42',
        scores: moved(base, [1, 0, 1, 0, 0, 3, 0, 1, 0, 0, 1, 0]),
      },
      { id: 'exprun_8e5a07', fingerprint: '5c2f8a9d0e1b3c47', scores: previous },
    ],
    {
      definitionFingerprint: '9e8d7c6b5a493827',
      scores: moved(previous, [0, 3, 0, 0, 0, -30, 0, 3, 0, 0, 3, 0]),
      aggregate: { likelihoods: EXAMPLE_FIELDS_AFTER },
    },
  );
  return {
    ...runs,
    history: runs.history.map((run) =>
      run.id === 'exprun_8e5a07'
        ? { ...run, aggregate: { likelihoods: EXAMPLE_FIELDS_BEFORE } }
        : run,
    ),
    fieldScores: {
      [REGRESSED_DOCUMENT]: [
        {
          path: 'total_amount',
          score: 0.4,
          prior_score: 1,
          value: '1,420.00',
          prior_value: '1,240.00',
          votes: split('1,420.00', '142.00'),
        },
        {
          path: 'line_items.*.unit_price',
          score: 0.4,
          prior_score: 0.8,
          value: [12.5, 8, 140],
          prior_value: [12.5, 8, 14],
          votes: split([12.5, 8, 140], [12.5, 8, 14]),
        },
        {
          path: 'line_items.*.amount',
          score: 0.4,
          prior_score: 0.8,
          value: [25, 16, 140],
          prior_value: [25, 16, 14],
          votes: split([25, 16, 140], [25, 16, 14]),
        },
        {
          path: 'tax.amount',
          score: 0.6,
          prior_score: 1,
          value: '113.60',
          prior_value: '99.20',
          votes: split('113.60', '99.20'),
        },
        {
          path: 'subtotal',
          score: 0.6,
          prior_score: 0.8,
          value: '1,306.40',
          prior_value: '1,140.80',
          votes: split('1,306.40', '1,140.80'),
        },
        {
          path: 'due_date',
          score: 0.8,
          prior_score: 1,
          value: '2026-07-15',
          prior_value: '2026-07-15',
          votes: ['2026-07-15', '2026-07-15', '2026-07-15', '2026-07-16', '2026-07-15'],
        },
        {
          path: 'invoice_number',
          score: 1,
          prior_score: 1,
          value: 'INV-2026-006',
          prior_value: 'INV-2026-006',
        },
        { path: 'vendor.name', score: 1, prior_score: 1, value: 'Hooli', prior_value: 'Hooli' },
        {
          path: 'vendor.tax_id',
          score: 0.8,
          prior_score: 0.8,
          value: 'DE811907980',
          prior_value: 'DE811907980',
        },
        { path: 'currency', score: 1, prior_score: 1, value: 'EUR', prior_value: 'EUR' },
      ],
    },
  };
}

/**
 * An error: three earlier runs, then the job fails on Retab's side. There is no score, so there
 * is no verdict to trust: the step fails and the comment says why.
 */
export function exampleErrorScenario(): RetabScenario {
  const documents = invoiceDocuments(12);
  const base = EXAMPLE_SCORES;
  return exampleScenario(
    documents,
    [
      { id: 'exprun_7f3a91', fingerprint: 'a1b2c3d4e5f60718', scores: base },
      { id: 'exprun_8c41d2', fingerprint: '0ff93ddc7cefcb42', scores: moved(base, [1, 0, 1]) },
      { id: 'exprun_8e5a07', fingerprint: '5c2f8a9d0e1b3c47', scores: moved(base, [1, 1, 1]) },
    ],
    {
      definitionFingerprint: '9e8d7c6b5a493827',
      scores: documents.map(() => null),
      terminalStatus: 'failed',
      jobError: {
        code: 'provider_unavailable',
        message:
          'The model provider answered 503 for 4 of 12 documents after 3 attempts: <upstream connect error>',
      },
    },
  );
}

/** A first run: no history at all; judged by `min-score` alone. */
export function exampleFirstRunScenario(): RetabScenario {
  const documents = invoiceDocuments(8);
  return exampleScenario(documents, [], {
    definitionFingerprint: 'a1b2c3d4e5f60718',
    scores: [0.93, 0.9, 0.86, 0.92, 0.95, 0.8, 0.9, 0.88],
  });
}

/**
 * A noisy drop: the same definition run again (three earlier runs share its fingerprint, so the
 * run-to-run noise shows). Twelve documents move by −15 to +7 points, −2.5 on average: past
 * `max-drop`, but with `confidence: 0.95` the interval reaches above zero, so it passes.
 */
export function exampleNoisyDropScenario(): RetabScenario {
  const documents = invoiceDocuments(12);
  const fingerprint = 'c41e0a9f5b7d2e38';
  // prettier-ignore
  const previous = [0.88, 0.93, 0.86, 0.95, 0.90, 0.91, 0.84, 0.94, 0.89, 0.92, 0.87, 0.96];
  return exampleScenario(
    documents,
    [
      {
        id: 'exprun_7f3a91',
        fingerprint,
        scores: moved(previous, [2, -3, 1, -2, 0, 2, 3, -4, 1, -1, 2, -2]),
      },
      {
        id: 'exprun_8c41d2',
        fingerprint,
        scores: moved(previous, [-1, 1, -3, 0, 2, -2, 1, -1, 0, 3, -1, 1]),
      },
      { id: 'exprun_8e5a07', fingerprint, scores: previous },
    ],
    {
      definitionFingerprint: fingerprint,
      scores: moved(previous, [7, -10, 5, -11, 3, -9, 6, -12, 2, -5, 4, -10]),
    },
  );
}

export const EXAMPLE_LARGE_DOCUMENTS = 10_000;

/**
 * A large run: 10,000 documents, three earlier runs. Under the new configuration 150 documents
 * fall by 11 to 40 points, 3 error out and 88 gain 11 to 15: far more rows than a comment can hold.
 * A few filenames carry characters that mean something in Markdown or HTML.
 */
export function exampleLargeScenario(): RetabScenario {
  const odd: Record<number, string> = {
    17: 'INV|2026|0017.pdf',
    42: '<draft> invoice 42.pdf',
    99: '@billing-team invoice 99.pdf',
    78: 'invoice_*final*_v2 #78.pdf',
  };
  const documents = invoiceDocuments(EXAMPLE_LARGE_DOCUMENTS).map((d, i) => {
    const name = odd[i + 1];
    return name === undefined ? d : { ...d, filename: name };
  });
  const random = seededRandom(2026);
  const gains = (i: number) => i % 97 === 41 && i < 97 * 90;
  // The documents that gain start lower, so that they stay below 1.
  const base = documents.map(
    (_, i) => Math.round((0.78 + random() * 0.2 - (gains(i) ? 0.15 : 0)) * 100) / 100,
  );
  const jitter = () => documents.map(() => Math.round(random() * 2 - 1));
  const next: Array<number | null> = [...base];
  const errors: Record<string, string> = {};
  // Every 61st document falls (from the 17th: the odd names sit in rows the comment shows),
  // every 97th gains (from the 42nd), and three error out.
  documents.forEach((d, i) => {
    const score = base[i] ?? 0;
    if (i % 61 === 16 && i < 61 * 150)
      next[i] = Math.max(0, Math.round((score - 0.11 - (i % 30) / 100) * 100) / 100);
    else if (gains(i)) next[i] = Math.round((score + 0.11 + (i % 5) / 100) * 100) / 100;
  });
  for (const i of [98, 4_321, 8_765]) {
    next[i] = null;
    errors[documents[i]?.id ?? ''] = 'Page 3 could not be read: the PDF stream is truncated';
  }
  return exampleScenario(
    documents,
    [
      { id: 'exprun_7f3a91', fingerprint: 'a1b2c3d4e5f60718', scores: moved(base, jitter()) },
      { id: 'exprun_8c41d2', fingerprint: '0ff93ddc7cefcb42', scores: moved(base, jitter()) },
      { id: 'exprun_8e5a07', fingerprint: '5c2f8a9d0e1b3c47', scores: base },
    ],
    {
      definitionFingerprint: '9e8d7c6b5a493827',
      scores: next,
      documentErrors: errors,
      jobDurationMs: 2_000,
    },
  );
}

/** The spec of the configuration examples, in the repository at this path. */
export const EXAMPLE_SPEC_PATH = 'retab/invoices.workflow.yaml';

/** What the configuration-change example's pull request proposes for the extraction block. */
export const EXAMPLE_SPEC_CHANGE = {
  model: 'gpt-5',
  instructions:
    'Extract the invoice fields. Amounts are in the currency printed next to the total; ' +
    'a handwritten total wins over a printed one. Dates are ISO 8601.',
  json_schema: {
    type: 'object',
    properties: {
      total_amount: { type: 'number' },
      currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] },
      vendor: {
        type: 'object',
        properties: { name: { type: 'string' }, vat_number: { type: 'string' } },
      },
      due_date: { type: 'string', format: 'date' },
    },
  },
  webhook_api_key: 'whk_live_9d8c7b6a5f4e',
} as const;

/**
 * A pull request that changes the extraction (`spec`): a new model, longer instructions, a
 * larger schema and a sensitive key. The gate applies it, runs it on the current API, and five
 * invoices gain.
 */
export function exampleConfigChangeScenario(): RetabScenario {
  const base = examplePassScenario();
  return { ...base, dialect: 'current', draft: defaultDraft() };
}

/** The spec of `exampleConfigChangeScenario`'s pull request. */
export function exampleConfigChangeSpec(workflowId: string): string {
  return exportSpec(withConfig(defaultDraft(), EXPERIMENT_BLOCK, EXAMPLE_SPEC_CHANGE), workflowId);
}

/**
 * A pull request that does not touch the extraction: its spec is the draft, which the latest run
 * already measured, so the gate judges that run again instead of paying for a new one.
 */
export function exampleReusedScenario(): RetabScenario {
  const base = examplePassScenario();
  const history = base.history.map((run, i, all) =>
    i === all.length - 1 ? { ...run, definitionFingerprint: fingerprintOf(defaultDraft()) } : run,
  );
  return { ...base, dialect: 'current', draft: defaultDraft(), history };
}

/** The spec of `exampleReusedScenario`'s pull request: the draft as it is. */
export function exampleUnchangedSpec(workflowId: string): string {
  return exportSpec(defaultDraft(), workflowId);
}

/** The documents a classifier sorts in `exampleClassifierScenario`: receipts, invoices, and others. */
const CLASSIFIED_DOCUMENTS: FakeDocument[] = [
  'receipt_cafe_nero_2026-03-14.jpg',
  'invoice_acme_2026-03.pdf',
  'receipt_uber_2026-03-02.pdf',
  'po_globex_4471.pdf',
  'receipt_hotel_lisbon_2026-02-27.pdf',
  'invoice_initech_2026-Q1.pdf',
  'credit_note_hooli_0042.pdf',
  'receipt_office_supplies_2026-03-09.png',
  'invoice_umbrella_7781.pdf',
  'receipt_taxi_2026-03-21.jpg',
  'invoice_wonka_2026-03.pdf',
  'po_soylent_0918.pdf',
].map((filename, i) => ({ id: `expdoc_${i + 1}`, filename }));

/**
 * A classifier's labels and the flows between them (how often documents of one label were taken
 * for another) in the previous run of the classifier example; each label's flow to itself is its
 * agreement, as Retab sends it.
 */
const EXAMPLE_LABELS_BEFORE = {
  diag: { invoice: 0.97, receipt: 0.94, purchase_order: 0.9, credit_note: 0.88 },
  flows: [
    { source: 'receipt', target: 'receipt', score: 0.94 },
    { source: 'receipt', target: 'invoice', score: 0.03 },
    { source: 'invoice', target: 'receipt', score: 0.02 },
    { source: 'invoice', target: 'credit_note', score: 0.01 },
    { source: 'purchase_order', target: 'invoice', score: 0.06 },
    { source: 'credit_note', target: 'invoice', score: 0.08 },
  ],
};

/**
 * And in the new run, whose prompt calls a receipt "a proof of payment for an invoice": a quarter
 * of the receipts read as invoices, a few as credit notes; an older server's spelling (`from`/`to`).
 */
const EXAMPLE_LABELS_AFTER = {
  diag: { invoice: 0.98, receipt: 0.73, purchase_order: 0.9, credit_note: 0.88 },
  flows: [
    { from: 'receipt', to: 'receipt', score: 0.73 },
    { from: 'receipt', to: 'invoice', score: 0.24 },
    { from: 'receipt', to: 'credit_note', score: 0.03 },
    { from: 'invoice', to: 'receipt', score: 0.01 },
    { from: 'purchase_order', to: 'invoice', score: 0.06 },
    { from: 'credit_note', to: 'invoice', score: 0.08 },
  ],
};

/**
 * A classifier whose prompt change sends receipts to invoices: the five receipts lose 20 to 40
 * points, the `receipt` label falls 21 points past `max-field-drop`, and the Confusions table says
 * where the receipts went.
 */
export function exampleClassifierScenario(): RetabScenario {
  // prettier-ignore
  const base = [0.95, 0.97, 0.93, 0.9, 0.94, 0.98, 0.88, 0.92, 0.97, 0.95, 0.96, 0.91];
  const runs = exampleScenario(
    CLASSIFIED_DOCUMENTS,
    [
      { id: 'exprun_7f3a91', fingerprint: 'a1b2c3d4e5f60718', scores: moved(base, [-1, 0, -2]) },
      { id: 'exprun_8c41d2', fingerprint: '0ff93ddc7cefcb42', scores: moved(base, [0, -1, 0]) },
      { id: 'exprun_8e5a07', fingerprint: '5c2f8a9d0e1b3c47', scores: base },
    ],
    {
      definitionFingerprint: '9e8d7c6b5a493827',
      scores: moved(base, [-40, 1, -20, 0, -33, 0, 0, -25, 1, -30, 0, 0]),
      aggregate: EXAMPLE_LABELS_AFTER,
    },
  );
  /** The document's type as five passes voted: `a` three times, `b` twice. */
  const typed = (id: string, score: number, prior: number, a: string, b: string) => [
    id,
    [
      {
        path: 'document_type',
        score,
        prior_score: prior,
        value: a,
        prior_value: 'receipt',
        votes: [a, b, a, b, a],
      },
    ],
  ];
  return {
    ...runs,
    workflowName: 'Document sorter',
    history: runs.history.map((run) =>
      run.id === 'exprun_8e5a07' ? { ...run, aggregate: EXAMPLE_LABELS_BEFORE } : run,
    ),
    fieldScores: Object.fromEntries([
      typed('expdoc_1', 0.55, 0.95, 'invoice', 'receipt'),
      typed('expdoc_3', 0.73, 0.93, 'receipt', 'invoice'),
      typed('expdoc_5', 0.61, 0.94, 'invoice', 'receipt'),
      typed('expdoc_8', 0.67, 0.92, 'invoice', 'credit_note'),
      typed('expdoc_10', 0.65, 0.95, 'invoice', 'receipt'),
    ]) as RetabScenario['fieldScores'],
  };
}

// ---- Several experiments of one pull request (`npm run demo -- --several`, docs/examples/several.md) ----

/**
 * Three pipelines of one pull request, each its experiment: the invoices gain, the receipts
 * regress (the handwritten total of the demo), the contracts hold.
 */
export function severalScenarios(): RetabScenario[] {
  const named = (scenario: RetabScenario, experimentId: string, noun: string): RetabScenario => ({
    ...scenario,
    experimentId,
    documents: scenario.documents.map((d) => ({
      ...d,
      filename: d.filename.replace(/invoice/g, noun),
    })),
  });
  const held = demoScenario();
  const contracts = { ...held, next: { ...held.next, scores: held.history[1]!.scores } };
  return [
    named(examplePassScenario(), 'exp_invoices', 'invoice'),
    named(demoScenario(), 'exp_receipts', 'receipt'),
    named(contracts, 'exp_contracts', 'contract'),
  ];
}
/** Five passes over two-page invoices: retab-small at 1 credit a page, retab-large at 3. */
const SMALL_MODEL_CREDITS = 10;
const LARGE_MODEL_CREDITS = 30;

/** Each invoice's time, in ms: about 3.2 s, a little more for the longer ones. */
function invoiceTimes(documents: readonly FakeDocument[], scale: number): Record<string, number> {
  return Object.fromEntries(
    documents.map((d, i) => [d.id, Math.round((3_000 + 100 * (i % 5)) * scale)]),
  );
}

/** What retab-small costs and takes over these invoices. */
function smallModelCost(documents: readonly FakeDocument[]) {
  return { creditsPerDocument: SMALL_MODEL_CREDITS, documentMs: invoiceTimes(documents, 1) };
}

/**
 * A model change that buys accuracy with money: retab-small to retab-large gains 2.6 points over
 * twelve invoices, at three times the credits per document and twice the time.
 */
export function exampleCostScenario(): RetabScenario {
  const base = examplePassScenario();
  const documents = base.documents;
  const small = smallModelCost(documents);
  return {
    ...base,
    history: base.history.map((run) => ({ ...run, cost: small })),
    next: {
      ...base.next,
      scores: scoresOf(documents, moved(EXAMPLE_SCORES, [4, 3, 5, 2, 2, 7, 3, 4, 3, 2, 3, 3])),
      cost: { creditsPerDocument: LARGE_MODEL_CREDITS, documentMs: invoiceTimes(documents, 2) },
    },
  };
}
