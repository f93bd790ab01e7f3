// The report's sections, each rendered on its own from the report: the first screen, why it
// failed, the scores, the trend, the fields that fell, the footer, and the cells of the document
// table. ./markdown.ts puts them together within the size limit.
import type { FieldRow } from '../gate/fields.js';
import type { DocumentRow, Reason } from '../gate/verdict.js';
import { costHeadline, describeCostReason } from './cost.js';
import { code, escapeText } from './escape.js';
import {
  formatDuration,
  formatInterval,
  formatLevel,
  formatPoints,
  formatPointsSize,
  formatCount,
  formatScore,
  formatTime,
  plural,
  table,
} from './format.js';
import { VALUE_SHOWN } from './limits.js';
import { renderDetectableDrop } from './power.js';
import {
  deltaTo,
  type ExtractedValue,
  type FieldChanges,
  type FieldValues,
  type Report,
  type ValuesHidden,
} from './model.js';

export const MARK = { pass: '✅', regression: '❌', error: '⚠️' } as const;
export const DOCUMENT_COLUMNS = ['Document', 'Reference', 'Current', 'Δ', 'Status'];
const STATUS_LABEL = {
  regressed: '🔻 regressed',
  errored: '💥 errored',
  new: '🆕 new',
  improved: '🔺 improved',
  unchanged: 'unchanged',
  removed: '➖ removed',
} as const;

/**
 * The first screen: one line with the verdict, the change against the reference (with its
 * interval), the document counts and a text sparkline (e-mail notifications show no charts);
 * then what was run.
 */
export function renderHeadline(report: Report): string {
  const bits = [`${MARK[report.verdict]} Experiment gate: ${verdictTitle(report)}`];
  if (report.comparison) {
    const interval = report.noise?.interval;
    bits.push(
      `${formatPoints(report.comparison.delta)} vs ${referenceName(report.referenceKind)}` +
        (interval ? ` (${formatInterval(interval)})` : ''),
    );
  }
  if (report.documents.length > 0) {
    const counts = countStatuses(report.documents);
    bits.push(
      `${formatCount(counts.regressed)} regressed`,
      `${formatCount(counts.improved)} improved`,
      `${formatCount(counts.errored)} errored`,
    );
  }
  // Fields over other documents are not compared: no count that would read as one.
  if (report.fields?.comparable) {
    bits.push(`${plural(report.fields.regressedCount, report.fields.kind)} regressed`);
  }
  bits.push(...costHeadline(report));
  const spark = sparkline(report.trend);
  if (spark) bits.push(`trend ${spark}`);

  const run = report.run;
  const about: string[] = [];
  if (run?.score !== undefined && run.score !== null)
    about.push(`**Score ${formatScore(run.score)}**`);
  about.push(
    `Workflow ${report.workflowName ? `${escapeText(report.workflowName)} (${code(report.workflowId)})` : code(report.workflowId)}`,
    `experiment ${code(report.experimentId)}`,
  );
  if (run) {
    about.push(
      run.reused
        ? `run ${code(run.id)} (reused: Retab says it already measured this configuration and these documents, so no new run was started${run.createdAt && formatTime(run.createdAt) ? `; it ran ${formatTime(run.createdAt)}` : ''})`
        : `run ${code(run.id)}`,
    );
    if (run.documentCount !== undefined) about.push(plural(run.documentCount, 'document'));
    if (run.nConsensus) about.push(`n_consensus ${run.nConsensus}`);
    if (run.durationMs !== undefined) about.push(formatDuration(run.durationMs));
  }
  const lines = [`## ${bits.join(' · ')}`, about.join(' · ')];
  const queued = report.mergeGroup?.pullRequests ?? [];
  if (queued.length > 0) {
    // Our own numbers: GitHub links them to the pull requests.
    lines.push(`Merge queue group: ${queued.map((n) => `#${n}`).join(', ')}`);
  }
  return lines.join('\n\n');
}

/** The verdict as the first line says it, of one experiment or of a set. */
export function verdictTitle(judged: Pick<Report, 'verdict' | 'blocking'>): string {
  if (judged.verdict === 'pass') return 'passed';
  if (judged.verdict === 'error') return 'error';
  return judged.blocking
    ? 'regression'
    : 'regression (not blocking: `fail-on-regression` is false)';
}

const BARS = '▁▂▃▄▅▆▇█';

/** The trend in eight heights, oldest first: readable where charts are not (e-mail). */
function sparkline(trend: Report['trend']): string {
  if (!trend || trend.length < 3) return '';
  const scores = trend.map((t) => t.score);
  const low = Math.min(...scores);
  const span = Math.max(...scores) - low;
  return scores
    .map((s) => BARS[span === 0 ? 3 : Math.round(((s - low) / span) * (BARS.length - 1))])
    .join('');
}

/** The trend as a Mermaid line chart (GitHub renders it in comments and summaries). */
export function renderTrend(report: Report): string {
  const trend = report.trend;
  if (!trend || trend.length < 3) return '';
  const scores = trend.map((t) => t.score);
  const baseline = report.baseline?.score ?? null;
  const all = baseline === null ? scores : [...scores, baseline];
  const low = Math.max(0, Math.floor((Math.min(...all) - 0.02) * 20) / 20);
  const high = Math.min(1, Math.ceil((Math.max(...all) + 0.02) * 20) / 20);
  const lines = [
    '```mermaid',
    'xychart-beta',
    `  title "Score of the last ${trend.length} runs (this run last${baseline === null ? '' : '; flat line: baseline'})"`,
    `  x-axis [${trend.map((_, i) => i + 1).join(', ')}]`,
    `  y-axis "Score" ${low.toFixed(2)} --> ${high.toFixed(2)}`,
    `  line [${scores.map((s) => s.toFixed(3)).join(', ')}]`,
  ];
  if (baseline !== null) lines.push(`  line [${trend.map(() => baseline.toFixed(3)).join(', ')}]`);
  lines.push('```');
  return `### Trend\n\n${lines.join('\n')}`;
}

/**
 * What fell inside the worst regressed documents: a collapsed block each. With values, the
 * first `valuesFor` blocks that have some show them (the others leave them out to fit, and a
 * line says so).
 */
export function renderFieldChanges(report: Report, valuesFor = Infinity): string {
  const all = report.fieldChanges ?? [];
  const changes = all.filter((c) => c.fields.length > 0);
  const unreadable = all.filter((c) => c.unreadable === 'fields');
  if (changes.length === 0 && unreadable.length === 0) return '';
  const withValues = changes.filter(hasValues).length;
  let valued = 0;
  const blocks = changes.map((c) => {
    const values = hasValues(c) && valued++ < valuesFor;
    const header = ['Field', 'Reference', 'Current'];
    if (values) header.push('Values (reference → current)', 'Votes');
    const rows = c.fields.map((f) => {
      const cells = [escapeText(f.path, 120), formatScore(f.reference), formatScore(f.current)];
      if (values) cells.push(...valueCells(f.values));
      return cells;
    });
    const more = c.more > 0 ? `\n\n_…and ${plural(c.more, 'more field')}._` : '';
    const count = c.fields.length + c.more;
    const lost =
      c.unreadable === 'values'
        ? `_The values of ${escapeText(c.filename, 120)} could not be read._\n\n`
        : '';
    return (
      `<details><summary>${escapeText(c.filename, 120)}: ${plural(count, 'field')} fell</summary>\n\n` +
      `${lost}${table([header, ...rows])}${more}\n\n</details>`
    );
  });
  const lines = unreadable.map(
    (c) => `_The fields of ${escapeText(c.filename, 120)} could not be read._`,
  );
  const left = withValues - Math.min(valuesFor, withValues);
  if (left > 0) {
    lines.push(
      `_Extracted values of ${plural(left, 'document')} are left out to fit; the JSON report (output \`report-path\`) keeps them._`,
    );
  }
  const hidden = report.valuesHidden ? [valuesHiddenLine(report.valuesHidden)] : [];
  return ['### What fell inside regressed documents', ...hidden, ...blocks, ...lines].join('\n\n');
}

/** How many blocks of renderFieldChanges can show values. */
export function documentsWithValues(report: Report): number {
  return (report.fieldChanges ?? []).filter((c) => c.fields.length > 0 && hasValues(c)).length;
}

function hasValues(change: FieldChanges): boolean {
  return change.fields.some((f) => f.values !== undefined);
}

function valuesHiddenLine(why: ValuesHidden): string {
  const because = {
    off: ' (`show-values: false`)',
    public: ': the repository is public (`show-values: auto`)',
    unknown: ': the event does not say whether the repository is private (`show-values: auto`)',
  }[why];
  return `_Extracted values are hidden${because}; \`show-values: true\` shows them._`;
}

/** "reference → current", and the votes when the passes disagreed. */
function valueCells(values: FieldValues | undefined): [string, string] {
  if (!values) return ['', ''];
  const value = (v: ExtractedValue | undefined) =>
    v === undefined ? '_value unavailable_' : formatValue(v);
  const votes = values.votesUnavailable
    ? '_votes unavailable_'
    : (values.votes ?? [])
        .map((v) => `${formatValue(v.value)} ×${v.count}`)
        .concat(values.otherVotes ? [`${plural(values.otherVotes, 'other vote')}`] : [])
        .join(' · ');
  return [`${value(values.reference)} → ${value(values.current)}`, votes];
}

/**
 * An extracted value as a cell: the text, escaped like a filename (it comes from a document),
 * cut to VALUE_SHOWN characters with "…" and the full length; null as "—".
 */
function formatValue(value: ExtractedValue): string {
  if (value === null) return '—';
  const chars = [...value.text];
  const cut = value.length > VALUE_SHOWN || chars.length > VALUE_SHOWN;
  const text = cut ? `${chars.slice(0, VALUE_SHOWN - 1).join('')}…` : value.text;
  const shown = escapeText(text, VALUE_SHOWN) || '(empty)';
  return cut ? `${shown} (${plural(value.length, 'character')})` : shown;
}

export function renderReasons(report: Report): string {
  if (report.verdict === 'error') {
    return `**Why it could not be judged:** ${describeError(report)}`;
  }
  const lines = report.reasons.map((reason) => `- ${describeReason(reason, report)}`);
  const reused =
    report.run?.reused && report.referenceKind === 'previous'
      ? 'Nothing changed since this run was judged: the change against the previous run is shown, not judged again; `min-score` and a baseline still apply.'
      : '';
  if (lines.length > 0) {
    const title = report.blocking ? 'Why it failed' : 'Regressions (reported, not blocking)';
    return [`**${title}**\n\n${lines.join('\n')}`, reused].filter(Boolean).join('\n\n');
  }
  if (reused) return reused;
  if (!report.referenceKind) {
    const floor =
      report.thresholds.minScore === undefined
        ? 'no `min-score` was set, so nothing could fail it'
        : `judged by \`min-score\` ${report.thresholds.minScore} alone`;
    return `First run of this experiment: no earlier run to compare with; ${floor}.`;
  }
  return '';
}

/** Why the verdict is what it is, in one line of plain text (the log, the step's failure). */
export function explainVerdict(report: Report): string {
  return (
    report.error ??
    report.reasons.map((reason) => describeReason(reason, report, plainName)).join(' ')
  );
}

/** A field's name in the log: the customer's text, on one line and cut, not escaped. */
function plainName(name: string): string {
  const line = name.replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ').trim();
  return [...line].length > 120 ? `${[...line].slice(0, 119).join('')}…` : line;
}

/** A field's name in Markdown. */
function fieldName(name: string): string {
  return escapeText(name, 120);
}

/** The error of an `error` verdict, as Markdown: outside text escaped. */
function describeError(report: Report): string {
  return report.error !== undefined ? escapeText(report.error, 1000) : explainVerdict(report);
}

function describeReason(
  reason: Reason,
  report: Pick<Report, 'thresholds'>,
  name: (field: string) => string = fieldName,
): string {
  switch (reason.rule) {
    case 'max-drop':
      return (
        `Score ${formatScore(reason.current)} is ${formatPointsSize(reason.current - reason.reference)} below ` +
        `the ${referenceName(reason.referenceKind)} (${formatScore(reason.reference)}); ` +
        `\`max-drop\` ${report.thresholds.maxDrop} allows ${formatPointsSize(reason.allowed)}.`
      );
    case 'min-score':
      return `Score ${formatScore(reason.current)} is below \`min-score\` ${reason.minimum}.`;
    case 'max-document-drop':
      return `${plural(reason.documents, 'document')} dropped by more than \`max-document-drop\` ${report.thresholds.maxDocumentDrop}.`;
    case 'errored-documents':
      return `${plural(reason.documents, 'document')} had a score in the reference run and errored in this one.`;
    case 'max-field-drop': {
      const noun = reason.kind === 'label' ? 'label' : 'field';
      const more = reason.fields - reason.names.length;
      const names = reason.names.map(name).join(', ') + (more > 0 ? `, and ${more} more` : '');
      return `${plural(reason.fields, noun)} dropped by more than \`max-field-drop\` ${report.thresholds.maxFieldDrop}: ${names}.`;
    }
    case 'max-cost-increase':
    case 'max-time-increase':
      return describeCostReason(reason, report);
    case 'no-score':
      return 'The run has no score: no document was scored.';
    case 'nothing-comparable':
      return 'No document was scored by both this run and the reference run.';
  }
}

export function referenceName(kind: 'baseline' | 'previous' | undefined): string {
  return kind === 'baseline' ? 'baseline' : 'previous run';
}

/** "−2.5 pts (95%: −7.4 to +2.4)": the change against the reference, with its interval. */
function changeWithInterval(report: Report): string {
  const change = formatPoints(report.comparison?.delta);
  const interval = report.noise?.interval;
  return interval ? `${change} (${formatInterval(interval)})` : change;
}

/** What the noise says of the change: within noise or not, how it was measured, run-to-run spread. */
function renderNoise(report: Report): string {
  const { noise, runNoise } = report;
  const lines: string[] = [];
  if (noise) {
    const level = formatLevel(noise.level);
    if (noise.dismissed) {
      lines.push(
        `**Drop within noise:** the score fell past \`max-drop\`, but at ${level} (one-sided) the change is ` +
          `not credibly below zero, so it is not counted as a regression (\`confidence\` ${report.thresholds.confidence}).`,
      );
    } else if (noise.dropWithinNoise) {
      lines.push(
        `**Drop within noise:** at ${level} (one-sided) the change is not credibly below zero; it may be chance. ` +
          `Set \`confidence\` to fail only on credible drops.`,
      );
    } else if (noise.tooFewDocuments) {
      lines.push(
        'Fewer than 3 documents were scored by both runs: no interval, so the plain `max-drop` threshold decided.',
      );
    }
    if (noise.interval) {
      const method = noise.interval.method === 't' ? 'Student t' : 'seeded bootstrap';
      lines.push(
        `Interval: ${method}, over the per-document changes of the ${plural(noise.interval.n, 'document')} both runs scored.`,
      );
    }
    const detectable = renderDetectableDrop(report);
    if (detectable) lines.push(detectable);
  }
  if (runNoise) {
    lines.push(
      `Run-to-run noise of this definition: ±${formatPointsSize(runNoise.standardDeviation)} ` +
        `(standard deviation over ${runNoise.runs} runs, ${formatScore(runNoise.min)}–${formatScore(runNoise.max)}).`,
    );
  }
  return lines.join('\n\n');
}

export function renderScores(report: Report): string {
  const run = report.run;
  if (!run) return '';
  const rows: string[][] = [['', 'Run', 'Score', 'Δ']];
  rows.push(['**This run**', code(run.id), formatScore(run.score), '']);
  if (report.previous) {
    const ref = report.referenceKind === 'previous' ? ' (reference)' : '';
    rows.push([
      `Previous run${ref}`,
      code(report.previous.id),
      formatScore(report.previous.score),
      report.referenceKind === 'previous'
        ? changeWithInterval(report)
        : formatPoints(deltaTo(report, 'previous')),
    ]);
  }
  if (report.baseline) {
    const fp = report.baseline.definitionFingerprint;
    rows.push([
      `Baseline${fp ? ` ${code(fp)}` : ''} (reference)`,
      code(report.baseline.id),
      formatScore(report.baseline.score),
      changeWithInterval(report),
    ]);
  }
  const lines = [table(rows)];
  const t = report.thresholds;
  const rules = [`\`max-drop\` ${t.maxDrop}`];
  if (report.comparison) rules[0] += ` (${formatPointsSize(report.comparison.allowedDrop)} here)`;
  if (t.minScore !== undefined) rules.push(`\`min-score\` ${t.minScore}`);
  if (t.maxDocumentDrop !== undefined) rules.push(`\`max-document-drop\` ${t.maxDocumentDrop}`);
  if (t.maxFieldDrop !== undefined) rules.push(`\`max-field-drop\` ${t.maxFieldDrop}`);
  if (t.confidence !== undefined) rules.push(`\`confidence\` ${t.confidence}`);
  lines.push(`Thresholds: ${rules.join(' · ')}`);
  const c = report.comparison;
  if (c?.likeForLike) {
    lines.push(
      `Like for like: the scores compared are means over the ${plural(c.sharedDocuments, 'document')} both runs scored ` +
        `(${formatScore(c.current)} vs ${formatScore(c.reference)}), not the runs' overall scores.`,
    );
  }
  const noise = renderNoise(report);
  if (noise) lines.push(noise);
  return lines.join('\n\n');
}

export function renderFooter(report: Report): string {
  const lines: string[] = [];
  const sets = report.documentSets;
  if (sets && (sets.added.length > 0 || sets.removed.length > 0)) {
    const names = (docs: { filename: string }[]) =>
      docs
        .slice(0, 20)
        .map((d) => escapeText(d.filename, 80))
        .join(', ') + (docs.length > 20 ? `, and ${docs.length - 20} more` : '');
    lines.push('**The document sets differ** from the reference run.');
    if (sets.added.length > 0) lines.push(`- Added: ${names(sets.added)}`);
    if (sets.removed.length > 0) lines.push(`- Removed: ${names(sets.removed)}`);
  }
  const fp = (
    label: string,
    r?: { definitionFingerprint?: string; documentsFingerprint?: string },
  ) =>
    r
      ? `${label}: definition ${r.definitionFingerprint ? code(r.definitionFingerprint) : '—'}, documents ${r.documentsFingerprint ? code(r.documentsFingerprint) : '—'}`
      : undefined;
  const fps = [
    fp('this run', report.run),
    fp('previous', report.previous),
    fp('baseline', report.baseline),
  ].filter(Boolean);
  if (fps.length > 0) lines.push(`<sub>Fingerprints · ${fps.join(' · ')}</sub>`);
  return lines.join('\n');
}

export function documentCells(row: DocumentRow, error: string | undefined): string[] {
  const status =
    row.status === 'errored' && error
      ? `${STATUS_LABEL.errored}: ${escapeText(error, 100)}`
      : STATUS_LABEL[row.status];
  return [
    escapeText(row.filename, 120),
    formatScore(row.inReference ? row.referenceScore : null),
    formatScore(row.score),
    formatPoints(row.delta),
    status,
  ];
}

/** The field table's heading and what its marks mean; '' without a field table. */
export function renderFieldsIntro(report: Report): string {
  const fields = report.fields;
  if (!fields) return '';
  const { kind } = fields;
  const threshold = report.thresholds.maxFieldDrop;
  const what = `Agreement of each ${kind} over all the run's documents, against the ${referenceName(report.referenceKind)}`;
  const note = !fields.comparable
    ? `**Not compared:** the document sets differ from the reference run's, so each ${kind}'s agreement is over other documents: shown, never gated${threshold === undefined ? '' : ` (\`max-field-drop\` does not apply)`}.`
    : threshold !== undefined
      ? `${what}. A ${kind} that fell by more than \`max-field-drop\` ${threshold} fails the check.`
      : `${what}, marked against \`max-drop\` ${report.thresholds.maxDrop}; set \`max-field-drop\` to fail the check on a ${kind}.`;
  return `### ${kind === 'label' ? 'Labels' : 'Fields'}\n\n${note}`;
}

export function fieldColumns(kind: 'field' | 'label'): string[] {
  return [kind === 'label' ? 'Label' : 'Field', 'Reference', 'Current', 'Δ', 'Status'];
}

export function fieldCells(row: FieldRow): string[] {
  return [
    escapeText(row.name, 120) || '(no name)',
    formatScore(row.reference),
    formatScore(row.current),
    formatPoints(row.delta),
    STATUS_LABEL[row.status],
  ];
}

function countStatuses(rows: readonly DocumentRow[]) {
  const counts = { regressed: 0, errored: 0, new: 0, improved: 0, unchanged: 0 };
  for (const row of rows) counts[row.status]++;
  return counts;
}

const ACTION_LABEL: Record<string, string> = { create: 'added', delete: 'removed', update: '' };

/**
 * What the pull request's spec changed in the workflow's draft: each field, before → after, or
 * "(sensitive)" for a field Retab flags sensitive; a long structured value shows the leaves that
 * changed inside it. "No change" when the draft already was the spec.
 */
export function renderConfiguration(report: Report): string {
  const config = report.configuration;
  if (!config) return '';
  const spec = code(config.specPath);
  if (config.changes.length === 0 && config.more === 0) {
    return `### Configuration change\n\nNo change: the workflow's draft already is ${spec}, so nothing was applied.`;
  }
  const value = (text: string | undefined, sensitive: boolean) =>
    sensitive ? '(sensitive)' : text === undefined ? '—' : escapeText(text, 200);
  const rows = config.changes.map((change) => {
    const action = ACTION_LABEL[change.action] ?? escapeText(change.action, 20);
    return [
      escapeText(change.resource, 120),
      escapeText(change.path, 200) + (action ? ` (${action})` : ''),
      value(change.before, change.sensitive),
      value(change.after, change.sensitive),
    ];
  });
  const total = config.changes.length + config.more;
  const parts = [
    `### Configuration change\n\n${spec} ${config.applied ? 'was applied to' : 'changes'} the workflow's draft before the run: ${plural(total, 'field')}.`,
    table([['Block', 'Field', 'Before', 'After'], ...rows]),
  ];
  for (const change of config.changes) {
    if (!change.diff || change.diff.length === 0) continue;
    const lines = change.diff.map((leaf) => [
      escapeText(leaf.path || '(root)', 200),
      value(leaf.before, false),
      value(leaf.after, false),
    ]);
    const count = change.diff.length + (change.diffMore ?? 0);
    const more = change.diffMore ? `\n\n_…and ${plural(change.diffMore, 'more')}._` : '';
    parts.push(
      `<details><summary>${escapeText(change.resource, 120)} · ${escapeText(change.path, 200)}: ${plural(count, 'value')} changed inside</summary>\n\n` +
        `${table([['Path', 'Before', 'After'], ...lines])}${more}\n\n</details>`,
    );
  }
  if (config.more > 0) parts.push(`_…and ${plural(config.more, 'more field')}._`);
  return parts.join('\n\n');
}
