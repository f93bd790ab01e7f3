// How long the next run should take, and how sure that is, from the durations of recent runs.
// Pure: plain numbers in, plain numbers out.
import { median } from './stats.js';

/** One recent completed run: how long it took and, when known, how many documents it had. */
export interface DurationSample {
  durationMs: number;
  documentCount?: number | undefined;
}

/** The expected duration of the new run and one spread (about one standard deviation) of it. */
export interface Forecast {
  durationMs: number;
  spreadMs: number;
}

/** How many of the newest runs are read: older ones describe a workflow that has changed. */
export const RECENT_RUNS = 5;
/** The spread, relative to the forecast, when one run says nothing about how durations vary. */
export const FALLBACK_SPREAD = 0.2;
/**
 * How many scatters (standard deviations) of the runs make one spread, by number of runs: the
 * new run then falls within 1.5 spreads of the forecast 87 % of the time, as a normal's would
 * (calibrated on seeded normal durations: few runs can agree by chance, so few runs widen it;
 * four and five leave the farthest run out, hence their larger factors).
 */
const SPREAD_PER_SCATTER = [0, 0, 3.8, 1.8, 3.0, 2.2];
/** The least spread n runs can claim, relative to the forecast (index: n). */
const SPREAD_FLOOR = [FALLBACK_SPREAD, FALLBACK_SPREAD, 0.1, 0.06, 0.05, 0.04];
/** A history that varies this much says little more than that the end is not known. */
const SPREAD_CEILING = 1;

/**
 * The median duration of up to five recent completed runs (newest first), each scaled to the
 * new run's document count when that differs, and its spread: how far the runs scatter around
 * that median (see relativeSpread). One run says nothing about the scatter: its spread is the
 * fallback, 20 % of the forecast.
 */
export function forecastDuration(
  samples: readonly DurationSample[],
  documentCount: number | undefined,
): Forecast | undefined {
  const durations = samples
    .filter((s) => Number.isFinite(s.durationMs) && s.durationMs > 0)
    .slice(0, RECENT_RUNS)
    .map(({ durationMs, documentCount: runDocs }) =>
      documentCount && runDocs ? (durationMs * documentCount) / runDocs : durationMs,
    );
  if (durations.length === 0) return undefined;
  const durationMs = median(durations);
  return {
    durationMs: Math.round(durationMs),
    spreadMs: Math.round(relativeSpread(durations, durationMs) * durationMs),
  };
}

/**
 * The spread of the next duration, relative to the median of these: the runs' standard
 * deviation around the median, leaving out the run farthest from it when there are four or
 * more (so one run that took three times as long, after an incident, does not widen every
 * window after it), times the factor that makes the spread cover the new run as often as a
 * normal's would, never below the floor for that many runs, never above 100 %.
 */
function relativeSpread(durations: readonly number[], centre: number): number {
  const n = durations.length;
  if (n < 2) return FALLBACK_SPREAD;
  const deviations = durations.map((d) => d / centre - 1).sort((a, b) => Math.abs(a) - Math.abs(b));
  const kept = n >= 4 ? deviations.slice(0, -1) : deviations;
  const scatter = Math.sqrt(kept.reduce((sum, d) => sum + d * d, 0) / (kept.length - 1));
  const i = Math.min(n, SPREAD_PER_SCATTER.length - 1);
  const spread = scatter * (SPREAD_PER_SCATTER[i] ?? 1);
  return Math.min(Math.max(spread, SPREAD_FLOOR[i] ?? FALLBACK_SPREAD), SPREAD_CEILING);
}
