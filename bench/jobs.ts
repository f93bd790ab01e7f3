// Seeded jobs for the waiting benchmark: how long a run takes, what the forecast said, and when
// each of its documents finishes. The same generator feeds the simulation and the live runs.
import { FALLBACK_SPREAD, type Forecast } from '../src/gate/forecast.ts';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same jobs everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Job {
  /** Trigger to the run's terminal status. */
  durationMs: number;
  /** What recent runs predicted; the duration is within ±30 % of it. */
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
export function makeJob(random: () => number, shape: JobShape): Job {
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
  // The spread one run gives, as before the history's own was read: ±30 % is within 1.5 of it.
  const forecast = { durationMs: forecastMs, spreadMs: Math.round(FALLBACK_SPREAD * forecastMs) };
  return { durationMs, forecast, documents, documentDoneAtMs: times.map(Math.round) };
}

export function makeJobs(seed: number, count: number, shape: JobShape): Job[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => makeJob(random, shape));
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
