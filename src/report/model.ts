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
  workflowName?: string;
  experimentId: string;
  /**
   * When this gate started (the runner's clock, ISO): the time of a report that has no run's
   * `createdAt` (an error before the run was read), so that it cannot replace a newer report.
   */
  startedAt?: string;
  run?: RunSummary;
  previous?: RunReference;
  baseline?: RunReference;
  /** Which run the verdict compares against. */
  referenceKind?: 'baseline' | 'previous';
  comparison?: Comparison;
  /** The change's interval and whether a drop is credible (the interval's method and level). */
  noise?: NoiseAssessment;
  /** Spread of the scores of completed runs with this run's definition (3 or more runs). */
  runNoise?: RunNoise;
  thresholds: {
    maxDrop: string;
    minScore?: number;
    maxDocumentDrop?: string;
    confidence?: number;
  };
  reasons: Reason[];
  /** Why the verdict is `error`. */
  error?: string;
  documents: DocumentRow[];
  regressedCount: number;
  documentSets?: { added: DocumentName[]; removed: DocumentName[] };
  /** The pull request the report was made for, at the commit it judged. */
  pullRequest?: { number: number; headSha: string };
  /** The pull requests a merge-queue group holds, when the event says so. */
  mergeGroup?: { pullRequests: number[] };
  /** What fell inside the worst regressed documents, worst first. */
  fieldChanges?: FieldChanges[];
  /** Why documents errored, one line each. */
  documentErrors?: Array<{ id: string; message: string }>;
  /** Scores of the experiment's last completed runs, oldest first, this run last. */
  trend?: Array<{ runId: string; score: number }>;
}

export interface FieldChanges {
  documentId: string;
  filename: string;
  /** The fields whose score fell, worst first. */
  fields: Array<{ path: string; reference: number; current: number | null }>;
  /** Fields that fell but are not listed (the list is capped). */
  more: number;
}

export interface RunSummary {
  id: string;
  jobId: string;
  /** Terminal status of the job, or timeout/aborted. */
  status: string;
  score: number | null;
  documentCount?: number;
  completedDocuments?: number;
  nConsensus?: number;
  durationMs?: number;
  definitionFingerprint?: string;
  documentsFingerprint?: string;
  /** When Retab created the run: a newer run's comment is never overwritten by an older one. */
  createdAt?: string;
}

export interface RunReference {
  id: string;
  score: number | null;
  definitionFingerprint?: string;
  documentsFingerprint?: string;
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
