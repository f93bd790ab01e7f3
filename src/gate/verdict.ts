import type { CostReason } from './cost.js';
import type { FieldComparison } from './fields.js';
import { detectableDrop } from './power.js';
import { average, changeInterval, isCredibleDrop, type ChangeInterval } from './stats.js';

/** An allowed drop: absolute points on the 0–1 scale, or a percentage of the reference score. */
export type Threshold =
  | { kind: 'points'; value: number; text: string }
  | { kind: 'percent'; value: number; text: string };

/** Fields named in the reason of `max-field-drop`, worst first; the rest are counted. */
export const FIELD_NAMES_IN_REASON = 5;

/** The level of the intervals shown when no `confidence` is set. */
export const DEFAULT_LEVEL = 0.95;

/** Two scores closer than this are equal: keeps float noise out of "more than". */
export const EPSILON = 1e-9;

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
  /** Allowed drop of any one field's agreement; empty: fields decide nothing. */
  maxFieldDrop?: Threshold | undefined;
  /** Noise-aware gating: a drop past max-drop counts only when credible at this level. */
  confidence: number | undefined;
}

/** How the score change compares with the noise of consensus scoring. */
interface NoiseAssessment {
  /** Level of `interval`: `confidence`, or 0.95 when it is not set. */
  level: number;
  /** Two-sided interval of the mean per-document change; undefined below 3 paired documents. */
  interval?: ChangeInterval;
  /** The score fell past max-drop, but the one-sided interval at `level` reaches zero. */
  dropWithinNoise: boolean;
  /** With `confidence`: that drop was therefore not counted as a regression. */
  dismissed: boolean;
  /** With `confidence`: too few paired documents for an interval; the plain threshold decided. */
  tooFewDocuments: boolean;
  /** The drop the one-sided test at `level` catches 80 % of the time (./power.ts); 0–1 scale. */
  detectableDrop?: number;
  /** When `detectableDrop` is larger than `max-drop` allows: how many documents would detect that. */
  documentsToDetect?: number;
}

export interface JudgeInput {
  runScore: number | null;
  reference: ReferenceRun | undefined;
  /** The document sets differ (documents fingerprints or document lists). */
  documentSetsDiffer: boolean;
  documents: readonly DocumentScore[];
  thresholds: Thresholds;
  /** The field table (./fields.ts); its rows that count make a regression. */
  fields?: FieldComparison | undefined;
  /** Cost and time past their thresholds (./cost.ts, judged with `judgesChange`): each a regression. */
  costReasons?: readonly CostReason[] | undefined;
  /**
   * No new run: an earlier run was judged again (nothing changed since it ran). The change
   * against the previous run is then shown, not judged; min-score and a baseline still apply.
   */
  reused?: boolean;
}

type DocumentStatus = 'regressed' | 'errored' | 'new' | 'improved' | 'unchanged';

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
  | {
      rule: 'max-field-drop';
      kind: FieldComparison['kind'];
      fields: number;
      /** The worst of them, worst first. */
      names: string[];
    }
  | CostReason
  | { rule: 'no-score' }
  | { rule: 'nothing-comparable' };

interface Comparison {
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
  noise: NoiseAssessment | undefined;
  rows: DocumentRow[];
  regressedCount: number;
  /** The field table as judged: its rows count only where the change is judged. */
  fields: FieldComparison | undefined;
}

/**
 * Whether the change against the reference is judged: not for a reused run against its previous
 * run (nothing changed since that run was judged); min-score and a baseline still apply.
 */
export function judgesChange(reused: boolean, reference: ReferenceRun | undefined): boolean {
  return !(reused && reference?.kind === 'previous');
}

/**
 * The verdict rules (README, "What decides the verdict"): a regression when the score fell past
 * max-drop (unless within noise with `confidence`), fell below min-score, a document fell past
 * max-document-drop, a document scored before errored now, or a field fell past max-field-drop;
 * an error when nothing can be compared; else a pass. Pure.
 */
export function judge(input: JudgeInput): Judgement {
  const { thresholds, reference } = input;
  const changeJudged = judgesChange(input.reused === true, reference);
  const rows = sortRows(
    input.documents.map((doc) => {
      const row = classify(doc, thresholds);
      return changeJudged ? row : { ...row, counts: false };
    }),
  );
  // A field's change against the previous run is the same change: shown, and judged only then.
  const fields =
    input.fields && !changeJudged
      ? { ...input.fields, rows: input.fields.rows.map((row) => ({ ...row, counts: false })) }
      : input.fields;
  // What the table shows as regressed: dropped past the document threshold, or scored before and errored now.
  const regressedCount = rows.filter(
    (row) => row.status === 'regressed' || (row.status === 'errored' && row.counts),
  ).length;

  if (input.runScore === null) {
    return {
      verdict: 'error',
      reasons: [{ rule: 'no-score' }],
      comparison: undefined,
      noise: undefined,
      rows,
      regressedCount,
      fields,
    };
  }

  const reasons: Reason[] = [];
  let comparison: Comparison | undefined;
  let noise: NoiseAssessment | undefined;
  if (reference) {
    comparison = compare(input, input.runScore, reference);
    if (!comparison) {
      return {
        verdict: 'error',
        reasons: [{ rule: 'nothing-comparable' }],
        comparison: undefined,
        noise: undefined,
        rows,
        regressedCount,
        fields,
      };
    }
    const breached = -comparison.delta > comparison.allowedDrop + EPSILON;
    noise = assessNoise(input.documents, breached, thresholds.confidence, comparison.allowedDrop);
    if (breached && !noise.dismissed && changeJudged) {
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
  // Not softened by `confidence`: a field's agreement is already over every document.
  const droppedFields = fields?.rows.filter((row) => row.counts) ?? [];
  if (droppedFields.length > 0) {
    reasons.push({
      rule: 'max-field-drop',
      kind: fields?.kind ?? 'field',
      fields: droppedFields.length,
      names: droppedFields.slice(0, FIELD_NAMES_IN_REASON).map((row) => row.name),
    });
  }
  reasons.push(...(input.costReasons ?? []));

  return {
    verdict: reasons.length > 0 ? 'regression' : 'pass',
    reasons,
    comparison,
    noise,
    rows,
    regressedCount,
    fields,
  };
}

/** Per-document changes over the documents both runs scored. */
export function pairedChanges(documents: readonly DocumentScore[]): number[] {
  return documents.flatMap((doc) =>
    doc.inReference && doc.score !== null && doc.referenceScore !== null
      ? [doc.score - doc.referenceScore]
      : [],
  );
}

/**
 * The interval of the change, and whether a drop past max-drop is credible. Only that rule is
 * softened: min-score, max-document-drop and errored documents are judged as they are.
 */
function assessNoise(
  documents: readonly DocumentScore[],
  breached: boolean,
  confidence: number | undefined,
  allowed: number,
): NoiseAssessment {
  const level = confidence ?? DEFAULT_LEVEL;
  const changes = pairedChanges(documents);
  const interval = changeInterval(changes, level);
  const oneSided = breached ? isCredibleDrop(changes, level) : undefined;
  const dropWithinNoise = oneSided !== undefined && !oneSided.credible;
  const power = detectableDrop(changes, level, allowed);
  return {
    level,
    interval,
    dropWithinNoise,
    dismissed: confidence !== undefined && dropWithinNoise,
    tooFewDocuments: confidence !== undefined && breached && oneSided === undefined,
    ...(power && { detectableDrop: power.drop }),
    ...(power?.documentsToDetect !== undefined && { documentsToDetect: power.documentsToDetect }),
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
    current = average(shared.map((doc) => doc.score));
    referenceScore = average(shared.map((doc) => doc.referenceScore));
  }
  if (referenceScore === null) return undefined;
  return {
    current,
    reference: referenceScore,
    delta: current - referenceScore,
    likeForLike,
    sharedDocuments: shared.length,
    allowedDrop: allowedChange(input.thresholds.maxDrop, referenceScore),
  };
}

/**
 * How far a figure may move, in its own units, for a given reference: a share of the reference
 * (`percent`), or the threshold's value itself (points of score, credits, seconds).
 */
export function allowedChange(
  threshold: { kind: string; value: number },
  reference: number,
): number {
  return threshold.kind === 'percent' ? (threshold.value / 100) * reference : threshold.value;
}

/** How far one document may move before it counts as regressed (or improved). */
function documentAllowance(thresholds: Thresholds, referenceScore: number): number {
  return allowedChange(thresholds.maxDocumentDrop ?? thresholds.maxDrop, referenceScore);
}

/** A document whose score fell past the document threshold: the table marks it regressed. */
export function fellPast(thresholds: Thresholds, referenceScore: number, score: number): boolean {
  return referenceScore - score > documentAllowance(thresholds, referenceScore) + EPSILON;
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
  const allowed = documentAllowance(thresholds, doc.referenceScore);
  if (fellPast(thresholds, doc.referenceScore, doc.score)) {
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
