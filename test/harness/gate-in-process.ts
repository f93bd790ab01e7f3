// The gate in-process on a virtual clock: the gathering of evidence and the verdict, against the
// fake Retab (a real local HTTP server), with the client's retries, the polls and the fake's time
// on one clock whose sleep moves time on and resolves at once. A 30 s wait costs nothing.
//
// The unit tests of the Retab side import src/ through this file only: a module that moves is one
// edit here.
import type { TestContext } from 'vitest';
import { Agent, type Dispatcher } from 'undici';
import { errorMessage } from '../../src/errors.js';
import { emptyEvidence } from '../../src/gate/evidence.js';
import { assembleReport } from '../../src/report/assemble.js';
import { readSettings, valuesHiddenBy, type Settings } from '../../src/inputs.js';
import type { Report } from '../../src/report/model.js';
import { createRetabClient } from '../../src/retab/client.js';
import type { Dialect } from '../../src/retab/routes.js';
import { gatherEvidence } from '../../src/retab/gather.js';
import { planFromAnswer } from '../../src/retab/records.js';
import { SpecPlan } from '../../src/retab/schemas.js';
import { idempotencyKey } from '../../src/retab/trigger.js';
import {
  startFakeRetab,
  type FakeRetab,
  type RecordedRequest,
  type RetabScenario,
} from '../fakes/retab.ts';
import type { HoldOptions } from '../fakes/http.ts';
import {
  API_KEY,
  EXPERIMENT_ID,
  WORKFLOW_ID,
  expectKeyOnlyInHeader,
  scenario,
} from './scenario.ts';

export { idempotencyKey };
export { renderComment, renderSummary } from '../../src/report/markdown.js';
export { parseReport } from '../../src/report/schema.js';

/** The report of a gate whose spec planned as `plan` (a Retab plan answer) and was applied. */
export function reportOfPlan(plan: unknown, specPath: string): Report {
  const evidence = emptyEvidence();
  evidence.configuration = { specPath, plan: planFromAnswer(SpecPlan.parse(plan)), applied: true };
  return assembleReport({
    settings: settingsFor({ url: 'http://127.0.0.1:9' } as FakeRetab),
    evidence,
    error: 'The run was not started in this test.',
    pullRequest: undefined,
    mergeGroup: undefined,
    startedAt: new Date(CLOCK_START).toISOString(),
    valuesHidden: undefined,
  });
}

/** When every virtual clock starts. */
const CLOCK_START = Date.parse('2026-05-18T09:00:00.000Z');

export interface VirtualClock {
  now: () => number;
  /** Moves the clock on by `ms` and resolves at once; an aborted signal stops it, as abortableSleep does. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Time on this clock since it started. */
  elapsed: () => number;
}

export function virtualClock(): VirtualClock {
  let now = CLOCK_START;
  return {
    now: () => now,
    sleep: async (ms, signal) => {
      if (!signal?.aborted) now += ms;
    },
    elapsed: () => now - CLOCK_START,
  };
}

/** A fake Retab on the clock, closed when the test ends. */
export async function startRetabOnClock(
  ctx: TestContext,
  clock: VirtualClock,
  retabScenario: RetabScenario = scenario(),
  hold?: HoldOptions,
): Promise<FakeRetab> {
  const retab = await startFakeRetab(retabScenario, { clock: clock.now, hold });
  ctx.onTestFinished(() => retab.close());
  return retab;
}

/** The action's Retab client on the clock; the jitter of its back-off fixed at its middle. */
export function clientOnClock(
  retab: FakeRetab,
  clock: VirtualClock,
  options: {
    signal?: AbortSignal;
    onRetry?: (message: string) => void;
    dialect?: Dialect;
    /** Default: the fake's URL. */
    baseUrl?: string;
    dispatcher?: Dispatcher;
  } = {},
) {
  return createRetabClient({
    baseUrl: retab.url,
    apiKey: API_KEY,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    ...options,
  });
}

/**
 * A dispatcher that counts the requests the client sends and the answers (or failures) it
 * receives: held answers are released once the fake has caught up with both (see HoldOptions).
 */
function countingDispatcher(): {
  dispatcher: Dispatcher;
  caughtUp: NonNullable<HoldOptions['caughtUp']>;
} {
  let sent = 0;
  let received = 0;
  const dispatcher = new Agent().compose((dispatch) => (options, handler) => {
    sent++;
    return dispatch(options, {
      onConnect: (abort) => handler.onConnect?.(abort),
      onUpgrade: (status, headers, socket) => handler.onUpgrade?.(status, headers, socket),
      onResponseStarted: () => handler.onResponseStarted?.(),
      onHeaders: (status, headers, resume, text) =>
        handler.onHeaders?.(status, headers, resume, text) !== false,
      onData: (chunk) => handler.onData?.(chunk) !== false,
      onBodySent: (size, total) => handler.onBodySent?.(size, total),
      onComplete: (trailers) => {
        received++;
        handler.onComplete?.(trailers);
      },
      onError: (error) => {
        received++;
        handler.onError?.(error);
      },
    });
  });
  return {
    dispatcher,
    caughtUp: (server) => server.arrived === sent && server.answered === received,
  };
}

/** The usual inputs of a gate against the fake; `api-base-url` is added. */
function settingsFor(
  retab: FakeRetab,
  inputs: Record<string, string> = {},
  basePath = '',
): Settings {
  const all: Record<string, string> = {
    'api-key': API_KEY,
    'workflow-id': WORKFLOW_ID,
    'experiment-id': EXPERIMENT_ID,
    'api-base-url': retab.url + basePath,
    ...inputs,
  };
  const settings = readSettings((name) => all[name] ?? '');
  if (settings.mode !== 'run') throw new Error('settingsFor: not a run');
  return settings;
}

/** The workflow attempt of the e2e harness's environment (GITHUB_RUN_ID 1234, attempt 1). */
export const ATTEMPT = { repository: 'acme/invoices', runId: '1234', runAttempt: '1', job: 'gate' };

export interface InProcessOptions {
  scenario?: RetabScenario;
  /** Over the usual inputs. */
  inputs?: Record<string, string>;
  /** The workflow is cancelled (the runner's SIGINT) once the clock has run this long. */
  cancelAfterMs?: number;
  /** Added to the fake's URL in `api-base-url`: a path where it serves nothing. */
  basePath?: string;
  /** The `spec` input's file, as the head start reads it. */
  spec?: { path: string; text: string };
  /** The event's `repository.private`, for `show-values: auto` (default: the event does not say). */
  repositoryPrivate?: boolean;
  /**
   * The answers of these requests wait until the gate can send no more (the fake is quiet), then
   * leave together: the requests overlap as far as the gate lets them, on any machine, so that
   * `retab.maxInFlight` counts what the gate allows.
   */
  hold?: (request: RecordedRequest) => boolean;
}

export interface InProcessGate {
  report: Report;
  verdict: Report['verdict'];
  /** Why the verdict is `error`: the text the step fails with. */
  error: string | undefined;
  /** The lines the action logs, retries included. */
  log: string[];
  retab: FakeRetab;
}

/**
 * One gate, as src/main.ts runs it up to the report: the history, the trigger, the wait, the reads,
 * the verdict. Checks what must hold for every run: the key went only in the header of the API the
 * fake speaks, and is in no log line, error or report.
 */
export async function gateInProcess(
  ctx: TestContext,
  options: InProcessOptions = {},
): Promise<InProcessGate> {
  const workflow = new AbortController();
  const { cancelAfterMs } = options;
  const ticking = virtualClock();
  const clock: VirtualClock = {
    ...ticking,
    sleep: async (ms, signal) => {
      await ticking.sleep(ms, signal);
      if (cancelAfterMs !== undefined && ticking.elapsed() >= cancelAfterMs) workflow.abort();
    },
  };
  const counting = options.hold ? countingDispatcher() : undefined;
  const hold = counting && { match: options.hold, whenQuiet: true, caughtUp: counting.caughtUp };
  const retab = await startRetabOnClock(ctx, clock, options.scenario, hold);
  const settings = settingsFor(retab, options.inputs, options.basePath);
  const log: string[] = [];
  const write = (message: string) => void log.push(message);
  const client = clientOnClock(retab, clock, {
    signal: workflow.signal,
    onRetry: write,
    baseUrl: settings.apiBaseUrl,
    ...(counting && { dispatcher: counting.dispatcher }),
  });
  const evidence = emptyEvidence();
  const deps = { client, ...clock, log: write, signal: workflow.signal, attempt: ATTEMPT };
  // As src/main.ts does: a failure to gather is the report's error, the verdict `error`.
  const { spec } = options;
  const valuesHidden = valuesHiddenBy(settings.showValues, options.repositoryPrivate);
  const readValues = valuesHidden === undefined;
  const gather = spec
    ? { ...settings, specPath: spec.path, spec, readValues }
    : { ...settings, readValues };
  const error = await gatherEvidence(gather, deps, evidence).then(
    () => undefined,
    (thrown: unknown) => errorMessage(thrown),
  );
  const report = assembleReport({
    settings,
    evidence,
    error,
    pullRequest: undefined,
    mergeGroup: undefined,
    startedAt: new Date(CLOCK_START).toISOString(),
    valuesHidden,
  });
  expectKeyOnlyInHeader(ctx.expect, retab);
  const readable = { log: log.join('\n'), report: JSON.stringify(report) };
  for (const [place, text] of Object.entries(readable)) {
    ctx.expect(text.includes(API_KEY), `the API key appears in the ${place}`).toBe(false);
  }
  return { report, verdict: report.verdict, error: report.error, log, retab };
}
