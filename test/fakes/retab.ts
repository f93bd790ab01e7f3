// A local stand-in for the Retab experiments API, with the shapes of Retab's API reference pages.
// It shares no API code or type with src/ on purpose: a shared type would hide a mismatch with the
// real API. (Only the project's seeded PRNG is shared: the fault dice.)
import { isoTime, json, matchPath, maxInFlight, startFakeServer } from './http.ts';
import type { HeldAnswers, HoldOptions, IncomingRequest, RecordedRequest, Reply } from './http.ts';
import { seededRandom } from '../../src/random.ts';
import {
  defaultDraft,
  EXPERIMENT_BLOCK,
  exportSpec,
  fingerprintOf,
  parseSpec,
  planBody,
  withConfig,
  type Draft,
} from './draft.ts';

export type { RecordedRequest } from './http.ts';

/**
 * One field of a document as `view=by_document` reports it for the new run (`score`, `value`)
 * and for the runs before it (`prior_score`, `prior_value`). Paths name list items `*`: the value
 * of such a path is the list of the items' values. The same fields make the document's
 * extraction (output, choices, likelihoods) and its `view=votes` answers.
 */
export interface FakeFieldScore {
  path: string;
  score: number | null;
  prior_score: number | null;
  /** Default null. */
  value?: unknown;
  /** The value in the runs before the new one; default null. */
  prior_value?: unknown;
  /** The new run's vote of each pass (n_consensus of them); default: every pass votes `value`. */
  votes?: unknown[];
}

/**
 * Reads about one document that a scenario can make fail: the new run's `by_document` (its
 * fields), the reference's (an older run's), `view=votes`, the older API's result, the extraction.
 */
export type FakeValueRead = 'fields' | 'reference' | 'votes' | 'result' | 'extraction';

/**
 * A run's `aggregate` in the summary metrics: each field's agreement over all its documents
 * (extract blocks), or each label's, with the flows between labels (classifier and split
 * blocks; older servers spell a flow `from`/`to`).
 */
export type FakeAggregate =
  | { likelihoods: Record<string, number | null> }
  | {
      diag?: Record<string, number>;
      flows?: Array<
        | { source: string; target: string; score: number }
        | { from: string; to: string; score: number }
      >;
    };

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
  /** The summary's `aggregate`; default null (no field scores). */
  aggregate?: FakeAggregate | null;
  /** Default 2000. */
  durationMs?: number;
  /**
   * The run is still in flight (started by someone else) when the fake starts, and completes
   * this long after: a gate must wait for it before starting its own.
   */
  runningForMs?: number;
  /** What each document cost and took (see FakeCost); default 1 credit per pass. */
  cost?: FakeCost;
}

/**
 * What a run's documents cost and took, as its results and artifacts say it (retab-api.md
 * section 12). Shapes: Retab's SDK monorepo (retab-dev/retab at 61d9c44, Aug 2026),
 * clients/php/tests/Fixtures/extraction_workflow_artifact.json (`usage: {credits}`),
 * experiment_result_timing.json (`timing.duration_ms`), generated from Retab's OpenAPI schemas.
 */
export interface FakeCost {
  /** Credits of every document's artifact; default n_consensus × 1 (retab-small, one page). */
  creditsPerDocument?: number;
  /**
   * The artifact's `usage` of some documents, by id, sent as it is (null, `{credits: '5'}`,
   * `{credits: -1}`, …); the string 'absent' leaves `usage` out of the answer.
   */
  usage?: Record<string, unknown>;
  /**
   * A document's `duration_ms`, by id; default 2.4 to 3.6 s by its place in the run, the same in
   * every run (a scenario that changes the time says so).
   */
  documentMs?: Record<string, number>;
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
  /** The summary's `aggregate`; default null (no field scores). */
  aggregate?: FakeAggregate | null;
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
  /** What each document cost and took (see FakeCost); default 1 credit per pass. */
  cost?: FakeCost;
}

export interface RetabScenario {
  /**
   * Which of Retab's APIs the fake speaks (default 'older'): the routes of the first reference
   * pages, scoped by workflow and experiment and with jobs, or the current flat routes. The
   * other dialect's routes answer 404, as on a server that does not speak it.
   */
  dialect?: 'older' | 'current';
  /**
   * The trigger starts nothing: Retab says the latest results are still fresh. The older API
   * answers `noop: true` with no job; the current one answers the latest completed run.
   */
  reuseFreshResults?: boolean;
  /**
   * The workflow's draft, as code (./draft.ts). When set, a new run measures it (its definition
   * fingerprint is the draft's at the trigger) and the experiment is fresh while its latest
   * completed run measured the draft as it is. Without it the spec routes serve a default draft.
   */
  draft?: Draft;
  /** Someone else edits the draft (another pull request, the dashboard) this long after the first trigger. */
  draftEdit?: { afterMs: number; config: Record<string, unknown> };
  apiKey: string;
  workflowId: string;
  experimentId: string;
  documents: FakeDocument[];
  /** The workflow's name in a run's read (default 'Invoice workflow'). */
  workflowName?: string;
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
  /** `view=by_document` targets carry no `value` (a server from before values were served). */
  byDocumentWithoutValues?: boolean;
  /**
   * Value reads of a document (by document id) that fail: with an HTTP status, a body that fails
   * its schema, or (the reference run's `by_document`) the `stale_metrics` answer of an old run.
   */
  valueFaults?: Record<string, Partial<Record<FakeValueRead, number | 'malformed' | 'stale'>>>;
  /**
   * Artifact reads that fail, by document id (or '*' for every document), in every run: an HTTP
   * status, or 'timeout' (the gateway gives up: 504, each time it is asked).
   */
  artifactFaults?: Record<string, number | 'timeout'>;
  /**
   * Current API: pages of a run's results that fail with this status each time they are asked,
   * by run id and page from 1 (`exprun_new/2`: its second page).
   */
  resultsFaults?: Record<string, number>;
  /**
   * The operation results name for their artifacts (default 'extraction'): each is read on its
   * own route (`/v1/classifications/{id}`…); 'artifact' names none, read on
   * `/v1/workflows/artifacts/{id}`.
   */
  artifactOperation?: 'extraction' | 'classification' | 'split' | 'partition' | 'artifact';
  /** Delay added to every response, in real time (default 0): for bench/ only; tests hold answers. */
  latencyMs?: number;
  /** Seeded failures, for the failure-handling tests. */
  faults?: RetabFaults;
}

export type RetabEndpoint =
  | 'trigger'
  | 'job'
  | 'run'
  | 'runs'
  | 'metrics'
  | 'content'
  | 'results'
  | 'experiment'
  | 'result'
  | 'extraction'
  | 'artifact';

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
  /** The first request the API receives, whatever it is, is answered with this status. */
  firstRequestStatus?: number;
  /** The trigger answers 400 with this detail (e.g. one that echoes the request). */
  triggerRefusal?: string;
  /** Another workflow triggers the experiment at the same moment as the first trigger: its
   * run is `exprun_other` (counted by createdRuns()). */
  concurrentTrigger?: boolean;
  /**
   * Another workflow starts a run (`exprun_other`, in flight this long) just before the first
   * trigger, which is refused with 409: the gate's history read did not see it.
   */
  runStartsBeforeTrigger?: number;
}

const MALFORMED: Record<RetabEndpoint, unknown> = {
  trigger: { run_id: 42, job_id: null },
  job: { id: 'job', status: 7 },
  run: { id: 'run', lifecycle: 'completed' },
  runs: { runs: 'none' },
  metrics: { kind: 'summary', run_id: 'x', documents: [{ id: 'd', score: 'high' }] },
  content: { content: { jobs: 'none' } },
  results: { data: [{ document_id: 5 }], list_metadata: { after: null } },
  experiment: { id: 3 },
  result: { artifact: { id: 7 } },
  extraction: { id: null, consensus: { choices: 'none' } },
  artifact: { id: 5 },
};

export interface FakeRetab {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The API it speaks (`scenario.dialect`). */
  dialect: 'older' | 'current';
  requests: RecordedRequest[];
  /** How many runs the trigger really created. */
  createdRuns(): number;
  /** Ids of jobs/runs that received a cancel. */
  cancelled(): string[];
  /**
   * The largest number of the requests matching `predicate` that were in flight at the same
   * time (from the order of arrivals and answers).
   */
  maxInFlight(predicate?: (r: RecordedRequest) => boolean): number;
  /** The answers `options.hold` keeps waiting. */
  held: HeldAnswers;
  /** The workflow's draft as it is now. */
  draft(): Draft;
  /** Calls of the unscoped spec routes, which would create a new workflow. */
  unscopedSpecCalls(): number;
  close(): Promise<void>;
}

type JobStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled' | 'expired';
type Lifecycle = 'running' | 'completed' | 'error' | 'cancelled';

/** One run as the fake sees it at a given instant, history or new. */
interface RunSnapshot {
  id: string;
  jobId: string;
  isNew: boolean;
  /** Started by someone else than the gate under test. */
  byOther: boolean;
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
  aggregate: FakeAggregate | null;
  cost: FakeCost;
}

interface NewRun {
  id: string;
  jobId: string;
  /** Started by someone else (a 409 for triggers while it is in flight). */
  byOther?: boolean;
  createdAt: number;
  cancelledAt: number | null;
  nConsensus: number;
  parentRunId: string | null;
  next: FakeNextRun;
}

/** The extraction's own route (`/v1/extractions/{id}`): its artifact, and its values on the older API. */
const EXTRACTION_ROUTE = '/v1/extractions';
/** The other routes an artifact is read on (`{route}/{id}`), with the operation each answers as. */
const OTHER_ARTIFACT_ROUTES = [
  ['/v1/classifications', 'classification'],
  ['/v1/splits', 'split'],
  ['/v1/partitions', 'partition'],
  ['/v1/workflows/artifacts', 'extraction'],
] as const;
/** The path of an artifact's own read, on any of its routes. */
export const ARTIFACT_READ = new RegExp(
  `^(${[EXTRACTION_ROUTE, ...OTHER_ARTIFACT_ROUTES.map(([route]) => route)].join('|')})/`,
);

const QUEUED_MS = 50;
/** A document's default time: one page, one model call per pass. */
const DOCUMENT_MS = 3_000;
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

/**
 * Sets the value at a field path (`a.b`, `items.*.price`) in a tree, making what is missing; `*`
 * spreads a list value over the items. Own keys only: a path may say `__proto__`.
 */
function setPath(node: unknown, segments: readonly string[], value: unknown): unknown {
  const [segment, ...rest] = segments;
  if (segment === undefined) return value;
  if (segment === '*') {
    const list: unknown[] = Array.isArray(node) ? node : [];
    (Array.isArray(value) ? value : []).forEach((item, i) => {
      list[i] = setPath(list[i], rest, item);
    });
    return list;
  }
  const object =
    typeof node === 'object' && node !== null && !Array.isArray(node)
      ? (node as Record<string, unknown>)
      : {};
  const inner = setPath(Object.hasOwn(object, segment) ? object[segment] : undefined, rest, value);
  Object.defineProperty(object, segment, {
    value: inner,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return object;
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
  /** The loopback port to listen on; default 0, any free one. */
  port?: number;
  /** Answers that wait until released (test/fakes/http.ts): `held` releases them. */
  hold?: HoldOptions;
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
  const dialect = scenario.dialect ?? 'older';
  let otherStarted = false;
  let draft = scenario.draft ?? defaultDraft();
  let firstTriggerAt: number | null = null;
  let draftEdited = false;
  let unscopedSpecCalls = 0;

  /** The draft now: someone else's edit lands once its time has come. */
  function currentDraft(now: number): Draft {
    const edit = scenario.draftEdit;
    if (edit && !draftEdited && firstTriggerAt !== null && now >= firstTriggerAt + edit.afterMs) {
      draftEdited = true;
      draft = withConfig(draft, EXPERIMENT_BLOCK, edit.config);
    }
    return draft;
  }

  /** Plan (or apply) a submitted spec against the draft. */
  function spec(
    req: IncomingRequest,
    params: Record<string, string>,
    apply: boolean,
    now: number,
  ): Reply {
    if (params.wf !== scenario.workflowId) return notFound('Workflow not found');
    const body = (req.body ?? {}) as { yaml_definition?: unknown };
    if (typeof body.yaml_definition !== 'string') {
      return validationError(['body', 'yaml_definition'], 'Field required', null);
    }
    const parsed = parseSpec(body.yaml_definition, scenario.workflowId);
    if (!parsed.ok) return json(400, { detail: parsed.compileError });
    const before = currentDraft(now);
    const answer = planBody(before, parsed.draft, scenario.workflowId, parsed.issues);
    if (!apply) return json(200, answer);
    if (parsed.issues.some((issue) => issue.severity === 'error')) {
      const errors = parsed.issues.filter((issue) => issue.severity === 'error');
      return json(400, {
        detail: {
          code: 'DECLARATIVE_COMPILE_ERROR',
          message: `${errors[0]?.message} (${errors.length} issues)`,
          errors,
        },
      });
    }
    draft = parsed.draft;
    return json(200, { ...answer, created: false });
  }

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

  function historySnapshot(index: number, now: number): RunSnapshot {
    const run = scenario.history[index];
    if (run === undefined) throw new Error(`no history run ${index}`);
    const createdAt = startedAt - (scenario.history.length - index) * HOUR_MS;
    if (run.runningForMs !== undefined && now < startedAt + run.runningForMs) {
      const total = Object.keys(run.scores).length;
      return {
        ...historySnapshot(index, Infinity),
        jobStatus: 'in_progress',
        lifecycle: 'running',
        completedAt: null,
        durationMs: null,
        completedDocuments: Math.floor((total * (now - startedAt)) / run.runningForMs),
      };
    }
    const status = run.status ?? 'completed';
    const durationMs =
      run.runningForMs !== undefined
        ? startedAt + run.runningForMs - createdAt
        : (run.durationMs ?? 2000);
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
      byOther: true,
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
      aggregate: run.aggregate ?? null,
      cost: run.cost ?? {},
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
      byOther: run.byOther ?? false,
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
      aggregate: run.next.aggregate ?? null,
      cost: run.next.cost ?? {},
    };
  }

  /** Every run, oldest first. */
  function allRuns(now: number): RunSnapshot[] {
    return [
      ...scenario.history.map((_, i) => historySnapshot(i, now)),
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
        name_at_run_time: scenario.workflowName ?? 'Invoice workflow',
        requested_version: 'draft',
      },
      trigger: { type: 'api' },
      lifecycle: { status: run.lifecycle },
      timing: timingOf(run),
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

  /** When a run was created, started and ended, as both APIs say it. */
  function timingOf(run: RunSnapshot): Record<string, unknown> {
    return {
      created_at: isoTime(run.createdAt),
      started_at: run.startedAt === null ? null : isoTime(run.startedAt),
      completed_at: run.completedAt === null ? null : isoTime(run.completedAt),
      duration_ms: run.durationMs,
    };
  }

  /** A run's lifecycle as the current API says it: six kinds, with the error's message. */
  function currentLifecycle(run: RunSnapshot): Record<string, unknown> {
    if (run.lifecycle === 'error') {
      const error = run.jobError ?? { code: 'run_failed', message: 'The run failed' };
      return {
        status: 'error',
        message: error.message,
        details: { message: error.message, error_code: error.code, block_id: 'extract-invoice' },
      };
    }
    if (run.lifecycle === 'cancelled') return { status: 'cancelled', reason: 'Cancelled by user' };
    if (run.lifecycle === 'running' && run.jobStatus === 'queued') return { status: 'queued' };
    return { status: run.lifecycle };
  }

  /** The current API's run object: the run read by id, every row of the list, the trigger's answer. */
  function currentRunBody(run: RunSnapshot): Record<string, unknown> {
    const total = Object.keys(run.scores).length;
    return {
      id: run.id,
      workflow_id: scenario.workflowId,
      workflow_version_id: 'draft_2026_05_18',
      trigger: { type: 'manual_run' },
      experiment_id: scenario.experimentId,
      block_id: 'extract-invoice',
      block_type: 'extract',
      n_consensus: run.nConsensus,
      lifecycle: currentLifecycle(run),
      timing: timingOf(run),
      parent_run_id: run.parentRunId,
      block_version_id: null,
      block_execution_fingerprint: run.definitionFingerprint,
      documents_fingerprint: run.documentsFingerprint,
      score: runScore(run),
      total_document_count: total,
      completed_document_count: run.completedDocuments,
      document_count: total,
      error_count: errorCount(run),
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
    // The current API is spoken with a Bearer token only, as Retab's SDKs send it.
    if (apiKey !== undefined && dialect === 'older') return apiKey === scenario.apiKey;
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
    if (dialect === 'current') {
      if (fields.experiment_id !== scenario.experimentId) return notFound('Experiment not found');
      if (fields.workflow_id !== undefined && fields.workflow_id !== scenario.workflowId) {
        return notFound('Workflow not found for this experiment');
      }
      for (const extra of ['n_consensus', 'retry_failed_only']) {
        if (extra in fields) {
          return validationError(['body', extra], 'Extra inputs are not permitted', fields[extra]);
        }
      }
    }
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

    const refusal = refuseWhileInFlight(now);
    if (refusal !== null) {
      if (key !== undefined) idempotent.set(key, refusal);
      return refusal;
    }
    const previous = [...allRuns(now)].reverse().find((r) => r.lifecycle === 'completed') ?? null;
    if (scenario.reuseFreshResults && previous !== null) return reuse(previous, now);
    const ordinal = newRuns.filter((r) => !r.byOther).length + 1;
    const suffix = ordinal === 1 ? '' : `_${ordinal}`;
    firstTriggerAt ??= now;
    const run: NewRun = {
      id: `${scenario.next.runId ?? 'exprun_new'}${suffix}`,
      jobId: `${scenario.next.jobId ?? 'job_new'}${suffix}`,
      createdAt: now,
      cancelledAt: null,
      nConsensus: typeof nConsensus === 'number' ? nConsensus : (scenario.next.nConsensus ?? 5),
      parentRunId: previous?.id ?? null,
      // A run measures the draft as it is when it starts.
      next: scenario.draft
        ? { ...scenario.next, definitionFingerprint: fingerprintOf(currentDraft(now)) }
        : scenario.next,
    };
    newRuns.push(run);
    if (scenario.faults?.concurrentTrigger && ordinal === 1) {
      newRuns.push({ ...run, id: 'exprun_other', jobId: 'job_other' });
    }
    const reply =
      dialect === 'current'
        ? json(200, currentRunBody(newRunSnapshot(run, now)))
        : olderTriggerAnswer(run, previous);
    if (key !== undefined) idempotent.set(key, reply);
    return reply;
  }

  /** A trigger is refused (409) while a run someone else started is in flight. */
  function refuseWhileInFlight(now: number): Reply | null {
    const before = scenario.faults?.runStartsBeforeTrigger;
    if (before !== undefined && !otherStarted) {
      otherStarted = true;
      newRuns.push({
        id: 'exprun_other',
        jobId: 'job_other',
        byOther: true,
        createdAt: now,
        cancelledAt: null,
        nConsensus: scenario.next.nConsensus ?? 5,
        parentRunId: null,
        next: { ...scenario.next, jobDurationMs: before },
      });
    }
    const busy = allRuns(now).find((r) => r.byOther && r.lifecycle === 'running');
    return busy === undefined
      ? null
      : json(409, { detail: `Run ${busy.id} of this experiment is in progress` });
  }

  /** Nothing new ran: the older API says `noop`, the current one answers the fresh run. */
  function reuse(latest: RunSnapshot, now: number): Reply {
    if (dialect === 'current') return json(200, currentRunBody(latest));
    const previous = previousCompleted(latest.id, now);
    return json(200, {
      experiment_id: scenario.experimentId,
      run_id: latest.id,
      job_id: null,
      noop: true,
      status: 'completed',
      [fpKey]: latest.definitionFingerprint,
      document_count: Object.keys(latest.scores).length,
      n_consensus: latest.nConsensus,
      previous_run:
        previous === null
          ? null
          : {
              run_id: previous.id,
              [fpKey]: previous.definitionFingerprint,
              score: runScore(previous),
            },
    });
  }

  function olderTriggerAnswer(run: NewRun, previous: RunSnapshot | null): Reply {
    return json(200, {
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
  }

  function cancel(id: string, by: 'job' | 'run', now: number): Reply {
    if (dialect === 'current') return cancelCurrent(id, now);
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

  /** The current API's cancel: `{id, lifecycle}`; 404 on a run that already completed or errored. */
  function cancelCurrent(id: string, now: number): Reply {
    const snapshot = findRun(id, now);
    if (snapshot === undefined) return notFound('Experiment run not found');
    cancelledIds.push(id);
    if (snapshot.lifecycle === 'completed' || snapshot.lifecycle === 'error') {
      return notFound('Experiment run not found or already finished');
    }
    const run = newRuns.find((r) => r.id === id);
    if (run !== undefined && snapshot.lifecycle === 'running') run.cancelledAt = now;
    return json(200, { id, lifecycle: { status: 'cancelled', reason: 'Cancelled by user' } });
  }

  /** One page of `rows` as the paged lists answer it: `limit` (1–100), `after` a row id. */
  function page(
    req: IncomingRequest,
    rows: Array<Record<string, unknown>>,
    defaultLimit: number,
  ): Reply {
    if (req.query.order === 'asc') rows = [...rows].reverse();
    let limit = defaultLimit;
    if (req.query.limit !== undefined) {
      const asked = Number(req.query.limit);
      if (!Number.isInteger(asked) || asked < 1 || asked > 100) {
        return validationError(
          ['query', 'limit'],
          'Input should be between 1 and 100',
          req.query.limit,
        );
      }
      limit = Math.min(limit, asked);
    }
    let start = 0;
    if (req.query.after !== undefined && req.query.after !== '') {
      const index = rows.findIndex((r) => r.id === req.query.after);
      if (index < 0) return json(400, { detail: `Unknown cursor: ${req.query.after}` });
      start = index + 1;
    }
    const rowsOfPage = rows.slice(start, start + limit);
    const more = start + limit < rows.length;
    const last = rowsOfPage[rowsOfPage.length - 1];
    return json(200, {
      data: rowsOfPage,
      list_metadata: { before: null, after: more && last !== undefined ? last.id : null },
    });
  }

  /** The current API's run list: run objects, filtered by experiment and workflow. */
  function listRunsCurrent(req: IncomingRequest, now: number): Reply {
    const { experiment_id: experiment, workflow_id: workflow } = req.query;
    const mine =
      (experiment === undefined || experiment === scenario.experimentId) &&
      (workflow === undefined || workflow === scenario.workflowId);
    const rows = mine ? allRuns(now).reverse().map(currentRunBody) : [];
    return page(req, rows, scenario.pageSize ?? 20);
  }

  /** The current API's results of a run, one row per document, paged. */
  function results(req: IncomingRequest, now: number): Reply {
    const runId = req.query.run_id;
    if (runId === undefined || runId === '') {
      return validationError(['query', 'run_id'], 'Field required', null);
    }
    const run = findRun(runId, now);
    if (run === undefined) return notFound('Experiment run not found');
    const ids = Object.keys(run.scores);
    // Only the page asked is built: a run of 10,000 documents is read 100 rows at a time.
    const cursors = ids.map((documentId, index) => ({
      id: `expresult_${run.id}_${index + 1}`,
      documentId,
      index,
    }));
    const reply = page(req, cursors, 100);
    if (reply.status !== 200) return reply;
    const body = reply.body as { data: typeof cursors; list_metadata: unknown };
    const fault =
      scenario.resultsFaults?.[`${run.id}/${Math.floor((body.data[0]?.index ?? 0) / 100) + 1}`];
    if (fault !== undefined) return json(fault, { detail: 'Injected failure of a results page' });
    const rowOf = ({ documentId, index }: (typeof cursors)[number]) => {
      const job = documentJob(run, documentId, index);
      const lifecycle =
        job.status === 'failed'
          ? { status: 'error', message: job.error, details: { error_code: 'extraction_failed' } }
          : job.status === 'pending'
            ? { status: 'running' }
            : job.status === 'cancelled'
              ? { status: 'cancelled', reason: 'The run was cancelled' }
              : { status: 'completed' };
      return {
        id: `expresult_${run.id}_${index + 1}`,
        experiment_run_id: run.id,
        experiment_id: scenario.experimentId,
        document_id: documentId,
        lifecycle,
        timing: { duration_ms: job.duration_ms },
        block_type: 'extract',
        handle_inputs: {
          'input-file-0': {
            type: 'file',
            document: {
              id: `file_${documentId}`,
              filename: filenameOf(documentId),
              mime_type: 'application/pdf',
            },
          },
        },
        ...resultOutputs(run, documentId, job.status === 'completed'),
        attempt: 1,
      };
    };
    return json(200, { ...body, data: body.data.map(rowOf) });
  }

  /** The current API's experiment object: its block, its freshness, what a trigger would do. */
  function experiment(now: number): Reply {
    const runs = allRuns(now);
    const latest = runs[runs.length - 1];
    const inFlight = runs.some((r) => r.lifecycle === 'running');
    const latestCompleted = [...runs].reverse().find((r) => r.lifecycle === 'completed');
    const fresh = scenario.draft
      ? latestCompleted?.definitionFingerprint === fingerprintOf(currentDraft(now))
      : scenario.reuseFreshResults === true;
    return json(200, {
      id: scenario.experimentId,
      workflow_id: scenario.workflowId,
      block_id: 'extract-invoice',
      name: 'Invoice experiment',
      block_type: 'extract',
      n_consensus: scenario.next.nConsensus ?? 5,
      document_count: scenario.documents.length,
      last_run_id: latest?.id ?? null,
      status: latest === undefined ? 'draft' : 'completed',
      score: latest === undefined ? null : runScore(latest),
      is_stale: !fresh,
      freshness: { status: fresh ? 'fresh' : 'stale', reasons: fresh ? [] : ['validity_changed'] },
      freshness_state: fresh ? 'fresh' : 'stale',
      freshness_reasons: [],
      run_plan_mode: inFlight ? 'conflict' : fresh ? 'noop' : 'run',
      rerunnable_document_count: 0,
    });
  }

  function listRuns(req: IncomingRequest, now: number): Reply {
    const rows = allRuns(now).reverse().map(listRow);
    if ((scenario.listEnvelope ?? 'runs') === 'runs') return json(200, { runs: rows });
    return page(req, rows, scenario.pageSize ?? 20);
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
    if (view !== 'summary' && view !== 'by_document' && view !== 'votes') {
      return validationError(
        ['query', 'view'],
        "Input should be 'summary', 'by_document' or 'votes'",
        view,
      );
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

    if (view === 'votes') return votes(req, run);
    if (view === 'by_document') {
      const documentId = req.query.document_id;
      if (documentId === undefined || !(documentId in run.scores)) {
        return notFound('Document not found in this run');
      }
      const fault = valueFault(documentId, run.isNew ? 'fields' : 'reference');
      if (fault === 'stale') return staleMetrics();
      if (fault !== undefined) return fault;
      const score = run.scores[documentId] ?? null;
      const priorScore = priorDocScore(documentId);
      const fields = scenario.fieldScores?.[documentId];
      // The runs before the new one answer the fields' prior scores and values.
      const targets =
        fields === undefined
          ? [{ path: 'total_amount', score, prior_score: priorScore, value: null }]
          : fields.map((f) =>
              run.isNew
                ? {
                    path: f.path,
                    score: f.score,
                    prior_score: f.prior_score,
                    value: f.value ?? null,
                  }
                : {
                    path: f.path,
                    score: f.prior_score,
                    prior_score: null,
                    value: f.prior_value ?? null,
                  },
            );
      if (scenario.byDocumentWithoutValues) {
        for (const target of targets) delete (target as { value?: unknown }).value;
      }
      return json(200, {
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
    }

    const ids = Object.keys(run.scores);
    return json(200, {
      experiment_id: scenario.experimentId,
      run_id: run.id,
      kind: 'summary',
      view: 'summary',
      block_type:
        run.aggregate !== null && !('likelihoods' in run.aggregate) ? 'classifier' : 'extract',
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
      aggregate: run.aggregate,
    });
  }

  /** The failure a scenario asks of one value read of a document, as an answer to send. */
  function valueFault(documentId: string, read: FakeValueRead): Reply | 'stale' | undefined {
    const fault = scenario.valueFaults?.[documentId]?.[read];
    if (fault === undefined) return undefined;
    if (fault === 'stale') return 'stale';
    if (fault === 'malformed')
      return json(200, {
        kind: read === 'votes' ? 'votes' : 'by_document',
        run_id: 5,
        targets: 'none',
        rows: 'none',
        id: 5,
        artifact: { id: 5 },
      });
    return json(fault, { detail: `Injected failure of the ${read} read` });
  }

  function staleMetrics(): Reply {
    return json(409, {
      kind: 'stale_metrics',
      error: 'stale_metrics',
      experiment_id: scenario.experimentId,
      stale_reasons: ['validity_changed'],
      last_run: { run_id: 'exprun_1' },
      message: "The run's metrics no longer reflect the experiment's definition",
    });
  }

  /** A field's value in a run: the new run's, or the one of the runs before it. */
  function fieldValue(field: FakeFieldScore, run: RunSnapshot): unknown {
    return (run.isNew ? field.value : field.prior_value) ?? null;
  }

  /** What each pass voted for a field in a run: the scenario's votes, or all the same value. */
  function passVotes(field: FakeFieldScore, run: RunSnapshot): unknown[] {
    if (run.isNew && field.votes !== undefined) return field.votes;
    return Array.from({ length: run.nConsensus }, () => fieldValue(field, run));
  }

  /** `view=votes`: one row per list item (one for a plain field), each with every pass's vote. */
  function votes(req: IncomingRequest, run: RunSnapshot): Reply {
    const documentId = req.query.document_id ?? '';
    const path = req.query.target_path ?? '';
    const field = scenario.fieldScores?.[documentId]?.find((f) => f.path === path);
    if (!(documentId in run.scores) || field === undefined) return notFound('Target not found');
    const fault = valueFault(documentId, 'votes');
    if (fault === 'stale') return staleMetrics();
    if (fault !== undefined) return fault;
    const value = fieldValue(field, run);
    const passes = passVotes(field, run);
    const row = (consensus: unknown, voted: unknown[]) => ({
      consensus,
      votes: voted,
      score: run.isNew ? field.score : field.prior_score,
      row_presence_score: 1,
      present_voter_count: voted.length,
      total_voter_count: voted.length,
    });
    const rows = path.includes('*')
      ? (Array.isArray(value) ? value : []).map((item, i) =>
          row(
            item,
            passes.map((pass) => (Array.isArray(pass) ? (pass[i] ?? null) : null)),
          ),
        )
      : [row(value, passes)];
    return json(200, {
      run_id: run.id,
      kind: 'votes',
      view: 'votes',
      document: { id: documentId, filename: filenameOf(documentId) },
      target: path,
      score: run.isNew ? field.score : field.prior_score,
      prior_score: run.isNew ? field.prior_score : null,
      rows,
    });
  }

  /** The id of a document's extraction in a run, and back. */
  const extractionId = (run: RunSnapshot, documentId: string) => `extr_${run.id}~${documentId}`;

  /** What a document's extraction holds in a run: the consensus output, each pass's choice, the agreement. */
  function extractionOf(run: RunSnapshot, documentId: string) {
    const output: Record<string, unknown> = {};
    const likelihoods: Record<string, unknown> = {};
    const choices = Array.from({ length: run.nConsensus }, () => ({}) as Record<string, unknown>);
    for (const field of scenario.fieldScores?.[documentId] ?? []) {
      const segments = field.path.split('.');
      setPath(output, segments, fieldValue(field, run));
      setPath(likelihoods, segments, run.isNew ? field.score : field.prior_score);
      passVotes(field, run).forEach((vote, i) => {
        const choice = choices[i];
        if (choice !== undefined) setPath(choice, segments, vote);
      });
    }
    return { output, choices, likelihoods };
  }

  /** The run and document an artifact's id names (extr_{run}~{document}), when both exist. */
  function artifactTarget(id: string, now: number) {
    const match = /^extr_(.+?)~(.+)$/.exec(id);
    const run = match ? findRun(match[1] ?? '', now) : undefined;
    const documentId = match?.[2] ?? '';
    return run === undefined || !(documentId in run.scores) ? undefined : { run, documentId };
  }

  /** What every artifact's read says of itself: its id, its file, its model and passes. */
  function artifactHead(id: string, run: RunSnapshot, documentId: string) {
    return {
      id,
      file: {
        id: `file_${documentId}`,
        filename: filenameOf(documentId),
        mime_type: 'application/pdf',
      },
      model: 'retab-small',
      n_consensus: run.nConsensus,
    };
  }

  function extraction(id: string, now: number): Reply {
    const target = artifactTarget(id, now);
    if (target === undefined) return notFound('Extraction not found');
    const { run, documentId } = target;
    const fault = valueFault(documentId, 'extraction');
    if (fault !== undefined && fault !== 'stale') return fault;
    const { output, choices, likelihoods } = extractionOf(run, documentId);
    return json(200, {
      ...artifactHead(id, run, documentId),
      json_schema: { type: 'object' },
      instructions: null,
      output,
      status: 'completed',
      error: null,
      consensus: { choices, likelihoods },
      ...usageOf(run, documentId),
      created_at: isoTime(run.createdAt),
    });
  }

  /** A completed document's artifact and the block's output, as its result carries them. */
  function resultOutputs(run: RunSnapshot, documentId: string, done: boolean) {
    if (!done) return { handle_outputs: {}, artifact: null };
    return {
      handle_outputs: {
        'output-json-0': { type: 'json', data: extractionOf(run, documentId).output },
      },
      artifact: artifactRef(run, documentId),
    };
  }

  /** What a result names of its artifact: the operation (none for 'artifact') and the id. */
  function artifactRef(run: RunSnapshot, documentId: string): Record<string, unknown> {
    const operation = scenario.artifactOperation ?? 'extraction';
    const id = extractionId(run, documentId);
    return operation === 'artifact' ? { id } : { operation, id };
  }

  /** An artifact's `usage`: the scenario's, or n_consensus credits (one page of retab-small). */
  function usageOf(run: RunSnapshot, documentId: string): { usage?: unknown } {
    const given = run.cost.usage;
    if (given !== undefined && Object.hasOwn(given, documentId)) {
      const usage = given[documentId];
      return usage === 'absent' ? {} : { usage };
    }
    return { usage: { credits: run.cost.creditsPerDocument ?? run.nConsensus } };
  }

  /** The failure a scenario asks of the artifact reads of a document, in any run. */
  function artifactFault(id: string): Reply | undefined {
    const documentId = /~(.+)$/.exec(id)?.[1] ?? '';
    const faults = scenario.artifactFaults ?? {};
    const fault = Object.hasOwn(faults, documentId) ? faults[documentId] : faults['*'];
    if (fault === undefined) return undefined;
    if (fault === 'timeout') return json(504, { detail: 'upstream request timeout' });
    return json(fault, { detail: 'Injected failure of the artifact read' });
  }

  /**
   * An artifact's own read, on its operation's route or the workflow artifacts route: what it
   * cost (`usage`), with the extraction's other fields. Shape: clients/php/tests/Fixtures/
   * extraction_workflow_artifact.json in Retab's SDK monorepo.
   */
  function artifact(id: string, operation: string, now: number): Reply {
    const target = artifactTarget(id, now);
    if (target === undefined) return notFound('Artifact not found');
    const { run, documentId } = target;
    const fault = artifactFault(id);
    if (fault) return fault;
    return json(200, {
      ...artifactHead(id, run, documentId),
      status: 'completed',
      ...usageOf(run, documentId),
      created_at: isoTime(run.createdAt),
      operation,
    });
  }

  function documentJob(
    run: RunSnapshot,
    documentId: string,
    index: number,
  ): Record<string, unknown> {
    const done = index < run.completedDocuments;
    const failed = done && run.scores[documentId] === null;
    const ownMs = run.cost.documentMs?.[documentId] ?? DOCUMENT_MS * (0.8 + 0.1 * (index % 5));
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
      duration_ms: done ? Math.round(ownMs) : null,
      handle_inputs: { filename: filenameOf(documentId) },
      artifact: done && !failed ? artifactRef(run, documentId) : null,
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
      content: { jobs: ids.map((id, i) => documentJob(run, id, i)) },
    });
  }

  function documentResult(runId: string, documentId: string, now: number): Reply {
    const run = findRun(runId, now);
    if (run === undefined) return notFound('Experiment run not found');
    const index = Object.keys(run.scores).indexOf(documentId);
    if (index < 0) return notFound('Document not found in this run');
    const fault = valueFault(documentId, 'result');
    if (fault !== undefined && fault !== 'stale') return fault;
    const job = documentJob(run, documentId, index);
    return json(200, {
      run_id: run.id,
      document_id: documentId,
      lifecycle: { status: job.status },
      timing: { duration_ms: job.duration_ms },
      handle_inputs: job.handle_inputs,
      ...resultOutputs(run, documentId, job.status === 'completed'),
      error: job.error,
      attempt: 1,
    });
  }

  // ---- routing ----

  type Handler = (req: IncomingRequest, params: Record<string, string>, now: number) => Reply;
  const routes: Array<{
    method: string;
    pattern: string;
    /** The dialect that serves the route (default both). */
    dialect?: 'older' | 'current';
    endpoint?: RetabEndpoint;
    handler: Handler;
  }> = [
    {
      method: 'GET',
      pattern: '/v1/workflows/experiments/runs',
      dialect: 'current',
      endpoint: 'runs',
      handler: (req, _p, now) => listRunsCurrent(req, now),
    },
    {
      method: 'POST',
      pattern: '/v1/workflows/experiments/runs',
      dialect: 'current',
      endpoint: 'trigger',
      handler: (req, _p, now) => trigger(req, now),
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/experiments/results',
      dialect: 'current',
      endpoint: 'results',
      handler: (req, _p, now) => results(req, now),
    },
    {
      method: 'POST',
      pattern: '/v1/workflows/:wf/experiments/:exp/run',
      dialect: 'older',
      endpoint: 'trigger',
      handler: (req, p, now) => checkExperiment(p) ?? trigger(req, now),
    },
    {
      method: 'GET',
      pattern: '/v1/jobs/:job',
      dialect: 'older',
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
      dialect: 'older',
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
        if (run === undefined) return notFound('Experiment run not found');
        return json(200, dialect === 'current' ? currentRunBody(run) : runBody(run));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/experiments/runs/:run/results/:doc',
      dialect: 'older',
      endpoint: 'result',
      handler: (_req, p, now) => documentResult(p.run ?? '', p.doc ?? '', now),
    },
    {
      method: 'GET',
      pattern: `${EXTRACTION_ROUTE}/:id`,
      endpoint: 'extraction',
      handler: (_req, p, now) => artifactFault(p.id ?? '') ?? extraction(p.id ?? '', now),
    },
    ...OTHER_ARTIFACT_ROUTES.map(([route, operation]) => ({
      method: 'GET',
      pattern: `${route}/:id`,
      endpoint: 'artifact' as const,
      handler: (_req: IncomingRequest, p: Record<string, string>, now: number) =>
        artifact(p.id ?? '', operation, now),
    })),
    {
      method: 'GET',
      pattern: '/v1/workflows/:wf/experiments/:exp/runs',
      dialect: 'older',
      endpoint: 'runs',
      handler: (req, p, now) => checkExperiment(p) ?? listRuns(req, now),
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/:wf/experiments/:exp/metrics',
      dialect: 'older',
      endpoint: 'metrics',
      handler: (req, p, now) => checkExperiment(p) ?? metrics(req, now),
    },
    {
      // The current API's metrics route (older servers may serve it as the run-scoped twin).
      method: 'GET',
      pattern: '/v1/workflows/experiments/metrics',
      endpoint: 'metrics',
      handler: (req, _p, now) =>
        req.query.run_id === undefined || req.query.run_id === ''
          ? validationError(['query', 'run_id'], 'Field required', null)
          : metrics(req, now),
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/:wf/experiments/:exp/content',
      dialect: 'older',
      endpoint: 'content',
      handler: (req, p, now) => checkExperiment(p) ?? content(req, now),
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/:wf/spec',
      handler: (_req, p, now) =>
        p.wf === scenario.workflowId
          ? json(200, { workflow_id: p.wf, yaml_definition: exportSpec(currentDraft(now), p.wf) })
          : notFound('Workflow not found'),
    },
    {
      method: 'POST',
      pattern: '/v1/workflows/:wf/spec/plan',
      handler: (req, p, now) => spec(req, p, false, now),
    },
    {
      method: 'POST',
      pattern: '/v1/workflows/:wf/spec/apply',
      handler: (req, p, now) => spec(req, p, true, now),
    },
    {
      // The unscoped routes create a new workflow: the gate must never call them.
      method: 'POST',
      pattern: '/v1/workflows/spec/:verb',
      handler: () => {
        unscopedSpecCalls += 1;
        return json(200, { workflow_id: 'wf_created', action: 'create', created: true });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/workflows/experiments/:exp',
      dialect: 'current',
      endpoint: 'experiment',
      handler: (_req, p, now) =>
        p.exp === scenario.experimentId ? experiment(now) : notFound('Experiment not found'),
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
    requestsSeen += 1;
    if (requestsSeen === 1 && faults.firstRequestStatus !== undefined) {
      return json(faults.firstRequestStatus, { detail: 'Injected failure of the first request' });
    }
    if (req.method === 'GET') {
      const roll = dice();
      const errorRate = faults.serverErrorRate ?? 0;
      if (roll < errorRate) {
        const status = [500, 502, 503][Math.floor(dice() * 3)] ?? 500;
        return json(status, { detail: 'Injected server error' });
      }
      if (roll < errorRate + (faults.rateLimitRate ?? 0)) {
        return json(429, { detail: 'Too many requests' }, { 'retry-after': '1' });
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
      return endpoint === faults.malformed ? { ...reply, body: MALFORMED.trigger } : reply;
    }
    const reply = answer();
    if (endpoint !== undefined && endpoint === faults.malformed && reply.status < 300) {
      return { ...reply, body: MALFORMED[endpoint] };
    }
    return reply;
  }

  const server = await startFakeServer({
    requestIdHeader: 'x-request-id',
    requestId: (n) => `req_${n}`,
    latencyMs: scenario.latencyMs ?? 0,
    clock,
    port: options.port,
    hold: options.hold,
    handle: (req) => {
      if (!authorized(req)) return json(401, { detail: 'Invalid API key' });
      const now = clock();
      let pathMatched = false;
      for (const route of routes) {
        if (route.dialect !== undefined && route.dialect !== dialect) continue;
        const params = matchPath(route.pattern, req.path);
        if (params === null) continue;
        pathMatched = true;
        if (route.method === req.method) {
          return withFaults(route.endpoint, req, () => route.handler(req, params, now));
        }
      }
      return pathMatched ? json(405, { detail: 'Method Not Allowed' }) : notFound();
    },
  });

  return {
    url: server.url,
    dialect,
    requests: server.requests,
    createdRuns: () => newRuns.length,
    cancelled: () => [...cancelledIds],
    maxInFlight: (predicate) => maxInFlight(server.requests, predicate),
    held: server.held,
    draft: () => currentDraft(clock()),
    unscopedSpecCalls: () => unscopedSpecCalls,
    close: () => server.close(),
  };
}
