// Ready-made scenarios for the fakes, shared by the tests and `npm run demo`.
import type { FakeDocument, RetabScenario } from './retab.ts';
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
      },
      {
        id: 'exprun_8c41d2',
        definitionFingerprint: '0ff93ddc7cefcb42',
        documentsFingerprint,
        scores: scoresOf(documents, newer),
        durationMs: 2_410,
      },
    ],
    next: {
      runId: 'exprun_9b07e5',
      jobId: 'job_5d2e8f',
      definitionFingerprint: '9e8d7c6b5a493827',
      documentsFingerprint,
      scores: scoresOf(documents, next),
      jobDurationMs: 2_500,
    },
  };
}

export function demoGitHubScenario(): GitHubScenario {
  return { token: DEMO.githubToken, repository: DEMO.repository };
}
