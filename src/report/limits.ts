/** How much of a run the report holds: each limit named once, for the gate and the schema. */

/** Runs in the trend, this one included. */
export const TREND_RUNS = 20;
/** Regressed documents whose fields are read and shown, worst first. */
export const FIELD_DIFF_DOCUMENTS = 10;
/** Fields shown per such document, worst first; the rest are counted. */
export const FIELDS_SHOWN = 15;
/** Fields (or labels) the report holds at most: a schema has hundreds, not this many. */
export const FIELD_ROWS_MAX = 100_000;
/** Flows between labels the report holds, grown first; the rest are counted. */
export const FLOWS_KEPT = 1_000;
/** Changed fields of the configuration shown; the rest are counted. */
export const CONFIG_CHANGES_SHOWN = 20;
/** Leaves shown of one long structured value that changed (a JSON schema). */
export const CONFIG_DIFF_LINES = 6;
/** Characters of a configuration value shown before it is cut. */
export const CONFIG_VALUE_CHARS = 60;

/** The longest outside text the report keeps of each kind (the JSON report's schema holds them to it). */
export const TEXT_MAX = {
  filename: 1000,
  fieldName: 1000,
  /** A label in a flow between labels (the Confusions table). */
  label: 200,
  message: 5000,
  workflowName: 300,
  configResource: 200,
  configPath: 500,
} as const;

/**
 * Outside text cut to `max` UTF-16 units (what the schema counts), never inside a surrogate
 * pair, with "…" when cut: a report with a very long filename is still one phase two accepts.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}
/** Characters of an extracted value the JSON report keeps; its full length is kept beside them. */
export const VALUE_KEPT = 200;
/** Characters of an extracted value a comment shows, then "…" and the full length. */
export const VALUE_SHOWN = 60;
/** Distinct votes kept per field, most voted first (n_consensus is at most 7). */
export const VOTES_KEPT = 7;
