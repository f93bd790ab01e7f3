// Which fields got worse: each field's (or label's) agreement over all the run's documents,
// against the reference run's. Pure.
import type { FieldAggregate } from './evidence.js';
import { allowedChange, EPSILON, type Threshold } from './verdict.js';

export type FieldStatus = 'regressed' | 'removed' | 'new' | 'improved' | 'unchanged';

export interface FieldRow {
  name: string;
  /** Agreement in the reference run; null when the field is new. */
  reference: number | null;
  /** Agreement in this run; null when the field was removed. */
  current: number | null;
  delta: number | null;
  status: FieldStatus;
  /** Counts toward the verdict: fell past `max-field-drop`, over the same documents. */
  counts: boolean;
}

export interface FieldComparison {
  kind: FieldAggregate['kind'];
  /** Both runs scored the same documents: the fields can be compared, and gated. */
  comparable: boolean;
  /** Fell first, worst first (see sortFields). */
  rows: FieldRow[];
  /** Rows marked regressed, counted or not. */
  regressedCount: number;
}

export interface FieldThresholds {
  maxDrop: Threshold;
  /** Empty: fields are marked against `maxDrop` and decide nothing. */
  maxFieldDrop?: Threshold | undefined;
}

export interface CompareFieldsInput {
  current: FieldAggregate | undefined;
  reference: FieldAggregate | undefined;
  /** False when the document sets differ: each run's agreement is over other documents. */
  comparable: boolean;
  thresholds: FieldThresholds;
}

/**
 * The field table: every field of either run, classified against the field threshold
 * (`max-field-drop`, else `max-drop`). Undefined when there is nothing to compare: either run
 * gave no field scores, or the two give different kinds (fields and labels).
 */
export function compareFields(input: CompareFieldsInput): FieldComparison | undefined {
  const { current, reference, comparable, thresholds } = input;
  if (!current || !reference || current.kind !== reference.kind) return undefined;
  if (current.scores.length === 0 && reference.scores.length === 0) return undefined;
  const before = new Map(reference.scores.map((entry) => [entry.name, entry.score]));
  const now = new Map(current.scores.map((entry) => [entry.name, entry.score]));
  const rows: FieldRow[] = [];
  for (const [name, score] of now) rows.push(classify(name, before.get(name), score));
  for (const [name, score] of before) {
    if (!now.has(name)) {
      rows.push({
        name,
        reference: score,
        current: null,
        delta: null,
        status: 'removed',
        counts: false,
      });
    }
  }
  return {
    kind: current.kind,
    comparable,
    rows: sortFields(rows),
    regressedCount: rows.filter((row) => row.status === 'regressed').length,
  };

  function classify(name: string, referenceScore: number | undefined, score: number): FieldRow {
    if (referenceScore === undefined) {
      return { name, reference: null, current: score, delta: null, status: 'new', counts: false };
    }
    const delta = score - referenceScore;
    const allowed = allowedChange(thresholds.maxFieldDrop ?? thresholds.maxDrop, referenceScore);
    const row = { name, reference: referenceScore, current: score, delta };
    if (-delta > allowed + EPSILON) {
      const counts = comparable && thresholds.maxFieldDrop !== undefined;
      return { ...row, status: 'regressed', counts };
    }
    if (delta > allowed + EPSILON) return { ...row, status: 'improved', counts: false };
    return { ...row, status: 'unchanged', counts: false };
  }
}

const ORDER: Record<FieldStatus, number> = {
  regressed: 0,
  removed: 1,
  new: 2,
  improved: 3,
  unchanged: 4,
};

/**
 * Regressions first, worst first; then removed and new fields, improvements (best first), and
 * the unchanged ones, those that fell a little first. Ties by name, in code-unit order (the
 * same on every machine).
 */
function sortFields(rows: FieldRow[]): FieldRow[] {
  return rows.sort((a, b) => {
    const byStatus = ORDER[a.status] - ORDER[b.status];
    if (byStatus !== 0) return byStatus;
    const byDelta =
      a.status === 'improved' ? (b.delta ?? 0) - (a.delta ?? 0) : (a.delta ?? 0) - (b.delta ?? 0);
    if (Math.abs(byDelta) > EPSILON) return byDelta;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}
