import { createHash, randomUUID } from 'node:crypto';
import type { RunRecord, StartedRun } from '../gate/evidence.js';
import { errorMessage, GateError } from '../errors.js';
import { RetabApiError, type RetabClient } from './client.js';
import type { RetabDeps } from './evidence.js';
import { runFromRow, startedFromTrigger } from './records.js';

/** What starting a run needs from the gate's settings. */
export interface TriggerOptions {
  workflowId: string;
  experimentId: string;
  nConsensus: 3 | 5 | 7 | undefined;
  retryFailedOnly: boolean;
}

/** Identifies this workflow attempt; a retried request reuses it, a re-run does not. */
export interface WorkflowAttempt {
  repository: string;
  runId: string;
  runAttempt: string;
  job: string;
}

export interface TriggerDeps extends RetabDeps {
  attempt: WorkflowAttempt | undefined;
}

/** Statuses of a run that has not ended: a new run must wait for it. */
const IN_FLIGHT = new Set(['pending', 'queued', 'running']);

/** The experiment's run that has not ended yet, if the history shows one (newest first). */
export function runInFlight(history: readonly RunRecord[]): RunRecord | undefined {
  return history.find((row) => IN_FLIGHT.has(row.status));
}

/**
 * The run a judged run is compared with when the API does not name it: the newest completed
 * run of the experiment created before it (the history is newest first).
 */
export function previousFromHistory(
  history: readonly RunRecord[],
  runId: string,
): StartedRun['previous'] {
  const at = history.findIndex((row) => row.id === runId);
  const previous = (at >= 0 ? history.slice(at + 1) : history).find(
    (row) => row.status === 'completed',
  );
  return previous
    ? {
        id: previous.id,
        score: previous.score,
        definitionFingerprint: previous.definitionFingerprint,
      }
    : null;
}

const TRIGGER_TRIES = 3;
/** A run created this long before our trigger (clocks differ) may still be ours. */
const CLOCK_SKEW_MS = 60_000;
/** Runs read when looking for the one a lost trigger answer started. */
const ADOPT_LIST_LIMIT = 20;

/**
 * Starts the run once, whatever the network does. A trigger whose outcome is unknown (no
 * answer, or a server error that may have come after the work was done) is not simply sent
 * again: first the experiment's runs are searched for one that did not exist before, and
 * that run is adopted. Only when there is none is the trigger sent again, with the same
 * Idempotency-Key, so an API that honours the key returns the first result anyway.
 */
export async function startRun(
  options: TriggerOptions,
  deps: TriggerDeps,
  history: readonly RunRecord[],
  /** How many runs in flight were waited for first: each wait makes the trigger a new request. */
  round = 0,
): Promise<StartedRun> {
  const { client, log } = deps;
  const { workflowId, experimentId } = options;
  const key = idempotencyKey(options, deps.attempt, round);
  const sentAt = deps.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await client.triggerRun(workflowId, experimentId, {
        nConsensus: options.nConsensus,
        retryFailedOnly: options.retryFailedOnly,
        idempotencyKey: key,
      });
      const started = startedFromTrigger(answer);
      return started.previous === undefined
        ? { ...started, previous: previousFromHistory(history, started.runId) }
        : started;
    } catch (error) {
      if (
        error instanceof RetabApiError &&
        error.status === 409 &&
        options.retryFailedOnly &&
        client.dialect === 'older'
      ) {
        throw new GateError(
          `Nothing to retry: the latest run of ${experimentId} has no failed documents (input 'retry-failed-only' is true; ` +
            `set it to false to run every document). ${error.message}`,
        );
      }
      const outcome = triggerOutcome(error);
      if (outcome === 'failed') throw error;
      log(`${errorMessage(error)}. The run may have started: looking for it.`);
      const adopted = await findStartedRun(options, deps, history, sentAt);
      if (adopted) {
        log(`Found run ${adopted.runId}, started by this trigger; waiting on it.`);
        return adopted;
      }
      // An unreadable answer means the work was done: never trigger again on it.
      if (outcome === 'started' || attempt >= TRIGGER_TRIES) throw error;
      await deps.sleep(1000 * attempt, deps.signal);
      if (deps.signal?.aborted) {
        throw new GateError('The workflow was cancelled before the run started.');
      }
    }
  }
}

/**
 * What a failed trigger did: `unknown` (no answer, or a server error that may have come after
 * the work), `started` (a success whose body we could not read), or `failed` (a clear refusal).
 */
function triggerOutcome(error: unknown): 'unknown' | 'started' | 'failed' {
  if (!(error instanceof RetabApiError)) return 'failed';
  if (error.kind === 'malformed') return 'started';
  if (error.kind === 'network' || (error.status !== undefined && error.status >= 500)) {
    return 'unknown';
  }
  return 'failed';
}

/**
 * The run this trigger started: the one run of the experiment that was not in the list read
 * just before the trigger and was not created before it. With two such runs (another workflow
 * triggered the experiment at the same time) there is no telling which is ours: none is taken.
 * Its previous run is its parent, or else the newest completed run before it.
 */
async function findStartedRun(
  options: TriggerOptions,
  deps: TriggerDeps,
  history: readonly RunRecord[],
  sentAt: number,
): Promise<StartedRun | undefined> {
  const known = new Set(history.map((row) => row.id));
  const list = await deps.client.listRuns(options.workflowId, options.experimentId, {
    limit: ADOPT_LIST_LIMIT,
  });
  const fresh = list.runs.map(runFromRow).filter((r) => {
    const created = r.createdAt ? Date.parse(r.createdAt) : NaN;
    return !known.has(r.id) && !(created < sentAt - CLOCK_SKEW_MS);
  });
  const [row] = fresh;
  if (!row || fresh.length > 1) {
    if (fresh.length > 1)
      deps.log(`${fresh.length} new runs of the experiment: none is taken as ours.`);
    return undefined;
  }
  const parent = history.find((r) => r.id === row.parentRunId);
  const previous = parent
    ? { id: parent.id, score: parent.score, definitionFingerprint: parent.definitionFingerprint }
    : previousFromHistory(history, row.id);
  return startedOf(row, previous, false);
}

/** A run of the history as the run to judge: adopted after a lost answer, or reused. */
export function startedOf(
  run: RunRecord,
  previous: StartedRun['previous'],
  reused: boolean,
): StartedRun {
  return {
    runId: run.id,
    // The wait polls the run; the job is only read for a failed run's message.
    jobId: run.jobId ?? '',
    definitionFingerprint: run.definitionFingerprint,
    documentCount: run.documentCount,
    nConsensus: run.nConsensus,
    previous,
    reused,
  };
}

/** What a cancel achieved: the run was cancelled, had already ended, or could not be stopped. */
export type CancelOutcome = 'cancelled' | 'ended' | 'failed';

/**
 * Cancels a run this gate started: its job (older API), or the run itself when there is no job
 * or the job cancel is refused. A 404 on the run's cancel means it had already ended.
 */
export async function cancelStartedRun(
  client: RetabClient,
  started: Pick<StartedRun, 'jobId' | 'runId'>,
  log: (message: string) => void,
): Promise<CancelOutcome> {
  const failures: string[] = [];
  if (client.dialect === 'older' && started.jobId) {
    try {
      await client.cancelJob(started.jobId);
      log(`Cancelled job ${started.jobId}.`);
      return 'cancelled';
    } catch (jobError) {
      failures.push(errorMessage(jobError));
    }
  }
  try {
    await client.cancelRun(started.runId);
    log(`Cancelled run ${started.runId}.`);
    return 'cancelled';
  } catch (runError) {
    if (runError instanceof RetabApiError && runError.status === 404) {
      log(`Run ${started.runId} had already ended: nothing to cancel.`);
      return 'ended';
    }
    failures.push(errorMessage(runError));
    log(`Could not cancel: ${failures.join('; ')}`);
    return 'failed';
  }
}

/** The end of a sentence saying what became of a run the gate stopped following. */
export function describeCancel(outcome: CancelOutcome, run: 'it' | 'the run'): string {
  if (outcome === 'cancelled') return `${run} was cancelled on Retab.`;
  if (outcome === 'ended') return `${run} had already ended on Retab.`;
  return run === 'it'
    ? 'cancelling it failed; cancel it by hand.'
    : 'cancelling the run on Retab failed; cancel it by hand.';
}

/**
 * The trigger's Idempotency-Key: the same for every retry of this step's request, new for a
 * re-run of the workflow (another attempt) or other run options. Outside a workflow, random.
 */
export function idempotencyKey(
  options: TriggerOptions,
  attempt: WorkflowAttempt | undefined,
  round = 0,
): string {
  if (!attempt) return `experiment-gate-${randomUUID()}`;
  const parts = [
    attempt.repository,
    attempt.runId,
    attempt.runAttempt,
    attempt.job,
    options.workflowId,
    options.experimentId,
    String(options.nConsensus ?? ''),
    String(options.retryFailedOnly),
    // A trigger after waiting for a run in flight is a new request: the refused one did nothing.
    ...(round > 0 ? [`after-wait-${round}`] : []),
  ];
  return `experiment-gate-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}
