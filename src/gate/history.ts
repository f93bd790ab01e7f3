import type { RunRow } from '../retab/schemas.js';
import { forecastDuration, type Forecast } from './forecast.js';

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

/** How long the new run should take, and how sure that is, from the recent completed runs. */
export function forecastFromHistory(
  rows: readonly RunRow[],
  documentCount: number | undefined,
): Forecast | undefined {
  const samples = rows.flatMap((row) =>
    row.status === 'completed' && row.duration_ms != null
      ? [{ durationMs: row.duration_ms, documentCount: row.document_count ?? undefined }]
      : [],
  );
  return forecastDuration(samples, documentCount);
}
