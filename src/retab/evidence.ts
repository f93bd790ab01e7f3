// Reading what the verdict needs: the experiment's history, the run's scores, the fields that
// fell inside regressed documents, and why documents errored.
import type { Evidence, ScoreSheet } from '../gate/evidence.js';
import { pickBaseline } from '../gate/history.js';
import { fellPast, type Thresholds } from '../gate/verdict.js';
import { errorMessage, GateError } from '../errors.js';
import { clipText, FIELD_DIFF_DOCUMENTS, TEXT_MAX } from '../report/limits.js';
import type { RetabClient } from './client.js';
import { runFromRow, scoresFromMetrics } from './records.js';
import type { Slot } from './queue.js';
import type { RunResults } from './results.js';
import { readDocumentFields } from './values.js';

export type OpenedHistory = Awaited<ReturnType<RetabClient['openHistory']>>;

/** The experiment a gate reads. */
export interface ExperimentRef {
  workflowId: string;
  experimentId: string;
}

/** What every conversation with Retab is given: the client, a clock, the log, the cancel. */
export interface RetabDeps {
  client: RetabClient;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log: (message: string) => void;
  signal?: AbortSignal;
}

export interface ReadDeps extends RetabDeps {
  /** The first page of the history (`openHistory`), when it was sent early. */
  firstHistoryPage?: Promise<OpenedHistory>;
}

const HISTORY_MAX_PAGES = 10;
/** How long metrics may take to be ready after the run completed. */
const METRICS_WAIT_MS = 30_000;

/** The experiment's runs, newest first, page by page until the asked baseline is found. */
export async function readHistory(
  options: ExperimentRef & { baselineFingerprint: string | undefined },
  deps: ReadDeps,
  evidence: Evidence,
): Promise<void> {
  let after: string | undefined;
  for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
    // The first page is the first request of every gate (src/head-start.ts sends it early):
    // its answers tell which API the server speaks.
    const list =
      page === 0
        ? (
            await (deps.firstHistoryPage ??
              deps.client.openHistory(options.workflowId, options.experimentId))
          ).page
        : await deps.client.listRuns(options.workflowId, options.experimentId, { after });
    evidence.history.push(...list.runs.map(runFromRow));
    if (options.baselineFingerprint) {
      evidence.baseline = pickBaseline(evidence.history, options.baselineFingerprint);
    }
    const done = !options.baselineFingerprint || evidence.baseline !== undefined;
    if (done || !list.after || list.runs.length === 0) return;
    after = list.after;
  }
}

/** The run's summary scores against `priorRunId`; asked again while they are not ready. */
export async function readScores(
  options: ExperimentRef,
  deps: ReadDeps,
  runId: string,
  priorRunId: string | undefined,
): Promise<ScoreSheet> {
  const started = deps.now();
  for (let attempt = 1; ; attempt++) {
    const metrics = await deps.client.getMetrics(
      options.workflowId,
      options.experimentId,
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
      return scoresFromMetrics(metrics);
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

/**
 * Per-field scores of the worst regressed documents, all at once, and with `readValues` what the
 * runs extracted in them (./values.ts). Nice to have: a failure is only logged.
 */
export async function readFieldScores(
  options: ExperimentRef & Thresholds & { readValues?: boolean },
  deps: ReadDeps,
  scores: ScoreSheet,
  referenceId: string | undefined,
  slot: Slot,
): Promise<Evidence['fieldScores']> {
  const worst = scores.documents
    .flatMap((doc) =>
      doc.score !== null && doc.priorScore !== null && fellPast(options, doc.priorScore, doc.score)
        ? [{ id: doc.id, drop: doc.priorScore - doc.score }]
        : [],
    )
    .sort((a, b) => b.drop - a.drop)
    .slice(0, FIELD_DIFF_DOCUMENTS);
  return readDocumentFields(
    { ...options, readValues: options.readValues === true },
    deps,
    scores.runId,
    referenceId,
    worst.map((doc) => doc.id),
    slot,
  );
}

/** Pages of the current API's results read at most, looking for errored documents. */
const RESULT_PAGES_MAX = 100;

/**
 * Error texts of the run's errored documents, read only when a document errored: the older
 * API's content in one call, or the current API's results, page by page until every errored
 * document is found. The pages are the run's `results`, shared with the reads of cost and time.
 */
export async function readDocumentErrors(
  deps: ReadDeps,
  scores: ScoreSheet,
  results: RunResults,
): Promise<Evidence['documentErrors']> {
  const errored = new Set(scores.documents.filter((doc) => doc.score === null).map((d) => d.id));
  if (errored.size === 0) return [];
  try {
    const found: Evidence['documentErrors'] = [];
    for (let index = 0; index < RESULT_PAGES_MAX && errored.size > 0; index++) {
      const page = await results.page(index);
      for (const row of page?.rows ?? []) {
        if (errored.delete(row.documentId) && row.error)
          found.push({ id: row.documentId, message: clipText(row.error, TEXT_MAX.message) });
      }
      if (!page || page.last) break;
    }
    return found;
  } catch (error) {
    deps.log(`Error texts of errored documents are not shown: ${errorMessage(error)}`);
    return [];
  }
}
