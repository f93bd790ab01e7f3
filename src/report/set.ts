// The comment of several experiments (a matrix's reports): a first line for the set, one row per
// experiment, then each experiment's own report folded below, fitted to the size limit: the
// experiments' details are cut first, then the rows, each with a line that counts what was left out.
import { Buffer } from 'node:buffer';
import type { ExperimentSet, Mismatch, SetRow } from '../gate/set.js';
import { commentMarker } from '../names.js';
import { formatCredits } from './cost.js';
import { code, escapeText } from './escape.js';
import { formatCount, formatPoints, formatScore, plural, table } from './format.js';
import { COMMENT_LIMIT, mostThatFit, renderReportWithin, SUMMARY_LIMIT_BYTES } from './markdown.js';
import type { Report } from './model.js';
import { formatRunLine } from './run-data.js';
import { MARK, verdictTitle } from './sections.js';

export type ReportSet = ExperimentSet<Report>;
type Row = SetRow<Report>;

/** What the set was checked against. */
export interface SetContext {
  /** The sticky comment's key. */
  header: string;
  /** The commit every report counted was made for. */
  headSha: string;
  /** The pull request they name; undefined when no report named one. */
  pullRequest: number | undefined;
}

/** Credits per document of an experiment's run, as its report carries them; undefined when not reported. */
export function creditsPerDocument(report: Report): number | undefined {
  return report.cost?.credits.current ?? undefined;
}

/** Left-out reports named one by one; the others are counted. */
const LEFT_OUT_SHOWN = 20;

interface Options {
  limit: number;
  measure: (text: string) => number;
  /** The sticky comment: the marker first, and rows may be cut to fit. */
  comment: boolean;
}

export function renderSetComment(set: ReportSet, context: SetContext): string {
  return renderSet(set, context, {
    limit: COMMENT_LIMIT,
    measure: (t) => t.length,
    comment: true,
  });
}

/** The job summary: every row, and the details as far as GitHub's 1 MiB allows. */
export function renderSetSummary(set: ReportSet, context: SetContext): string {
  return renderSet(set, context, {
    limit: SUMMARY_LIMIT_BYTES,
    measure: (t) => Buffer.byteLength(t, 'utf8'),
    comment: false,
  });
}

function renderSet(set: ReportSet, context: SetContext, options: Options): string {
  const { measure, limit } = options;
  const head = [
    ...(options.comment
      ? [
          [commentMarker(context.header), formatRunLine(undefined, set.newest)]
            .filter(Boolean)
            .join('\n'),
        ]
      : []),
    renderSetHeadline(set, context),
  ];
  const notes = renderNotes(set, context);
  const columns = setColumns(set);
  const lines = table([columns, ...set.rows.map((row) => rowCells(row, columns.length))]).split(
    '\n',
  );
  const rowsTable = (keep: number) => {
    const omitted = set.rows.length - keep;
    const more =
      omitted > 0
        ? `\n\n_…and ${plural(omitted, 'more experiment')}, left out to fit; the job summary lists every experiment._`
        : '';
    return set.rows.length === 0 ? '' : lines.slice(0, 2 + keep).join('\n') + more;
  };
  const join = (parts: string[]) => parts.filter(Boolean).join('\n\n') + '\n';

  // Rows are cut only when even without any details they do not fit.
  const bare = (keep: number) => measure(join([...head, rowsTable(keep), notes]));
  const keep = options.comment ? mostThatFit(set.rows.length, bare, limit) : set.rows.length;
  const withRows = [...head, rowsTable(keep), notes];
  const reported = set.rows.filter((r) => r.kind === 'report');
  if (reported.length === 0) return join(withRows);
  if (keep < set.rows.length) return join([...withRows, detailsMore(reported.length)]);

  const budget = limit - measure(join(withRows)) - measure(`\n\n${detailsMore(reported.length)}`);
  const details = fitDetails(reported, budget, measure);
  const parts = [...withRows, ...details];
  const left = reported.length - details.length;
  if (left > 0) parts.push(detailsMore(left));
  // Each experiment's details stayed within what it was given; the sum too, or the last go.
  while (details.length > 0 && measure(join(parts)) > limit) {
    details.pop();
    parts.splice(withRows.length, parts.length - withRows.length, ...details);
    parts.push(detailsMore(reported.length - details.length));
  }
  return join(parts);
}

function detailsMore(count: number): string {
  return `_The details of ${plural(count, 'more experiment')} are left out to fit; the job summary has them._`;
}

/** The set's first line: the worst verdict and the counts; then what was gathered. */
function renderSetHeadline(set: ReportSet, context: SetContext): string {
  const { passed, regressed, errored } = set.counts;
  const bits = [
    `${MARK[set.verdict]} Experiment gate: ${verdictTitle(set)}`,
    `${plural(set.rows.length, 'experiment')}: ${formatCount(passed)} passed, ${formatCount(regressed)} regressed, ${formatCount(errored)} errored`,
  ];
  if (set.regressedDocuments > 0) {
    bits.push(`${plural(set.regressedDocuments, 'regressed document')}`);
  }
  const commit = `commit \`${context.headSha.slice(0, 7)}\``;
  const about =
    set.rows.length === 0
      ? `**No report of ${commit}** was found: nothing could be judged.`
      : `The reports of ${commit}${context.pullRequest === undefined ? '' : ` of pull request #${context.pullRequest}`}, each experiment's own below its row.`;
  return `## ${bits.join(' · ')}\n\n${about}`;
}

function setColumns(set: ReportSet): string[] {
  const columns = ['Experiment', 'Verdict', 'Score', 'Change', 'Regressed documents'];
  const anyCredits = set.rows.some(
    (row) => row.kind === 'report' && creditsPerDocument(row.report) !== undefined,
  );
  if (anyCredits) columns.push('Credits per document');
  return columns;
}

function rowCells(row: Row, width: number): string[] {
  const cells =
    row.kind === 'report'
      ? reportCells(row.report)
      : row.kind === 'missing'
        ? [
            code(row.experimentId),
            `${MARK.error} error: ${row.leftOut ? `no report of this commit (${describeMismatch(row.leftOut)})` : 'no report (its job ended before writing one)'}`,
            '—',
            '—',
            '—',
          ]
        : [
            escapeText(row.file, 120),
            `${MARK.error} error: not a report the gate accepts: ${escapeText(row.problem, 200)}`,
            '—',
            '—',
            '—',
          ];
  if (width > cells.length) {
    const credits = row.kind === 'report' ? creditsPerDocument(row.report) : undefined;
    cells.push(
      credits !== undefined ? formatCredits(credits) : row.kind === 'report' ? 'not reported' : '—',
    );
  }
  return cells;
}

function reportCells(report: Report): string[] {
  const verdict =
    report.verdict === 'pass'
      ? `${MARK.pass} passed`
      : report.verdict === 'regression'
        ? `${MARK.regression} regression${report.blocking ? '' : ' (not blocking)'}`
        : `${MARK.error} error: ${escapeText(report.error ?? 'the run could not be judged', 200)}`;
  const c = report.comparison;
  const change = c
    ? `${formatPoints(c.delta)} vs ${report.referenceKind === 'baseline' ? 'baseline' : 'previous run'}`
    : report.verdict !== 'error' && !report.referenceKind
      ? 'first run'
      : '—';
  return [
    code(report.experimentId),
    verdict,
    formatScore(report.run?.score),
    change,
    formatCount(report.regressedCount),
  ];
}

/** Why a report was left out of the set, in a few words. */
function describeMismatch(mismatch: Mismatch): string {
  switch (mismatch.kind) {
    case 'no-pull-request':
      return 'its report names no pull request';
    case 'other-commit':
      return `its report was made for commit \`${mismatch.headSha.slice(0, 7)}\``;
    case 'other-pull-request':
      return `its report was made for pull request #${mismatch.number}`;
  }
}

/** The reports left out, and the experiments whose older reports a newer one replaced. */
function renderNotes(set: ReportSet, context: SetContext): string {
  const lines: string[] = [];
  for (const row of set.rows) {
    if (row.kind === 'report' && row.replaced > 0) {
      lines.push(
        `- ${code(row.experimentId)}: ${plural(row.replaced + 1, 'report')}; the newest is shown.`,
      );
    }
  }
  const shown = set.leftOut.slice(0, LEFT_OUT_SHOWN);
  for (const l of shown) {
    lines.push(
      `- Left out: ${code(l.experimentId)} (${escapeText(l.file, 120)}): ${describeMismatch(l.mismatch)}, not commit \`${context.headSha.slice(0, 7)}\`${context.pullRequest === undefined ? '' : ` of pull request #${context.pullRequest}`}.`,
    );
  }
  if (set.leftOut.length > shown.length) {
    lines.push(`- …and ${plural(set.leftOut.length - shown.length, 'more report')} left out.`);
  }
  return lines.join('\n');
}

/**
 * Each experiment's own report, folded (regressions and errors open), within `budget` in all:
 * the whole of each when they fit; else, from the end (passes last), whole details are dropped
 * until the shortest form of each remaining one fits, and the budget is shared out so that no
 * experiment gets less than an equal share of what the smaller ones leave.
 */
function fitDetails(
  rows: Extract<Row, { kind: 'report' }>[],
  budget: number,
  measure: (text: string) => number,
): string[] {
  const block = (row: (typeof rows)[number], body: string) =>
    `<details${row.report.verdict === 'pass' ? '' : ' open'}><summary>${MARK[row.report.verdict]} ${escapeText(row.experimentId, 120)}: ${verdictWord(row.report)}</summary>\n\n${demote(body)}\n</details>`;
  const separator = measure('\n\n');
  const wrapper = rows.map((row) => measure(block(row, '')) + separator);
  const render = (i: number, limit: number) =>
    block(rows[i]!, renderReportWithin(rows[i]!.report, limit, measure));
  const full = rows.map((row, i) => render(i, Infinity));
  const fullSize = full.map((text) => measure(text) + separator);
  if (fullSize.reduce((a, b) => a + b, 0) <= budget) return full;

  const shortest = rows.map((_, i) => measure(render(i, 0)) + separator);
  let count = rows.length;
  const sum = (sizes: number[], n: number) => sizes.slice(0, n).reduce((a, b) => a + b, 0);
  while (count > 0 && sum(shortest, count) > budget) count--;
  // The regressions' and errors' details first (they lead the rows), then the passes': each
  // group shared out smallest first, so that what a small report does not need goes to the
  // larger ones; the passes' shortest forms are kept back for them.
  const kept = [...Array(count).keys()];
  const passes = kept.filter((i) => rows[i]!.report.verdict === 'pass');
  const others = kept.filter((i) => rows[i]!.report.verdict !== 'pass');
  const given = new Array<number>(count).fill(0);
  const share = (group: number[], total: number) => {
    let left = total;
    [...group]
      .sort((a, b) => fullSize[a]! - fullSize[b]!)
      .forEach((i, n) => {
        given[i] = Math.max(shortest[i]!, Math.min(fullSize[i]!, left / (group.length - n)));
        left -= given[i];
      });
    return left;
  };
  const left = share(
    others,
    budget -
      sum(
        passes.map((i) => shortest[i]!),
        passes.length,
      ),
  );
  share(
    passes,
    left +
      sum(
        passes.map((i) => shortest[i]!),
        passes.length,
      ),
  );
  return given.map((size, i) =>
    size >= fullSize[i]! ? full[i]! : render(i, Math.max(0, size - wrapper[i]!)),
  );
}

function verdictWord(report: Report): string {
  return report.verdict === 'pass' ? 'passed' : report.verdict;
}

/** One heading level down: the experiment's own report sits below the set's heading. */
function demote(markdown: string): string {
  return markdown.replace(/^(#{2,5}) /gm, '#$1 ');
}
