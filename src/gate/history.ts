import type { RunRow } from '../retab/schemas.js';

/** The newest completed run with this definition fingerprint (rows are newest first). */
export function pickBaseline(rows: readonly RunRow[], fingerprint: string): RunRow | undefined {
  return rows.find(
    (row) => row.status === 'completed' && row.definition_fingerprint === fingerprint,
  );
}

/** Distinct fingerprints of completed runs, newest first: what a user could have meant. */
export function newestFingerprints(rows: readonly RunRow[], limit = 5): string[] {
  const seen: string[] = [];
  for (const row of rows) {
    const fp = row.definition_fingerprint;
    if (row.status === 'completed' && fp && !seen.includes(fp)) seen.push(fp);
    if (seen.length === limit) break;
  }
  return seen;
}

/**
 * How long the new run should take: the median duration of up to five recent completed
 * runs, each scaled to the new run's document count when that differs.
 */
export function forecastDurationMs(
  rows: readonly RunRow[],
  documentCount: number | undefined,
): number | undefined {
  const samples = rows
    .filter((row) => row.status === 'completed' && row.duration_ms != null && row.duration_ms > 0)
    .slice(0, 5)
    .map((row) => {
      const duration = row.duration_ms as number;
      const rowDocs = row.document_count;
      return documentCount && rowDocs ? (duration * documentCount) / rowDocs : duration;
    })
    .sort((a, b) => a - b);
  if (samples.length === 0) return undefined;
  const mid = Math.floor(samples.length / 2);
  const median = samples.length % 2 === 1 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2;
  return Math.round(median);
}
