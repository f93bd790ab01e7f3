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
): Promise<StartedRun> {
  const { client, log } = deps;
  const { workflowId, experimentId } = options;
  const key = idempotencyKey(options, deps.attempt);
  const sentAt = deps.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await client.triggerRun(workflowId, experimentId, {
        nConsensus: options.nConsensus,
        retryFailedOnly: options.retryFailedOnly,
        idempotencyKey: key,
      });
      return startedFromTrigger(answer);
    } catch (error) {
      if (error instanceof RetabApiError && error.status === 409 && options.retryFailedOnly) {
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
  const previous =
    history.find((r) => r.id === row.parentRunId) ?? history.find((r) => r.status === 'completed');
  return {
    runId: row.id,
    // The wait polls the run; the job is only read for a failed run's message.
    jobId: row.jobId ?? '',
    definitionFingerprint: row.definitionFingerprint,
    documentCount: row.documentCount,
    nConsensus: row.nConsensus,
    previous: previous
      ? {
          id: previous.id,
          score: previous.score,
          definitionFingerprint: previous.definitionFingerprint,
        }
      : null,
  };
}

/** Cancels the job, or the run when the job cancel is refused. True when one was accepted. */
export async function cancelStartedRun(
  client: RetabClient,
  started: Pick<StartedRun, 'jobId' | 'runId'>,
  log: (message: string) => void,
): Promise<boolean> {
  try {
    await client.cancelJob(started.jobId);
    log(`Cancelled job ${started.jobId}.`);
    return true;
  } catch (jobError) {
    try {
      await client.cancelRun(started.runId);
      log(`Cancelled run ${started.runId}.`);
      return true;
    } catch (runError) {
      log(`Could not cancel: ${errorMessage(jobError)}; ${errorMessage(runError)}`);
      return false;
    }
  }
}

/**
 * The trigger's Idempotency-Key: the same for every retry of this step's request, new for a
 * re-run of the workflow (another attempt) or other run options. Outside a workflow, random.
 */
export function idempotencyKey(
  options: TriggerOptions,
  attempt: WorkflowAttempt | undefined,
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
  ];
  return `experiment-gate-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}
