/** How much of a run the report holds: each limit named once, for the gate and the schema. */

/** Runs in the trend, this one included. */
export const TREND_RUNS = 20;
/** Regressed documents whose fields are read and shown, worst first. */
export const FIELD_DIFF_DOCUMENTS = 10;
/** Fields shown per such document, worst first; the rest are counted. */
export const FIELDS_SHOWN = 15;
/** Fields (or labels) the report holds at most: a schema has hundreds, not this many. */
export const FIELD_ROWS_MAX = 100_000;
