// A local stand-in for the Retab experiments API (shapes from /work/shared/retab-api.md).
// It shares no code with src/ on purpose: a shared type would hide a mismatch with the real API.
import { isoTime, json, matchPath, maxInFlight, startFakeServer } from './http.ts';
import type { IncomingRequest, RecordedRequest, Reply } from './http.ts';

export type { RecordedRequest } from './http.ts';

/** One field of a document as `view=by_document` reports it. */
export interface FakeFieldScore {
  path: string;
  score: number | null;
  prior_score: number | null;
  /** Default null. */
  value?: unknown;
}

export interface FakeDocument {
  id: string;
  filename: string;
}

export interface FakeHistoryRun {
  id: string;
  definitionFingerprint: string;
  /** Default 'docs_v1'. */
  documentsFingerprint?: string;
  /** Default 'completed'. */
  status?: 'completed' | 'error' | 'cancelled';
  /** By document id; documents absent from the map are not part of this run. */
  scores: Record<string, number | null>;
  /** Default 5. */
  nConsensus?: number;
  /** Default 2000. */
  durationMs?: number;
}

export interface FakeNextRun {
  /** Default 'exprun_new'. */
  runId?: string;
  /** Default 'job_new'. */
  jobId?: string;
  definitionFingerprint: string;
  /** Default 'docs_v1'. */
  documentsFingerprint?: string;
  scores: Record<string, number | null>;
  /** Default 5 (the trigger's n_consensus overrides). */
  nConsensus?: number;
  /** Wall time from the trigger until the terminal status. */
  jobDurationMs: number;
  /**
   * When each document finishes, in ms after the trigger, ascending: an uneven pace (progress is
   * `completed_document_count`). Default: documents finish at a steady pace over the duration.
   */
  documentDoneAtMs?: number[];
  /** Default 'completed'. */
  terminalStatus?: 'completed' | 'failed' | 'cancelled' | 'expired';
  /** Reported on 'failed'. */
  jobError?: { code: string; message: string };
  /** Error text per document id (content endpoint). */
  documentErrors?: Record<string, string>;
}

export interface RetabScenario {
  apiKey: string;
  workflowId: string;
  experimentId: string;
  documents: FakeDocument[];
  /** Oldest first. */
  history: FakeHistoryRun[];
  next: FakeNextRun;
  /** Default 'runs'. */
  listEnvelope?: 'runs' | 'data';
  /** 'data' envelope page size (default 20; the client's `limit` wins if smaller). */
  pageSize?: number;
  /** A trigger with retry_failed_only:true answers 409. */
  retryFailedOnlyConflict?: boolean;
  /** The first N metrics calls for a new run, once it has completed, answer no_metrics. */
  metricsNotReadyCount?: number;
  /** GET /v1/jobs/{id} answers 404 (the client must poll the run instead). */
  jobNotFound?: boolean;
  /** Send block_execution_fingerprint instead of definition_fingerprint everywhere. */
  newFingerprintName?: boolean;
  /**
   * Per-field scores of the NEW run's documents, by document id: what `view=by_document`
   * answers as `targets`. A document absent from the map gets the single `total_amount`
   * target (its document score against the prior run's).
   */
  fieldScores?: Record<string, FakeFieldScore[]>;
  /** Extra delay of every `view=by_document` answer (default 0): makes parallel reads observable. */
  byDocumentDelayMs?: number;
  /** Delay added to every response (default 0). */
  latencyMs?: number;
  /** Seeded failures, for the failure-handling tests. */
  faults?: RetabFaults;
}

export type RetabEndpoint = 'trigger' | 'job' | 'run' | 'runs' | 'metrics' | 'content';

export interface RetabFaults {
  /** Seed of the fault dice (default 1): the same seed fails the same requests. */
  seed?: number;
  /** Share of GET requests answered 500, 502 or 503. */
  serverErrorRate?: number;
  /** Share of GET requests answered 429 with `Retry-After: 1`. */
  rateLimitRate?: number;
  /** The first trigger's connection is reset before the run is created, or after. */
  triggerReset?: 'before' | 'after';
  /** The first trigger creates the run, then answers 502 (a gateway lost the answer). */
  triggerLostAnswer?: boolean;
  /** The API ignores Idempotency-Key: every trigger creates a run. */
  ignoreIdempotencyKey?: boolean;
  /** Answers of this endpoint fail their schema. */
  malformed?: RetabEndpoint;
  /** Extra delay on every answer. */
  slowMs?: number;
  /** The first request the API receives, whatever it is, is answered with this status. */
  firstRequestStatus?: number;
  /** The trigger answers 400 with this detail (e.g. one that echoes the request). */
  triggerRefusal?: string;
  /** Another workflow triggers the experiment at the same moment as the first trigger: its
   * run is `exprun_other` (counted by createdRuns()). */
  concurrentTrigger?: boolean;
}

/** A small seeded PRNG (mulberry32): the fault dice. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MALFORMED: Record<RetabEndpoint, unknown> = {
  trigger: { run_id: 42, job_id: null },
  job: { id: 'job', status: 7 },
  run: { id: 'run', lifecycle: 'completed' },
  runs: { runs: 'none' },
  metrics: { kind: 'summary', run_id: 'x', documents: [{ id: 'd', score: 'high' }] },
  content: { content: { jobs: 'none' } },
};

export interface FakeRetab {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: RecordedRequest[];
  /** How many runs the trigger really created. */
  createdRuns(): number;
  /** Ids of jobs/runs that received a cancel. */
  cancelled(): string[];
  /**
   * The largest number of the requests matching `predicate` that were in flight at the same
   * time (from each request's arrival and answer times).
   */
  maxInFlight(predicate?: (r: RecordedRequest) => boolean): number;
  close(): Promise<void>;
}

type JobStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled' | 'expired';
type Lifecycle = 'running' | 'completed' | 'error' | 'cancelled';

/** One run as the fake sees it at a given instant, history or new. */
interface RunSnapshot {
  id: string;
  jobId: string;
  isNew: boolean;
  definitionFingerprint: string;
  documentsFingerprint: string;
  scores: Record<string, number | null>;
  nConsensus: number;
  parentRunId: string | null;
  jobStatus: JobStatus;
  lifecycle: Lifecycle;
  jobError: { code: string; message: string } | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  completedDocuments: number;
  documentErrors: Record<string, string>;
}

interface NewRun {
  id: string;
  jobId: string;
  createdAt: number;
  cancelledAt: number | null;
  nConsensus: number;
  parentRunId: string | null;
  next: FakeNextRun;
}

const QUEUED_MS = 50;
const HOUR_MS = 3_600_000;

export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** Mean of the non-null scores, rounded to 4 decimals; null when there is none. */
export function meanScore(scores: Record<string, number | null>): number | null {
  const values = Object.values(scores).filter((v): v is number => v !== null);
  if (values.length === 0) return null;
  return round4(values.reduce((sum, v) => sum + v, 0) / values.length);
}

/** How many of the ascending `times` are at or before `at`. */
function countUpTo(times: readonly number[], at: number): number {
  let count = 0;
  while (count < times.length && (times[count] ?? Infinity) <= at) count++;
  return count;
}

function notFound(what = 'Not Found'): Reply {
  return json(404, { detail: what });
}

function validationError(loc: Array<string | number>, msg: string, input: unknown): Reply {
  return json(422, { detail: [{ type: 'value_error', loc, msg, input }] });
}

export interface FakeRetabOptions {
  /**
   * The fake's time (default Date.now): when runs were created and end, and the times of the
   * recorded requests. A test on a virtual clock passes the clock the code under test reads.
   */
  clock?: () => number;
}

export async function startFakeRetab(
  scenario: RetabScenario,
  options: FakeRetabOptions = {},
): Promise<FakeRetab> {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const newRuns: NewRun[] = [];
  const cancelledIds: string[] = [];
  const idempotent = new Map<string, Reply>();
  let metricsCallsAfterCompletion = 0;
  const fpKey = scenario.newFingerprintName
    ? 'block_execution_fingerprint'
    : 'definition_fingerprint';

  // A lookup table, not a search per document: the benchmark asks for 10,000 documents at once.
  let filenames: { source: FakeDocument[]; length: number; byId: Map<string, string> } | undefined;
  function filenameOf(documentId: string): string {
    const documents = scenario.documents;
    if (filenames?.source !== documents || filenames.length !== documents.length) {
      const byId = new Map<string, string>();
      for (const d of documents) if (!byId.has(d.id)) byId.set(d.id, d.filename);
      filenames = { source: documents, length: documents.length, byId };
    }
    return filenames.byId.get(documentId) ?? `${documentId}.pdf`;
  }

  function historySnapshot(index: number): RunSnapshot {
    const run = scenario.history[index];
    if (run === undefined) throw new Error(`no history run ${index}`);
    const status = run.status ?? 'completed';
    const durationMs = run.durationMs ?? 2000;
    const createdAt = startedAt - (scenario.history.length - index) * HOUR_MS;
    let parentRunId: string | null = null;
    for (let i = index - 1; i >= 0; i--) {
      const earlier = scenario.history[i];
      if (earlier !== undefined && (earlier.status ?? 'completed') === 'completed') {
        parentRunId = earlier.id;
        break;
      }
    }
    return {
      id: run.id,
      jobId: `job_${run.id}`,
      isNew: false,
      definitionFingerprint: run.definitionFingerprint,
      documentsFingerprint: run.documentsFingerprint ?? 'docs_v1',
      scores: run.scores,
      nConsensus: run.nConsensus ?? 5,
      parentRunId,
      jobStatus: status === 'completed' ? 'completed' : status === 'error' ? 'failed' : 'cancelled',
      lifecycle: status,
      jobError: status === 'error' ? { code: 'run_failed', message: 'The run failed' } : null,
      createdAt,
      startedAt: createdAt,
      completedAt: createdAt + durationMs,
      durationMs,
      completedDocuments: Object.keys(run.scores).length,
      documentErrors: {},
    };
  }

  function newRunSnapshot(run: NewRun, now: number): RunSnapshot {
    const total = Object.keys(run.next.scores).length;
    const duration = Math.max(0, run.next.jobDurationMs);
    const naturalEnd = run.createdAt + duration;
    let jobStatus: JobStatus;
    let endAt: number | null = null;
    if (run.cancelledAt !== null) {
      jobStatus = 'cancelled';
      endAt = run.cancelledAt;
    } else if (now >= naturalEnd) {
      jobStatus = run.next.terminalStatus ?? 'completed';
      endAt = naturalEnd;
    } else if (now - run.createdAt < QUEUED_MS) {
      jobStatus = 'queued';
    } else {
      jobStatus = 'in_progress';
    }
    const lifecycle: Lifecycle =
      jobStatus === 'completed'
        ? 'completed'
        : jobStatus === 'failed'
          ? 'error'
          : jobStatus === 'cancelled' || jobStatus === 'expired'
            ? 'cancelled'
            : 'running';
    const progressAt = endAt ?? now;
    const completedDocuments =
      jobStatus === 'completed' || duration === 0
        ? total
        : run.next.documentDoneAtMs !== undefined
          ? Math.min(total, countUpTo(run.next.documentDoneAtMs, progressAt - run.createdAt))
          : Math.min(total, Math.floor((total * (progressAt - run.createdAt)) / duration));
    const startCandidate = Math.min(run.createdAt + QUEUED_MS, naturalEnd);
    return {
      id: run.id,
      jobId: run.jobId,
      isNew: true,
      definitionFingerprint: run.next.definitionFingerprint,
      documentsFingerprint: run.next.documentsFingerprint ?? 'docs_v1',
      scores: run.next.scores,
      nConsensus: run.nConsensus,
      parentRunId: run.parentRunId,
      jobStatus,
      lifecycle,
      jobError: jobStatus === 'failed' ? (run.next.jobError ?? null) : null,
      createdAt: run.createdAt,
      startedAt: progressAt >= startCandidate ? startCandidate : null,
      completedAt: endAt,
      durationMs: endAt === null ? null : endAt - run.createdAt,
      completedDocuments,
      documentErrors: run.next.documentErrors ?? {},
    };
  }

  /** Every run, oldest first. */
  function allRuns(now: number): RunSnapshot[] {
    return [
      ...scenario.history.map((_, i) => historySnapshot(i)),
      ...newRuns.map((run) => newRunSnapshot(run, now)),
    ];
  }

  function findRun(id: string, now: number): RunSnapshot | undefined {
    return allRuns(now).find((r) => r.id === id);
  }

  function previousCompleted(runId: string, now: number): RunSnapshot | null {
    const runs = allRuns(now);
    const index = runs.findIndex((r) => r.id === runId);
    for (let i = index - 1; i >= 0; i--) {
      const run = runs[i];
      if (run !== undefined && run.lifecycle === 'completed') return run;
    }
    return null;
  }

  function runScore(run: RunSnapshot): number | null {
    return run.lifecycle === 'completed' ? meanScore(run.scores) : null;
  }

  function errorCount(run: RunSnapshot): number {
    const ids = Object.keys(run.scores).slice(0, run.completedDocuments);
    return ids.filter((id) => run.scores[id] === null).length;
  }

  function runBody(run: RunSnapshot): Record<string, unknown> {
    return {
      id: run.id,
      workflow: {
        workflow_id: scenario.workflowId,
        version_id: 'draft_2026_05_18',
        name_at_run_time: 'Invoice workflow',
        requested_version: 'draft',
      },
      trigger: { type: 'api' },
      lifecycle: { status: run.lifecycle },
      timing: {
        created_at: isoTime(run.createdAt),
        started_at: run.startedAt === null ? null : isoTime(run.startedAt),
        completed_at: run.completedAt === null ? null : isoTime(run.completedAt),
        duration_ms: run.durationMs,
      },
      experiment_id: scenario.experimentId,
      block_id: 'extract-invoice',
      block_kind: 'extract',
      n_consensus: run.nConsensus,
      total_document_count: Object.keys(run.scores).length,
      completed_document_count: run.completedDocuments,
      error_count: errorCount(run),
      score: runScore(run),
      [fpKey]: run.definitionFingerprint,
      documents_fingerprint: run.documentsFingerprint,
      parent_run_id: run.parentRunId,
    };
  }

  function listRow(run: RunSnapshot): Record<string, unknown> {
    return {
      id: run.id,
      parent_run_id: run.parentRunId,
      block_config: { model: 'gpt-5', json_schema: { type: 'object' } },
      [fpKey]: run.definitionFingerprint,
      documents_fingerprint: run.documentsFingerprint,
      status: run.lifecycle,
      block_kind: 'extract',
      score: runScore(run),
      document_count: Object.keys(run.scores).length,
      error_count: errorCount(run),
      n_consensus: run.nConsensus,
      created_at: isoTime(run.createdAt),
      completed_at: run.completedAt === null ? null : isoTime(run.completedAt),
      duration_ms: run.durationMs,
      job_id: run.jobId,
    };
  }

  function jobBody(run: RunSnapshot): Record<string, unknown> {
    return {
      id: run.jobId,
      object: 'job',
      status: run.jobStatus,
      error: run.jobError,
      created_at: isoTime(run.createdAt),
      started_at: run.startedAt === null ? null : isoTime(run.startedAt),
      completed_at: run.completedAt === null ? null : isoTime(run.completedAt),
    };
  }

  function checkExperiment(params: Record<string, string>): Reply | null {
    if (params.wf !== scenario.workflowId) return notFound('Workflow not found');
    if (params.exp !== scenario.experimentId) return notFound('Experiment not found');
    return null;
  }

  function authorized(req: IncomingRequest): boolean {
    const apiKey = req.headers['api-key'];
    if (apiKey !== undefined) return apiKey === scenario.apiKey;
    const auth = req.headers.authorization;
    if (auth === undefined) return false;
    const match = /^bearer\s+(.+)$/i.exec(auth.trim());
    return match?.[1] === scenario.apiKey;
  }

  // ---- handlers ----

  function trigger(req: IncomingRequest, now: number): Reply {
    const key = scenario.faults?.ignoreIdempotencyKey ? undefined : req.headers['idempotency-key'];
    if (key !== undefined) {
      const first = idempotent.get(key);
      if (first !== undefined) {
        return { ...first, headers: { ...first.headers, 'idempotent-replayed': 'true' } };
      }
    }
    if (!req.jsonOk) return validationError(['body', 0], 'JSON decode error', req.rawBody);
    const body = req.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return validationError(['body'], 'Input should be a valid dictionary', body);
    }
    const fields = body as Record<string, unknown>;
    const nConsensus = fields.n_consensus;
    if (
      nConsensus !== undefined &&
      nConsensus !== null &&
      ![3, 5, 7].includes(nConsensus as number)
    ) {
      return validationError(['body', 'n_consensus'], 'Input should be 3, 5 or 7', nConsensus);
    }
    const retryFailedOnly = fields.retry_failed_only;
    if (
      retryFailedOnly !== undefined &&
      retryFailedOnly !== null &&
      typeof retryFailedOnly !== 'boolean'
    ) {
      return validationError(
        ['body', 'retry_failed_only'],
        'Input should be a valid boolean',
        retryFailedOnly,
      );
    }
    if (retryFailedOnly === true && scenario.retryFailedOnlyConflict) {
      return json(409, { detail: 'Nothing to retry: the latest run has no failed documents' });
    }

    const previous = [...allRuns(now)].reverse().find((r) => r.lifecycle === 'completed') ?? null;
    const ordinal = newRuns.length + 1;
    const suffix = ordinal === 1 ? '' : `_${ordinal}`;
    const run: NewRun = {
      id: `${scenario.next.runId ?? 'exprun_new'}${suffix}`,
      jobId: `${scenario.next.jobId ?? 'job_new'}${suffix}`,
      createdAt: now,
      cancelledAt: null,
      nConsensus: typeof nConsensus === 'number' ? nConsensus : (scenario.next.nConsensus ?? 5),
      parentRunId: previous?.id ?? null,
      next: scenario.next,
    };
    newRuns.push(run);
    if (scenario.faults?.concurrentTrigger && ordinal === 1) {
      newRuns.push({ ...run, id: 'exprun_other', jobId: 'job_other' });
    }
    const reply = json(200, {
      experiment_id: scenario.experimentId,
      run_id: run.id,
      job_id: run.jobId,
      status: 'pending',
      [fpKey]: run.next.definitionFingerprint,
      document_count: Object.keys(run.next.scores).length,
      n_consensus: run.nConsensus,
      previous_run:
        previous === null
          ? null
          : {
              run_id: previous.id,
              [fpKey]: previous.definitionFingerprint,
              score: runScore(previous),
            },
    });
    if (key !== undefined) idempotent.set(key, reply);
    return reply;
  }

  function cancel(id: string, by: 'job' | 'run', now: number): Reply {
    const run = newRuns.find((r) => (by === 'job' ? r.jobId === id : r.id === id));
    if (run === undefined) {
      const known = scenario.history.some((h) => (by === 'job' ? `job_${h.id}` : h.id) === id);
      if (!known) return notFound(by === 'job' ? 'Job not found' : 'Experiment run not found');
      cancelledIds.push(id);
      return json(409, { detail: 'The run has already finished' });
    }
    cancelledIds.push(id);
    const snapshot = newRunSnapshot(run, now);
    if (snapshot.jobStatus === 'queued' || snapshot.jobStatus === 'in_progress') {
      run.cancelledAt = now;
    } else if (snapshot.jobStatus !== 'cancelled') {
      return json(409, { detail: 'The run has already finished' });
    }
    return json(200, { id, status: 'cancelled' });
  }

  function listRuns(req: IncomingRequest, now: number): Reply {
    let rows = allRuns(now).reverse().map(listRow);
    if ((scenario.listEnvelope ?? 'runs') === 'runs') return json(200, { runs: rows });
    if (req.query.order === 'asc') rows = rows.reverse();
    let limit = scenario.pageSize ?? 20;
    if (req.query.limit !== undefined) {
      const asked = Number(req.query.limit);
      if (!Number.isInteger(asked) || asked < 1 || asked > 100) {
        return json(422, {
          detail: [
            {
              type: 'value_error',
              loc: ['query', 'limit'],
              msg: 'Input should be between 1 and 100',
              input: req.query.limit,
            },
          ],
        });
      }
      limit = Math.min(limit, asked);
    }
    let start = 0;
    if (req.query.after !== undefined && req.query.after !== '') {
      const index = rows.findIndex((r) => r.id === req.query.after);
      if (index < 0) return json(400, { detail: `Unknown cursor: ${req.query.after}` });
      start = index + 1;
    }
    const page = rows.slice(start, start + limit);
    const more = start + limit < rows.length;
    const last = page[page.length - 1];
    return json(200, {
      data: page,
      list_metadata: { before: null, after: more && last !== undefined ? last.id : null },
    });
  }

  function noMetrics(message: string): Reply {
    return json(200, {
      kind: 'no_metrics',
      error: 'no_metrics',
      experiment_id: scenario.experimentId,
      message,
    });
  }

  function metrics(req: IncomingRequest, now: number): Reply {
    const view = req.query.view ?? 'summary';
    if (view !== 'summary' && view !== 'by_document') {
      return validationError(['query', 'view'], "Input should be 'summary' or 'by_document'", view);
    }
    const runs = allRuns(now);
    const runId = req.query.run_id;
    const run = runId === undefined || runId === '' ? runs[runs.length - 1] : findRun(runId, now);
    if (run === undefined) {
      if (runId === undefined || runId === '') return noMetrics('The experiment has no runs yet');
      return notFound('Experiment run not found');
    }
    if (run.lifecycle !== 'completed') return noMetrics('Metrics are not available yet');
    if (run.isNew) {
      metricsCallsAfterCompletion += 1;
      if (metricsCallsAfterCompletion <= (scenario.metricsNotReadyCount ?? 0)) {
        return noMetrics('Metrics are not available yet');
      }
    }
    let prior: RunSnapshot | null;
    const priorId = req.query.prior_run_id;
    if (priorId !== undefined && priorId !== '') {
      const found = findRun(priorId, now);
      if (found === undefined) return notFound('Prior experiment run not found');
      prior = found;
    } else {
      prior = previousCompleted(run.id, now);
    }
    const priorDocScore = (id: string): number | null => prior?.scores[id] ?? null;

    if (view === 'by_document') {
      const documentId = req.query.document_id;
      if (documentId === undefined || !(documentId in run.scores)) {
        return notFound('Document not found in this run');
      }
      const score = run.scores[documentId] ?? null;
      const priorScore = priorDocScore(documentId);
      const fields = run.isNew ? scenario.fieldScores?.[documentId] : undefined;
      const targets =
        fields === undefined
          ? [{ path: 'total_amount', score, prior_score: priorScore, value: null }]
          : fields.map((f) => ({
              path: f.path,
              score: f.score,
              prior_score: f.prior_score,
              value: f.value ?? null,
            }));
      const reply = json(200, {
        experiment_id: scenario.experimentId,
        run_id: run.id,
        kind: 'by_document',
        view: 'by_document',
        document: { id: documentId, filename: filenameOf(documentId) },
        score,
        prior_score: priorScore,
        prior_run_id: prior?.id ?? null,
        targets,
      });
      const delayMs = scenario.byDocumentDelayMs ?? 0;
      return delayMs > 0 ? { ...reply, delayMs } : reply;
    }

    const ids = Object.keys(run.scores);
    return json(200, {
      experiment_id: scenario.experimentId,
      run_id: run.id,
      kind: 'summary',
      view: 'summary',
      block_type: 'extract',
      score: runScore(run),
      prior_score: prior === null ? null : runScore(prior),
      prior_run_id: prior?.id ?? null,
      documents: ids.map((id) => ({
        id,
        filename: filenameOf(id),
        score: run.scores[id] ?? null,
        prior_score: priorDocScore(id),
      })),
      scored_document_count: ids.filter((id) => run.scores[id] !== null).length,
      total_document_count: ids.length,
      aggregate: null,
    });
  }

  function documentJob(
    run: RunSnapshot,
    documentId: string,
    index: number,
    // Counted once by callers that list every document (10,000 would be quadratic).
    total = Object.keys(run.scores).length,
  ): Record<string, unknown> {
    const done = index < run.completedDocuments;
    const failed = done && run.scores[documentId] === null;
    const share = run.durationMs === null || total === 0 ? null : run.durationMs / total;
    return {
      document_id: documentId,
      status: !done
        ? run.lifecycle === 'running'
          ? 'pending'
          : 'cancelled'
        : failed
          ? 'failed'
          : 'completed',
      error: failed ? (run.documentErrors[documentId] ?? 'Extraction failed') : null,
      duration_ms: done && share !== null ? Math.round(share * (0.8 + 0.1 * (index % 5))) : null,
      handle_inputs: { filename: filenameOf(documentId) },
      artifact: null,
    };
  }

  function content(req: IncomingRequest, now: number): Reply {
    const runs = allRuns(now);
    const runId = req.query.run_id;
    const run = runId === undefined || runId === '' ? runs[runs.length - 1] : findRun(runId, now);
    if (run === undefined) {
      if (runId !== undefined && runId !== '') return notFound('Experiment run not found');
      return json(200, {
        content: {
          jobs: scenario.documents.map((d) => ({
            document_id: d.id,
            status: 'pending',
            error: null,
            duration_ms: null,
            handle_inputs: { filename: d.filename },
            artifact: null,
            is_placeholder: true,
          })),
        },
      });
    }
    const ids = Object.keys(run.scores);
    return json(200, {
      content: { jobs: ids.map((id, i) => documentJob(run, id, i, ids.length)) },
    });
  }

  function documentResult(runId: string, documentId: string, now: number): Reply {
    const run = findRun(runId, now);
    if (run === undefined) return notFound('Experiment run not found');
    const index = Object.keys(run.scores).indexOf(documentId);
    if (index < 0) return notFound('Document not found in this run');
    const job = documentJob(run, documentId, index);
    return json(200, {
      run_id: run.id,
      document_id: documentId,
      lifecycle: { status: job.status },
      timing: { duration_ms: job.duration_ms },
      handle_inputs: job.handle_inputs,
      artifact: null,
      error: job.error,
      attempt: 1,
    });
  }

  // ---- routing ----

  type Handler = (req: IncomingRequest, params: Record<string, string>, now: number) => Reply;
  const routes: Array<{
    method: string;
    pattern: string;
    endpoint?: RetabEndpoint;
    handler: Handler;
  }> = [
    {
      method: 'POST',
      pattern: '/v1/workflows/:wf/experiments/:exp/run',
      endpoint: 'trigger',
      handler: (req, p, now) => checkExperiment(p) ?? trigger(req, now),
    },
    {
      method: 'GET',
      pattern: '/v1/jobs/:job',
      endpoint: 'job',
      handler: (_req, p, now) => {
        if (scenario.jobNotFound) return notFound('Job not found');
        const run = allRuns(now).find((r) => r.jobId === p.job);
        return run === undefined ? notFound('Job not found') : json(200, jobBody(run));
      },
    },
    {
      method: 'POST',
      pattern: '/v1/jobs/:job/cancel',
      handler: (_req, p, now) => cancel(p.job ?? '', 'job', now),
    },
    {
      method: 'POST',
      pattern: '/v1/workflows/experiments/runs/:run/cancel',
      handler: (_req, p, now) => cancel(p.run ?? '', 'run', now),
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/experiments/runs/:run',
      endpoint: 'run',
      handler: (_req, p, now) => {
        const run = findRun(p.run ?? '', now);
        return run === undefined ? notFound('Experiment run not found') : json(200, runBody(run));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/experiments/runs/:run/results/:doc',
      handler: (_req, p, now) => documentResult(p.run ?? '', p.doc ?? '', now),
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/:wf/experiments/:exp/runs',
      endpoint: 'runs',
      handler: (req, p, now) => checkExperiment(p) ?? listRuns(req, now),
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/:wf/experiments/:exp/metrics',
      endpoint: 'metrics',
      handler: (req, p, now) => checkExperiment(p) ?? metrics(req, now),
    },
    {
      // The run-scoped twin of the metrics route (SDK).
      method: 'GET',
      pattern: '/v1/workflows/experiments/metrics',
      handler: (req, _p, now) =>
        req.query.run_id === undefined || req.query.run_id === ''
          ? validationError(['query', 'run_id'], 'Field required', null)
          : metrics(req, now),
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/:wf/experiments/:exp/content',
      endpoint: 'content',
      handler: (req, p, now) => checkExperiment(p) ?? content(req, now),
    },
  ];

  // ---- faults ----

  const faults = scenario.faults ?? {};
  const dice = seededRandom(faults.seed ?? 1);
  let triggersSeen = 0;
  let requestsSeen = 0;

  function withFaults(
    endpoint: RetabEndpoint | undefined,
    req: IncomingRequest,
    answer: () => Reply,
  ): Reply {
    // Added to any delay of the answer itself (by_document answers may have one).
    const slowMs = faults.slowMs ?? 0;
    const delay = (reply: Reply): Reply =>
      slowMs > 0 ? { ...reply, delayMs: (reply.delayMs ?? 0) + slowMs } : reply;
    requestsSeen += 1;
    if (requestsSeen === 1 && faults.firstRequestStatus !== undefined) {
      return json(faults.firstRequestStatus, { detail: 'Injected failure of the first request' });
    }
    if (req.method === 'GET') {
      const roll = dice();
      const errorRate = faults.serverErrorRate ?? 0;
      if (roll < errorRate) {
        const status = [500, 502, 503][Math.floor(dice() * 3)] ?? 500;
        return delay(json(status, { detail: 'Injected server error' }));
      }
      if (roll < errorRate + (faults.rateLimitRate ?? 0)) {
        return delay(json(429, { detail: 'Too many requests' }, { 'retry-after': '1' }));
      }
    }
    if (endpoint === 'trigger' && faults.triggerRefusal !== undefined) {
      return json(400, { detail: faults.triggerRefusal });
    }
    if (endpoint === 'trigger') {
      triggersSeen += 1;
      if (triggersSeen === 1 && faults.triggerReset === 'before')
        return { ...json(0, null), reset: true };
      const reply = answer();
      if (triggersSeen === 1 && faults.triggerReset === 'after') return { ...reply, reset: true };
      if (triggersSeen === 1 && faults.triggerLostAnswer) {
        return json(502, { detail: 'Bad gateway' });
      }
      return endpoint === faults.malformed ? { ...reply, body: MALFORMED.trigger } : delay(reply);
    }
    const reply = answer();
    if (endpoint !== undefined && endpoint === faults.malformed && reply.status < 300) {
      return delay({ ...reply, body: MALFORMED[endpoint] });
    }
    return delay(reply);
  }

  const server = await startFakeServer({
    requestIdHeader: 'x-request-id',
    requestId: (n) => `req_${n}`,
    latencyMs: scenario.latencyMs ?? 0,
    clock,
    handle: (req) => {
      if (!authorized(req)) return json(401, { detail: 'Invalid API key' });
      const now = clock();
      let pathMatched = false;
      for (const route of routes) {
        const params = matchPath(route.pattern, req.path);
        if (params === null) continue;
        pathMatched = true;
        if (route.method === req.method)
          return withFaults(route.endpoint, req, () => route.handler(req, params, now));
      }
      return pathMatched ? json(405, { detail: 'Method Not Allowed' }) : notFound();
    },
  });

  return {
    url: server.url,
    requests: server.requests,
    createdRuns: () => newRuns.length,
    cancelled: () => [...cancelledIds],
    maxInFlight: (predicate) => maxInFlight(server.requests, predicate),
    close: () => server.close(),
  };
}
