// Which label was taken for which: the flows between labels of a classifier or split block (how
// often documents of one label were taken for another), against the reference run's. Pure.
import type { LabelFlow } from './evidence.js';
import { EPSILON } from './verdict.js';

export type FlowStatus = 'grew' | 'new' | 'gone' | 'shrank' | 'unchanged';

export interface FlowRow {
  /** The label the documents have. */
  source: string;
  /** The label the run took them for. */
  target: string;
  /** Share in the reference run; null when the flow is new. */
  reference: number | null;
  /** Share in this run; null when the flow is gone. */
  current: number | null;
  delta: number | null;
  status: FlowStatus;
}

export interface FlowComparison {
  /** Both runs scored the same documents: otherwise each run's flows are over other documents. */
  comparable: boolean;
  /** Grew first, worst first (see sortFlows). */
  rows: FlowRow[];
}

export interface CompareFlowsInput {
  current: readonly LabelFlow[] | undefined;
  reference: readonly LabelFlow[] | undefined;
  comparable: boolean;
}

/**
 * The confusions: each flow between two different labels in either run, reference → current.
 * A flow of a label to itself is its agreement, which the field table shows. Undefined when
 * either run gives no flows (a flow missing from a run that gives some is new or gone), or
 * when neither has one between two labels. A change shows when it shows in the table: to a
 * tenth of a point; the flows decide nothing (a label that lost agreement is a field's rule).
 */
export function compareFlows(input: CompareFlowsInput): FlowComparison | undefined {
  const { current, reference, comparable } = input;
  if (!current || !reference) return undefined;
  const before = flowMap(reference);
  const now = flowMap(current);
  const rows: FlowRow[] = [];
  for (const [key, flow] of now) {
    const was = before.get(key);
    if (was === undefined) {
      rows.push({
        ...names(flow),
        reference: null,
        current: flow.score,
        delta: null,
        status: 'new',
      });
      continue;
    }
    const delta = flow.score - was.score;
    const moved = Math.round(delta * 1000) !== 0;
    rows.push({
      ...names(flow),
      reference: was.score,
      current: flow.score,
      delta,
      status: !moved ? 'unchanged' : delta > 0 ? 'grew' : 'shrank',
    });
  }
  for (const [key, flow] of before) {
    if (!now.has(key)) {
      rows.push({
        ...names(flow),
        reference: flow.score,
        current: null,
        delta: null,
        status: 'gone',
      });
    }
  }
  if (rows.length === 0) return undefined;
  return { comparable, rows: sortFlows(rows) };
}

/** The flows between two different labels, by source and target; the first of a pair said twice. */
function flowMap(flows: readonly LabelFlow[]): Map<string, LabelFlow> {
  const map = new Map<string, LabelFlow>();
  for (const flow of flows) {
    if (flow.source === flow.target) continue;
    const key = JSON.stringify([flow.source, flow.target]);
    if (!map.has(key)) map.set(key, flow);
  }
  return map;
}

function names(flow: LabelFlow): Pick<FlowRow, 'source' | 'target'> {
  return { source: flow.source, target: flow.target };
}

const ORDER: Record<FlowStatus, number> = { grew: 0, new: 1, gone: 2, shrank: 3, unchanged: 4 };

/**
 * Grown first, most grown first; then new flows (largest first), gone ones (largest before),
 * those that shrank (most first), and the unchanged ones (largest first). Ties by source, then
 * target, in code-unit order (the same on every machine).
 */
function sortFlows(rows: FlowRow[]): FlowRow[] {
  const weight = (row: FlowRow): number => {
    switch (row.status) {
      case 'grew':
        return row.delta ?? 0;
      case 'shrank':
        return -(row.delta ?? 0);
      case 'gone':
        return row.reference ?? 0;
      default:
        return row.current ?? 0;
    }
  };
  return rows.sort((a, b) => {
    const byStatus = ORDER[a.status] - ORDER[b.status];
    if (byStatus !== 0) return byStatus;
    const byWeight = weight(b) - weight(a);
    if (Math.abs(byWeight) > EPSILON) return byWeight;
    return compareText(a.source, b.source) || compareText(a.target, b.target);
  });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
