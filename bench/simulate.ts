// The waiting schedule, simulated: each job is polled on a virtual clock by a policy that sees
// what a poll of the run would show (status, completed/total documents), nothing more.
import {
  FIXED_POLL_MS,
  keepUsefulSamples,
  nextPollDelay,
  type ProgressSample,
} from '../src/retab/schedule.ts';
import { completedAt, type Job } from './jobs.ts';

export interface PolicyResult {
  /** Job completion to the first poll that sees it. */
  latencyMs: number;
  /** Status polls, the one that saw the end included. */
  requests: number;
}

export type Policy = (job: Job) => PolicyResult;

const TIMEOUT_MS = 6 * 3_600_000;

/** The Retab SDK's wait_for_completion: a poll every 2.0 s. */
export const fixedPolicy: Policy = (job) => {
  const requests = Math.ceil(job.durationMs / FIXED_POLL_MS);
  return { latencyMs: requests * FIXED_POLL_MS - job.durationMs, requests };
};

export interface AdaptiveOptions {
  /** Give the schedule the recent runs' forecast (false: a first run). */
  forecast: boolean;
  /** Give the schedule the run's progress (false: polling the job, which has none). */
  progress: boolean;
  /** Extra requests for a progress line this often (polling the job needs the run for it). */
  progressReadEveryMs?: number;
}

export function adaptivePolicy(options: AdaptiveOptions): Policy {
  return (job) => {
    const samples: ProgressSample[] = [];
    let elapsedMs = 0;
    let requests = 0;
    for (;;) {
      const delay = nextPollDelay({
        elapsedMs,
        forecast: options.forecast ? job.forecast : undefined,
        remainingMs: TIMEOUT_MS - elapsedMs,
        progress: samples,
        polls: requests,
      });
      elapsedMs += delay;
      requests += 1;
      if (elapsedMs >= job.durationMs) break;
      if (options.progress) {
        samples.push({ elapsedMs, completed: completedAt(job, elapsedMs), total: job.documents });
        keepUsefulSamples(samples);
      }
      if (elapsedMs >= TIMEOUT_MS) throw new Error('simulated wait timed out');
    }
    const extra = options.progressReadEveryMs
      ? Math.floor(job.durationMs / options.progressReadEveryMs)
      : 0;
    return { latencyMs: elapsedMs - job.durationMs, requests: requests + extra };
  };
}

export interface Summary {
  jobs: number;
  latencyMedianMs: number;
  latencyP90Ms: number;
  latencyMeanMs: number;
  requests: number;
  /** Median over jobs of this policy's requests ÷ the fixed policy's. */
  requestRatioMedian: number;
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] ?? Number.NaN;
  const b = sorted[high] ?? Number.NaN;
  return a + (b - a) * (position - low);
}

export function summarize(
  results: readonly PolicyResult[],
  fixed: readonly PolicyResult[],
): Summary {
  return {
    jobs: results.length,
    latencyMedianMs: quantile(
      results.map((r) => r.latencyMs),
      0.5,
    ),
    latencyP90Ms: quantile(
      results.map((r) => r.latencyMs),
      0.9,
    ),
    latencyMeanMs: results.reduce((sum, r) => sum + r.latencyMs, 0) / results.length,
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    requestRatioMedian: quantile(
      results.map((r, i) => r.requests / (fixed[i]?.requests ?? Number.NaN)),
      0.5,
    ),
  };
}
