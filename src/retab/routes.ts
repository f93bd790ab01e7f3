/**
 * Every route of the Retab API that the action uses, in both of the API's dialects: a change of
 * the API is one edit here. A step speaks one dialect, found out from the server's first answers
 * (./client.ts, `openHistory`), never a mix of the two.
 *
 * - `older`: the routes of Retab's first API reference pages, scoped by workflow and experiment
 *   (`/v1/workflows/{workflow}/experiments/{experiment}/…`), with jobs (`/v1/jobs/{job}`).
 * - `current`: the flat routes Retab's SDKs speak since mid-2026 (`/v1/workflows/experiments/…`,
 *   ids in the query or the body), without jobs.
 */
export type Dialect = 'older' | 'current';

export const DIALECT_NAME: Record<Dialect, string> = {
  older: 'the older routes (/v1/workflows/{workflow}/experiments/{experiment}/…, with jobs)',
  current: 'the current routes (/v1/workflows/experiments/…)',
};

function seg(value: string): string {
  return encodeURIComponent(value);
}

/** The route of each kind of artifact, by the `operation` a result names (outside text: a Map). */
const ARTIFACT_ROUTE = new Map([
  ['extraction', '/v1/extractions'],
  ['classification', '/v1/classifications'],
  ['split', '/v1/splits'],
  ['partition', '/v1/partitions'],
]);

const experiment = (wf: string, exp: string) => `/v1/workflows/${seg(wf)}/experiments/${seg(exp)}`;

export const ROUTES = {
  older: {
    runs: (wf: string, exp: string) => `${experiment(wf, exp)}/runs`,
    trigger: (wf: string, exp: string) => `${experiment(wf, exp)}/run`,
    job: (job: string) => `/v1/jobs/${seg(job)}`,
    cancelJob: (job: string) => `/v1/jobs/${seg(job)}/cancel`,
    metrics: (wf: string, exp: string) => `${experiment(wf, exp)}/metrics`,
    content: (wf: string, exp: string) => `${experiment(wf, exp)}/content`,
    /** One document's result in a run: its extraction behind `artifact`. */
    result: (run: string, doc: string) =>
      `/v1/workflows/experiments/runs/${seg(run)}/results/${seg(doc)}`,
  },
  current: {
    runs: () => '/v1/workflows/experiments/runs',
    trigger: () => '/v1/workflows/experiments/runs',
    metrics: () => '/v1/workflows/experiments/metrics',
    results: () => '/v1/workflows/experiments/results',
    experiment: (exp: string) => `/v1/workflows/experiments/${seg(exp)}`,
  },
  /** The same in both dialects. */
  both: {
    run: (run: string) => `/v1/workflows/experiments/runs/${seg(run)}`,
    cancelRun: (run: string) => `/v1/workflows/experiments/runs/${seg(run)}/cancel`,
    // Always the workflow-scoped spec routes: the unscoped ones create a new workflow.
    planSpec: (wf: string) => `/v1/workflows/${seg(wf)}/spec/plan`,
    applySpec: (wf: string) => `/v1/workflows/${seg(wf)}/spec/apply`,
    /** What a document's extraction holds: output, and the passes' choices. */
    extraction: (id: string) => `/v1/extractions/${seg(id)}`,
    /**
     * An artifact's own read, which carries its `usage`: the operation's route when it is one
     * of the four known, else the workflow artifacts route, which serves any.
     */
    artifact: (operation: string | undefined, id: string) =>
      `${ARTIFACT_ROUTE.get(operation ?? '') ?? '/v1/workflows/artifacts'}/${seg(id)}`,
  },
} as const;
