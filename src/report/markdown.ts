import { Buffer } from 'node:buffer';
import { commentMarker } from '../names.js';
import type { DocumentRow } from '../gate/verdict.js';
import { plural, table } from './format.js';
import { confusionsSection } from './confusions.js';
import type { Report } from './model.js';
import { renderCost } from './cost.js';
import { formatRunData } from './run-data.js';
import {
  DOCUMENT_COLUMNS,
  renderConfiguration,
  documentCells,
  documentsWithValues,
  fieldCells,
  fieldColumns,
  renderFieldChanges,
  renderFieldsIntro,
  renderFooter,
  renderHeadline,
  renderReasons,
  renderScores,
  renderTrend,
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
 * The report without the marker, within `limit` as `measure` counts: an experiment's details
 * in the comment of a set (./set.ts). At limit 0, its shortest form.
 */
export function renderReportWithin(
  report: Report,
  limit: number,
  measure: (text: string) => number,
): string {
  return renderMarkdown(report, { limit, measure, marker: false });
}

/** The share of the limit the field table keeps when the document rows would fill it all. */
const FIELDS_SHARE = 0.25;
/** And the confusions table, in what the documents and the fields leave. */
const CONFUSIONS_SHARE = 0.15;

/**
 * The report as Markdown, within `limit`: when it does not all fit, the extracted values are left
 * out first, a document at a time from the least regressed; then, when the rows of the field
 * table do not fit in what the documents leave (and at least in its share), or the document rows
 * in what the rest leaves, rows are dropped from the end of each. A line says what was left out,
 * and where to find it.
 */
function renderMarkdown(report: Report, options: RenderOptions): string {
  const runData = options.marker ? formatRunData(report) : '';
  const head = [
    ...(options.marker ? [[commentMarker(report.header), runData].filter(Boolean).join('\n')] : []),
    renderHeadline(report),
    renderReasons(report),
    renderConfiguration(report),
    renderScores(report),
    renderCost(report),
    renderTrend(report),
  ].filter(Boolean);
  const footer = renderFooter(report);
  // With extracted values in the first `valuesFor` documents that have some.
  const restWith = (valuesFor: number) =>
    [renderFieldChanges(report, valuesFor), footer].filter(Boolean);
  const errors = new Map((report.documentErrors ?? []).map((e) => [e.id, e.message]));
  const cells = (row: DocumentRow) => documentCells(row, errors.get(row.id));
  const documents = foldedTables({
    columns: DOCUMENT_COLUMNS,
    shown: report.documents.filter((row) => row.status !== 'unchanged').map(cells),
    folded: report.documents.filter((row) => row.status === 'unchanged').map(cells),
    noun: 'document',
    more: (omitted) =>
      `_…and ${plural(omitted, 'more document')}, left out to fit; the job summary and the JSON report (output \`report-path\`) list every document._`,
    measure: options.measure,
  });

  // The Markdown with the first `keep` document rows, then `foot`; with `rows` false, the
  // tables hold their header only (see size()).
  const assemble = (keep: number, foot: string, rows = true): string => {
    const parts = [...head];
    if (report.documents.length > 0) parts.push('### Documents');
    parts.push(...documents.parts(keep, rows));
    parts.push(foot);
    return parts.join('\n\n') + '\n';
  };
  // measure(assemble(keep, foot)), without building it: the rows' lines are measured once.
  const size = (keep: number, foot: string) =>
    options.measure(assemble(keep, foot, false)) + documents.sizeOfRows(keep);

  // Extracted values are the first thing left out, the least regressed document's first: before
  // any row of the field table, the confusions or the documents.
  const confusions = confusionsSection(report);
  const allFields = [
    renderFields(report, options.measure, Infinity),
    renderTableSection(confusions, options.measure, Infinity),
  ]
    .filter(Boolean)
    .join('\n\n');
  const whole = (valuesFor: number) =>
    [allFields, ...restWith(valuesFor)].filter(Boolean).join('\n\n');
  let valuesFor = documentsWithValues(report);
  while (valuesFor > 0 && size(documents.rows, whole(valuesFor)) > options.limit) valuesFor--;
  if (size(documents.rows, whole(valuesFor)) <= options.limit) {
    return assemble(documents.rows, whole(valuesFor));
  }
  const rest = restWith(valuesFor);

  // The field table takes what every document row leaves, and at least its share.
  const spare = options.limit - size(documents.rows, rest.join('\n\n')) - options.measure('\n\n');
  const fields = renderFields(
    report,
    options.measure,
    Math.max(options.limit * FIELDS_SHARE, spare),
  );
  // The confusions take what the fields leave of it, and at least their share.
  const left = spare - (fields ? options.measure(`${fields}\n\n`) : 0);
  const flows = renderTableSection(
    confusions,
    options.measure,
    Math.max(options.limit * CONFUSIONS_SHARE, left),
  );
  const foot = [fields, flows, ...rest].filter(Boolean).join('\n\n');
  return assemble(
    mostThatFit(documents.rows, (keep) => size(keep, foot), options.limit),
    foot,
  );
}

/** The field table, fitted within `budget`; '' without a field table. */
function renderFields(report: Report, measure: (text: string) => number, budget: number): string {
  const intro = renderFieldsIntro(report);
  const fields = report.fields;
  if (!fields || !intro) return '';
  return renderTableSection(
    {
      intro,
      columns: fieldColumns(fields.kind),
      shown: fields.rows.filter((row) => row.status !== 'unchanged').map(fieldCells),
      folded: fields.rows.filter((row) => row.status === 'unchanged').map(fieldCells),
      noun: fields.kind,
      more: (omitted) =>
        `_…and ${plural(omitted, `more ${fields.kind}`)}, left out to fit; the JSON report (output \`report-path\`) lists every ${fields.kind}._`,
    },
    measure,
    budget,
  );
}

/** A section of the report that is a table: its heading and intro, then its rows, folded. */
export interface TableSection extends Omit<FoldedTablesInput, 'measure'> {
  intro: string;
}

/**
 * A table section, its rows fitted within `budget`: those that moved first, then the unchanged
 * ones folded; '' without the section.
 */
function renderTableSection(
  section: TableSection | undefined,
  measure: (text: string) => number,
  budget: number,
): string {
  if (!section) return '';
  const tables = foldedTables({ ...section, measure });
  const assemble = (keep: number, rows = true) =>
    [section.intro, ...tables.parts(keep, rows)].join('\n\n');
  const size = (keep: number) => measure(assemble(keep, false)) + tables.sizeOfRows(keep);
  return assemble(mostThatFit(tables.rows, size, budget));
}

/** The most of `all` rows whose `size` fits `limit`: binary search, each row only adds length. */
export function mostThatFit(all: number, size: (keep: number) => number, limit: number): number {
  if (size(all) <= limit) return all;
  let low = 0;
  let high = all;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (size(mid) <= limit) low = mid;
    else high = mid - 1;
  }
  return low;
}

interface FoldedTablesInput {
  columns: string[];
  /** Cells of the rows shown, in order. */
  shown: string[][];
  /** Cells of the unchanged rows, folded in a `<details>` block. */
  folded: string[][];
  /** What a row is: "3 unchanged documents". */
  noun: string;
  /** The line that counts the rows left out. */
  more: (omitted: number) => string;
  /** Rows the report itself holds no more: counted in that line. */
  unlisted?: number;
  measure: (text: string) => number;
}

/**
 * A table of the rows that moved and a folded one of the unchanged rows, the rows kept from the
 * first table first: `parts(keep)` are the Markdown blocks with the first `keep` rows (and the
 * line that counts the others), `sizeOfRows(keep)` what those rows add to them.
 */
function foldedTables(input: FoldedTablesInput) {
  const shownTable = rowTable(input.columns, input.shown, input.measure);
  const foldedTable = rowTable(input.columns, input.folded, input.measure);
  const split = (keep: number) => {
    const main = Math.min(keep, shownTable.rows);
    return { main, rest: Math.min(keep - main, foldedTable.rows) };
  };
  return {
    rows: shownTable.rows + foldedTable.rows,
    /** With `rows` false, the tables hold their header only. */
    parts: (keep: number, rows = true): string[] => {
      const { main, rest } = split(keep);
      const omitted = shownTable.rows + foldedTable.rows - main - rest + (input.unlisted ?? 0);
      const parts: string[] = [];
      if (main > 0) parts.push(shownTable.firstRows(rows ? main : 0));
      if (rest > 0) {
        parts.push(
          `<details><summary>${plural(input.folded.length, `unchanged ${input.noun}`)}</summary>\n\n${foldedTable.firstRows(rows ? rest : 0)}\n\n</details>`,
        );
      }
      if (omitted > 0) parts.push(input.more(omitted));
      return parts;
    },
    sizeOfRows: (keep: number) => {
      const { main, rest } = split(keep);
      return shownTable.sizeOfRows(main) + foldedTable.sizeOfRows(rest);
    },
  };
}

/**
 * A table rendered once: `firstRows(n)` is the table of its first n rows, and `sizeOfRows(n)`
 * what those rows add to it. Each row is one line of its own (no cell is padded to the others),
 * so fitting a report of 10,000 documents measures each line once instead of rendering and
 * measuring the whole table for each of its 15 tries.
 */
function rowTable(columns: string[], rows: string[][], measure: (text: string) => number) {
  const lines = table([columns, ...rows]).split('\n');
  const sizes = [0]; // sizes[n]: the first n rows, each with the newline before it
  let total = 0;
  for (const line of lines.slice(2)) sizes.push((total += measure(`\n${line}`)));
  return {
    rows: rows.length,
    firstRows: (n: number) => lines.slice(0, 2 + n).join('\n'),
    sizeOfRows: (n: number) => sizes[n] ?? 0,
  };
}
