import { z } from 'zod';
import { FIELD_NAMES_IN_REASON } from '../gate/verdict.js';
import { isCommentHeader } from '../names.js';
import {
  CONFIG_CHANGES_SHOWN,
  CONFIG_DIFF_LINES,
  FIELD_DIFF_DOCUMENTS,
  FIELD_ROWS_MAX,
  FIELDS_SHOWN,
  FLOWS_KEPT,
  TEXT_MAX,
  TREND_RUNS,
  VALUE_KEPT,
  VOTES_KEPT,
} from './limits.js';

/**
 * The JSON report: one report, rendered three ways (PR comment, job summary, JSON file). The
 * Report type is inferred from this schema (./model.ts), so what the gate writes is what phase
 * two of the fork-safe workflow accepts: that phase reads a report a fork's workflow wrote, as
 * data from outside. Every field typed and bounded, nothing unknown accepted.
 */

export const REPORT_MAX_BYTES = 5 * 1024 * 1024;

const text = (max: number) => z.string().max(max);
const id = text(200);
const score = z.number().min(0).max(1);
const change = z.number().min(-1).max(1);
const count = z.number().int().min(0).max(10_000_000);
const opt = <T extends z.ZodType>(schema: T) => schema.optional();
/** Credits or seconds per document: a formatted number in every rendering, never text. */
const figure = z.number().finite().min(0).max(1e12);
const figureChange = z.number().finite().min(-1e12).max(1e12);

const RunReference = z.strictObject({
  id,
  score: score.nullable(),
  definitionFingerprint: opt(id),
  documentsFingerprint: opt(id),
});

const DocumentRow = z.strictObject({
  id,
  filename: text(TEXT_MAX.filename),
  score: score.nullable(),
  inReference: z.boolean(),
  referenceScore: score.nullable(),
  delta: change.nullable(),
  status: z.enum(['regressed', 'errored', 'new', 'improved', 'unchanged']),
  counts: z.boolean(),
});

const referenceKind = z.enum(['baseline', 'previous']);
/** Fields of an extract block, or labels of a classifier or split block. */
const fieldKind = z.enum(['field', 'label']);

const Reason = z.discriminatedUnion('rule', [
  z.strictObject({
    rule: z.literal('max-drop'),
    current: score,
    reference: score,
    allowed: z.number().min(0).max(1),
    referenceKind,
  }),
  z.strictObject({ rule: z.literal('min-score'), current: score, minimum: score }),
  z.strictObject({ rule: z.literal('max-document-drop'), documents: count }),
  z.strictObject({ rule: z.literal('errored-documents'), documents: count }),
  z.strictObject({
    rule: z.literal('max-field-drop'),
    kind: fieldKind,
    fields: count,
    names: z.array(text(TEXT_MAX.fieldName)).max(FIELD_NAMES_IN_REASON),
  }),
  z.strictObject({
    rule: z.literal('max-cost-increase'),
    current: figure,
    reference: figure,
    allowed: figure,
  }),
  z.strictObject({
    rule: z.literal('max-time-increase'),
    current: figure,
    reference: figure,
    allowed: figure,
  }),
  z.strictObject({ rule: z.literal('no-score') }),
  z.strictObject({ rule: z.literal('nothing-comparable') }),
]);

const DocumentName = z.strictObject({ id, filename: text(TEXT_MAX.filename) });

const FieldRow = z.strictObject({
  name: text(TEXT_MAX.fieldName),
  reference: score.nullable(),
  current: score.nullable(),
  delta: change.nullable(),
  status: z.enum(['regressed', 'removed', 'new', 'improved', 'unchanged']),
  counts: z.boolean(),
});

/** How often documents of label `source` were taken for label `target`, reference → current. */
const FlowRow = z.strictObject({
  source: text(TEXT_MAX.label),
  target: text(TEXT_MAX.label),
  reference: score.nullable(),
  current: score.nullable(),
  delta: change.nullable(),
  status: z.enum(['grew', 'new', 'gone', 'shrank', 'unchanged']),
});
/** One figure of "Cost and time", reference and current, over the same documents. */
const CostFigure = {
  reference: figure.nullable(),
  current: figure.nullable(),
  delta: figureChange.nullable(),
  relative: figureChange.nullable(),
  /** Documents the figure is over, of `of` that both runs scored. */
  documents: count,
  of: count,
  sampled: z.boolean(),
};

/** A configuration value as shown: compact, cut (./config-values.ts). */
const shownValue = text(200);

const ConfigChange = z.strictObject({
  resource: text(TEXT_MAX.configResource),
  path: text(TEXT_MAX.configPath),
  action: text(20),
  /** Flagged sensitive by Retab: no value, anywhere. */
  sensitive: z.boolean(),
  before: opt(shownValue),
  after: opt(shownValue),
  /** The leaves that changed inside a long structured value (a JSON schema). */
  diff: opt(
    z
      .array(z.strictObject({ path: text(500), before: opt(shownValue), after: opt(shownValue) }))
      .max(CONFIG_DIFF_LINES),
  ),
  diffMore: opt(count),
});

/**
 * A value a run extracted, from a document: outside text. A string as it is, anything else as
 * compact JSON, cut to VALUE_KEPT characters (UTF-16 units: at most two per character);
 * `length` is its full length in characters. null: the run extracted null.
 */
const Value = z.strictObject({ text: text(VALUE_KEPT * 2), length: count }).nullable();

/** What the runs extracted in one field that fell: present only when values are shown. */
const FieldValues = z.strictObject({
  /** Absent: the value could not be read. */
  reference: opt(Value),
  current: opt(Value),
  /** What the passes voted when they disagreed: the distinct values, most voted first. */
  votes: opt(z.array(z.strictObject({ value: Value, count })).max(VOTES_KEPT)),
  /** Votes for values beyond the ones listed. */
  otherVotes: opt(count),
  /** The votes were asked for and could not be read. */
  votesUnavailable: opt(z.literal(true)),
});

export const ReportSchema = z.strictObject({
  schema: z.literal('retab-experiment-gate/report@1'),
  verdict: z.enum(['pass', 'regression', 'error']),
  /** Regressions fail the step; false when fail-on-regression is off. */
  blocking: z.boolean(),
  header: text(100).refine(isCommentHeader, 'not a valid comment-header'),
  workflowId: id,
  workflowName: opt(text(TEXT_MAX.workflowName)),
  experimentId: id,
  /**
   * When this gate started (the runner's clock, ISO): the time of a report that has no run's
   * `createdAt` (an error before the run was read), so that it cannot replace a newer report.
   */
  startedAt: opt(text(40)),
  run: opt(
    z.strictObject({
      id,
      jobId: text(200),
      /** Terminal status of the run, or timeout/aborted. */
      status: text(50),
      score: score.nullable(),
      documentCount: opt(count),
      completedDocuments: opt(count),
      nConsensus: opt(count),
      durationMs: opt(z.number().min(0)),
      definitionFingerprint: opt(id),
      documentsFingerprint: opt(id),
      /** When Retab created the run: a newer run's comment is never overwritten by an older one. */
      createdAt: opt(text(40)),
      /** No new run was started: Retab said this run's results were still fresh. */
      reused: opt(z.boolean()),
    }),
  ),
  previous: opt(RunReference),
  baseline: opt(RunReference),
  /** Which run the verdict compares against. */
  referenceKind: opt(referenceKind),
  /** With `spec`: what the pull request's configuration changed in the workflow's draft. */
  configuration: opt(
    z.strictObject({
      specPath: text(500),
      /** The plan had changes, and the spec was applied before the run. */
      applied: z.boolean(),
      changes: z.array(ConfigChange).max(CONFIG_CHANGES_SHOWN),
      /** Changed fields not listed (the list is capped). */
      more: count,
    }),
  ),
  comparison: opt(
    z.strictObject({
      current: score,
      reference: score,
      delta: change,
      likeForLike: z.boolean(),
      sharedDocuments: count,
      allowedDrop: z.number().min(0).max(1),
    }),
  ),
  /** The change's interval and whether a drop is credible (the interval's method and level). */
  noise: opt(
    z.strictObject({
      level: z.number().gt(0).lt(1),
      interval: opt(
        z.strictObject({
          method: z.enum(['t', 'bootstrap']),
          level: z.number().gt(0).lt(1),
          n: count,
          mean: change,
          low: z.number().min(-2).max(2),
          high: z.number().min(-2).max(2),
        }),
      ),
      dropWithinNoise: z.boolean(),
      dismissed: z.boolean(),
      tooFewDocuments: z.boolean(),
      /** The drop the gate catches 80 % of the time (0–1 scale); absent below 3 shared documents. */
      detectableDrop: opt(z.number().min(0).max(10)),
      /** Documents that would detect the drop `max-drop` allows, when these do not. */
      documentsToDetect: opt(count),
    }),
  ),
  /** Spread of the scores of completed runs with this run's definition (3 or more runs). */
  runNoise: opt(
    z.strictObject({
      runs: count,
      standardDeviation: z.number().min(0).max(1),
      min: score,
      max: score,
    }),
  ),
  thresholds: z.strictObject({
    maxDrop: text(20),
    minScore: opt(score),
    maxDocumentDrop: opt(text(20)),
    maxFieldDrop: opt(text(20)),
    confidence: opt(z.number().gt(0.5).lt(1)),
    maxCostIncrease: opt(text(20)),
    maxTimeIncrease: opt(text(20)),
  }),
  reasons: z.array(Reason).max(10),
  /** Why the verdict is `error`. */
  error: opt(text(TEXT_MAX.message)),
  documents: z.array(DocumentRow).max(200_000),
  regressedCount: count,
  documentSets: opt(
    z.strictObject({
      added: z.array(DocumentName).max(200_000),
      removed: z.array(DocumentName).max(200_000),
    }),
  ),
  /** The pull request the report was made for, at the commit it judged. */
  pullRequest: opt(
    z.strictObject({
      number: z.number().int().positive(),
      headSha: z.string().regex(/^[0-9a-f]{40}$/),
    }),
  ),
  /** The pull requests a merge-queue group holds, when the event says so. */
  mergeGroup: opt(z.strictObject({ pullRequests: z.array(z.number().int().positive()).max(1000) })),
  /** What fell inside the worst regressed documents, worst first. */
  fieldChanges: opt(
    z
      .array(
        z.strictObject({
          documentId: id,
          filename: text(TEXT_MAX.filename),
          fields: z
            .array(
              z.strictObject({
                path: text(TEXT_MAX.fieldName),
                reference: score,
                current: score.nullable(),
                values: opt(FieldValues),
              }),
            )
            .max(FIELDS_SHOWN),
          /** Fields that fell but are not listed (the list is capped). */
          more: count,
          /** The document's fields, or (values shown) all of its values, could not be read. */
          unreadable: opt(z.enum(['fields', 'values'])),
        }),
      )
      .max(FIELD_DIFF_DOCUMENTS),
  ),
  /**
   * Why extracted values are absent from this report: `show-values` is false, or it is `auto`
   * and the repository is public, or the event did not say. Absent when values are shown.
   */
  valuesHidden: opt(z.enum(['off', 'public', 'unknown'])),
  /**
   * Each field's (or label's) agreement over all the run's documents against the reference
   * run's, fell first; absent when either run's metrics give no field scores.
   */
  fields: opt(
    z.strictObject({
      kind: fieldKind,
      /** False when the document sets differ: shown, not gated. */
      comparable: z.boolean(),
      rows: z.array(FieldRow).max(FIELD_ROWS_MAX),
      /** Rows marked regressed (output `regressed-fields`). */
      regressedCount: count,
    }),
  ),
  /**
   * Which label was taken for which (classifier and split blocks): the flows between two labels
   * against the reference run's, grown first; absent when either run gives no flows.
   */
  confusions: opt(
    z.strictObject({
      /** False when the document sets differ: each run's flows are over other documents. */
      comparable: z.boolean(),
      rows: z.array(FlowRow).max(FLOWS_KEPT),
      /** Flows not listed (the list is capped). */
      more: count,
    }),
  ),
  /** Why documents errored, one line each. */
  documentErrors: opt(
    z.array(z.strictObject({ id, message: text(TEXT_MAX.message) })).max(200_000),
  ),
  /**
   * What a document costs (credits per document: the mean of the sampled documents' artifact
   * credits) and takes (the median of their times, in seconds), this run and its reference on
   * the same documents. `cost.credits.current` is null when Retab reported no credits.
   */
  cost: opt(
    z.strictObject({
      credits: z.strictObject({
        ...CostFigure,
        /** The interval of the credits change on a sample. */
        interval: opt(
          z.strictObject({ level: z.number().gt(0).lt(1), low: figureChange, high: figureChange }),
        ),
        /** Sampled documents whose artifact reports no credits. */
        notReported: z.strictObject({ current: count, reference: count }),
      }),
      seconds: z.strictObject(CostFigure),
      /** The change was judged against the thresholds (a reference, and not a reused run). */
      judged: z.boolean(),
      /** Thresholds that could not be checked, and why. */
      unchecked: z
        .array(
          z.strictObject({
            input: z.enum(['max-cost-increase', 'max-time-increase']),
            why: text(300),
          }),
        )
        .max(2),
      /** Reads that failed: a few named (call, status, x-request-id), all counted. */
      failures: z.array(text(TEXT_MAX.message)).max(3),
      failedReads: count,
    }),
  ),
  /** Scores of the experiment's last completed runs, oldest first, this run last. */
  trend: opt(z.array(z.strictObject({ runId: id, score })).max(TREND_RUNS)),
});

/** A report read back from a file: parsed, or one error naming the first fields at fault. */
export function parseReport(json: string): z.infer<typeof ReportSchema> {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new Error('The report is not JSON.');
  }
  const result = ReportSchema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new Error(`The report does not match its schema: ${problems}.`);
}
