/** Retab's answers (./schemas.ts) as the gate's own records (../gate/evidence.ts). Pure. */
import type {
  DocumentScores,
  FieldScore,
  RunRecord,
  ScoreSheet,
  StartedRun,
} from '../gate/evidence.js';
import type { DocumentMetrics, MetricsSummary, Run, RunRow, TriggerResponse } from './schemas.js';

export function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    status: row.status,
    score: row.score ?? null,
    definitionFingerprint: row.definition_fingerprint ?? undefined,
    documentsFingerprint: row.documents_fingerprint ?? undefined,
    documentCount: row.document_count ?? undefined,
    nConsensus: row.n_consensus ?? undefined,
    createdAt: row.created_at ?? undefined,
    durationMs: row.duration_ms ?? undefined,
    parentRunId: row.parent_run_id ?? undefined,
    jobId: row.job_id ?? undefined,
  };
}

export function runFromRead(run: Run): RunRecord {
  return {
    id: run.id,
    status: run.lifecycle.status,
    score: run.score ?? null,
    definitionFingerprint: run.definition_fingerprint ?? undefined,
    documentsFingerprint: run.documents_fingerprint ?? undefined,
    documentCount: run.total_document_count ?? undefined,
    completedDocuments: run.completed_document_count ?? undefined,
    nConsensus: run.n_consensus ?? undefined,
    createdAt: run.timing?.created_at ?? undefined,
    durationMs: run.timing?.duration_ms ?? undefined,
    parentRunId: run.parent_run_id ?? undefined,
    workflowName: run.workflow?.name_at_run_time ?? undefined,
  };
}

export function startedFromTrigger(trigger: TriggerResponse): StartedRun {
  const previous = trigger.previous_run;
  return {
    runId: trigger.run_id,
    jobId: trigger.job_id,
    definitionFingerprint: trigger.definition_fingerprint ?? undefined,
    documentCount: trigger.document_count,
    nConsensus: trigger.n_consensus,
    previous: previous
      ? {
          id: previous.run_id,
          score: previous.score ?? null,
          definitionFingerprint: previous.definition_fingerprint ?? undefined,
        }
      : previous,
  };
}

export function scoresFromMetrics(metrics: MetricsSummary): ScoreSheet {
  return {
    runId: metrics.run_id,
    score: metrics.score ?? null,
    priorRunId: metrics.prior_run_id ?? undefined,
    documents: metrics.documents.map((doc): DocumentScores => ({
      id: doc.id,
      filename: doc.filename ?? undefined,
      score: doc.score ?? null,
      priorScore: doc.prior_score ?? null,
    })),
  };
}

export function fieldsFromDocumentMetrics(answer: DocumentMetrics): FieldScore[] {
  return answer.targets.map((t) => ({
    path: t.path,
    score: t.score ?? null,
    priorScore: t.prior_score ?? null,
  }));
}
