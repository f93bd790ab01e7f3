import type { ConfigOutcome } from '../gate/config.js';
import type { Evidence } from '../gate/evidence.js';
import { compareFields } from '../gate/fields.js';
import { compactDiff, describeValue } from './config-values.js';
import { runToRunNoise } from '../gate/stats.js';
import { judge, type DocumentScore, type ReferenceRun, type Thresholds } from '../gate/verdict.js';
import { clipText, CONFIG_CHANGES_SHOWN, FIELDS_SHOWN, TEXT_MAX, TREND_RUNS } from './limits.js';
import type { DocumentName, FieldChanges, Report, RunReference } from './model.js';

/** What the report says of the gate's own settings. */
interface ReportSettings extends Thresholds {
  workflowId: string;
  experimentId: string;
  commentHeader: string;
  failOnRegression: boolean;
}

export interface AssembleInput {
  settings: ReportSettings;
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
  const { started, run, scores, baseline } = evidence;
  const previous: RunReference | undefined = started?.previous
    ? {
        id: started.previous.id,
        score: started.previous.score,
        definitionFingerprint: started.previous.definitionFingerprint,
        documentsFingerprint: evidence.previousDocumentsFingerprint,
      }
    : undefined;
  const baselineRef: RunReference | undefined = baseline
    ? {
        id: baseline.id,
        score: baseline.score,
        definitionFingerprint: baseline.definitionFingerprint,
        documentsFingerprint: baseline.documentsFingerprint,
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
  const documents: DocumentScore[] = (scores?.documents ?? []).map((doc) => {
    const inReference = reference !== undefined && (referenceIds?.has(doc.id) ?? true);
    return {
      id: doc.id,
      filename: doc.filename ?? doc.id,
      score: doc.score,
      inReference,
      referenceScore: inReference ? doc.priorScore : null,
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
    run?.documentsFingerprint !== undefined &&
    referenceRun.documentsFingerprint !== run.documentsFingerprint;
  const documentSetsDiffer =
    fingerprintsDiffer ||
    (documentSets !== undefined &&
      (documentSets.added.length > 0 || documentSets.removed.length > 0));

  // Field scores over other documents are not comparable: shown, never gated.
  const fields = reference
    ? compareFields({
        current: scores?.aggregate,
        reference: evidence.referenceAggregate,
        comparable: !documentSetsDiffer,
        thresholds: settings,
      })
    : undefined;
  const judgement =
    error === undefined && scores
      ? judge({
          runScore: run?.score ?? scores.score,
          reference,
          documentSetsDiffer,
          documents,
          thresholds: settings,
          fields,
          reused: started?.reused === true,
        })
      : undefined;

  return {
    schema: 'retab-experiment-gate/report@1',
    verdict: judgement?.verdict ?? 'error',
    blocking: settings.failOnRegression,
    header: settings.commentHeader,
    workflowId: settings.workflowId,
    workflowName: run?.workflowName,
    experimentId: settings.experimentId,
    startedAt,
    run: started
      ? {
          id: started.runId,
          jobId: started.jobId,
          status: evidence.wait?.status ?? 'started',
          score: run?.score ?? scores?.score ?? null,
          documentCount: run?.documentCount ?? started.documentCount,
          completedDocuments: run?.completedDocuments ?? evidence.wait?.progress?.completed,
          nConsensus: run?.nConsensus ?? started.nConsensus,
          durationMs: run?.durationMs,
          definitionFingerprint: run?.definitionFingerprint ?? started.definitionFingerprint,
          createdAt: run?.createdAt,
          documentsFingerprint: run?.documentsFingerprint,
          ...(started.reused ? { reused: true } : {}),
        }
      : undefined,
    previous,
    baseline: baselineRef,
    referenceKind: reference?.kind,
    configuration: evidence.configuration && configuration(evidence.configuration),
    comparison: judgement?.comparison,
    noise: judgement?.noise,
    runNoise: measuredNoise(evidence),
    thresholds: {
      maxDrop: settings.maxDrop.text,
      minScore: settings.minScore,
      maxDocumentDrop: settings.maxDocumentDrop?.text,
      maxFieldDrop: settings.maxFieldDrop?.text,
      confidence: settings.confidence,
    },
    reasons: judgement?.reasons ?? [],
    error:
      error === undefined
        ? judgement
          ? undefined
          : 'The run has no metrics.'
        : clipText(error, TEXT_MAX.message),
    documents: judgement?.rows ?? [],
    regressedCount: judgement?.regressedCount ?? 0,
    documentSets,
    pullRequest,
    mergeGroup,
    fieldChanges: fieldChanges(evidence, documents),
    fields: judgement?.fields,
    documentErrors: evidence.documentErrors,
    trend: trend(evidence),
  };
}

/** The run-to-run noise of this definition: completed runs that share its fingerprint, this one included. */
function measuredNoise(evidence: Evidence) {
  const fingerprint =
    evidence.run?.definitionFingerprint ?? evidence.started?.definitionFingerprint;
  const score = evidence.run?.score;
  if (!fingerprint || score == null) return undefined;
  const earlier = evidence.history
    .filter((row) => row.status === 'completed' && row.definitionFingerprint === fingerprint)
    .filter((row) => row.id !== evidence.run?.id)
    .flatMap((row) => (row.score === null ? [] : [row.score]));
  return runToRunNoise([score, ...earlier]);
}

/** The fields whose score fell in each regressed document that was read, worst first. */
function fieldChanges(evidence: Evidence, documents: readonly DocumentScore[]): FieldChanges[] {
  return evidence.fieldScores.map(({ documentId, fields }) => {
    const fell = fields
      .flatMap((t) =>
        t.priorScore !== null && (t.score === null || t.score < t.priorScore - 1e-9)
          ? [{ path: t.path, reference: t.priorScore, current: t.score }]
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

/** This run after the experiment's last completed runs with a score, oldest first. */
function trend(evidence: Evidence): Report['trend'] {
  const score = evidence.run?.score;
  if (!evidence.run || score == null) return undefined;
  const earlier = evidence.history
    .flatMap((row) =>
      row.status === 'completed' && row.score !== null && row.id !== evidence.run?.id
        ? [{ runId: row.id, score: row.score }]
        : [],
    )
    .slice(0, TREND_RUNS - 1)
    .reverse();
  return [...earlier, { runId: evidence.run.id, score }];
}

function name(doc: { id: string; filename: string }): DocumentName {
  return { id: doc.id, filename: doc.filename };
}

/** The configuration's changes as the report shows them: sensitive ones without a value. */
function configuration(outcome: ConfigOutcome): NonNullable<Report['configuration']> {
  const changes = outcome.plan.changes.slice(0, CONFIG_CHANGES_SHOWN).map((change) => {
    const shown = {
      resource: change.resource,
      path: change.path,
      action: change.action,
      sensitive: change.sensitive,
    };
    if (change.sensitive) return shown;
    const diff = compactDiff(change.before, change.after);
    return {
      ...shown,
      ...(change.before === undefined ? {} : { before: describeValue(change.before) }),
      ...(change.after === undefined ? {} : { after: describeValue(change.after) }),
      ...(diff ? { diff: diff.lines, diffMore: diff.more } : {}),
    };
  });
  return {
    specPath: outcome.specPath,
    applied: outcome.applied,
    changes,
    more: Math.max(0, outcome.plan.changes.length - CONFIG_CHANGES_SHOWN),
  };
}
