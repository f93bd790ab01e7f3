// The wait loop: polls the run on the schedule of ./schedule.ts until it ends.
import type { Progress } from '../gate/evidence.js';
import type { Forecast } from '../gate/forecast.js';
import { isGone, type RetabClient } from './client.js';
import {
  estimateEnd,
  keepUsefulSamples,
  nextPollDelay,
  type EndEstimate,
  type ProgressSample,
} from './schedule.js';
import { JOB_TERMINAL, lifecycleMessage, type JobTerminalStatus, type Run } from './schemas.js';

export type WaitOutcome =
  | {
      status: JobTerminalStatus;
      message: string | undefined;
      progress: Progress | undefined;
      /** The run as the last poll saw it (completed runs): no need to read it again. */
      run?: Run;
    }
  | { status: 'timeout'; message: undefined; progress: Progress | undefined }
  | { status: 'aborted'; message: undefined; progress: Progress | undefined };

export interface WaitDeps {
  client: Pick<RetabClient, 'getJob' | 'getRun'>;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log: (message: string) => void;
  signal?: AbortSignal;
}

export interface WaitTarget {
  /** The run's job (older API); '' when the API names none. */
  jobId: string;
  runId: string;
  /** When the trigger was sent (the same clock as deps.now). */
  startedAt: number;
  timeoutMs: number;
  forecast: Forecast | undefined;
  /** At most one progress line this often. */
  progressEveryMs?: number;
}

const RUN_STATUS_TO_JOB: Record<string, JobTerminalStatus> = {
  completed: 'completed',
  error: 'failed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * Polls the run until a terminal status. The run, not the job: one request carries both the
 * status and the progress that sharpens the schedule (the current API has no jobs). On the
 * older API the job is read once when the run fails without saying why, for its error
 * message, and polled instead when the API does not serve the run.
 */
export async function waitForRun(deps: WaitDeps, target: WaitTarget): Promise<WaitOutcome> {
  const progressEvery = target.progressEveryMs ?? 15_000;
  let lastLogAt = target.startedAt;
  const samples: ProgressSample[] = [];
  let progress: Progress | undefined;
  let pollJob = false;
  let polls = 0;
  // With a forecast, the schedule's clock is when each poll was sent (the trigger, first): the
  // server reads the run when the request reaches it, so a count belongs to the send, and the
  // next poll is due a delay after the last one left, however long its answer took. A first
  // run keeps the SDK's rhythm instead, its 2 s counted from each answer, so that it never
  // polls more often than the SDK would.
  const fromSend = target.forecast !== undefined && target.forecast.durationMs > 0;
  let clockAt = target.startedAt;

  for (;;) {
    if (deps.now() - target.startedAt >= target.timeoutMs) {
      return { status: 'timeout', message: undefined, progress };
    }
    if (!fromSend) clockAt = deps.now();
    const elapsedMs = clockAt - target.startedAt;
    const delay = nextPollDelay({
      elapsedMs,
      forecast: target.forecast,
      remainingMs: target.timeoutMs - elapsedMs,
      progress: samples,
      polls,
    });
    await deps.sleep(Math.max(0, clockAt + delay - deps.now()), deps.signal);
    if (deps.signal?.aborted) return { status: 'aborted', message: undefined, progress };
    polls += 1;
    const sentAt = deps.now();
    if (fromSend) clockAt = sentAt;

    if (pollJob) {
      const job = await deps.client.getJob(target.jobId);
      if (job === 'gone') {
        throw new Error(
          `Neither run ${target.runId} nor job ${target.jobId} is served by the API.`,
        );
      }
      if (isTerminal(job.status)) {
        return { status: job.status, message: job.error?.message ?? undefined, progress };
      }
      continue;
    }

    const run = await readRun(deps.client, target.runId);
    if (run === 'gone') {
      if (!target.jobId) throw new Error(`Run ${target.runId} is not served by the API`);
      deps.log(`Run ${target.runId} is not served by the API; waiting on job ${target.jobId}.`);
      pollJob = true;
      continue;
    }
    const seen = readProgress(run);
    if (seen !== undefined) {
      progress = seen;
      samples.push({ elapsedMs: (fromSend ? sentAt : deps.now()) - target.startedAt, ...seen });
      keepUsefulSamples(samples);
    }
    const terminal = RUN_STATUS_TO_JOB[run.lifecycle.status];
    if (terminal === 'completed') return { status: terminal, message: undefined, progress, run };
    if (terminal !== undefined) {
      const message = lifecycleMessage(run.lifecycle);
      if (message !== undefined || !target.jobId) return { status: terminal, message, progress };
      return failedOutcome(deps, target.jobId, terminal, progress);
    }

    if (deps.now() - lastLogAt >= progressEvery) {
      lastLogAt = deps.now();
      const at = lastLogAt - target.startedAt;
      deps.log(describeProgress(progress, at, estimateEnd(target.forecast, samples)));
    }
  }
}

async function readRun(client: WaitDeps['client'], runId: string): Promise<Run | 'gone'> {
  try {
    return await client.getRun(runId);
  } catch (error) {
    if (isGone(error)) return 'gone';
    throw error;
  }
}

/** The job names how the run failed; without it (unreadable, gone), the run's status alone. */
async function failedOutcome(
  deps: WaitDeps,
  jobId: string,
  fallback: JobTerminalStatus,
  progress: Progress | undefined,
): Promise<WaitOutcome> {
  const job = await deps.client.getJob(jobId).catch(() => 'gone' as const);
  if (job !== 'gone' && isTerminal(job.status) && job.status !== 'completed') {
    return { status: job.status, message: job.error?.message ?? undefined, progress };
  }
  return { status: fallback, message: undefined, progress };
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

function describeProgress(
  p: Progress | undefined,
  elapsedMs: number,
  estimate: EndEstimate | undefined,
): string {
  const seconds = Math.round(elapsedMs / 1000);
  const done = p ? `${p.completed}/${p.total} documents done` : 'running';
  const left = estimate ? Math.round((estimate.endMs - elapsedMs) / 1000) : undefined;
  const expected = left !== undefined && left > 0 ? `; about ${left} s left` : '';
  return `Waiting: ${done} after ${seconds} s${expected}.`;
}
