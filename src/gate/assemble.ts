import type { Settings } from '../inputs.js';
import type { Evidence } from '../retab/evidence.js';
import type { DocumentName, FieldChanges, Report, RunReference } from '../report/model.js';
import { runToRunNoise } from './stats.js';
import { judge, type DocumentScore, type ReferenceRun } from './verdict.js';

export interface AssembleInput {
  settings: Settings;
  evidence: Evidence;
  /** Set when the evidence could not be gathered or trusted: the verdict is `error`. */
  error: string | undefined;
  pullRequest: Report['pullRequest'];
  mergeGroup: Report['mergeGroup'];
  /** When the gate started (ISO). */
  startedAt: string;
}

/** Turns what was learned into the one report every rendering uses. Pure. */
export function assembleReport({
  settings,
  evidence,
  error,
  pullRequest,
  mergeGroup,
  startedAt,
}: AssembleInput): Report {
  const { trigger, run, metrics, baseline } = evidence;
  const previous: RunReference | undefined = trigger?.previous_run
    ? {
        id: trigger.previous_run.run_id,
        score: trigger.previous_run.score ?? null,
        definitionFingerprint: trigger.previous_run.definition_fingerprint ?? undefined,
        documentsFingerprint: evidence.previousDocumentsFingerprint,
      }
    : undefined;
  const baselineRef: RunReference | undefined = baseline
    ? {
        id: baseline.id,
        score: baseline.score ?? null,
        definitionFingerprint: baseline.definition_fingerprint ?? undefined,
        documentsFingerprint: baseline.documents_fingerprint ?? undefined,
      }
    : undefined;
  const referenceRun = baselineRef ?? previous;
  const reference: ReferenceRun | undefined = referenceRun
    ? {
        kind: baselineRef ? 'baseline' : 'previous',
        runId: referenceRun.id,
        score: referenceRun.score,
      }
    : undefined;

  const referenceIds = evidence.referenceDocuments
    ? new Set(evidence.referenceDocuments.map((d) => d.id))
    : undefined;
  const documents: DocumentScore[] = (metrics?.documents ?? []).map((doc) => {
    const inReference = reference !== undefined && (referenceIds?.has(doc.id) ?? true);
    return {
      id: doc.id,
      filename: doc.filename ?? doc.id,
      score: doc.score ?? null,
      inReference,
      referenceScore: inReference ? (doc.prior_score ?? null) : null,
    };
  });
  const currentIds = new Set(documents.map((d) => d.id));
  const documentSets = referenceIds
    ? {
        added: documents.filter((d) => !referenceIds.has(d.id)).map(name),
        removed: (evidence.referenceDocuments ?? [])
          .filter((d) => !currentIds.has(d.id))
          .map((d) => name({ id: d.id, filename: d.filename ?? d.id })),
      }
    : undefined;
  const fingerprintsDiffer =
    referenceRun?.documentsFingerprint !== undefined &&
    run?.documents_fingerprint != null &&
    referenceRun.documentsFingerprint !== run.documents_fingerprint;
  const documentSetsDiffer =
    fingerprintsDiffer ||
    (documentSets !== undefined &&
      (documentSets.added.length > 0 || documentSets.removed.length > 0));

  const judgement =
    error === undefined && metrics
      ? judge({
          runScore: run?.score ?? metrics.score ?? null,
          reference,
          documentSetsDiffer,
          documents,
          thresholds: settings,
        })
      : undefined;

  return {
    schema: 'retab-experiment-gate/report@1',
    verdict: judgement?.verdict ?? 'error',
    blocking: settings.failOnRegression,
    header: settings.commentHeader,
    workflowId: settings.workflowId,
    workflowName: run?.workflow?.name_at_run_time ?? undefined,
    experimentId: settings.experimentId,
    startedAt,
    run: trigger
      ? {
          id: trigger.run_id,
          jobId: trigger.job_id,
          status: evidence.wait?.status ?? 'started',
          score: run?.score ?? metrics?.score ?? null,
          documentCount: run?.total_document_count ?? trigger.document_count,
          completedDocuments: run?.completed_document_count ?? evidence.wait?.progress?.completed,
          nConsensus: run?.n_consensus ?? trigger.n_consensus,
          durationMs: run?.timing?.duration_ms ?? undefined,
          definitionFingerprint:
            run?.definition_fingerprint ?? trigger.definition_fingerprint ?? undefined,
          createdAt: run?.timing?.created_at ?? undefined,
          documentsFingerprint: run?.documents_fingerprint ?? undefined,
        }
      : undefined,
    previous,
    baseline: baselineRef,
    referenceKind: reference?.kind,
    comparison: judgement?.comparison,
    noise: judgement?.noise,
    runNoise: measuredNoise(evidence),
    thresholds: {
      maxDrop: settings.maxDrop.text,
      minScore: settings.minScore,
      maxDocumentDrop: settings.maxDocumentDrop?.text,
      confidence: settings.confidence,
    },
    reasons: judgement?.reasons ?? [],
    error: error ?? (judgement ? undefined : 'The run has no metrics.'),
    documents: judgement?.rows ?? [],
    regressedCount: judgement?.regressedCount ?? 0,
    documentSets,
    pullRequest,
    mergeGroup,
    fieldChanges: fieldChanges(evidence, documents),
    documentErrors: evidence.documentErrors,
    trend: trend(evidence),
  };
}

/** The run-to-run noise of this definition: completed runs that share its fingerprint, this one included. */
function measuredNoise(evidence: Evidence) {
  const fingerprint =
    evidence.run?.definition_fingerprint ?? evidence.trigger?.definition_fingerprint;
  const score = evidence.run?.score;
  if (!fingerprint || score == null) return undefined;
  const earlier = evidence.history
    .filter((row) => row.status === 'completed' && row.definition_fingerprint === fingerprint)
    .filter((row) => row.id !== evidence.run?.id)
    .flatMap((row) => (row.score == null ? [] : [row.score]));
  return runToRunNoise([score, ...earlier]);
}

const FIELDS_SHOWN = 15;

/** The fields whose score fell in each regressed document that was read, worst first. */
function fieldChanges(evidence: Evidence, documents: readonly DocumentScore[]): FieldChanges[] {
  return evidence.fieldScores.map(({ documentId, targets }) => {
    const fell = targets
      .flatMap((t) =>
        t.prior_score != null && (t.score == null || t.score < t.prior_score - 1e-9)
          ? [{ path: t.path, reference: t.prior_score, current: t.score ?? null }]
          : [],
      )
      .sort((a, b) => b.reference - (b.current ?? 0) - (a.reference - (a.current ?? 0)));
    return {
      documentId,
      filename: documents.find((d) => d.id === documentId)?.filename ?? documentId,
      fields: fell.slice(0, FIELDS_SHOWN),
      more: Math.max(0, fell.length - FIELDS_SHOWN),
    };
  });
}

const TREND_RUNS = 20;

/** This run after the experiment's last completed runs with a score, oldest first. */
function trend(evidence: Evidence): Report['trend'] {
  const score = evidence.run?.score;
  if (!evidence.run || score == null) return undefined;
  const earlier = evidence.history
    .filter((row) => row.status === 'completed' && row.score != null && row.id !== evidence.run?.id)
    .slice(0, TREND_RUNS - 1)
    .map((row) => ({ runId: row.id, score: row.score as number }))
    .reverse();
  return [...earlier, { runId: evidence.run.id, score }];
}

function name(doc: { id: string; filename: string }): DocumentName {
  return { id: doc.id, filename: doc.filename };
}
