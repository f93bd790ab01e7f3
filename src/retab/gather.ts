import type { Evidence } from '../gate/evidence.js';
import { forecastDurationMs, newestFingerprints } from '../gate/history.js';
import type { Thresholds } from '../gate/verdict.js';
import { errorMessage, GateError } from '../errors.js';
import {
  readDocumentErrors,
  readFieldScores,
  readHistory,
  readScores,
  type ExperimentRef,
  type ReadDeps,
} from './evidence.js';
import { runFromRead } from './records.js';
import { cancelStartedRun, startRun, type TriggerDeps, type TriggerOptions } from './trigger.js';
import { waitForRun } from './wait.js';

/** What gathering the evidence needs from the gate's settings. */
export interface GatherOptions extends ExperimentRef, TriggerOptions, Thresholds {
  baselineFingerprint: string | undefined;
  timeoutMs: number;
}

export interface GatherDeps extends ReadDeps, TriggerDeps {
  /** Told when the run has completed, before its results are read. */
  onCompleted?: () => void;
}

/**
 * Everything Retab can tell about this gate, in as few round trips as it takes: the history,
 * then the run (started once, waited for, cancelled when it cannot be followed), then its
 * scores and what explains them. Fills `evidence` as it goes; throws a GateError when the
 * verdict cannot be trusted.
 */
export async function gatherEvidence(
  options: GatherOptions,
  deps: GatherDeps,
  evidence: Evidence,
): Promise<void> {
  const { client, log } = deps;
  const { experimentId } = options;

  // Before spending money: the baseline must exist, and past runs give the forecast.
  await readHistory(options, deps, evidence);
  if (options.baselineFingerprint && !evidence.baseline) {
    const known = newestFingerprints(evidence.history);
    throw new GateError(
      `No completed run of experiment ${experimentId} has the definition_fingerprint '${options.baselineFingerprint}' ` +
        `(input 'baseline-fingerprint'). ` +
        (known.length > 0
          ? `Newest fingerprints of completed runs: ${known.join(', ')}.`
          : 'The experiment has no completed run yet.'),
    );
  }

  if (deps.signal?.aborted)
    throw new GateError('The workflow was cancelled before the run started.');
  const startedAt = deps.now();
  evidence.started = await startRun(options, deps, evidence.history);
  const started = evidence.started;
  const forecastMs = forecastDurationMs(evidence.history, started.documentCount);
  log(
    `Started run ${started.runId} (job ${started.jobId}): ${started.documentCount ?? '?'} documents, ` +
      `n_consensus ${started.nConsensus ?? '?'}` +
      (forecastMs ? `; recent runs took about ${Math.round(forecastMs / 1000)} s.` : '.'),
  );

  let outcome;
  try {
    outcome = await waitForRun(deps, {
      jobId: started.jobId,
      runId: started.runId,
      startedAt,
      timeoutMs: options.timeoutMs,
      forecastMs,
    });
  } catch (error) {
    // We can no longer follow the run: stop it rather than let it cost money unseen.
    const cancelled = await cancelStartedRun(client, started, log);
    throw new GateError(
      `${errorMessage(error)}. Lost track of run ${started.runId}; ` +
        (cancelled ? 'it was cancelled on Retab.' : 'cancelling it failed; cancel it by hand.'),
    );
  }
  evidence.wait = { status: outcome.status, progress: outcome.progress };
  if (outcome.status === 'timeout' || outcome.status === 'aborted') {
    const cancelled = await cancelStartedRun(client, started, log);
    const progress = outcome.progress
      ? `${outcome.progress.completed}/${outcome.progress.total} documents were done`
      : 'progress unknown';
    const why =
      outcome.status === 'timeout'
        ? `Timed out after ${Math.round(options.timeoutMs / 1000)} s (input 'timeout')`
        : 'The workflow was cancelled';
    throw new GateError(
      `${why} while waiting for run ${started.runId} (${progress}); ` +
        (cancelled
          ? 'the run was cancelled on Retab.'
          : 'cancelling the run on Retab failed; cancel it by hand.'),
    );
  }
  if (outcome.status !== 'completed') {
    throw new GateError(
      `Run ${started.runId} ended '${outcome.status}'${outcome.message ? `: ${outcome.message}` : ''}.`,
    );
  }

  // After completion: independent reads in parallel (and the caller's own, via onCompleted).
  deps.onCompleted?.();
  const referenceId = evidence.baseline?.id ?? started.previous?.id ?? undefined;
  const previousRow = evidence.history.find((row) => row.id === started.previous?.id);
  const [run, scores, previous] = await Promise.all([
    outcome.run ?? client.getRun(started.runId),
    readScores(options, deps, started.runId, referenceId),
    started.previous && !previousRow ? client.getRun(started.previous.id) : undefined,
  ]);
  evidence.run = runFromRead(run);
  evidence.scores = scores;
  evidence.previousDocumentsFingerprint =
    previousRow?.documentsFingerprint ?? previous?.documents_fingerprint ?? undefined;

  // Then, in parallel: the reference's own documents when the sets may differ (it names
  // what was removed), what fell inside the worst regressed documents, why documents errored.
  const referenceFingerprint = evidence.baseline
    ? evidence.baseline.documentsFingerprint
    : evidence.previousDocumentsFingerprint;
  const [reference, fields, errors] = await Promise.all([
    referenceId &&
    (referenceFingerprint === undefined ||
      referenceFingerprint !== evidence.run.documentsFingerprint)
      ? readScores(options, deps, referenceId, undefined)
      : undefined,
    readFieldScores(options, deps, scores, referenceId),
    readDocumentErrors(options, deps, scores),
  ]);
  evidence.referenceDocuments = reference?.documents;
  evidence.fieldScores = fields;
  evidence.documentErrors = errors;
}
