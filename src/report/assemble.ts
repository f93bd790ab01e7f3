import type { ConfigOutcome } from '../gate/config.js';
import {
  fieldsThatFell,
  type DocumentValues,
  type Evidence,
  type FieldScore,
} from '../gate/evidence.js';
import { compareCost, type CostThresholds } from '../gate/cost.js';
import { compareFields } from '../gate/fields.js';
import { compactDiff, describeValue } from './config-values.js';
import { reportConfusions } from './confusions.js';
import { runToRunNoise } from '../gate/stats.js';
import {
  judge,
  judgesChange,
  type DocumentScore,
  type ReferenceRun,
  type Thresholds,
} from '../gate/verdict.js';
import {
  clipText,
  CONFIG_CHANGES_SHOWN,
  FIELDS_SHOWN,
  TEXT_MAX,
  TREND_RUNS,
  VALUE_KEPT,
  VOTES_KEPT,
} from './limits.js';
import type {
  DocumentName,
  ExtractedValue,
  FieldChanges,
  FieldValues,
  Report,
  RunReference,
  ValuesHidden,
} from './model.js';

/** What the report says of the gate's own settings. */
interface ReportSettings extends Thresholds, CostThresholds {
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
  /** Why extracted values stay out of the report; undefined: they are shown. */
  valuesHidden: ValuesHidden | undefined;
}

/** Turns what was learned into the one report every rendering uses. Pure. */
export function assembleReport({
  settings,
  evidence,
  error,
  pullRequest,
  mergeGroup,
  startedAt,
  valuesHidden,
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
  // Cost and time: shown whenever read; a rise past a threshold is a regression like the others.
  const reused = started?.reused === true;
  const costRead = evidence.cost;
  const cost =
    costRead &&
    compareCost({
      cost: costRead,
      thresholds: settings,
      judgesChange: judgesChange(reused, reference),
    });
  const judgement =
    error === undefined && scores
      ? judge({
          runScore: run?.score ?? scores.score,
          reference,
          documentSetsDiffer,
          documents,
          thresholds: settings,
          fields,
          costReasons: cost?.reasons,
          reused,
        })
      : undefined;
  const verdict = judgement?.verdict ?? 'error';
  const reasons = judgement?.reasons ?? [];

  return {
    schema: 'retab-experiment-gate/report@1',
    verdict,
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
      maxCostIncrease: settings.maxCostIncrease?.text,
      maxTimeIncrease: settings.maxTimeIncrease?.text,
    },
    reasons,
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
    fieldChanges: fieldChanges(evidence, documents, valuesHidden === undefined),
    valuesHidden,
    fields: judgement?.fields,
    confusions:
      judgement && reference
        ? reportConfusions(scores?.aggregate, evidence.referenceAggregate, !documentSetsDiffer)
        : undefined,
    documentErrors: evidence.documentErrors,
    trend: trend(evidence),
    ...(cost && costRead
      ? {
          cost: {
            credits: cost.credits,
            seconds: cost.seconds,
            judged: cost.judged,
            // A threshold that could not be checked matters only to a verdict that was reached.
            unchecked: verdict === 'error' ? [] : cost.unchecked,
            failures: costRead.failures.map((f) => clipText(f, TEXT_MAX.message)),
            failedReads: costRead.failedReads,
          },
        }
      : {}),
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

/**
 * The fields whose score fell in each regressed document that was read, worst first; with
 * `withValues`, what the runs extracted in each.
 */
function fieldChanges(
  evidence: Evidence,
  documents: readonly DocumentScore[],
  withValues: boolean,
): FieldChanges[] {
  return evidence.fieldScores.map(({ documentId, fields, unreadable, values }) => {
    const fell = fieldsThatFell(fields);
    const shown = fell.slice(0, FIELDS_SHOWN).map((f) => ({
      path: f.path,
      reference: f.priorScore ?? 0, // never null: fieldsThatFell keeps fields with a reference
      current: f.score,
      ...(withValues && values ? { values: fieldValues(f, values) } : {}),
    }));
    const noValue = shown.every(
      (f) =>
        f.values?.reference === undefined && f.values?.current === undefined && !f.values?.votes,
    );
    const cannot = unreadable
      ? 'fields'
      : withValues && values && shown.length > 0 && noValue
        ? 'values'
        : undefined;
    return {
      documentId,
      filename: documents.find((d) => d.id === documentId)?.filename ?? documentId,
      fields: shown,
      more: Math.max(0, fell.length - FIELDS_SHOWN),
      ...(cannot ? { unreadable: cannot } : {}),
    };
  });
}

/** One field's values, reference and current, and the passes' votes when they disagreed. */
function fieldValues(field: FieldScore, values: DocumentValues): FieldValues {
  const reference = values.reference?.get(field.path);
  const current = field.value ?? values.current.get(field.path);
  const votes = values.votes.get(field.path);
  return {
    ...(reference ? { reference: extractedValue(reference.value) } : {}),
    ...(current ? { current: extractedValue(current.value) } : {}),
    ...(votes === 'unavailable' ? { votesUnavailable: true as const } : distinctVotes(votes)),
  };
}

/** The distinct votes, most voted first (ties: the first voted), when the passes disagreed. */
function distinctVotes(votes: readonly unknown[] | undefined): Partial<FieldValues> {
  const counts = new Map<string, { value: unknown; count: number }>();
  for (const vote of votes ?? []) {
    const key = jsonOf(vote) ?? String(vote);
    const seen = counts.get(key);
    if (seen) seen.count++;
    else counts.set(key, { value: vote, count: 1 });
  }
  if (counts.size < 2) return {};
  const ranked = [...counts.values()].sort((a, b) => b.count - a.count);
  const other = ranked.slice(VOTES_KEPT).reduce((sum, v) => sum + v.count, 0);
  return {
    votes: ranked
      .slice(0, VOTES_KEPT)
      .map((v) => ({ value: extractedValue(v.value), count: v.count })),
    ...(other > 0 ? { otherVotes: other } : {}),
  };
}

/** Lengths are counted up to this (the report's largest count). */
const VALUE_LENGTH_MAX = 10_000_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * An extracted value as the report keeps it: a string as it is, anything else as compact JSON,
 * cut to VALUE_KEPT characters, with its full length; null stays null.
 */
function extractedValue(value: unknown): ExtractedValue {
  if (value === null || value === undefined) return null;
  const full =
    typeof value === 'string'
      ? value.replace(LONE_SURROGATE, '\uFFFD')
      : (jsonOf(value) ?? '(a value nested too deeply to show)');
  let length = 0;
  let text = '';
  for (const char of full) {
    if (length < VALUE_KEPT) text += char;
    // The schema's largest count: a longer value says so much.
    if (++length === VALUE_LENGTH_MAX) break;
  }
  return { text, length };
}

/** Compact JSON, or undefined for a value too deeply nested to write. */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
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
