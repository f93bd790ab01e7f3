/** Retab's answers (./schemas.ts) as the gate's own records (../gate/evidence.ts). Pure. */
import type {
  DocumentScores,
  Extracted,
  FieldAggregate,
  FieldScore,
  RunRecord,
  ScoreSheet,
  StartedRun,
} from '../gate/evidence.js';
import { clipText, TEXT_MAX } from '../report/limits.js';
import { describeIssue, type RetabClient } from './client.js';
import type { ConfigPlan } from '../gate/config.js';
import type {
  Aggregate,
  DocumentMetrics,
  MetricsSummary,
  Run,
  RunRow,
  SpecPlan,
  VotesAnswer,
} from './schemas.js';

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
    workflowName:
      run.workflow?.name_at_run_time == null
        ? undefined
        : clipText(run.workflow.name_at_run_time, TEXT_MAX.workflowName),
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
      filename: doc.filename == null ? undefined : clipText(doc.filename, TEXT_MAX.filename),
      score: doc.score ?? null,
      priorScore: doc.prior_score ?? null,
    })),
    aggregate: aggregateFromMetrics(metrics.aggregate),
  };
}

/**
 * The fields' agreement (or the labels', with the flows between them), without those the metrics
 * leave unscored.
 */
function aggregateFromMetrics(aggregate: Aggregate | null | undefined): FieldAggregate | undefined {
  if (!aggregate) return undefined;
  const [kind, pairs]: [FieldAggregate['kind'], Array<[string, number | null]> | null | undefined] =
    aggregate.likelihoods ? ['field', aggregate.likelihoods] : ['label', aggregate.diag];
  const flows = kind === 'label' ? aggregate.flows : undefined;
  if (!pairs && !flows) return undefined;
  return {
    kind,
    scores: (pairs ?? []).flatMap(([name, score]) =>
      score == null ? [] : [{ name: clipText(name, TEXT_MAX.fieldName), score }],
    ),
    ...(flows
      ? {
          flows: flows.flatMap(({ source, target, score }) =>
            score == null
              ? []
              : [
                  {
                    source: clipText(source, TEXT_MAX.label),
                    target: clipText(target, TEXT_MAX.label),
                    score,
                  },
                ],
          ),
        }
      : {}),
  };
}

/**
 * The credits an artifact's `usage` reports: a finite number ≥ 0, else null ("not reported":
 * `usage` null or absent, `credits` a string, negative, an object…). Never 0 for a missing figure.
 */
export function creditsOf(usage: unknown): number | null {
  if (typeof usage !== 'object' || usage === null || !Object.hasOwn(usage, 'credits')) return null;
  const credits = (usage as { credits: unknown }).credits;
  return typeof credits === 'number' && Number.isFinite(credits) && credits >= 0 ? credits : null;
}

/** A document's fields; with `withValues`, each with the run's value when the answer carried one. */
export function fieldsFromDocumentMetrics(
  answer: DocumentMetrics,
  withValues = false,
): FieldScore[] {
  return answer.targets.map((t) => ({
    path: clipText(t.path, TEXT_MAX.fieldName),
    score: t.score ?? null,
    priorScore: t.prior_score ?? null,
    ...(withValues && 'value' in t ? { value: { value: t.value } } : {}),
  }));
}

/** The run's value of each field of a `by_document` answer, by path (a Map: paths are outside text). */
export function valuesFromDocumentMetrics(answer: DocumentMetrics): Map<string, Extracted> {
  const values = new Map<string, Extracted>();
  for (const t of answer.targets) {
    // Keyed as the fields are (./records.ts cuts their paths to what the report keeps).
    if ('value' in t) values.set(clipText(t.path, TEXT_MAX.fieldName), { value: t.value });
  }
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

/**
 * A plan of the spec, in the gate's words. A field flagged sensitive before or after loses both
 * values here, whatever the answer carried: they never reach the log or the report.
 */
export function planFromAnswer(plan: SpecPlan): ConfigPlan {
  const diagnostics = plan.diagnostics;
  const listed = Array.isArray(diagnostics) ? diagnostics : (diagnostics?.issues ?? []);
  const issues = listed.map((issue) => ({
    severity: issue.severity ?? 'error',
    message: describeIssue(issue),
  }));
  if (!Array.isArray(diagnostics) && diagnostics?.is_valid === false) {
    if (!issues.some((issue) => issue.severity.toLowerCase() === 'error')) {
      issues.push({ severity: 'error', message: 'Retab says the spec is not valid' });
    }
  }
  const resources = (plan.resource_changes ?? []).map((resource) => ({
    id: resource.target_id ?? resource.name ?? resource.address ?? '?',
    name: resource.name ?? undefined,
    target: resource.target ?? undefined,
    actions: resource.actions ?? [],
    fields: resource.change?.field_changes ?? [],
  }));
  return {
    noop: plan.action === 'noop' || plan.summary?.has_changes === false,
    issues,
    resources: resources.map(({ fields: _fields, ...resource }) => resource),
    changes: resources.flatMap((resource) =>
      resource.fields.map((field) => {
        const sensitive = field.before_sensitive === true || field.after_sensitive === true;
        return {
          resource: clipText(resource.name ?? resource.id, TEXT_MAX.configResource),
          path: clipText(field.path_display, TEXT_MAX.configPath),
          action: field.action ?? 'update',
          sensitive,
          ...(sensitive ? {} : { before: field.before, after: field.after }),
        };
      }),
    ),
  };
}
