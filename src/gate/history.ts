import type { RunRecord } from './evidence.js';

/** The newest completed run with this definition fingerprint (rows are newest first). */
export function pickBaseline(
  rows: readonly RunRecord[],
  fingerprint: string,
): RunRecord | undefined {
  return rows.find(
    (row) => row.status === 'completed' && row.definitionFingerprint === fingerprint,
  );
}

/** Distinct fingerprints of completed runs, newest first: what a user could have meant. */
export function newestFingerprints(rows: readonly RunRecord[], limit = 5): string[] {
  const seen: string[] = [];
  for (const row of rows) {
    const fp = row.definitionFingerprint;
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
  rows: readonly RunRecord[],
  documentCount: number | undefined,
): number | undefined {
  const samples = rows
    .filter(
      (row) => row.status === 'completed' && row.durationMs !== undefined && row.durationMs > 0,
    )
    .slice(0, 5)
    .map((row) => {
      const duration = row.durationMs as number;
      const rowDocs = row.documentCount;
      return documentCount && rowDocs ? (duration * documentCount) / rowDocs : duration;
    })
    .sort((a, b) => a - b);
  if (samples.length === 0) return undefined;
  const mid = Math.floor(samples.length / 2);
  const median = samples.length % 2 === 1 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2;
  return Math.round(median);
}
