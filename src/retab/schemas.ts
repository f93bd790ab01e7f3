import { z } from 'zod';

// Each schema validates only what the action uses; unknown fields are normal and ignored.
// `block_execution_fingerprint` is the newer name of `definition_fingerprint`: read either.

const score = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

function withFingerprint<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess(
    renameFingerprint,
    z.object({ ...shape, definition_fingerprint: z.string().nullish() }),
  );
}

function renameFingerprint(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || 'definition_fingerprint' in value)
    return value;
  const newer = (value as { block_execution_fingerprint?: unknown }).block_execution_fingerprint;
  return newer === undefined ? value : { ...value, definition_fingerprint: newer };
}

export const PreviousRun = withFingerprint({
  run_id: z.string(),
  score: score.nullish(),
});
export type PreviousRun = z.output<typeof PreviousRun>;

export const TriggerResponse = withFingerprint({
  run_id: z.string().min(1),
  job_id: z.string().min(1),
  status: z.string().optional(),
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

export const Run = withFingerprint({
  id: z.string(),
  lifecycle: z.object({ status: z.string() }),
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

export const RunRow = withFingerprint({
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
});
export type RunRow = z.output<typeof RunRow>;

/** Both envelopes of the run list: the reference's `{runs}` and the newer paged `{data, list_metadata}`. */
export const RunList = z.union([
  z.object({ runs: z.array(RunRow) }).transform((r) => ({ runs: r.runs, after: undefined })),
  z
    .object({
      data: z.array(RunRow),
      list_metadata: z.object({ after: z.string().nullish() }).nullish(),
    })
    .transform((r) => ({ runs: r.data, after: r.list_metadata?.after ?? undefined })),
]);
export type RunList = z.output<typeof RunList>;

export const MetricsDocument = z.object({
  id: z.string(),
  filename: z.string().nullish(),
  score: score.nullish(),
  prior_score: score.nullish(),
});
export type MetricsDocument = z.output<typeof MetricsDocument>;

export const MetricsSummary = z.object({
  kind: z.literal('summary'),
  run_id: z.string(),
  score: score.nullish(),
  prior_run_id: z.string().nullish(),
  documents: z.array(MetricsDocument),
});

export const MetricsUnavailable = z.object({
  kind: z.enum(['no_metrics', 'stale_metrics']),
  message: z.string().nullish(),
});

export const Metrics = z.discriminatedUnion('kind', [MetricsSummary, MetricsUnavailable]);
export type Metrics = z.output<typeof Metrics>;
export type MetricsSummary = z.output<typeof MetricsSummary>;

/** One document's per-field scores (`view=by_document`). */
export const DocumentMetrics = z.object({
  kind: z.literal('by_document'),
  run_id: z.string(),
  targets: z.array(
    z.object({ path: z.string(), score: score.nullish(), prior_score: score.nullish() }),
  ),
});
export type DocumentMetrics = z.output<typeof DocumentMetrics>;

export const Content = z.object({
  content: z.object({
    jobs: z.array(
      z.object({
        document_id: z.string(),
        error: z
          .union([z.string(), z.object({ message: z.string().nullish() }).passthrough()])
          .nullish(),
      }),
    ),
  }),
});
export type Content = z.output<typeof Content>;

/** Error bodies: `{"detail": "..."}` or a 422 list of problems. */
export const ErrorBody = z.object({
  detail: z.union([
    z.string(),
    z.array(
      z.object({ loc: z.array(z.union([z.string(), z.number()])).optional(), msg: z.string() }),
    ),
  ]),
});

/** Answers whose body the action does not read (cancels). */
export const AnyBody = z.unknown();
