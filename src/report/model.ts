import type { Verdict } from '../names.js';
import type { RunNoise } from '../gate/stats.js';
import type { Comparison, DocumentRow, NoiseAssessment, Reason } from '../gate/verdict.js';

/** One report, rendered three ways: PR comment, job summary, JSON file. */
export interface Report {
  schema: 'retab-experiment-gate/report@1';
  verdict: Verdict;
  /** Regressions fail the step; false when fail-on-regression is off. */
  blocking: boolean;
  header: string;
  workflowId: string;
  workflowName: string | undefined;
  experimentId: string;
  run: RunSummary | undefined;
  previous: RunReference | undefined;
  baseline: RunReference | undefined;
  /** Which run the verdict compares against. */
  referenceKind: 'baseline' | 'previous' | undefined;
  comparison: Comparison | undefined;
  /** The change's interval and whether a drop is credible (the interval's method and level). */
  noise: NoiseAssessment | undefined;
  /** Spread of the scores of completed runs with this run's definition (3 or more runs). */
  runNoise: RunNoise | undefined;
  thresholds: {
    maxDrop: string;
    minScore: number | undefined;
    maxDocumentDrop: string | undefined;
    confidence: number | undefined;
  };
  reasons: Reason[];
  /** Why the verdict is `error`. */
  error: string | undefined;
  documents: DocumentRow[];
  regressedCount: number;
  documentSets: { added: DocumentName[]; removed: DocumentName[] } | undefined;
  pullRequest: number | undefined;
}

export interface RunSummary {
  id: string;
  jobId: string;
  /** Terminal status of the job, or timeout/aborted. */
  status: string;
  score: number | null;
  documentCount: number | undefined;
  completedDocuments: number | undefined;
  nConsensus: number | undefined;
  durationMs: number | undefined;
  definitionFingerprint: string | undefined;
  documentsFingerprint: string | undefined;
}

export interface RunReference {
  id: string;
  score: number | null;
  definitionFingerprint: string | undefined;
  documentsFingerprint: string | undefined;
}

export interface DocumentName {
  id: string;
  filename: string;
}

/** Score change against a reference run, on the overall scores. */
export function deltaTo(report: Report, kind: 'baseline' | 'previous'): number | undefined {
  if (report.referenceKind === kind && report.comparison) return report.comparison.delta;
  const ref = report[kind];
  const score = report.run?.score;
  if (!ref || ref.score === null || score === null || score === undefined) return undefined;
  return score - ref.score;
}
