// Seeded jobs for the waiting benchmark: how long a run takes, what the recent runs forecast, and
// when each of its documents finishes. The same generator feeds the simulation and the live runs.
import {
  FALLBACK_SPREAD,
  forecastDuration,
  RECENT_RUNS,
  type DurationSample,
  type Forecast,
} from '../src/gate/forecast.ts';
import { seededRandom } from '../src/random.ts';

export { seededRandom };

export interface Job {
  /** Trigger to the run's terminal status. */
  durationMs: number;
  /** The recent runs' durations, newest first. */
  history: DurationSample[];
  /** What recent runs predicted: the duration and its spread. */
  forecast: Forecast;
  documents: number;
  /** When each document finishes (ms after the trigger), ascending; the last is before the end. */
  documentDoneAtMs: number[];
}

export interface JobShape {
  minDurationMs: number;
  maxDurationMs: number;
  minDocuments: number;
  maxDocuments: number;
  /** Largest relative error of the forecast (0.3 = the duration is within ±30 % of it). */
  forecastError: number;
}

function logUniform(random: () => number, low: number, high: number): number {
  return Math.exp(Math.log(low) + random() * (Math.log(high) - Math.log(low)));
}

/**
 * One run as the schedule sees it. Documents finish at a roughly steady pace with noise: each
 * at a uniform random point of the working window (order statistics: uneven gaps, stragglers),
 * warped by t^γ with γ in [0.8, 1.25] (a pace that speeds up or slows down as the run goes), after
 * a start-up (queueing, first documents) and before a short finalisation (the run is marked
 * completed 0.2–1.5 s after its last document).
 */
export function makeJob(
  random: () => number,
  shape: JobShape,
  historyRandom: () => number = random,
): Job {
  const durationMs = Math.round(logUniform(random, shape.minDurationMs, shape.maxDurationMs));
  const error = (random() * 2 - 1) * shape.forecastError;
  const forecastMs = Math.round(durationMs / (1 + error));
  const documents = Math.round(logUniform(random, shape.minDocuments, shape.maxDocuments));
  const startMs = Math.min(0.1 * durationMs, 1_000 + random() * 4_000);
  const finalizeMs = Math.min(0.1 * durationMs, 200 + random() * 1_300);
  const workMs = durationMs - startMs - finalizeMs;
  const gamma = 0.8 + random() * 0.45;
  const times: number[] = [];
  for (let i = 0; i < documents - 1; i++) times.push(startMs + workMs * random() ** gamma);
  times.push(startMs + workMs);
  times.sort((a, b) => a - b);
  const history = historyAround(historyRandom, forecastMs, shape.forecastError, documents);
  // The spread one run gives, as before the history's own was read: ±30 % is within 1.5 of it.
  const forecast = { durationMs: forecastMs, spreadMs: Math.round(FALLBACK_SPREAD * forecastMs) };
  return { durationMs, history, forecast, documents, documentDoneAtMs: times.map(Math.round) };
}

/**
 * Five recent runs that scatter around the forecast as this shape's durations do (uniform in
 * ±error), moved so that their median is the forecast itself: what the job's history would be
 * had the spread been read from it (withSpreadFromHistory).
 */
function historyAround(
  random: () => number,
  forecastMs: number,
  error: number,
  documents: number,
): DurationSample[] {
  const factors = Array.from({ length: RECENT_RUNS }, () => 1 + (random() * 2 - 1) * error);
  const middle = [...factors].sort((a, b) => a - b)[Math.floor(RECENT_RUNS / 2)] ?? 1;
  return factors.map((f) => ({
    durationMs: Math.round((forecastMs * f) / middle),
    documentCount: documents,
  }));
}

/** The job as the schedule saw it before the spread was read from the history: 20 % of the forecast. */
export function withFallbackSpread(job: Job): Job {
  const { durationMs } = job.forecast;
  return { ...job, forecast: { durationMs, spreadMs: Math.round(FALLBACK_SPREAD * durationMs) } };
}

/** The job with the spread its history gives (src/gate/forecast.ts) instead of the fallback's. */
export function withSpreadFromHistory(job: Job): Job {
  const forecast = forecastDuration(job.history, job.documents);
  if (forecast === undefined) throw new Error('a history of five runs gives a forecast');
  return { ...job, forecast };
}

export function makeJobs(seed: number, count: number, shape: JobShape): Job[] {
  const random = seededRandom(seed);
  // The histories draw from their own stream: the jobs are the same with or without them.
  const historyRandom = seededRandom(seed ^ 0x9e3779b9);
  return Array.from({ length: count }, () => makeJob(random, shape, historyRandom));
}

/**
 * The seed's own shape: a workflow whose runs take about the same time every time. Each run's
 * duration is the workflow's typical one within ±variation (uniform), and so are the five runs
 * before it; its documents finish one after another at a steady pace (each gap within
 * ±gapJitter of the mean gap) after a start of up to 2 s, and the run is marked completed with
 * its last document. With `randomDocuments`, the documents finish at uniform random points of
 * the run instead (the pace the schedule must not mistake for a steady one).
 */
export interface SteadyShape {
  /** Range of the new run's duration (the typical duration is drawn so that it stays inside). */
  minDurationMs: number;
  maxDurationMs: number;
  documents: number;
  /** Relative scatter of durations around the typical one (0.08: within ±8 %). */
  variation: number;
  /** Relative scatter of the gaps between documents (0.25: each within ±25 % of the mean). */
  gapJitter: number;
  randomDocuments?: boolean;
}

export function makeSteadyJob(random: () => number, shape: SteadyShape): Job {
  const { documents, variation } = shape;
  const typicalMs = logUniform(
    random,
    shape.minDurationMs / (1 - variation),
    shape.maxDurationMs / (1 + variation),
  );
  const scatter = () => typicalMs * (1 + (random() * 2 - 1) * variation);
  const history = Array.from({ length: RECENT_RUNS }, () => ({
    durationMs: Math.round(scatter()),
    documentCount: documents,
  }));
  const forecast = forecastDuration(history, documents);
  if (forecast === undefined) throw new Error('a history of five runs gives a forecast');
  const durationMs = Math.round(scatter());
  const startMs = random() * 2_000;
  const gaps = Array.from({ length: documents }, () => 1 + (random() * 2 - 1) * shape.gapJitter);
  const total = gaps.reduce((a, b) => a + b, 0);
  const times: number[] = [];
  let at = startMs;
  for (const gap of gaps) {
    at += ((durationMs - startMs) * gap) / total;
    times.push(Math.round(at));
  }
  // Drawn either way, so that both kinds of pace come with the same runs and histories.
  const points = Array.from({ length: documents - 1 }, () => random());
  if (shape.randomDocuments) {
    points.forEach((u, i) => (times[i] = Math.round(startMs + (durationMs - startMs) * u)));
    times.sort((a, b) => a - b);
  }
  times[times.length - 1] = durationMs;
  return { durationMs, history, forecast, documents, documentDoneAtMs: times };
}

export function makeSteadyJobs(seed: number, count: number, shape: SteadyShape): Job[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => makeSteadyJob(random, shape));
}

/** Documents done at `elapsedMs` (binary search over the sorted completion times). */
export function completedAt(job: Job, elapsedMs: number): number {
  let low = 0;
  let high = job.documentDoneAtMs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((job.documentDoneAtMs[mid] ?? Infinity) <= elapsedMs) low = mid + 1;
    else high = mid;
  }
  return low;
}
