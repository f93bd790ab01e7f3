import type { RetabClient } from './client.js';
import { JOB_TERMINAL, type JobTerminalStatus } from './schemas.js';

/** Never poll more often than this. */
export const POLL_FLOOR_MS = 500;
/** The SDK's fixed interval: the reference we must beat, and our pace without a forecast. */
export const FIXED_POLL_MS = 2_000;
const POLL_CEILING_MS = 30_000;
const OVERRUN_CEILING_MS = 10_000;

export interface ScheduleInput {
  /** Time since the run was triggered. */
  elapsedMs: number;
  /** Expected duration of the run, from recent completed runs; undefined when unknown. */
  forecastMs: number | undefined;
  /** Time left before the wait gives up. */
  remainingMs: number;
}

/**
 * The delay before the next status poll. Pure: same input, same answer.
 * Halves the gap to the forecast (sparse while the end is far, dense near it), then backs
 * off gently once the forecast is overrun; without a forecast, the SDK's fixed 2 s.
 */
export function nextPollDelay({ elapsedMs, forecastMs, remainingMs }: ScheduleInput): number {
  let delay: number;
  if (forecastMs === undefined || forecastMs <= 0) {
    delay = FIXED_POLL_MS;
  } else {
    const gap = forecastMs - elapsedMs;
    delay =
      gap > 0
        ? clamp(gap / 2, POLL_FLOOR_MS, POLL_CEILING_MS)
        : clamp(-gap / 8, POLL_FLOOR_MS, OVERRUN_CEILING_MS);
  }
  return Math.max(0, Math.min(delay, remainingMs));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.round(value)));
}

export type WaitOutcome =
  | { status: JobTerminalStatus; message: string | undefined; progress: Progress | undefined }
  | { status: 'timeout'; message: undefined; progress: Progress | undefined }
  | { status: 'aborted'; message: undefined; progress: Progress | undefined };

export interface Progress {
  completed: number;
  total: number;
}

export interface WaitDeps {
  client: Pick<RetabClient, 'getJob' | 'getRun'>;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log: (message: string) => void;
  signal?: AbortSignal;
}

export interface WaitTarget {
  jobId: string;
  runId: string;
  /** When the trigger was sent (the same clock as deps.now). */
  startedAt: number;
  timeoutMs: number;
  forecastMs: number | undefined;
  /** At most one progress line this often. */
  progressEveryMs?: number;
}

const RUN_STATUS_TO_JOB: Record<string, JobTerminalStatus> = {
  completed: 'completed',
  error: 'failed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** Polls the job (or the run, when the API no longer serves the job) until a terminal status. */
export async function waitForRun(deps: WaitDeps, target: WaitTarget): Promise<WaitOutcome> {
  const progressEvery = target.progressEveryMs ?? 15_000;
  let lastProgressAt = target.startedAt;
  let progress: Progress | undefined;
  let pollRun = false;

  for (;;) {
    const elapsedMs = deps.now() - target.startedAt;
    const remainingMs = target.timeoutMs - elapsedMs;
    if (remainingMs <= 0) return { status: 'timeout', message: undefined, progress };
    await deps.sleep(
      nextPollDelay({ elapsedMs, forecastMs: target.forecastMs, remainingMs }),
      deps.signal,
    );
    if (deps.signal?.aborted) return { status: 'aborted', message: undefined, progress };

    if (!pollRun) {
      const job = await deps.client.getJob(target.jobId);
      if (job === 'gone') {
        deps.log(`Job ${target.jobId} is not served by the API; waiting on run ${target.runId}.`);
        pollRun = true;
      } else if (isTerminal(job.status)) {
        return { status: job.status, message: job.error?.message ?? undefined, progress };
      }
    }
    const dueForProgress = deps.now() - lastProgressAt >= progressEvery;
    if (pollRun || dueForProgress) {
      const run = await deps.client.getRun(target.runId);
      progress = readProgress(run) ?? progress;
      const terminal = RUN_STATUS_TO_JOB[run.lifecycle.status];
      if (pollRun && terminal) return { status: terminal, message: undefined, progress };
      if (dueForProgress) {
        lastProgressAt = deps.now();
        deps.log(describeProgress(progress, deps.now() - target.startedAt, target.forecastMs));
      }
    }
  }
}

function isTerminal(status: string): status is JobTerminalStatus {
  return (JOB_TERMINAL as readonly string[]).includes(status);
}

function readProgress(run: {
  completed_document_count?: number | null | undefined;
  total_document_count?: number | null | undefined;
}): Progress | undefined {
  const { completed_document_count: completed, total_document_count: total } = run;
  return completed != null && total != null ? { completed, total } : undefined;
}

function describeProgress(p: Progress | undefined, elapsedMs: number, forecastMs: number | undefined) {
  const seconds = Math.round(elapsedMs / 1000);
  const done = p ? `${p.completed}/${p.total} documents done` : 'running';
  const expected = forecastMs ? ` (recent runs took about ${Math.round(forecastMs / 1000)} s)` : '';
  return `Waiting: ${done} after ${seconds} s${expected}.`;
}
