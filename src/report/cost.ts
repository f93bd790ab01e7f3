// "Cost and time" in the report: one row per figure beside the scores (label | reference |
// current | change), what the figures are over, and the reasons and first-line notes they give.
// Every figure is a number of the report, formatted here: no text read from Retab's `usage`
// reaches a rendering.
import { isNotable, type CostReason } from '../gate/cost.js';
import { escapeText } from './escape.js';
import { formatCount, formatLevel, plural, table } from './format.js';
import type { Report } from './model.js';

type Cost = NonNullable<Report['cost']>;

/** Credits as a reader reads them: "2.50", "1,250.00"; a tiny figure with two significant digits. */
export function formatCredits(credits: number | null | undefined): string {
  if (credits === null || credits === undefined) return 'not reported';
  if (credits > 0 && credits < 0.005) return credits.toPrecision(2);
  const [whole = '0', cents = '00'] = credits.toFixed(2).split('.');
  return `${formatCount(Number(whole))}.${cents}`;
}

/** Seconds to one decimal: "3.2 s". */
function formatSeconds(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? '—' : `${seconds.toFixed(1)} s`;
}

/** A change with its sign (the minus sign, not a hyphen): "+5.00", "−1.2 s", "±0.0 s". */
function signed(text: string, value: number): string {
  if (/^[0.]*$/.test(text.replace(/[^\d.]/g, ''))) return `±${text}`;
  return `${value > 0 ? '+' : '−'}${text}`;
}

/** A relative change: "+200 %", "−80 %". */
function formatRelative(relative: number | null): string {
  if (relative === null) return '';
  const percent = Math.round(relative * 100);
  return ` (${percent === 0 ? '±0' : `${percent > 0 ? '+' : '−'}${formatCount(Math.abs(percent))}`} %)`;
}

/** A change in `format`'s unit, with its sign and, when given, its relative change. */
function formatChange(
  format: (value: number) => string,
  delta: number | null,
  relative: number | null = null,
): string {
  if (delta === null) return '—';
  return signed(format(Math.abs(delta)), delta) + formatRelative(relative);
}

/** The figures' rows and the lines that say what they are over; '' when none was read. */
export function renderCost(report: Report): string {
  const cost = report.cost;
  if (!cost) return '';
  const { credits, seconds } = cost;
  const hasReference = report.referenceKind !== undefined;
  const reference = (text: string) => (hasReference ? text : '—');
  const rows = [
    ['Cost and time', 'Reference', 'Current', 'Change'],
    [
      'Credits per document',
      reference(formatCredits(credits.reference)),
      formatCredits(credits.current),
      formatChange(formatCredits, credits.delta, credits.relative),
    ],
    [
      'Time per document',
      reference(formatSeconds(seconds.reference)),
      formatSeconds(seconds.current),
      formatChange(formatSeconds, seconds.delta, seconds.relative),
    ],
  ];
  return [table(rows), ...notes(report, cost)].join('\n\n');
}

function notes(report: Report, cost: Cost): string[] {
  const { credits, seconds } = cost;
  const lines: string[] = [];
  const same = report.referenceKind ? ', the same in both runs' : '';
  if (credits.documents > 0 && credits.sampled) {
    // An interval of one point (every sampled document moved alike) says nothing more.
    const interval =
      credits.interval && credits.interval.high - credits.interval.low > 1e-9
        ? `; change ${formatLevel(credits.interval.level)}: ${formatChange(formatCredits, credits.interval.low)} to ${formatChange(formatCredits, credits.interval.high)}`
        : '';
    lines.push(
      `Credits: a sample of ${formatCount(credits.documents)} of ${plural(credits.of, 'document')}${same}${interval}.`,
    );
  }
  if (seconds.documents > 0 && seconds.sampled) {
    lines.push(
      `Time: the median over ${formatCount(seconds.documents)} of ${plural(seconds.of, 'document')} (the results read).`,
    );
  }
  const notReported = [
    credits.notReported.current > 0
      ? `${formatCount(credits.notReported.current)} in this run`
      : '',
    credits.notReported.reference > 0
      ? `${formatCount(credits.notReported.reference)} in the reference run`
      : '',
  ].filter(Boolean);
  if (notReported.length > 0) {
    lines.push(
      `Retab reported no credits for some sampled documents (${notReported.join(', ')}): left out, never counted as 0.`,
    );
  }
  if (cost.failedReads > 0) {
    const named = cost.failures.map((f) => escapeText(f, 200)).join('; ');
    lines.push(
      `${plural(cost.failedReads, 'read')} of cost and time failed${named ? ` (${named})` : ''}: the figures leave them out; the verdict does not change.`,
    );
  }
  for (const { input, why } of cost.unchecked) {
    lines.push(
      `\`${input}\` could not be checked: ${escapeText(why, 300)}. The verdict stands on accuracy.`,
    );
  }
  const t = report.thresholds;
  const rules = [
    t.maxCostIncrease === undefined
      ? ''
      : `\`max-cost-increase\` ${escapeText(t.maxCostIncrease, 20)}`,
    t.maxTimeIncrease === undefined
      ? ''
      : `\`max-time-increase\` ${escapeText(t.maxTimeIncrease, 20)}`,
  ].filter(Boolean);
  if (rules.length > 0 && !cost.judged && report.referenceKind) {
    lines.push(`${rules.join(' · ')}: not judged, nothing changed since this run was judged.`);
  }
  lines.push(
    "Credits as Retab's artifacts report them: the configuration's cost per document, not this run's invoice (a reused result shows the credits of the run that made it; Retab's cache can make a repeat cost 0).",
  );
  return lines.map((line) => `_${line}_`);
}

/** What the first line says of cost and time: a failed threshold, or a move of 25 % or more. */
export function costHeadline(report: Report): string[] {
  const cost = report.cost;
  if (!cost) return [];
  const failed = (rule: CostReason['rule']) => report.reasons.some((r) => r.rule === rule);
  const bits: string[] = [];
  if (cost.credits.delta !== null && isNotable(cost.credits, failed('max-cost-increase'))) {
    bits.push(
      `credits/document ${formatChange(formatCredits, cost.credits.delta, cost.credits.relative)}`,
    );
  }
  if (cost.seconds.delta !== null && isNotable(cost.seconds, failed('max-time-increase'))) {
    bits.push(
      `time/document ${formatChange(formatSeconds, cost.seconds.delta, cost.seconds.relative)}`,
    );
  }
  return bits;
}

/** A reason of cost or time, in one sentence. */
export function describeCostReason(reason: CostReason, report: Pick<Report, 'thresholds'>): string {
  if (reason.rule === 'max-cost-increase') {
    return (
      `Credits per document rose from ${formatCredits(reason.reference)} to ${formatCredits(reason.current)}; ` +
      `\`max-cost-increase\` ${report.thresholds.maxCostIncrease ?? ''} allows +${formatCredits(reason.allowed)}.`
    );
  }
  return (
    `Time per document rose from ${formatSeconds(reason.reference)} to ${formatSeconds(reason.current)}; ` +
    `\`max-time-increase\` ${report.thresholds.maxTimeIncrease ?? ''} allows +${formatSeconds(reason.allowed)}.`
  );
}
