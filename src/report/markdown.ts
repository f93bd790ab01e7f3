import { Buffer } from 'node:buffer';
import { commentMarker } from '../names.js';
import type { DocumentRow } from '../gate/verdict.js';
import { plural } from './format.js';
import type { Report } from './model.js';
import { formatRunData } from './run-data.js';
import {
  DOCUMENT_COLUMNS,
  renderConfiguration,
  documentCells,
  renderFieldChanges,
  renderFooter,
  renderHeadline,
  renderReasons,
  renderScores,
  renderTrend,
  table,
} from './sections.js';

/** GitHub refuses comment bodies over 65,536 characters; keep a margin. */
export const COMMENT_LIMIT = 65_000;
/** GitHub refuses a step summary over 1 MiB. */
export const SUMMARY_LIMIT_BYTES = 1_000_000;

interface RenderOptions {
  /** Largest size of the result, measured by `measure`. */
  limit: number;
  measure: (text: string) => number;
  /** Prefix the sticky comment's marker. */
  marker: boolean;
}

export function renderComment(report: Report): string {
  return renderMarkdown(report, { limit: COMMENT_LIMIT, measure: (t) => t.length, marker: true });
}

export function renderSummary(report: Report): string {
  return renderMarkdown(report, {
    limit: SUMMARY_LIMIT_BYTES,
    measure: (t) => Buffer.byteLength(t, 'utf8'),
    marker: false,
  });
}

/**
 * The report as Markdown, within `limit`: when the document rows do not all fit, rows are
 * dropped from the end and one line says how many, and where to find them.
 */
function renderMarkdown(report: Report, options: RenderOptions): string {
  const runData = options.marker ? formatRunData(report) : '';
  const head = [
    ...(options.marker ? [[commentMarker(report.header), runData].filter(Boolean).join('\n')] : []),
    renderHeadline(report),
    renderReasons(report),
    renderConfiguration(report),
    renderScores(report),
    renderTrend(report),
  ].filter(Boolean);
  const foot = [renderFieldChanges(report), renderFooter(report)].filter(Boolean).join('\n\n');
  const errors = new Map((report.documentErrors ?? []).map((e) => [e.id, e.message]));
  const shown = report.documents.filter((row) => row.status !== 'unchanged');
  const folded = report.documents.filter((row) => row.status === 'unchanged');
  const cells = (row: DocumentRow) => documentCells(row, errors.get(row.id));
  const shownTable = documentTable(shown.map(cells), options.measure);
  const foldedTable = documentTable(folded.map(cells), options.measure);

  // The first `keep` rows: from the shown table first, then from the folded one.
  const split = (keep: number) => {
    const main = Math.min(keep, shownTable.rows);
    return { main, rest: Math.min(keep - main, foldedTable.rows) };
  };
  // The Markdown with the first `keep` rows; with `rows` false, the tables hold their header
  // only (see size()).
  const assemble = (keep: number, rows = true): string => {
    const { main, rest } = split(keep);
    const omitted = shownTable.rows + foldedTable.rows - main - rest;
    const parts = [...head];
    if (report.documents.length > 0) parts.push('### Documents');
    if (main > 0) parts.push(shownTable.firstRows(rows ? main : 0));
    if (rest > 0) {
      parts.push(
        `<details><summary>${plural(folded.length, 'unchanged document')}</summary>\n\n${foldedTable.firstRows(rows ? rest : 0)}\n\n</details>`,
      );
    }
    if (omitted > 0) {
      parts.push(
        `_…and ${plural(omitted, 'more document')}, left out to fit; the job summary and the JSON report (output \`report-path\`) list every document._`,
      );
    }
    parts.push(foot);
    return parts.join('\n\n') + '\n';
  };
  // measure(assemble(keep)), without building it: the rows' lines are measured once.
  const size = (keep: number): number => {
    const { main, rest } = split(keep);
    return (
      options.measure(assemble(keep, false)) +
      shownTable.sizeOfRows(main) +
      foldedTable.sizeOfRows(rest)
    );
  };

  const all = shownTable.rows + foldedTable.rows;
  if (size(all) <= options.limit) return assemble(all);
  // The most rows that fit: binary search, since each extra row only adds length.
  let low = 0;
  let high = all;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (size(mid) <= options.limit) low = mid;
    else high = mid - 1;
  }
  return assemble(low);
}

/**
 * The documents' table, rendered once: `firstRows(n)` is the table of its first n rows, and
 * `sizeOfRows(n)` what those rows add to it. Each row is one line of its own (no cell is padded
 * to the others), so fitting a report of 10,000 documents measures each line once instead of
 * rendering and measuring the whole table for each of its 15 tries.
 */
function documentTable(rows: string[][], measure: (text: string) => number) {
  const lines = table([DOCUMENT_COLUMNS, ...rows]).split('\n');
  const sizes = [0]; // sizes[n]: the first n rows, each with the newline before it
  let total = 0;
  for (const line of lines.slice(2)) sizes.push((total += measure(`\n${line}`)));
  return {
    rows: rows.length,
    firstRows: (n: number) => lines.slice(0, 2 + n).join('\n'),
    sizeOfRows: (n: number) => sizes[n] ?? 0,
  };
}
