/** Retab's answers (./schemas.ts) as the gate's own records (../gate/evidence.ts). Pure. */
import type {
  DocumentScores,
  Extracted,
  FieldScore,
  RunRecord,
  ScoreSheet,
  StartedRun,
} from '../gate/evidence.js';
import type { RetabClient } from './client.js';
import type { DocumentMetrics, MetricsSummary, Run, RunRow, VotesAnswer } from './schemas.js';

export type TriggerAnswer = Awaited<ReturnType<RetabClient['triggerRun']>>;

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

/**
 * The run a trigger names. The current API answers with the run itself (no job, no previous
 * run: the caller finds that in the history), already completed when Retab reused fresh
 * results; the older one with the run, its job and its previous run, or `noop` and no job.
 */
export function startedFromTrigger(answer: TriggerAnswer): StartedRun {
  if (answer.dialect === 'current') {
    const run = runFromRead(answer.run);
    return {
      runId: run.id,
      jobId: '',
      definitionFingerprint: run.definitionFingerprint,
      documentCount: run.documentCount,
      nConsensus: run.nConsensus,
      previous: undefined,
      reused: run.status === 'completed',
    };
  }
  const { trigger } = answer;
  const previous = trigger.previous_run;
  return {
    runId: trigger.run_id,
    jobId: trigger.job_id ?? '',
    reused: trigger.noop === true,
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

/** A document's fields; with `withValues`, each with the run's value when the answer carried one. */
export function fieldsFromDocumentMetrics(
  answer: DocumentMetrics,
  withValues = false,
): FieldScore[] {
  return answer.targets.map((t) => ({
    path: t.path,
    score: t.score ?? null,
    priorScore: t.prior_score ?? null,
    ...(withValues && 'value' in t ? { value: { value: t.value } } : {}),
  }));
}

/** The run's value of each field of a `by_document` answer, by path (a Map: paths are outside text). */
export function valuesFromDocumentMetrics(answer: DocumentMetrics): Map<string, Extracted> {
  const values = new Map<string, Extracted>();
  for (const t of answer.targets) if ('value' in t) values.set(t.path, { value: t.value });
  return values;
}

/**
 * One vote per pass from a `view=votes` answer: a plain field has one row; a list field (`*`)
 * a row per item, so a pass's vote is the list of its items' votes.
 */
export function votesFromAnswer(answer: VotesAnswer & { kind: 'votes' }): unknown[] | undefined {
  const rows = (answer.rows ?? []).map((row) => row.votes ?? []);
  if (rows.length === 0) return undefined;
  if (rows.length === 1) return rows[0];
  const passes = Math.max(...rows.map((votes) => votes.length));
  return Array.from({ length: passes }, (_, pass) => rows.map((votes) => votes[pass] ?? null));
}

/**
 * The value at a field path as the metrics name it (`vendor.name`, `line_items.*.unit_price`)
 * inside an extracted tree: `*` takes every item of a list. Undefined when it is not there.
 */
export function valueAt(tree: unknown, path: string): Extracted | undefined {
  let found: unknown[] = [tree];
  let list = false;
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const node of found) {
      if (segment === '*') {
        if (!Array.isArray(node)) return undefined;
        next.push(...(node as unknown[]));
      } else if (Array.isArray(node) && /^\d+$/.test(segment)) {
        if (Number(segment) >= node.length) return undefined;
        next.push(node[Number(segment)]);
      } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, segment)) {
        next.push((node as Record<string, unknown>)[segment]);
      } else if (list) {
        next.push(null); // an item without the field: its place in the list stays
      } else {
        return undefined;
      }
    }
    if (segment === '*') list = true;
    found = next;
  }
  return { value: list ? found : found[0] };
}
