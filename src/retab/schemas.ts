import { z } from 'zod';

// Each schema validates only what the action uses; unknown fields are normal and ignored.
// Both dialects of the API (./routes.ts) are read, with the renames of the current one:
// `block_execution_fingerprint` for `definition_fingerprint`, `block_type` for `block_kind`,
// a run's `lifecycle` and `timing` for a list row's flat `status`, `created_at`, `duration_ms`.

const score = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

/** The statuses of a run or of one document's result, in the current API's `lifecycle`. */
const LIFECYCLE_STATUSES = [
  'pending',
  'queued',
  'running',
  'completed',
  'error',
  'cancelled',
] as const;

/**
 * A run's or a result's `lifecycle`: one of six kinds, `error` with its `message` (and
 * `details`), `cancelled` with its `reason`. A status this gate does not know is read as still
 * running, never as done; a known status of the wrong form is malformed.
 */
export const Lifecycle = z.union([
  z.discriminatedUnion('status', [
    z.object({ status: z.literal('pending') }),
    z.object({ status: z.literal('queued') }),
    z.object({ status: z.literal('running') }),
    z.object({ status: z.literal('completed') }),
    z.object({
      status: z.literal('error'),
      message: z.string().nullish(),
      details: z.object({ message: z.string().nullish() }).nullish(),
    }),
    z.object({ status: z.literal('cancelled'), reason: z.unknown() }),
  ]),
  z.object({
    status: z
      .string()
      .refine((status) => !(LIFECYCLE_STATUSES as readonly string[]).includes(status)),
  }),
]);
export type Lifecycle = z.output<typeof Lifecycle>;

/** What a lifecycle says of why a run or a document did not complete. */
export function lifecycleMessage(lifecycle: Lifecycle): string | undefined {
  // Only the `error` and `cancelled` kinds carry these (an unknown status is never either).
  const said = lifecycle as {
    status: string;
    message?: string | null;
    details?: { message?: string | null } | null;
    reason?: unknown;
  };
  if (said.status === 'error') return said.message ?? said.details?.message ?? undefined;
  if (said.status === 'cancelled' && typeof said.reason === 'string') return said.reason;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The current API's names, read as the older ones (which win when both are sent). */
function renameFields(value: unknown): unknown {
  if (!isObject(value)) return value;
  const out = { ...value };
  out.definition_fingerprint ??= out.block_execution_fingerprint;
  out.block_kind ??= out.block_type;
  return out;
}

function withFingerprint<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess(
    renameFields,
    z.object({
      ...shape,
      definition_fingerprint: z.string().nullish(),
      block_kind: z.string().nullish(),
    }),
  );
}

/** A run as a list row, in either dialect: the current one lists whole run objects. */
function flattenRun(value: unknown): unknown {
  const renamed = renameFields(value);
  if (!isObject(renamed)) return renamed;
  const out = { ...renamed };
  if (isObject(out.lifecycle)) out.status ??= out.lifecycle.status;
  if (isObject(out.timing)) {
    out.created_at ??= out.timing.created_at;
    out.duration_ms ??= out.timing.duration_ms;
  }
  out.document_count ??= out.total_document_count;
  return out;
}

export const PreviousRun = withFingerprint({
  run_id: z.string(),
  score: score.nullish(),
});
export type PreviousRun = z.output<typeof PreviousRun>;

/** The older API's trigger answer. Late older servers answer `noop: true` (and no job): nothing new ran. */
export const TriggerResponse = withFingerprint({
  run_id: z.string().min(1),
  job_id: z.string().min(1).nullish(),
  noop: z.boolean().nullish(),
  document_count: count.optional(),
  n_consensus: z.number().int().optional(),
  previous_run: PreviousRun.nullish(),
});
export type TriggerResponse = z.output<typeof TriggerResponse>;

export const JOB_TERMINAL = ['completed', 'failed', 'cancelled', 'expired'] as const;
export type JobTerminalStatus = (typeof JOB_TERMINAL)[number];

export const Job = z.object({
  id: z.string(),
  // Unknown statuses are treated as still running, never as done.
  status: z.string(),
  error: z
    .object({ code: z.string().nullish(), message: z.string().nullish() })
    .passthrough()
    .nullish(),
});
export type Job = z.output<typeof Job>;

/** A run read by id (both dialects), and the current API's trigger answer. */
export const Run = withFingerprint({
  id: z.string(),
  lifecycle: Lifecycle,
  block_id: z.string().nullish(),
  workflow: z.object({ name_at_run_time: z.string().nullish() }).nullish(),
  timing: z
    .object({
      duration_ms: z.number().nonnegative().nullish(),
      created_at: z.string().nullish(),
    })
    .nullish(),
  n_consensus: z.number().int().nullish(),
  total_document_count: count.nullish(),
  completed_document_count: count.nullish(),
  score: score.nullish(),
  documents_fingerprint: z.string().nullish(),
  parent_run_id: z.string().nullish(),
});
export type Run = z.output<typeof Run>;

export const RunRow = z.preprocess(
  flattenRun,
  z.object({
    definition_fingerprint: z.string().nullish(),
    id: z.string(),
    status: z.string(),
    score: score.nullish(),
    documents_fingerprint: z.string().nullish(),
    document_count: count.nullish(),
    n_consensus: z.number().int().nullish(),
    created_at: z.string().nullish(),
    duration_ms: z.number().nonnegative().nullish(),
    job_id: z.string().nullish(),
    parent_run_id: z.string().nullish(),
  }),
);
export type RunRow = z.output<typeof RunRow>;

/** A page of a list: `{data, list_metadata}`; more pages while `list_metadata.after` is set. */
function page<T extends z.ZodType>(row: T) {
  return z
    .object({
      data: z.array(row),
      list_metadata: z.object({ after: z.string().nullish() }).nullish(),
    })
    .transform((r) => ({ rows: r.data, after: r.list_metadata?.after ?? undefined }));
}

/** Both envelopes of the run list: the reference's `{runs}` and the paged `{data, list_metadata}`. */
export const RunList = z.union([
  z.object({ runs: z.array(RunRow) }).transform((r) => ({ runs: r.runs, after: undefined })),
  page(RunRow).transform((r) => ({ runs: r.rows, after: r.after })),
]);
export type RunList = z.output<typeof RunList>;

export const MetricsDocument = z.object({
  id: z.string(),
  filename: z.string().nullish(),
  score: score.nullish(),
  prior_score: score.nullish(),
});
export type MetricsDocument = z.output<typeof MetricsDocument>;

/** An object's entries, read as a list: a name such as `__proto__` stays a name. */
function entries<T extends z.ZodType>(value: T) {
  return z.preprocess(
    (object) => (isObject(object) ? Object.entries(object) : object),
    z.array(z.tuple([z.string(), value])),
  );
}

/**
 * How often documents of one label were taken for another (classifier and split blocks); older
 * servers say `from`/`to` (the newer names win when both are sent).
 */
const Flow = z.preprocess(
  (value) =>
    isObject(value)
      ? { ...value, source: value.source ?? value.from, target: value.target ?? value.to }
      : value,
  z.object({ source: z.string(), target: z.string(), score: score.nullish() }),
);

/**
 * Each field's agreement over all the run's documents (`likelihoods`, extract blocks), or each
 * label's (`diag`, classifier and split blocks) with the `flows` between labels.
 */
export const Aggregate = z.object({
  likelihoods: entries(score.nullable()).nullish(),
  diag: entries(score.nullable()).nullish(),
  flows: z.array(Flow).nullish(),
});
export type Aggregate = z.output<typeof Aggregate>;

export const MetricsSummary = z.object({
  kind: z.literal('summary'),
  run_id: z.string(),
  score: score.nullish(),
  prior_run_id: z.string().nullish(),
  documents: z.array(MetricsDocument),
  /** Null or absent on servers that give no field scores. */
  aggregate: Aggregate.nullish(),
});

export const MetricsUnavailable = z.object({
  kind: z.enum(['no_metrics', 'stale_metrics']),
  message: z.string().nullish(),
});

export const Metrics = z.discriminatedUnion('kind', [MetricsSummary, MetricsUnavailable]);
export type Metrics = z.output<typeof Metrics>;
export type MetricsSummary = z.output<typeof MetricsSummary>;

/**
 * One document's per-field scores (`view=by_document`), each with the run's consensus `value`
 * (any JSON; absent on servers that do not send it).
 */
export const DocumentMetrics = z.object({
  kind: z.literal('by_document'),
  run_id: z.string(),
  targets: z.array(
    z.object({
      path: z.string(),
      score: score.nullish(),
      prior_score: score.nullish(),
      value: z.unknown().optional(),
    }),
  ),
});
export type DocumentMetrics = z.output<typeof DocumentMetrics>;

/** `view=by_document`, or the metrics' word that there are none (an old run: `stale_metrics`). */
export const DocumentMetricsAnswer = z.discriminatedUnion('kind', [
  DocumentMetrics,
  MetricsUnavailable,
]);
export type DocumentMetricsAnswer = z.output<typeof DocumentMetricsAnswer>;

/**
 * What the passes voted for one field of one document (`view=votes`): a row per list item
 * (one for a plain field), each with one vote per pass.
 */
export const VotesMetrics = z.object({
  kind: z.literal('votes'),
  run_id: z.string(),
  rows: z.array(z.object({ votes: z.array(z.unknown()).nullish() })).nullish(),
});
export const VotesAnswer = z.discriminatedUnion('kind', [VotesMetrics, MetricsUnavailable]);
export type VotesAnswer = z.output<typeof VotesAnswer>;

/** The older API's result of one document: the extraction behind it, and the block's output. */
export const DocumentResult = z.object({
  artifact: z.object({ operation: z.string().nullish(), id: z.string().min(1) }).nullish(),
  handle_outputs: z
    .record(z.string(), z.object({ data: z.unknown().optional() }).nullish())
    .nullish(),
});
export type DocumentResult = z.output<typeof DocumentResult>;

/** An extraction: its consensus `output`, and what each pass chose (`consensus.choices`). */
export const Extraction = z.object({
  id: z.string(),
  output: z.unknown().optional(),
  consensus: z
    .object({ choices: z.array(z.unknown()).nullish(), likelihoods: z.unknown().optional() })
    .nullish(),
});
export type Extraction = z.output<typeof Extraction>;

/**
 * An artifact read for its cost (an extraction, a classification, a split, a partition, or any
 * of them through the workflow artifacts route): `usage.credits` only, read as outside data by
 * ./records.ts (`creditsOf`): a hostile `usage` is "not reported", never a failed read.
 * Shape: Retab's SDK monorepo, clients/php/tests/Fixtures/extraction_workflow_artifact.json.
 */
export const Artifact = z.object({ id: z.string().nullish(), usage: z.unknown().optional() });
export type Artifact = z.output<typeof Artifact>;

/**
 * What a result names of the work behind it (retab-api.md section 12): its operation and id. A
 * malformed one is read as none: it leaves a figure unread, never the answer that holds it.
 */
const ArtifactRef = z
  .object({ operation: z.string().nullish(), id: z.string().min(1) })
  .nullish()
  .catch(undefined);
/** A document's time, in ms; anything but a finite number ≥ 0 is read as none. */
const durationMs = z.number().finite().nonnegative().nullish().catch(undefined);

export const Content = z.object({
  content: z.object({
    jobs: z.array(
      z.object({
        document_id: z.string(),
        error: z
          .union([z.string(), z.object({ message: z.string().nullish() }).passthrough()])
          .nullish(),
        duration_ms: durationMs,
        artifact: ArtifactRef,
      }),
    ),
  }),
});
export type Content = z.output<typeof Content>;

/**
 * One document's result in the current API's results list. The older spelling of its run
 * (`run_id`) and of its file (`handle_inputs.*.filename`) is read too.
 */
export const ResultRow = z.preprocess(
  (value) =>
    isObject(value)
      ? { ...value, experiment_run_id: value.experiment_run_id ?? value.run_id }
      : value,
  z.object({
    document_id: z.string(),
    experiment_run_id: z.string().nullish(),
    lifecycle: Lifecycle,
    timing: z.object({ duration_ms: durationMs }).nullish().catch(undefined),
    artifact: ArtifactRef,
    handle_inputs: z
      .record(
        z.string(),
        z
          .object({
            filename: z.string().nullish(),
            document: z.object({ filename: z.string().nullish() }).nullish(),
          })
          .nullish(),
      )
      .nullish(),
  }),
);
export type ResultRow = z.output<typeof ResultRow>;

/** The filename of the document a result read, in either spelling. */
export function resultFilename(row: ResultRow): string | undefined {
  for (const input of Object.values(row.handle_inputs ?? {})) {
    const filename = input?.document?.filename ?? input?.filename;
    if (filename) return filename;
  }
  return undefined;
}

export const ResultList = page(ResultRow);
export type ResultList = z.output<typeof ResultList>;

/** One problem a spec plan reports (`diagnostics`), or a refused spec's error. */
const SpecIssue = z.object({
  severity: z.string().nullish(),
  code: z.string().nullish(),
  message: z.string().nullish(),
  yaml_path: z.string().nullish(),
});
export type SpecIssue = z.output<typeof SpecIssue>;

/** A plan's (or an apply's) answer: what would change in the workflow's draft. */
export const SpecPlan = z.object({
  action: z.string(),
  // A list of problems, or `{is_valid, issues}` (Retab's SDKs type it loosely).
  diagnostics: z
    .union([
      z.array(SpecIssue),
      z.object({ is_valid: z.boolean().nullish(), issues: z.array(SpecIssue).nullish() }),
    ])
    .nullish(),
  summary: z.object({ has_changes: z.boolean().nullish() }).nullish(),
  resource_changes: z
    .array(
      z.object({
        address: z.string().nullish(),
        target: z.string().nullish(),
        target_id: z.string().nullish(),
        name: z.string().nullish(),
        type: z.string().nullish(),
        actions: z.array(z.string()).nullish(),
        change: z
          .object({
            field_changes: z
              .array(
                z.object({
                  path_display: z.string(),
                  action: z.string().nullish(),
                  before: z.unknown(),
                  after: z.unknown(),
                  before_sensitive: z.boolean().nullish(),
                  after_sensitive: z.boolean().nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
});
export type SpecPlan = z.output<typeof SpecPlan>;

/** The current API's experiment: its block, and whether its latest run is fresh. */
export const Experiment = z.object({
  id: z.string(),
  block_id: z.string().nullish(),
  last_run_id: z.string().nullish(),
  freshness: z.object({ status: z.string().nullish() }).nullish(),
  run_plan_mode: z.string().nullish(),
});
export type Experiment = z.output<typeof Experiment>;

/**
 * Error bodies: `{"detail": "..."}`, a 422 list of problems, or `{"detail": {code, message,
 * errors}}` (a spec that does not compile).
 */
export const ErrorBody = z.object({
  detail: z.union([
    z.string(),
    z.array(
      z.object({ loc: z.array(z.union([z.string(), z.number()])).optional(), msg: z.string() }),
    ),
    z.object({
      code: z.string().nullish(),
      message: z.string().nullish(),
      errors: z.array(SpecIssue).nullish(),
    }),
  ]),
});

/** Answers whose body the action does not read (cancels). */
export const AnyBody = z.unknown();
