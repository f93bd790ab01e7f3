import { createHash, randomUUID } from 'node:crypto';
import type { Settings } from '../inputs.js';
import { forecastFromHistory, newestFingerprints, pickBaseline } from '../gate/history.js';
import { RetabApiError, type RetabClient } from './client.js';
import type {
  DocumentMetrics,
  MetricsDocument,
  MetricsSummary,
  Run,
  RunList,
  RunRow,
  TriggerResponse,
} from './schemas.js';
import { fellPast } from '../gate/verdict.js';
import { waitForRun, type WaitOutcome } from './wait.js';

/** A verdict of `error`: the evidence is missing or cannot be trusted. */
export class GateError extends Error {
  override name = 'GateError';
}

/** What the action learned from Retab, filled in as it goes, so an error can still report it. */
export interface Evidence {
  history: RunRow[];
  baseline: RunRow | undefined;
  trigger: TriggerResponse | undefined;
  wait: WaitOutcome | undefined;
  run: Run | undefined;
  metrics: MetricsSummary | undefined;
  /** The reference run's own documents, read only when the document sets may differ. */
  referenceDocuments: MetricsDocument[] | undefined;
  /** Documents fingerprint of the previous run, when known. */
  previousDocumentsFingerprint: string | undefined;
  /** Per-field scores of the worst regressed documents (at most 10). */
  fieldScores: Array<{ documentId: string; targets: DocumentMetrics['targets'] }>;
  /** Why documents errored, from the run's content. */
  documentErrors: Array<{ id: string; message: string }>;
}

export function emptyEvidence(): Evidence {
  return {
    history: [],
    baseline: undefined,
    trigger: undefined,
    wait: undefined,
    run: undefined,
    metrics: undefined,
    referenceDocuments: undefined,
    previousDocumentsFingerprint: undefined,
    fieldScores: [],
    documentErrors: [],
  };
}

export interface GatherDeps {
  client: RetabClient;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log: (message: string) => void;
  signal?: AbortSignal;
  /** Told when the run has completed, before its results are read. */
  onCompleted?: () => void;
  /** Identifies this workflow attempt; a retried request reuses it, a re-run does not. */
  attempt: { repository: string; runId: string; runAttempt: string; job: string } | undefined;
  /** The first page of the history (`listRuns` with no options), when it was sent early. */
  firstHistoryPage?: Promise<RunList>;
}

const HISTORY_MAX_PAGES = 10;
/** How long metrics may take to be ready after the run completed. */
const METRICS_WAIT_MS = 30_000;
/** A run created this long before our trigger (clocks differ) may still be ours. */
const CLOCK_SKEW_MS = 60_000;

/** Everything Retab can tell about this gate, in as few round trips as it takes. */
export async function gatherEvidence(
  settings: Settings,
  deps: GatherDeps,
  evidence: Evidence,
): Promise<void> {
  const { client, log } = deps;
  const { experimentId } = settings;

  // Before spending money: the baseline must exist, and past runs give the forecast.
  await readHistory(settings, deps, evidence);
  if (settings.baselineFingerprint && !evidence.baseline) {
    const known = newestFingerprints(evidence.history);
    throw new GateError(
      `No completed run of experiment ${experimentId} has the definition_fingerprint '${settings.baselineFingerprint}' ` +
        `(input 'baseline-fingerprint'). ` +
        (known.length > 0
          ? `Newest fingerprints of completed runs: ${known.join(', ')}.`
          : 'The experiment has no completed run yet.'),
    );
  }

  if (deps.signal?.aborted)
    throw new GateError('The workflow was cancelled before the run started.');
  const startedAt = deps.now();
  evidence.trigger = await startRun(settings, deps, evidence.history);
  const trigger = evidence.trigger;
  const forecast = forecastFromHistory(evidence.history, trigger.document_count);
  log(
    `Started run ${trigger.run_id} (job ${trigger.job_id}): ${trigger.document_count ?? '?'} documents, ` +
      `n_consensus ${trigger.n_consensus ?? '?'}` +
      (forecast ? `; recent runs took about ${Math.round(forecast.durationMs / 1000)} s.` : '.'),
  );

  try {
    evidence.wait = await waitForRun(deps, {
      jobId: trigger.job_id,
      runId: trigger.run_id,
      startedAt,
      timeoutMs: settings.timeoutMs,
      forecast,
    });
  } catch (error) {
    // We can no longer follow the run: stop it rather than let it cost money unseen.
    const cancelled = await cancelRemote(client, trigger, log);
    throw new GateError(
      `${(error as Error).message}. Lost track of run ${trigger.run_id}; ` +
        (cancelled ? 'it was cancelled on Retab.' : 'cancelling it failed; cancel it by hand.'),
    );
  }
  const outcome = evidence.wait;
  if (outcome.status === 'timeout' || outcome.status === 'aborted') {
    const cancelled = await cancelRemote(client, trigger, log);
    const progress = outcome.progress
      ? `${outcome.progress.completed}/${outcome.progress.total} documents were done`
      : 'progress unknown';
    const why =
      outcome.status === 'timeout'
        ? `Timed out after ${Math.round(settings.timeoutMs / 1000)} s (input 'timeout')`
        : 'The workflow was cancelled';
    throw new GateError(
      `${why} while waiting for run ${trigger.run_id} (${progress}); ` +
        (cancelled
          ? 'the run was cancelled on Retab.'
          : 'cancelling the run on Retab failed; cancel it by hand.'),
    );
  }
  if (outcome.status !== 'completed') {
    throw new GateError(
      `Run ${trigger.run_id} ended '${outcome.status}'${outcome.message ? `: ${outcome.message}` : ''}.`,
    );
  }

  // After completion: independent reads in parallel (and the caller's own, via onCompleted).
  deps.onCompleted?.();
  const referenceId = evidence.baseline?.id ?? trigger.previous_run?.run_id ?? undefined;
  const previousRow = evidence.history.find((row) => row.id === trigger.previous_run?.run_id);
  const [run, metrics, previous] = await Promise.all([
    outcome.run ?? client.getRun(trigger.run_id),
    readMetrics(settings, deps, trigger.run_id, referenceId),
    trigger.previous_run && !previousRow ? client.getRun(trigger.previous_run.run_id) : undefined,
  ]);
  evidence.run = run;
  evidence.metrics = metrics;
  evidence.previousDocumentsFingerprint =
    previousRow?.documents_fingerprint ?? previous?.documents_fingerprint ?? undefined;

  // Then, in parallel: the reference's own documents when the sets may differ (it names
  // what was removed), what fell inside the worst regressed documents, why documents errored.
  const referenceFingerprint = evidence.baseline
    ? evidence.baseline.documents_fingerprint
    : evidence.previousDocumentsFingerprint;
  const [reference, fields, errors] = await Promise.all([
    referenceId && referenceFingerprint !== run.documents_fingerprint
      ? readMetrics(settings, deps, referenceId, undefined)
      : undefined,
    readFieldScores(settings, deps, metrics, referenceId),
    readDocumentErrors(settings, deps, metrics),
  ]);
  evidence.referenceDocuments = reference?.documents;
  evidence.fieldScores = fields;
  evidence.documentErrors = errors;
}

/** At most this many by_document reads, all at once: the worst regressed documents. */
const FIELD_DIFF_DOCUMENTS = 10;

/** Per-field scores of the worst regressed documents. Nice to have: a failure is only logged. */
async function readFieldScores(
  settings: Settings,
  deps: GatherDeps,
  metrics: MetricsSummary,
  referenceId: string | undefined,
): Promise<Evidence['fieldScores']> {
  const worst = metrics.documents
    .flatMap((doc) =>
      doc.score != null && doc.prior_score != null && fellPast(settings, doc.prior_score, doc.score)
        ? [{ id: doc.id, drop: doc.prior_score - doc.score }]
        : [],
    )
    .sort((a, b) => b.drop - a.drop)
    .slice(0, FIELD_DIFF_DOCUMENTS);
  const answers = await Promise.all(
    worst.map((doc) =>
      deps.client
        .getDocumentMetrics(
          settings.workflowId,
          settings.experimentId,
          metrics.run_id,
          referenceId,
          doc.id,
        )
        .then(
          (answer) => ({ documentId: doc.id, targets: answer.targets }),
          (error: Error) => {
            deps.log(`Field scores of document ${doc.id} are not shown: ${error.message}`);
            return undefined;
          },
        ),
    ),
  );
  return answers.filter((answer) => answer !== undefined);
}

/** Error texts of the run's errored documents: one call, only when a document errored. */
async function readDocumentErrors(
  settings: Settings,
  deps: GatherDeps,
  metrics: MetricsSummary,
): Promise<Evidence['documentErrors']> {
  const errored = new Set(metrics.documents.filter((doc) => doc.score == null).map((d) => d.id));
  if (errored.size === 0) return [];
  try {
    const { content } = await deps.client.getContent(
      settings.workflowId,
      settings.experimentId,
      metrics.run_id,
    );
    return content.jobs.flatMap((job) => {
      const message = typeof job.error === 'string' ? job.error : job.error?.message;
      return errored.has(job.document_id) && message ? [{ id: job.document_id, message }] : [];
    });
  } catch (error) {
    deps.log(`Error texts of errored documents are not shown: ${(error as Error).message}`);
    return [];
  }
}

const TRIGGER_TRIES = 3;

/**
 * Starts the run once, whatever the network does. A trigger whose outcome is unknown (no
 * answer, or a server error that may have come after the work was done) is not simply sent
 * again: first the experiment's runs are searched for one that did not exist before, and
 * that run is adopted. Only when there is none is the trigger sent again, with the same
 * Idempotency-Key, so an API that honours the key returns the first result anyway.
 */
async function startRun(
  settings: Settings,
  deps: GatherDeps,
  history: readonly RunRow[],
): Promise<TriggerResponse> {
  const { client, log } = deps;
  const { workflowId, experimentId } = settings;
  const key = idempotencyKey(settings, deps.attempt);
  const sentAt = deps.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.triggerRun(workflowId, experimentId, {
        nConsensus: settings.nConsensus,
        retryFailedOnly: settings.retryFailedOnly,
        idempotencyKey: key,
      });
    } catch (error) {
      if (error instanceof RetabApiError && error.status === 409 && settings.retryFailedOnly) {
        throw new GateError(
          `Nothing to retry: the latest run of ${experimentId} has no failed documents (input 'retry-failed-only' is true; ` +
            `set it to false to run every document). ${error.message}`,
        );
      }
      const outcome = triggerOutcome(error);
      if (outcome === 'failed') throw error;
      log(`${(error as Error).message}. The run may have started: looking for it.`);
      const adopted = await findStartedRun(settings, deps, history, sentAt);
      if (adopted) {
        log(`Found run ${adopted.run_id}, started by this trigger; waiting on it.`);
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
  settings: Settings,
  deps: GatherDeps,
  history: readonly RunRow[],
  sentAt: number,
): Promise<TriggerResponse | undefined> {
  const known = new Set(history.map((row) => row.id));
  const list = await deps.client.listRuns(settings.workflowId, settings.experimentId, {
    limit: 20,
  });
  const fresh = list.runs.filter((r) => {
    const created = r.created_at ? Date.parse(r.created_at) : NaN;
    return !known.has(r.id) && !(created < sentAt - CLOCK_SKEW_MS);
  });
  const [row] = fresh;
  if (!row || fresh.length > 1) {
    if (fresh.length > 1)
      deps.log(`${fresh.length} new runs of the experiment: none is taken as ours.`);
    return undefined;
  }
  const previous =
    history.find((r) => r.id === row.parent_run_id) ??
    history.find((r) => r.status === 'completed');
  return {
    run_id: row.id,
    // The wait polls the run; the job is only read for a failed run's message.
    job_id: row.job_id ?? '',
    status: row.status,
    definition_fingerprint: row.definition_fingerprint,
    document_count: row.document_count ?? undefined,
    n_consensus: row.n_consensus ?? undefined,
    previous_run: previous
      ? {
          run_id: previous.id,
          score: previous.score,
          definition_fingerprint: previous.definition_fingerprint,
        }
      : null,
  };
}

async function readHistory(settings: Settings, deps: GatherDeps, evidence: Evidence) {
  let after: string | undefined;
  for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
    // The first page is the first request of every gate: src/head-start.ts sends it early.
    const list =
      page === 0 && deps.firstHistoryPage
        ? await deps.firstHistoryPage
        : await deps.client.listRuns(settings.workflowId, settings.experimentId, { after });
    evidence.history.push(...list.runs);
    if (settings.baselineFingerprint) {
      evidence.baseline = pickBaseline(evidence.history, settings.baselineFingerprint);
    }
    const done = !settings.baselineFingerprint || evidence.baseline !== undefined;
    if (done || !list.after || list.runs.length === 0) return;
    after = list.after;
  }
}

async function readMetrics(
  settings: Settings,
  deps: GatherDeps,
  runId: string,
  priorRunId: string | undefined,
): Promise<MetricsSummary> {
  const started = deps.now();
  for (let attempt = 1; ; attempt++) {
    const metrics = await deps.client.getMetrics(
      settings.workflowId,
      settings.experimentId,
      runId,
      priorRunId,
    );
    if (metrics.kind === 'summary') {
      // Scores of another run, or against another prior, would judge the wrong thing.
      const wrongPrior = priorRunId !== undefined && metrics.prior_run_id !== priorRunId;
      if (metrics.run_id !== runId || wrongPrior) {
        throw new GateError(
          `Metrics answered for run ${metrics.run_id} (prior ${metrics.prior_run_id ?? 'none'}) when run ${runId}` +
            `${priorRunId ? ` with prior ${priorRunId}` : ''} was asked: stale metrics, not judged.`,
        );
      }
      return metrics;
    }
    const delay = Math.min(500 * 2 ** (attempt - 1), 8_000);
    if (deps.now() - started + delay > METRICS_WAIT_MS || deps.signal?.aborted) {
      throw new GateError(
        `Metrics of run ${runId} are not usable (${metrics.kind}${metrics.message ? `: ${metrics.message}` : ''}) ` +
          `after ${attempt} tries in ${Math.round((deps.now() - started) / 1000)} s.`,
      );
    }
    deps.log(`Metrics of run ${runId} not ready (${metrics.kind}); asking again.`);
    await deps.sleep(delay, deps.signal);
  }
}

/** Cancels the job, or the run when the job cancel is refused. True when one was accepted. */
export async function cancelRemote(
  client: RetabClient,
  trigger: Pick<TriggerResponse, 'job_id' | 'run_id'>,
  log: (message: string) => void,
): Promise<boolean> {
  try {
    await client.cancelJob(trigger.job_id);
    log(`Cancelled job ${trigger.job_id}.`);
    return true;
  } catch (jobError) {
    try {
      await client.cancelRun(trigger.run_id);
      log(`Cancelled run ${trigger.run_id}.`);
      return true;
    } catch (runError) {
      log(`Could not cancel: ${(jobError as Error).message}; ${(runError as Error).message}`);
      return false;
    }
  }
}

/**
 * The trigger's Idempotency-Key: the same for every retry of this step's request, new for a
 * re-run of the workflow (another attempt) or other run options. Outside a workflow, random.
 */
export function idempotencyKey(
  settings: Pick<Settings, 'workflowId' | 'experimentId' | 'nConsensus' | 'retryFailedOnly'>,
  attempt: GatherDeps['attempt'],
): string {
  if (!attempt) return `experiment-gate-${randomUUID()}`;
  const parts = [
    attempt.repository,
    attempt.runId,
    attempt.runAttempt,
    attempt.job,
    settings.workflowId,
    settings.experimentId,
    String(settings.nConsensus ?? ''),
    String(settings.retryFailedOnly),
  ];
  return `experiment-gate-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}
