// The Confusions section: which label a classifier or split block took for which, reference →
// current (the comparison is ../gate/flows.ts). ./markdown.ts fits it with the other tables.
import type { FieldAggregate } from '../gate/evidence.js';
import { compareFlows, type FlowRow, type FlowStatus } from '../gate/flows.js';
import { escapeText } from './escape.js';
import { formatCount, formatPoints, formatScore, plural } from './format.js';
import { FLOWS_KEPT } from './limits.js';
import type { TableSection } from './markdown.js';
import type { Report } from './model.js';
import { referenceName } from './sections.js';

/**
 * The report's confusions: the flows of both runs compared, the first FLOWS_KEPT kept (grown
 * first), the rest counted. Undefined when there is nothing to show (../gate/flows.ts).
 */
export function reportConfusions(
  current: FieldAggregate | undefined,
  reference: FieldAggregate | undefined,
  comparable: boolean,
): Report['confusions'] {
  const flows = compareFlows({ current: current?.flows, reference: reference?.flows, comparable });
  if (!flows) return undefined;
  return {
    comparable: flows.comparable,
    rows: flows.rows.slice(0, FLOWS_KEPT),
    more: Math.max(0, flows.rows.length - FLOWS_KEPT),
  };
}

const STATUS_LABEL: Record<FlowStatus, string> = {
  grew: '📈 grew',
  new: '🆕 new',
  gone: '➖ gone',
  shrank: '📉 shrank',
  unchanged: 'unchanged',
};

const COLUMNS = ['Label', 'Taken for', 'Reference', 'Current', 'Δ', 'Status'];

/** The Confusions table, for ./markdown.ts to fit: those that moved, then the unchanged folded. */
export function confusionsSection(report: Report): TableSection | undefined {
  const confusions = report.confusions;
  if (!confusions) return undefined;
  const against = `against the ${referenceName(report.referenceKind)}`;
  const note = confusions.comparable
    ? ''
    : "\n\n**Over other documents:** the document sets differ from the reference run's, so each run's flows are over its own documents.";
  const intro =
    `### Confusions\n\nHow often documents of a label were taken for another label, over all the run's documents, ${against}: ` +
    'the flows that grew first. ' +
    (report.fields?.kind === 'label'
      ? "A label's agreement with itself is in the Labels table. "
      : '') +
    'The flows decide nothing: `max-field-drop` gates a label that lost agreement.' +
    note;
  const where =
    confusions.more > 0
      ? `left out; the JSON report (output \`report-path\`) keeps the first ${formatCount(confusions.rows.length)}, grown first`
      : 'left out to fit; the JSON report (output `report-path`) lists every flow';
  return {
    intro,
    columns: COLUMNS,
    shown: confusions.rows.filter((row) => row.status !== 'unchanged').map(flowCells),
    folded: confusions.rows.filter((row) => row.status === 'unchanged').map(flowCells),
    noun: 'flow',
    unlisted: confusions.more,
    more: (omitted) => `_…and ${plural(omitted, 'more flow')}, ${where}._`,
  };
}

function flowCells(row: FlowRow): string[] {
  return [
    escapeText(row.source, 120) || '(no name)',
    escapeText(row.target, 120) || '(no name)',
    formatScore(row.reference),
    formatScore(row.current),
    formatPoints(row.delta),
    STATUS_LABEL[row.status],
  ];
}
