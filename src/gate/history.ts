import type { RunRecord } from './evidence.js';
import { forecastDuration, type Forecast } from './forecast.js';

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

/** How long the new run should take, and how sure that is, from the recent completed runs. */
export function forecastFromHistory(
  rows: readonly RunRecord[],
  documentCount: number | undefined,
): Forecast | undefined {
  const samples = rows.flatMap((row) =>
    row.status === 'completed' && row.durationMs !== undefined
      ? [{ durationMs: row.durationMs, documentCount: row.documentCount }]
      : [],
  );
  return forecastDuration(samples, documentCount);
}
