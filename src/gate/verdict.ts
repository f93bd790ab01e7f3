import type { Threshold } from '../inputs.js';

/** Two scores closer than this are equal: keeps float noise out of "more than". */
const EPSILON = 1e-9;

export interface DocumentScore {
  id: string;
  filename: string;
  score: number | null;
  /** The document is part of the reference run. */
  inReference: boolean;
  /** Its score in the reference run (null: not scored there, or not part of it). */
  referenceScore: number | null;
}

export interface ReferenceRun {
  kind: 'baseline' | 'previous';
  runId: string;
  score: number | null;
}

export interface Thresholds {
  maxDrop: Threshold;
  minScore: number | undefined;
  maxDocumentDrop: Threshold | undefined;
}

export interface JudgeInput {
  runScore: number | null;
  reference: ReferenceRun | undefined;
  /** The document sets differ (documents fingerprints or document lists). */
  documentSetsDiffer: boolean;
  documents: readonly DocumentScore[];
  thresholds: Thresholds;
}

export type DocumentStatus = 'regressed' | 'errored' | 'new' | 'improved' | 'unchanged';

export interface DocumentRow extends DocumentScore {
  delta: number | null;
  status: DocumentStatus;
  /** Counts toward the verdict. */
  counts: boolean;
}

export type Reason =
  | {
      rule: 'max-drop';
      current: number;
      reference: number;
      allowed: number;
      referenceKind: ReferenceRun['kind'];
    }
  | { rule: 'min-score'; current: number; minimum: number }
  | { rule: 'max-document-drop'; documents: number }
  | { rule: 'errored-documents'; documents: number }
  | { rule: 'no-score' }
  | { rule: 'nothing-comparable' };

export interface Comparison {
  current: number;
  reference: number;
  delta: number;
  /** Means over the documents both runs scored, not the runs' overall scores. */
  likeForLike: boolean;
  sharedDocuments: number;
  allowedDrop: number;
}

export interface Judgement {
  verdict: 'pass' | 'regression' | 'error';
  reasons: Reason[];
  comparison: Comparison | undefined;
  rows: DocumentRow[];
  regressedCount: number;
}

/** Applies product.md's verdict rules. Pure. */
export function judge(input: JudgeInput): Judgement {
  const { thresholds, reference } = input;
  const rows = sortRows(input.documents.map((doc) => classify(doc, thresholds)));
  // What the table shows as regressed: dropped past the document threshold, or scored before and errored now.
  const regressedCount = rows.filter(
    (row) => row.status === 'regressed' || (row.status === 'errored' && row.counts),
  ).length;

  if (input.runScore === null) {
    return {
      verdict: 'error',
      reasons: [{ rule: 'no-score' }],
      comparison: undefined,
      rows,
      regressedCount,
    };
  }

  const reasons: Reason[] = [];
  let comparison: Comparison | undefined;
  if (reference) {
    comparison = compare(input, input.runScore, reference);
    if (!comparison) {
      return {
        verdict: 'error',
        reasons: [{ rule: 'nothing-comparable' }],
        comparison: undefined,
        rows,
        regressedCount,
      };
    }
    if (-comparison.delta > comparison.allowedDrop + EPSILON) {
      reasons.push({
        rule: 'max-drop',
        current: comparison.current,
        reference: comparison.reference,
        allowed: comparison.allowedDrop,
        referenceKind: reference.kind,
      });
    }
  }
  if (thresholds.minScore !== undefined && input.runScore < thresholds.minScore - EPSILON) {
    reasons.push({ rule: 'min-score', current: input.runScore, minimum: thresholds.minScore });
  }
  const droppedDocs = rows.filter((row) => row.counts && row.status === 'regressed').length;
  if (droppedDocs > 0) reasons.push({ rule: 'max-document-drop', documents: droppedDocs });
  const erroredDocs = rows.filter((row) => row.counts && row.status === 'errored').length;
  if (erroredDocs > 0) reasons.push({ rule: 'errored-documents', documents: erroredDocs });

  return {
    verdict: reasons.length > 0 ? 'regression' : 'pass',
    reasons,
    comparison,
    rows,
    regressedCount,
  };
}

function compare(
  input: JudgeInput,
  runScore: number,
  reference: ReferenceRun,
): Comparison | undefined {
  const shared = input.documents.filter(
    (doc): doc is DocumentScore & { score: number; referenceScore: number } =>
      doc.inReference && doc.score !== null && doc.referenceScore !== null,
  );
  const likeForLike = input.documentSetsDiffer || reference.score === null;
  let current = runScore;
  let referenceScore = reference.score;
  if (likeForLike) {
    if (shared.length === 0) return undefined;
    current = mean(shared.map((doc) => doc.score));
    referenceScore = mean(shared.map((doc) => doc.referenceScore));
  }
  if (referenceScore === null) return undefined;
  return {
    current,
    reference: referenceScore,
    delta: current - referenceScore,
    likeForLike,
    sharedDocuments: shared.length,
    allowedDrop: allowedDrop(input.thresholds.maxDrop, referenceScore),
  };
}

/** The threshold in points on the 0–1 scale, for a given reference score. */
export function allowedDrop(threshold: Threshold, referenceScore: number): number {
  return threshold.kind === 'points' ? threshold.value : (threshold.value / 100) * referenceScore;
}

function classify(doc: DocumentScore, thresholds: Thresholds): DocumentRow {
  const hadScore = doc.inReference && doc.referenceScore !== null;
  if (doc.score === null) {
    // A document that was scored before and is not now always counts.
    return { ...doc, delta: null, status: 'errored', counts: hadScore };
  }
  if (!hadScore || doc.referenceScore === null) {
    return { ...doc, delta: null, status: 'new', counts: false };
  }
  const delta = doc.score - doc.referenceScore;
  const threshold = thresholds.maxDocumentDrop ?? thresholds.maxDrop;
  const allowed = allowedDrop(threshold, doc.referenceScore);
  if (-delta > allowed + EPSILON) {
    return { ...doc, delta, status: 'regressed', counts: thresholds.maxDocumentDrop !== undefined };
  }
  if (delta > allowed + EPSILON) return { ...doc, delta, status: 'improved', counts: false };
  return { ...doc, delta, status: 'unchanged', counts: false };
}

const STATUS_ORDER: Record<DocumentStatus, number> = {
  regressed: 0,
  errored: 1,
  new: 2,
  improved: 3,
  unchanged: 4,
};

/** Regressions first, worst first; then errors, new, improvements (best first), unchanged. */
function sortRows(rows: DocumentRow[]): DocumentRow[] {
  return rows.sort((a, b) => {
    const byStatus = STATUS_ORDER[a.status] - STATUS_ORDER[b.status];
    if (byStatus !== 0) return byStatus;
    if (a.status === 'errored' && a.counts !== b.counts) return a.counts ? -1 : 1;
    if (a.status === 'improved') return (b.delta ?? 0) - (a.delta ?? 0);
    const byDelta = (a.delta ?? 0) - (b.delta ?? 0);
    return byDelta !== 0 ? byDelta : a.filename.localeCompare(b.filename);
  });
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
