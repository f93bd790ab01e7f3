/** How much of a run the report holds: each limit named once, for the gate and the schema. */

/** Runs in the trend, this one included. */
export const TREND_RUNS = 20;
/** Regressed documents whose fields are read and shown, worst first. */
export const FIELD_DIFF_DOCUMENTS = 10;
/** Fields shown per such document, worst first; the rest are counted. */
export const FIELDS_SHOWN = 15;
/** Characters of an extracted value the JSON report keeps; its full length is kept beside them. */
export const VALUE_KEPT = 200;
/** Characters of an extracted value a comment shows, then "…" and the full length. */
export const VALUE_SHOWN = 60;
/** Distinct votes kept per field, most voted first (n_consensus is at most 7). */
export const VOTES_KEPT = 7;
