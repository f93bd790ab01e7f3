import type { ConfigPlan } from '../gate/config.js';
import type { Evidence, RunRecord, ScoreSheet, StartedRun } from '../gate/evidence.js';
import { forecastFromHistory, newestFingerprints } from '../gate/history.js';
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
import { RetabApiError } from './client.js';
import { readCost, readReferenceAhead } from './cost.js';
import { limitInFlight } from './queue.js';
import { runResults } from './results.js';
import { runFromRead } from './records.js';
import { DIALECT_NAME } from './routes.js';
import {
  applySpec,
  checkDraftUnchanged,
  experimentBlock,
  freshRun,
  planSpec,
  type SpecText,
} from './configure.js';
import {
  cancelStartedRun,
  describeCancel,
  previousFromHistory,
  runInFlight,
  startedOf,
  startRun,
  type TriggerDeps,
  type TriggerOptions,
} from './trigger.js';
import { waitForRun, type WaitOutcome } from './wait.js';

/** What gathering the evidence needs from the gate's settings. */
export interface GatherOptions extends ExperimentRef, TriggerOptions, Thresholds {
  baselineFingerprint: string | undefined;
  timeoutMs: number;
  /** Judge a run Retab says already measured the current draft, instead of starting one. */
  reuse: boolean;
  /** The configuration the pull request proposes, to plan, apply and check. */
  spec?: SpecText;
  /** Read what the runs extracted in the fields that fell (show-values allows it). */
  readValues?: boolean;
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

  // Before spending money: the API must be able to run what was asked, the baseline must
  // exist, and past runs give the forecast.
  await readHistory(options, deps, evidence);
  const dialect = client.dialect;
  if (dialect) log(`Retab API: ${DIALECT_NAME[dialect]}.`);
  if (dialect === 'current') refuseWhatTheCurrentApiCannotRun(options);
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

  evidence.started = await startOnce(options, deps, evidence);
  // The run's own time counts from here: a wait for another's run before it is not its time.
  const startedAt = deps.now();
  const started = evidence.started;
  const referenceId = evidence.baseline?.id ?? started.previous?.id ?? undefined;
  // The one queue of reads about single documents. The reference run has ended: the results its
  // cost and time need are read while this run is still going.
  const slot = limitInFlight();
  const referenceResults =
    referenceId === undefined ? undefined : runResults(client, options, referenceId);
  const referenceAhead =
    referenceResults && !started.reused
      ? readReferenceAhead(deps, referenceResults, slot)
      : undefined;
  // Settled once every read sent ahead has its answer.
  const prefetched = referenceAhead
    ? referenceAhead.then((reads) => Promise.all(reads.values())).then(() => undefined)
    : Promise.resolve();
  const forecast = forecastFromHistory(evidence.history, started.documentCount);
  if (started.reused) {
    log(
      `Retab reused fresh results: no new run was started; judging run ${started.runId}, ` +
        'which already measured the current configuration and documents.',
    );
  } else {
    log(
      `Started run ${started.runId}${started.jobId ? ` (job ${started.jobId})` : ''}: ` +
        `${started.documentCount ?? '?'} documents, n_consensus ${started.nConsensus ?? '?'}` +
        (forecast ? `; recent runs took about ${Math.round(forecast.durationMs / 1000)} s.` : '.'),
    );
  }

  let outcome: WaitOutcome;
  try {
    outcome = started.reused
      ? { status: 'completed', message: undefined, progress: undefined }
      : await waitForRun(deps, {
          jobId: started.jobId,
          runId: started.runId,
          startedAt,
          timeoutMs: options.timeoutMs,
          forecast,
        });
  } catch (error) {
    // We can no longer follow the run: stop it rather than let it cost money unseen.
    const cancelled = await cancelStartedRun(client, started, log);
    throw new GateError(
      `${errorMessage(error)}. Lost track of run ${started.runId}; ${describeCancel(cancelled, 'it')}`,
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
      `${why} while waiting for run ${started.runId} (${progress}); ${describeCancel(cancelled, 'the run')}`,
    );
  }
  if (outcome.status !== 'completed') {
    throw new GateError(
      `Run ${started.runId} ended '${outcome.status}'${outcome.message ? `: ${outcome.message}` : ''}.`,
    );
  }

  // After completion: independent reads in parallel (and the caller's own, via onCompleted),
  // and, with a spec, the check that the draft is still what the run measured.
  deps.onCompleted?.();
  const spec = options.spec;
  const draftChecked =
    spec && !started.reused
      ? checkDraftUnchanged(client, options.workflowId, spec, started.runId).then(
          () => undefined,
          (error: unknown) => error,
        )
      : undefined;
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

  // Then, in parallel: the reference's own summary (its documents when the sets may differ,
  // which name what was removed; its field or label scores and flows when this run has some: one
  // read for all),
  // what fell inside the worst regressed documents, why documents errored.
  const referenceFingerprint = evidence.baseline
    ? evidence.baseline.documentsFingerprint
    : evidence.previousDocumentsFingerprint;
  const setsMayDiffer =
    referenceFingerprint === undefined ||
    referenceFingerprint !== evidence.run.documentsFingerprint;
  // What each document cost and took goes in the one queue of reads about single documents,
  // after the field and value reads; this run's results pages serve the error texts too.
  const results = runResults(client, options, started.runId);
  // The field reads take the whole queue: a read ahead still going (a run shorter than a read)
  // ends first.
  const fieldsRead = prefetched.then(() =>
    readFieldScores(options, deps, scores, referenceId, slot),
  );
  const [reference, fields, errors, cost] = await Promise.all([
    referenceId === undefined
      ? undefined
      : setsMayDiffer
        ? readScores(options, deps, referenceId, undefined)
        : scores.aggregate && readReferenceFields(options, deps, referenceId),
    fieldsRead,
    readDocumentErrors(deps, scores, results),
    readCost(deps, {
      scores,
      current: results,
      reference: referenceResults,
      slot,
      after: fieldsRead,
      referenceAhead,
    }),
  ]);
  if (setsMayDiffer) evidence.referenceDocuments = reference?.documents;
  evidence.referenceAggregate = reference?.aggregate;
  evidence.fieldScores = fields;
  evidence.documentErrors = errors;
  evidence.cost = cost;
  const drift = await draftChecked;
  if (drift !== undefined) throw drift;
}

/**
 * The reference's summary, read for its field scores (and flows) alone. Without `max-field-drop`
 * the field table and the confusions are only shown: a failure leaves them out, with a line in
 * the log.
 */
async function readReferenceFields(
  options: GatherOptions,
  deps: GatherDeps,
  referenceId: string,
): Promise<ScoreSheet | undefined> {
  try {
    return await readScores(options, deps, referenceId, undefined);
  } catch (error) {
    if (options.maxFieldDrop !== undefined) throw error;
    deps.log(`Field scores are not compared: ${errorMessage(error)}`);
    return undefined;
  }
}

/** Runs in flight waited for, at most, before a trigger: then the gate gives up. */
const IN_FLIGHT_WAITS = 3;

/**
 * Starts the run, once. A run of the experiment that is still in flight (started by someone
 * else) is waited for first, within `timeout`, and never cancelled: a run started beside it
 * would be refused, and a spec applied under it would change what it measures. A 409 from the
 * trigger while the list shows a run in flight means the same. The trigger after such a wait
 * is a new request (a new Idempotency-Key): the refused one did nothing.
 */
async function startOnce(
  options: GatherOptions,
  deps: GatherDeps,
  evidence: Evidence,
): Promise<StartedRun> {
  for (let round = 0; ; round++) {
    const inFlight = runInFlight(evidence.history);
    if (inFlight && round < IN_FLIGHT_WAITS) {
      await waitForRunInFlight(options, deps, inFlight);
      await rereadHistory(options, deps, evidence);
      continue;
    }
    if (deps.signal?.aborted) {
      throw new GateError('The workflow was cancelled before the run started.');
    }
    const fresh = await configure(options, deps, evidence);
    if (fresh) return fresh;
    try {
      return await startRun(options, deps, evidence.history, round);
    } catch (error) {
      const refused = error instanceof RetabApiError && error.status === 409;
      if (!refused || round >= IN_FLIGHT_WAITS) throw error;
      await rereadHistory(options, deps, evidence);
      if (!runInFlight(evidence.history)) throw error;
      deps.log(`${error.message}. A run of the experiment is in flight.`);
    }
  }
}

/**
 * With `spec`: plans the pull request's configuration, refuses what must not be applied, and
 * applies it when it changes the draft. With `reuse` and nothing to change: the run Retab says
 * already measured the current draft and documents, judged instead of starting one.
 */
async function configure(
  options: GatherOptions,
  deps: GatherDeps,
  evidence: Evidence,
): Promise<StartedRun | undefined> {
  const { client, log } = deps;
  const { spec } = options;
  // The current API's experiment says which block it measures and whether its latest run is fresh.
  const experiment =
    client.dialect === 'current' && (spec || options.reuse)
      ? await client.getExperiment(options.experimentId)
      : undefined;
  if (spec) {
    const block = await experimentBlock(client, experiment, evidence.history);
    const plan = await planSpec(client, options.workflowId, spec, block);
    const applied = evidence.configuration?.applied === true || !plan.noop;
    evidence.configuration = { specPath: spec.path, plan, applied };
    log(describePlan(plan, spec.path));
    if (!plan.noop) {
      await applySpec(client, options.workflowId, spec);
      log(`Applied ${spec.path} to the draft of workflow ${options.workflowId}.`);
    }
  }
  if (!options.reuse || evidence.configuration?.applied) return undefined;
  const run = freshRun(experiment, evidence.history);
  if (!run) return undefined;
  return startedOf(run, previousFromHistory(evidence.history, run.id), true);
}

/** The plan in one log line: the fields it changes, never their values. */
function describePlan(plan: ConfigPlan, path: string): string {
  if (plan.noop) return `Configuration: the draft already is ${path}; nothing to apply.`;
  const fields = plan.changes.map(
    (change) => `${change.resource}: ${change.path}${change.sensitive ? ' (sensitive)' : ''}`,
  );
  return (
    `Configuration: ${path} changes the draft` +
    (fields.length > 0 ? `: ${fields.join(', ')}.` : ` (${plan.resources.length} resources).`)
  );
}

/** The history read again from its first page: a run in flight may have ended meanwhile. */
async function rereadHistory(
  options: GatherOptions,
  deps: GatherDeps,
  evidence: Evidence,
): Promise<void> {
  evidence.history = [];
  await readHistory(options, { ...deps, firstHistoryPage: undefined }, evidence);
}

/** Waits for another's run to end, within `timeout`; never cancels it. */
async function waitForRunInFlight(
  options: GatherOptions,
  deps: GatherDeps,
  run: RunRecord,
): Promise<void> {
  deps.log(
    `Run ${run.id} of experiment ${options.experimentId} is ${run.status}: waiting for it to end ` +
      `before starting a new run (at most ${Math.round(options.timeoutMs / 1000)} s, input 'timeout'). ` +
      'It is not cancelled: the gate cancels only the runs it starts.',
  );
  const outcome = await waitForRun(deps, {
    jobId: run.jobId ?? '',
    runId: run.id,
    startedAt: deps.now(),
    timeoutMs: options.timeoutMs,
    forecast: undefined,
  });
  if (outcome.status === 'timeout' || outcome.status === 'aborted') {
    throw new GateError(
      `${outcome.status === 'timeout' ? `Run ${run.id} was still in flight after ${Math.round(options.timeoutMs / 1000)} s (input 'timeout')` : 'The workflow was cancelled'} ` +
        `while waiting for run ${run.id}, started by someone else, to end; nothing was started, and run ${run.id} was left as it is.`,
    );
  }
  deps.log(`Run ${run.id} ended '${outcome.status}'; starting ours.`);
}

/** Inputs the current API has no way to honour: one error naming each, before any paid run. */
function refuseWhatTheCurrentApiCannotRun(options: GatherOptions): void {
  const problems: string[] = [];
  if (options.nConsensus !== undefined) {
    problems.push(
      `Input 'n-consensus' cannot be honoured by Retab's current API: a run uses the experiment's own ` +
        `n_consensus. Leave the input empty, and change the experiment's n_consensus on Retab instead.`,
    );
  }
  if (options.retryFailedOnly) {
    problems.push(
      `Input 'retry-failed-only' cannot be honoured by Retab's current API: a run always runs every ` +
        `document of the experiment. Set it to false.`,
    );
  }
  if (problems.length > 0) throw new GateError(`${problems.join(' ')} Nothing was run.`);
}
