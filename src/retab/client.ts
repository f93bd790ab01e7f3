import { createAgent, request, type Dispatcher } from './undici.js';
import type { z } from 'zod';
import type * as Schemas from './schemas.js';
import { abortableSleep, DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from '../retry.js';
import { ROUTES, type Dialect } from './routes.js';

export interface RetabClientOptions {
  baseUrl: string;
  apiKey: string;
  dispatcher?: Dispatcher;
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Cancels reads in flight and their retries (the workflow was cancelled). */
  signal?: AbortSignal;
  random?: () => number;
  now?: () => number;
  /** Told of each retry, for the log. */
  onRetry?: (message: string) => void;
  /** The API's dialect, when known in advance; else `openHistory` finds it out. */
  dialect?: Dialect;
}

/** A failed call: names the call, its status and its x-request-id, never the key. */
export class RetabApiError extends Error {
  override name = 'RetabApiError';
  readonly call: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly kind: 'http' | 'network' | 'malformed';
  /** What the server said of an HTTP failure (its `detail`), on one line. */
  readonly detail: string | undefined;
  constructor(
    message: string,
    call: string,
    status: number | undefined,
    requestId: string | undefined,
    kind: 'http' | 'network' | 'malformed',
    detail?: string,
  ) {
    super(message);
    this.call = call;
    this.status = status;
    this.requestId = requestId;
    this.kind = kind;
    this.detail = detail;
  }
}

export interface TriggerRequest {
  nConsensus: number | undefined;
  retryFailedOnly: boolean;
  idempotencyKey: string;
}

export type RetabClient = ReturnType<typeof createRetabClient>;

/**
 * The answers' schemas (zod) load on the first answer, not with the client: the first request
 * leaves before they are built (src/head-start.ts), and they are ready long before it returns.
 */
let schemas: Promise<typeof Schemas> | undefined;
function loadSchemas(): Promise<typeof Schemas> {
  return (schemas ??= import('./schemas.js'));
}

/** The name of a schema in ./schemas.js. */
type SchemaName = {
  [K in keyof typeof Schemas]: (typeof Schemas)[K] extends z.ZodType ? K : never;
}[keyof typeof Schemas];
type Output<K extends SchemaName> = z.output<(typeof Schemas)[K]>;

interface CallOptions<K extends SchemaName> {
  method: 'GET' | 'POST';
  /** Which dialect's authentication header the call carries. */
  dialect: Dialect;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  schema: K;
  /** Statuses whose JSON body is an answer to parse, not a failure. */
  acceptStatus?: (status: number) => boolean;
  /** Whether a failure may be retried; `undefined` status: no answer (connection error). */
  retryOn: (status: number | undefined) => boolean;
  /** Stops this read too (a deadline of its own), besides the workflow's cancel. */
  signal?: AbortSignal;
}

interface Answer<T> {
  status: number;
  requestId: string | undefined;
  data: T;
}

/** Runs per page of the list, unless asked otherwise. */
const RUNS_PAGE = 100;
/** Results per page of the current API's results list (its largest page). */
const RESULTS_PAGE = 100;

/** Reads are safe to repeat: retry throttling, server errors and lost connections. */
const READ_RETRY = (status: number | undefined) =>
  status === undefined || status === 408 || status === 429 || status >= 500;
/** Statuses with which the metrics may say there are none (`no_metrics`, `stale_metrics`). */
const METRICS_ANSWER_STATUS = (status: number) =>
  status === 404 || status === 409 || status === 422;
/** A trigger is retried only when the API says it did nothing (429); see startRun for the rest. */
const TRIGGER_RETRY = (status: number | undefined) => status === 429;

export function createRetabClient(options: RetabClientOptions) {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const dispatcher =
    options.dispatcher ?? createAgent({ connectTimeout: 10_000, keepAliveTimeout: 30_000 });
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const baseHeaders = { accept: 'application/json', 'user-agent': 'retab-experiment-gate/1' };
  // One header on every call of a step: the older pages' Api-Key, or the current SDKs' Bearer.
  const authHeader: Record<Dialect, Record<string, string>> = {
    older: { 'api-key': options.apiKey },
    current: { authorization: `Bearer ${options.apiKey}` },
  };
  let dialect = options.dialect;
  /** The dialect this step speaks; a call before it is known is a bug of the caller. */
  const spoken = (): Dialect => {
    if (dialect === undefined) throw new Error('The Retab API dialect is not known yet.');
    return dialect;
  };

  async function call<K extends SchemaName>(o: CallOptions<K>): Promise<Answer<Output<K>>> {
    const name = `${o.method} ${o.path}`;
    const url = new URL(options.baseUrl + o.path);
    for (const [key, value] of Object.entries(o.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const started = now();
    // Reads stop when the workflow is cancelled; writes (trigger, cancel) always finish.
    const signal = o.method === 'GET' ? anySignal(options.signal, o.signal) : undefined;
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let requestId: string | undefined;
      let text = '';
      let retryAfter: string | undefined;
      let failure: RetabApiError;
      try {
        const response = await request(dispatcher, url, {
          method: o.method,
          headers: {
            ...baseHeaders,
            ...authHeader[o.dialect],
            ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...o.headers,
          },
          body: o.body === undefined ? undefined : JSON.stringify(o.body),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal,
        });
        requestId = header(response.headers['x-request-id']);
        retryAfter = header(response.headers['retry-after']);
        text = await response.body.text();
        // Only a whole answer counts: a body cut off mid-read is a lost connection.
        status = response.statusCode;
      } catch (error) {
        failure = new RetabApiError(
          `Retab ${name} failed: ${describeNetworkError(error)}`,
          name,
          undefined,
          undefined,
          'network',
        );
      }
      if (status !== undefined) {
        const known = await loadSchemas();
        // The schema named K parses to Output<K>; TypeScript cannot follow a generic index.
        const schema = known[o.schema] as z.ZodType<Output<K>>;
        if (status >= 200 && status < 300) {
          return { status, requestId, data: parse(schema, text, name, status, requestId) };
        }
        // Some error statuses carry an answer (no_metrics); any other body is a plain failure.
        const answer = o.acceptStatus?.(status) ? schema.safeParse(safeJson(text)) : undefined;
        if (answer?.success) return { status, requestId, data: answer.data };
        const detail = describeErrorBody(text, known.ErrorBody);
        failure = new RetabApiError(
          `Retab ${name} failed: HTTP ${status} (x-request-id ${requestId ?? 'none'}): ${detail}`,
          name,
          status,
          requestId,
          'http',
          detail,
        );
      }
      const retryable = o.retryOn(status);
      const delay = retryable
        ? retryDelayMs({
            attempt,
            retryAfter,
            elapsedMs: now() - started,
            policy,
            random,
            now: now(),
          })
        : undefined;
      if (delay === undefined || signal?.aborted) throw failure!;
      options.onRetry?.(`${failure!.message}; retrying in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay, signal);
      if (signal?.aborted) throw failure!;
    }
  }

  /** A call's answer, when only its data matters. */
  async function data<K extends SchemaName>(o: CallOptions<K>): Promise<Output<K>> {
    return (await call(o)).data;
  }

  /** A read in the dialect the step speaks, retried on throttling, server errors and lost connections. */
  function get<K extends SchemaName>(
    path: string,
    schema: K,
    query?: Record<string, string | undefined>,
    signal?: AbortSignal,
  ): Promise<Output<K>> {
    const o = {
      method: 'GET',
      dialect: spoken(),
      path,
      query,
      schema,
      retryOn: READ_RETRY,
    } as const;
    return data({ ...o, signal });
  }

  /** A write whose repeat is harmless (a cancel, a spec's plan or apply): retried like a read. */
  function post<K extends SchemaName>(path: string, schema: K, body?: unknown): Promise<Output<K>> {
    return data({ method: 'POST', dialect: spoken(), path, body, schema, retryOn: READ_RETRY });
  }

  async function listRunsIn(
    d: Dialect,
    workflowId: string,
    experimentId: string,
    page: { after?: string; limit?: number },
  ) {
    const limit = String(page.limit ?? RUNS_PAGE);
    return data({
      method: 'GET',
      dialect: d,
      ...(d === 'older'
        ? {
            path: ROUTES.older.runs(workflowId, experimentId),
            query: { after: page.after, limit, order: 'desc' },
          }
        : {
            path: ROUTES.current.runs(),
            query: {
              experiment_id: experimentId,
              workflow_id: workflowId,
              limit,
              order: 'desc',
              after: page.after,
            },
          }),
      schema: 'RunList',
      retryOn: READ_RETRY,
    });
  }

  return {
    /** The dialect this step speaks, once known. */
    get dialect(): Dialect | undefined {
      return dialect;
    },

    /**
     * The first page of the experiment's runs, and with it the dialect the server speaks: both
     * lists are asked at once (so finding out costs no round trip), and the current one wins
     * when both answer. A server that answers neither gets one error quoting each route.
     */
    async openHistory(workflowId: string, experimentId: string) {
      if (dialect !== undefined) {
        return { dialect, page: await listRunsIn(dialect, workflowId, experimentId, {}) };
      }
      const [current, older] = await Promise.allSettled([
        listRunsIn('current', workflowId, experimentId, {}),
        listRunsIn('older', workflowId, experimentId, {}),
      ]);
      if (current.status === 'fulfilled') {
        dialect = 'current';
        return { dialect, page: current.value };
      }
      if (older.status === 'fulfilled') {
        dialect = 'older';
        return { dialect, page: older.value };
      }
      const failures = [current.reason, older.reason];
      // Neither route is there: each list answered 404, or one did and the other refused the
      // request (a server of one API may refuse the other's header: 401, not 404). Anything
      // else (the key refused on both, the network, a malformed answer): say that instead.
      const refused = failures.filter(
        (f): f is RetabApiError =>
          f instanceof RetabApiError && f.status !== undefined && f.status >= 400 && f.status < 500,
      );
      if (refused.length < failures.length || !refused.some((f) => f.status === 404)) {
        throw failures.find((f) => !(f instanceof RetabApiError && f.status === 404));
      }
      const tried = refused.map(
        (f) =>
          `${f.call} answered HTTP ${f.status} (x-request-id ${f.requestId ?? 'none'})` +
          (f.status === 404 || !f.detail ? '' : `: ${f.detail}`),
      );
      throw new RetabApiError(
        `Retab at ${options.baseUrl} speaks neither of the APIs this gate knows: ${tried.join('; ')}. ` +
          `A 404 on a list can also mean a wrong 'workflow-id' or 'experiment-id'.`,
        'GET (list runs)',
        404,
        undefined,
        'http',
      );
    },

    async listRuns(
      workflowId: string,
      experimentId: string,
      page: { after?: string; limit?: number } = {},
    ) {
      return listRunsIn(spoken(), workflowId, experimentId, page);
    },

    /**
     * Starts a run: the older API answers with the run and its job (or `noop`), the current one
     * with the run object itself.
     */
    async triggerRun(workflowId: string, experimentId: string, t: TriggerRequest) {
      const d = spoken();
      const headers = { 'idempotency-key': t.idempotencyKey };
      if (d === 'current') {
        const answer = await call({
          method: 'POST',
          dialect: d,
          path: ROUTES.current.trigger(),
          body: { experiment_id: experimentId, workflow_id: workflowId },
          headers,
          schema: 'Run',
          retryOn: TRIGGER_RETRY,
        });
        return { dialect: d, run: answer.data };
      }
      const body: Record<string, unknown> = {};
      if (t.nConsensus !== undefined) body.n_consensus = t.nConsensus;
      if (t.retryFailedOnly) body.retry_failed_only = true;
      const answer = await call({
        method: 'POST',
        dialect: d,
        path: ROUTES.older.trigger(workflowId, experimentId),
        body,
        headers,
        schema: 'TriggerResponse',
        retryOn: TRIGGER_RETRY,
      });
      return { dialect: d, trigger: answer.data };
    },

    /** The job (older API), or 'gone' when the API no longer serves it: wait on the run. */
    async getJob(jobId: string) {
      try {
        const answer = await call({
          method: 'GET',
          dialect: spoken(),
          path: ROUTES.older.job(jobId),
          query: { include_request: 'false', include_response: 'false' },
          schema: 'Job',
          retryOn: READ_RETRY,
        });
        return answer.data;
      } catch (error) {
        if (isGone(error)) return 'gone' as const;
        throw error;
      }
    },

    async getRun(runId: string) {
      return get(ROUTES.both.run(runId), 'Run');
    },

    /** Summary metrics; `no_metrics`/`stale_metrics` may come with a 4xx and are answers too. */
    async getMetrics(workflowId: string, experimentId: string, runId: string, priorRunId?: string) {
      const d = spoken();
      return data({
        method: 'GET',
        dialect: d,
        path:
          d === 'older' ? ROUTES.older.metrics(workflowId, experimentId) : ROUTES.current.metrics(),
        query: { view: 'summary', run_id: runId, prior_run_id: priorRunId },
        schema: 'Metrics',
        acceptStatus: METRICS_ANSWER_STATUS,
        retryOn: READ_RETRY,
      });
    },

    /**
     * One document's per-field scores against a prior run, and run `runId`'s value of each field;
     * `no_metrics`/`stale_metrics` (an old run) may come with a 4xx and are answers too.
     */
    async getDocumentMetrics(
      workflowId: string,
      experimentId: string,
      runId: string,
      priorRunId: string | undefined,
      documentId: string,
      signal?: AbortSignal,
    ) {
      const d = spoken();
      return data({
        method: 'GET',
        dialect: d,
        path:
          d === 'older' ? ROUTES.older.metrics(workflowId, experimentId) : ROUTES.current.metrics(),
        query: {
          view: 'by_document',
          document_id: documentId,
          run_id: runId,
          prior_run_id: priorRunId,
        },
        schema: 'DocumentMetricsAnswer',
        acceptStatus: METRICS_ANSWER_STATUS,
        retryOn: READ_RETRY,
        signal,
      });
    },

    /** What each pass of run `runId` voted for one field of one document (both dialects). */
    async getVotes(
      workflowId: string,
      experimentId: string,
      runId: string,
      documentId: string,
      targetPath: string,
      signal?: AbortSignal,
    ) {
      const d = spoken();
      return data({
        method: 'GET',
        dialect: d,
        path:
          d === 'older' ? ROUTES.older.metrics(workflowId, experimentId) : ROUTES.current.metrics(),
        query: {
          view: 'votes',
          run_id: runId,
          document_id: documentId,
          target_path: targetPath,
        },
        schema: 'VotesAnswer',
        acceptStatus: METRICS_ANSWER_STATUS,
        retryOn: READ_RETRY,
        signal,
      });
    },

    /** The older API's result of one document in a run: its artifact (the extraction). */
    async getDocumentResult(runId: string, documentId: string, signal?: AbortSignal) {
      return get(ROUTES.older.result(runId, documentId), 'DocumentResult', undefined, signal);
    },

    /** An extraction: every field's consensus value, and each pass's choice. */
    async getExtraction(extractionId: string, signal?: AbortSignal) {
      return get(ROUTES.both.extraction(extractionId), 'Extraction', undefined, signal);
    },

    /** An artifact's own read, for its `usage` (what the document cost). */
    async getArtifact(operation: string | undefined, id: string, signal?: AbortSignal) {
      return get(ROUTES.both.artifact(operation, id), 'Artifact', undefined, signal);
    },

    /** The older API's per-document jobs of a run, in one answer. */
    async getContent(workflowId: string, experimentId: string, runId: string) {
      return get(ROUTES.older.content(workflowId, experimentId), 'Content', { run_id: runId });
    },

    /** The current API's per-document results of a run, one page. */
    async listResults(runId: string, after?: string) {
      const query = { run_id: runId, limit: String(RESULTS_PAGE), after };
      return get(ROUTES.current.results(), 'ResultList', query);
    },

    /** The current API's experiment: its block, and the freshness of its latest run. */
    async getExperiment(experimentId: string) {
      return get(ROUTES.current.experiment(experimentId), 'Experiment');
    },

    /**
     * Plans the spec against the workflow's draft (`apply: false`), or applies it (`true`).
     * Applying the same spec again is harmless, so both retry like reads.
     */
    async spec(workflowId: string, yamlDefinition: string, apply: boolean) {
      const path = apply ? ROUTES.both.applySpec(workflowId) : ROUTES.both.planSpec(workflowId);
      return post(path, 'SpecPlan', { yaml_definition: yamlDefinition });
    },

    async cancelJob(jobId: string) {
      await post(ROUTES.older.cancelJob(jobId), 'AnyBody');
    },

    async cancelRun(runId: string) {
      await post(ROUTES.both.cancelRun(runId), 'AnyBody');
    },
  };
}

function parse<S extends z.ZodType>(
  schema: S,
  text: string,
  name: string,
  status: number,
  requestId: string | undefined,
): z.output<S> {
  const where = `Retab ${name} answered HTTP ${status} (x-request-id ${requestId ?? 'none'})`;
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new RetabApiError(
      `${where} with a body that is not JSON`,
      name,
      status,
      requestId,
      'malformed',
    );
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const paths = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new RetabApiError(
    `${where} with an unexpected body: ${paths}`,
    name,
    status,
    requestId,
    'malformed',
  );
}

/** The API no longer serves this job or run (newer APIs have no jobs: the run is polled instead). */
export function isGone(error: unknown): boolean {
  return error instanceof RetabApiError && (error.status === 404 || error.status === 410);
}

/** Aborted when either is; undefined when neither is given. */
function anySignal(
  a: AbortSignal | undefined,
  b: AbortSignal | undefined,
): AbortSignal | undefined {
  return a && b ? AbortSignal.any([a, b]) : (a ?? b);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describeErrorBody(text: string, errorBody: typeof Schemas.ErrorBody): string {
  try {
    const body = errorBody.safeParse(JSON.parse(text));
    if (body.success) {
      const { detail } = body.data;
      if (typeof detail === 'string') return oneLine(detail);
      if (!Array.isArray(detail)) {
        const issues = (detail.errors ?? []).map(describeIssue);
        return oneLine([detail.code, detail.message, ...issues].filter((part) => part).join('; '));
      }
      return oneLine(
        detail
          .map((d) => `${(d.loc ?? []).filter((p) => p !== 'body').join('.')}: ${d.msg}`)
          .join('; '),
      );
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return oneLine(text) || '(empty body)';
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    const tag = [code, cause].find((c) => typeof c === 'string');
    return `connection error${tag ? ` (${tag})` : ''}: ${error.message}`;
  }
  return `connection error: ${String(error)}`;
}

/** One problem of a spec (a plan's diagnostic, or a refused spec's error), on one line. */
export function describeIssue(issue: Schemas.SpecIssue): string {
  const where = issue.yaml_path ? `${issue.yaml_path}: ` : '';
  return `${where}${issue.message ?? issue.code ?? 'invalid'}`;
}
