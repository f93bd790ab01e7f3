// The gathering of evidence (history, trigger, wait, reads) and the verdict it leads to, in-process
// against the fake Retab on a virtual clock: waits and retries of any length cost nothing. Judged
// by what a user notices: the verdict, the error text, the runs created or cancelled on Retab and
// the requests that reached it. Every case that depends on the API runs against both of Retab's
// APIs (the older routes and the current ones); the few that exist on one API only say so.
import { describe, expect, test } from 'vitest';
import type { FakeRetab, RetabEndpoint, RetabScenario } from '../fakes/retab.ts';
import { ATTEMPT, gateInProcess, idempotencyKey } from '../harness/gate-in-process.ts';
import {
  BASE,
  CURRENT_RUNS_PATH,
  DIALECTS,
  DOCS,
  DROP,
  NEW_JOB,
  NEW_RUN,
  ROUTES_OF,
  RUNS_PATH,
  TRIGGER_PATH,
  flakyScenario,
  history,
  next,
  pairedScenario,
  requestsTo,
  scenario,
} from '../harness/scenario.ts';
import { scoresOf } from '../fakes/scenarios.ts';

/** Mean 0.79: alpha −40 points, bravo −10, charlie +5. */
const DROPPED = [0.5, 0.75, 0.85, 0.95, 0.9];
const FLAT_80 = [0.8, 0.8, 0.8, 0.8, 0.8];
const FLAT_85 = [0.85, 0.85, 0.85, 0.85, 0.85];

const SETTINGS = {
  workflowId: 'wf_a',
  experimentId: 'exp_a',
  nConsensus: 5,
  retryFailedOnly: false,
} as const;

/** The Idempotency-Key of the gate's first trigger with the usual inputs. */
const FIRST_KEY = idempotencyKey(
  {
    workflowId: 'wf_test',
    experimentId: 'exp_test',
    nConsensus: undefined,
    retryFailedOnly: false,
  },
  ATTEMPT,
);

describe('idempotencyKey', () => {
  test('the same step retrying its request sends the same key: the API returns the first run', () => {
    expect(idempotencyKey(SETTINGS, ATTEMPT)).toBe(idempotencyKey(SETTINGS, { ...ATTEMPT }));
  });
  test('a re-run of the workflow (a new attempt) or other options start a new run', () => {
    const key = idempotencyKey(SETTINGS, ATTEMPT);
    expect(idempotencyKey(SETTINGS, { ...ATTEMPT, runAttempt: '2' })).not.toBe(key);
    expect(idempotencyKey(SETTINGS, { ...ATTEMPT, runId: '43' })).not.toBe(key);
    expect(idempotencyKey({ ...SETTINGS, nConsensus: 7 }, ATTEMPT)).not.toBe(key);
    expect(idempotencyKey({ ...SETTINGS, retryFailedOnly: true }, ATTEMPT)).not.toBe(key);
    expect(idempotencyKey({ ...SETTINGS, experimentId: 'exp_b' }, ATTEMPT)).not.toBe(key);
  });
  test('outside a workflow every call is new', () => {
    expect(idempotencyKey(SETTINGS, undefined)).not.toBe(idempotencyKey(SETTINGS, undefined));
  });
});

/** Each kind of request that reached the fake, as `METHOD path`, once, sorted. */
/** The routes asked, an artifact's own read (what a document cost) counted as one route. */
function routesAsked(retab: FakeRetab): string[] {
  const route = (path: string) => path.replace(/^\/v1\/extractions\/.+$/, '/v1/extractions/{id}');
  return [...new Set(retab.requests.map((r) => `${r.method} ${route(r.path)}`))].sort();
}

describe.each(DIALECTS)('the %s API', (dialect) => {
  const routes = ROUTES_OF[dialect];
  /** The trigger requests that reached the fake. */
  const triggers = (retab: FakeRetab) => requestsTo(retab, 'POST', routes.trigger);

  describe('the verdict', () => {
    test('pass: one run, on this API’s routes only (the other API’s list asked once, at the start)', async (ctx) => {
      const gate = await gateInProcess(ctx, { scenario: scenario({ dialect }) });
      expect(gate.verdict).toBe('pass');
      expect(gate.report.run).toMatchObject({ id: NEW_RUN, score: 0.88 });
      expect(gate.report.previous?.id).toBe('exprun_1');
      expect(gate.retab.createdRuns()).toBe(1);
      expect(gate.log).toContain(
        dialect === 'current'
          ? 'Retab API: the current routes (/v1/workflows/experiments/…).'
          : 'Retab API: the older routes (/v1/workflows/{workflow}/experiments/{experiment}/…, with jobs).',
      );
      const other = dialect === 'current' ? RUNS_PATH : CURRENT_RUNS_PATH;
      expect(routesAsked(gate.retab)).toEqual(
        [
          `GET ${other}`,
          `GET ${routes.runs}`,
          ...(routes.experiment ? [`GET ${routes.experiment}`] : []),
          `POST ${routes.trigger}`,
          `GET /v1/workflows/experiments/runs/${NEW_RUN}`,
          `GET ${routes.metrics}`,
          // Cost and time: each run's results, and its documents' artifacts.
          `GET ${routes.errorTexts}`,
          'GET /v1/extractions/{id}',
        ].sort(),
      );
      expect(requestsTo(gate.retab, 'GET', other)).toHaveLength(1);
      const metrics = requestsTo(gate.retab, 'GET', routes.metrics);
      expect(metrics.map((r) => [r.query.run_id, r.query.prior_run_id])).toEqual([
        [NEW_RUN, 'exprun_1'],
      ]);
    });

    test('regression: a drop past max-drop', async (ctx) => {
      const gate = await gateInProcess(ctx, { scenario: scenario({ dialect, next: next(DROP) }) });
      expect(gate.verdict).toBe('regression');
      expect(gate.report.comparison?.delta).toBeCloseTo(-0.06, 4);
      expect(gate.retab.createdRuns()).toBe(1);
    });

    test('error: a run that ends in error, and Retab’s message reaches the report', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({
          dialect,
          next: next(BASE, {
            terminalStatus: 'failed',
            jobError: {
              code: 'quota_exceeded',
              message: 'Model quota exceeded for this workspace',
            },
          }),
        }),
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toBe(
        `Run ${NEW_RUN} ended 'failed': Model quota exceeded for this workspace.`,
      );
      expect(gate.report.run?.id).toBe(NEW_RUN);
      expect(gate.retab.cancelled()).toEqual([]);
      // The current API says why in the run's lifecycle; the older one in the job.
      const jobReads = gate.retab.requests.filter((r) => r.path.startsWith('/v1/jobs/'));
      expect(jobReads.length > 0).toBe(dialect === 'older');
    });

    test('first run: passes with no previous run and no comparison', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, history: [], next: next(DROPPED) }),
      });
      expect(gate.verdict).toBe('pass');
      expect(gate.report.previous).toBeUndefined();
      expect(gate.report.comparison).toBeUndefined();
      expect(gate.report.run?.score).toBe(0.79);
      expect(requestsTo(gate.retab, 'GET', routes.metrics)[0]?.query.prior_run_id).toBeUndefined();
    });

    test('like-for-like: other documents (another documents fingerprint) compare the shared ones only', async (ctx) => {
      // The reference has alpha…echo; the new run bravo…foxtrot, under another fingerprint.
      const foxtrot = { id: 'expdoc_6', filename: 'foxtrot.pdf' };
      const gate = await gateInProcess(ctx, {
        scenario: scenario({
          dialect,
          documents: [...DOCS, foxtrot],
          next: {
            ...next(BASE),
            documentsFingerprint: 'docs_v2',
            scores: scoresOf([...DOCS.slice(1), foxtrot], [0.85, 0.8, 0.95, 0.9, 0.4]),
          },
        }),
      });
      // The whole run's mean fell 10 points (a new document scores 0.4): the shared ones held.
      expect(gate.report.run?.score).toBe(0.78);
      expect(gate.verdict).toBe('pass');
      expect(gate.report.comparison).toMatchObject({ likeForLike: true, sharedDocuments: 4 });
      expect(gate.report.comparison?.delta).toBeCloseTo(0, 4);
      expect(gate.report.documentSets).toEqual({
        added: [{ id: 'expdoc_6', filename: 'foxtrot.pdf' }],
        removed: [{ id: 'expdoc_1', filename: 'alpha.pdf' }],
      });
      // The reference's own documents were read: they name the removed one.
      const metrics = requestsTo(gate.retab, 'GET', routes.metrics);
      expect(metrics.map((r) => r.query.run_id).sort()).toEqual(['exprun_1', NEW_RUN]);
    });
  });

  describe('the history, read before anything is paid for', () => {
    /** The run list two runs a page (the older API in its paged envelope). */
    const paged = (overrides: Partial<RetabScenario>) =>
      scenario({ dialect, listEnvelope: 'data', pageSize: 2, ...overrides });

    test('baseline: a run five back is found by following the pages of the run list', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: paged({
          history: [
            history('exprun_1', 'fp_target', FLAT_80),
            ...[2, 3, 4, 5, 6].map((n) => history(`exprun_${n}`, `fp_other_${n}`, BASE)),
          ],
          next: next(FLAT_85),
        }),
        inputs: { 'baseline-fingerprint': 'fp_target' },
      });
      expect(gate.verdict).toBe('pass');
      expect(gate.report.baseline).toMatchObject({ id: 'exprun_1', score: 0.8 });
      expect(gate.report.previous?.score).toBe(0.88);
      expect(gate.report.comparison?.delta).toBeCloseTo(0.05, 4);
      // Page by page: newest first, two a page, each page after the last id of the one before.
      const pages = requestsTo(gate.retab, 'GET', routes.runs).map((r) => r.query.after);
      expect(pages).toEqual([undefined, 'exprun_5', 'exprun_3']);
      const metrics = requestsTo(gate.retab, 'GET', routes.metrics);
      expect(metrics.find((r) => r.query.run_id === NEW_RUN)?.query.prior_run_id).toBe('exprun_1');
    });

    test('without a baseline fingerprint only the first page is read', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: paged({
          history: [1, 2, 3, 4, 5].map((n) => history(`exprun_${n}`, `fp_${n}`, BASE)),
        }),
      });
      expect(gate.verdict).toBe('pass');
      expect(requestsTo(gate.retab, 'GET', routes.runs)).toHaveLength(1);
      expect(gate.report.previous?.id).toBe('exprun_5');
    });

    test('a baseline fingerprint on an experiment with no completed run: an error, no run', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({
          dialect,
          history: [history('exprun_1', 'fp_failed', BASE, { status: 'error' })],
        }),
        inputs: { 'baseline-fingerprint': 'fp_failed' },
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toContain(
        "definition_fingerprint 'fp_failed' (input 'baseline-fingerprint')",
      );
      expect(gate.error).toContain('The experiment has no completed run yet.');
      expect(triggers(gate.retab)).toEqual([]);
    });
  });

  describe('the trigger: one run, whatever the network does', () => {
    test('it carries the attempt’s Idempotency-Key and leaves the experiment its own settings', async (ctx) => {
      const gate = await gateInProcess(ctx, { scenario: scenario({ dialect }) });
      const [trigger, ...more] = triggers(gate.retab);
      expect(more).toEqual([]);
      expect(trigger?.body ?? {}).toEqual(
        dialect === 'current' ? { experiment_id: 'exp_test', workflow_id: 'wf_test' } : {},
      );
      expect(trigger?.headers['idempotency-key']).toBe(FIRST_KEY);
      expect(gate.report.run?.nConsensus).toBe(5);
    });

    test.for([
      ['a 502 after the run was created', { triggerLostAnswer: true }],
      ['a connection reset after the run was created', { triggerReset: 'after' }],
    ] as const)(
      'lost answer, %s: the new run is adopted, never triggered again',
      async ([, fault], ctx) => {
        const gate = await gateInProcess(ctx, {
          scenario: scenario({ dialect, faults: { ...fault, ignoreIdempotencyKey: true } }),
        });
        expect(gate.verdict).toBe('pass');
        expect(gate.report.run?.id).toBe(NEW_RUN);
        expect(triggers(gate.retab)).toHaveLength(1);
        expect(gate.retab.createdRuns()).toBe(1);
        expect(gate.log).toContain(`Found run ${NEW_RUN}, started by this trigger; waiting on it.`);
      },
    );

    test('a connection reset before the run was created: sent again after 1 s, with the same key', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, faults: { triggerReset: 'before' } }),
      });
      expect(gate.verdict).toBe('pass');
      const [first, second, ...more] = triggers(gate.retab);
      expect(more).toEqual([]);
      expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
      // Between the two: the search for a run it might have started, then a pause.
      const { requests } = gate.retab;
      const between = requests.slice(requests.indexOf(first!) + 1, requests.indexOf(second!));
      expect(between.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${routes.runs}`]);
      expect(second!.at - first!.at).toBe(1_000);
      expect(gate.retab.createdRuns()).toBe(1);
    });

    test('the answer lost while another workflow started a run too: neither is guessed at, the same key brings ours', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, faults: { triggerReset: 'after', concurrentTrigger: true } }),
      });
      expect(gate.log).toContain('2 new runs of the experiment: none is taken as ours.');
      expect(triggers(gate.retab)).toHaveLength(2);
      expect(gate.retab.createdRuns()).toBe(2); // ours and the other workflow's
      expect(gate.report.run?.id).toBe(NEW_RUN);
      expect(gate.verdict).toBe('pass');
    });

    test('a success with an unreadable body is never triggered again: the one new run is adopted', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({
          dialect,
          faults: { malformed: 'trigger', ignoreIdempotencyKey: true },
        }),
      });
      expect(gate.verdict).toBe('pass');
      expect(gate.report.run?.id).toBe(NEW_RUN);
      expect(triggers(gate.retab)).toHaveLength(1);
      expect(gate.retab.createdRuns()).toBe(1);
    });

    test('a success with an unreadable body and two new runs: an error, and still no second trigger', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, faults: { malformed: 'trigger', concurrentTrigger: true } }),
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toContain(`Retab POST ${routes.trigger} answered HTTP 200`);
      expect(gate.error).toContain(
        `with an unexpected body: ${dialect === 'current' ? 'id' : 'run_id'}`,
      );
      expect(triggers(gate.retab)).toHaveLength(1);
    });

    test('a refusal is final: no search for a run, no second trigger', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, faults: { triggerRefusal: 'Quota exceeded' } }),
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toMatch(
        new RegExp(
          `^Retab POST ${routes.trigger} failed: HTTP 400 \\(x-request-id req_\\d\\): Quota exceeded$`,
        ),
      );
      // The history's first read (on both APIs' lists), the experiment (current API), then one
      // trigger: nothing else.
      const after = gate.retab.requests.filter(
        (r) => !(r.method === 'GET' && r.path.endsWith('/runs')),
      );
      expect(after.map((r) => `${r.method} ${r.path}`)).toEqual([
        ...(routes.experiment ? [`GET ${routes.experiment}`] : []),
        `POST ${routes.trigger}`,
      ]);
    });

    test('after an adopted run the previous run is still the reference: a regression is found', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({
          dialect,
          history: [history('exprun_0', 'fp_old', BASE), history('exprun_1', 'fp_base', BASE)],
          next: next(DROP),
          faults: { triggerReset: 'after', ignoreIdempotencyKey: true },
        }),
      });
      expect(gate.retab.createdRuns()).toBe(1);
      expect(gate.report.previous).toMatchObject({ id: 'exprun_1', score: 0.88 });
      expect(gate.verdict).toBe('regression');
    });
  });

  describe('the wait', () => {
    test('timeout: the run is cancelled at the timeout, the error says how far it got', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, next: next(BASE, { jobDurationMs: 120_000 }) }),
        inputs: { timeout: '10s' },
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toMatch(
        new RegExp(
          `^Timed out after 10 s \\(input 'timeout'\\) while waiting for run ${NEW_RUN} ` +
            `\\(\\d/5 documents were done\\); the run was cancelled on Retab\\.$`,
        ),
      );
      expect(gate.retab.cancelled()).toEqual([routes.cancelled]);
      const [trigger] = triggers(gate.retab);
      const cancels = gate.retab.requests.filter((r) => r.path.endsWith('/cancel'));
      expect(cancels.map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${routes.cancel}`]);
      expect(cancels[0]!.at - trigger!.at, 'the cancel comes at the timeout').toBe(10_000);
    });

    test('the workflow cancelled while waiting: the run is cancelled, the error says so', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, next: next(BASE, { jobDurationMs: 120_000 }) }),
        cancelAfterMs: 20_000,
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toMatch(
        new RegExp(
          `^The workflow was cancelled while waiting for run ${NEW_RUN} \\(\\d/5 documents were done\\); ` +
            'the run was cancelled on Retab\\.$',
        ),
      );
      expect(gate.retab.cancelled()).toEqual([routes.cancelled]);
    });
  });

  describe('a run in flight, started by someone else: waited for, never cancelled', () => {
    /** exprun_2, started by someone else, ends `runningForMs` after the gate starts. */
    const inFlight = (runningForMs: number, values: readonly number[] = BASE) =>
      scenario({
        dialect,
        history: [
          history('exprun_1', 'fp_base', BASE),
          history('exprun_2', 'fp_other', values, { runningForMs }),
        ],
        next: next(DROP),
      });

    test('seen in the history: waited for, then ours starts with a new Idempotency-Key', async (ctx) => {
      const gate = await gateInProcess(ctx, { scenario: inFlight(40_000, FLAT_80) });
      expect(gate.log).toContain(
        'Run exprun_2 of experiment exp_test is running: waiting for it to end before starting ' +
          "a new run (at most 1800 s, input 'timeout'). It is not cancelled: the gate cancels only " +
          'the runs it starts.',
      );
      expect(gate.log).toContain("Run exprun_2 ended 'completed'; starting ours.");
      const [trigger, ...more] = triggers(gate.retab);
      expect(more).toEqual([]);
      expect(trigger!.at, 'the trigger waited for the run in flight').toBeGreaterThanOrEqual(
        gate.retab.requests[0]!.at + 40_000,
      );
      expect(trigger!.headers['idempotency-key']).not.toBe(FIRST_KEY);
      expect(gate.retab.cancelled()).toEqual([]);
      expect(gate.retab.createdRuns()).toBe(1);
      // Judged against the run that ended meanwhile.
      expect(gate.report.previous).toMatchObject({ id: 'exprun_2', score: 0.8 });
      expect(gate.verdict).toBe('pass');
    });

    test('unseen until the trigger answers 409: waited for, then a new trigger with a new key', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, faults: { runStartsBeforeTrigger: 30_000 } }),
      });
      expect(gate.verdict).toBe('pass');
      const [refused, ours, ...more] = triggers(gate.retab);
      expect(more).toEqual([]);
      expect(refused!.headers['idempotency-key']).toBe(FIRST_KEY);
      // The refused key would be answered the same 409 again: the trigger after the wait is new.
      expect(ours!.headers['idempotency-key']).not.toBe(FIRST_KEY);
      expect(ours!.at - refused!.at).toBeGreaterThanOrEqual(30_000);
      expect(gate.log.some((line) => line.includes('HTTP 409'))).toBe(true);
      expect(gate.log).toContainEqual(
        expect.stringMatching(
          /^Run exprun_other of experiment exp_test is (queued|running): waiting for it to end /,
        ),
      );
      expect(gate.log).toContain("Run exprun_other ended 'completed'; starting ours.");
      expect(gate.retab.cancelled()).toEqual([]);
      expect(gate.report.run?.id).toBe(NEW_RUN);
      // Ours and the other workflow's.
      expect(gate.retab.createdRuns()).toBe(2);
    });

    test("the wait for it is not taken from our run's own timeout", async (ctx) => {
      // 50 s of waiting for theirs, then ours takes 50 s: each within a 60 s `timeout`.
      const gate = await gateInProcess(ctx, {
        scenario: { ...inFlight(50_000), next: next(BASE, { jobDurationMs: 50_000 }) },
        inputs: { timeout: '60s' },
      });
      expect(gate.verdict).toBe('pass');
      expect(gate.report.run?.id).toBe(NEW_RUN);
      expect(gate.retab.cancelled()).toEqual([]);
    });

    test('still in flight at the timeout: an error, nothing started, the run left as it is', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: inFlight(120_000),
        inputs: { timeout: '30s' },
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toBe(
        "Run exprun_2 was still in flight after 30 s (input 'timeout') while waiting for run " +
          'exprun_2, started by someone else, to end; nothing was started, and run exprun_2 was ' +
          'left as it is.',
      );
      expect(triggers(gate.retab)).toEqual([]);
      expect(gate.retab.cancelled()).toEqual([]);
    });
  });

  test('fresh results reused: no new run, the run Retab names is judged and marked reused', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        dialect,
        reuseFreshResults: true,
        history: [history('exprun_1', 'fp_base', BASE), history('exprun_2', 'fp_next', DROP)],
      }),
    });
    expect(gate.retab.createdRuns()).toBe(0);
    // The older API says so in the trigger's answer (noop); the current one in the experiment,
    // read before any trigger.
    expect(triggers(gate.retab)).toHaveLength(dialect === 'older' ? 1 : 0);
    expect(gate.report.run).toMatchObject({ id: 'exprun_2', jobId: '', reused: true });
    expect(gate.report.previous?.id).toBe('exprun_1');
    // The drop against the previous run is shown, not judged again: the run was judged before.
    expect(gate.report.comparison?.delta).toBeCloseTo(-0.06, 4);
    expect(gate.verdict).toBe('pass');
    expect(gate.log).toContain(
      'Retab reused fresh results: no new run was started; judging run exprun_2, which already ' +
        'measured the current configuration and documents.',
    );
    // Nothing to wait for, nothing to cancel.
    expect(requestsTo(gate.retab, 'GET', '/v1/workflows/experiments/runs/exprun_2')).toHaveLength(
      1,
    );
    expect(gate.retab.cancelled()).toEqual([]);
  });

  describe('the reads after completion', () => {
    test('metrics not ready twice, then ready: judged normally', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, metricsNotReadyCount: 2 }),
      });
      expect(gate.verdict).toBe('pass');
      const asked = requestsTo(gate.retab, 'GET', routes.metrics).filter(
        (r) => r.query.view === 'summary',
      );
      expect(asked).toHaveLength(3);
      expect(gate.log.filter((line) => line.includes('not ready (no_metrics)'))).toHaveLength(2);
    });

    test('metrics never ready: an error after a bounded wait, never a pass', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect, metricsNotReadyCount: 1000 }),
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toMatch(
        new RegExp(
          `^Metrics of run ${NEW_RUN} are not usable \\(no_metrics: Metrics are not available yet\\) ` +
            'after \\d tries in (2\\d|30) s\\.$',
        ),
      );
      // A bounded wait (30 s, back-off from 0.5 s): a handful of calls, then the error.
      const asked = requestsTo(gate.retab, 'GET', routes.metrics);
      expect(asked.length).toBeGreaterThan(3);
      expect(asked.length).toBeLessThanOrEqual(8);
      expect(asked[asked.length - 1]!.at - asked[0]!.at).toBeLessThanOrEqual(30_000);
    });

    test('field diffs: the field scores of the documents that fell are read, worst first, and no others', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({
          dialect,
          next: next(DROPPED),
          fieldScores: { expdoc_2: [{ path: 'vendor.name', score: 0.5, prior_score: 1 }] },
        }),
      });
      expect(gate.verdict).toBe('regression');
      const read = requestsTo(gate.retab, 'GET', routes.metrics).filter(
        (r) => r.query.view === 'by_document',
      );
      // alpha fell 40 points, bravo 10; charlie rose.
      expect(read.map((r) => r.query.document_id).sort()).toEqual(['expdoc_1', 'expdoc_2']);
      expect(read.every((r) => r.query.prior_run_id === 'exprun_1')).toBe(true);
      expect(gate.report.fieldChanges).toEqual([
        {
          documentId: 'expdoc_1',
          filename: 'alpha.pdf',
          fields: [{ path: 'total_amount', reference: 0.9, current: 0.5 }],
          more: 0,
        },
        {
          documentId: 'expdoc_2',
          filename: 'bravo.pdf',
          fields: [{ path: 'vendor.name', reference: 1, current: 0.5 }],
          more: 0,
        },
      ]);
    });

    test('error texts: read only as far as the errored documents (the current API pages its results)', async (ctx) => {
      // 250 documents: the current API's results come 100 a page; the two errored documents
      // are on the second page, so the third is never read.
      const documents = Array.from({ length: 250 }, (_, i) => ({
        id: `doc_${String(i + 1).padStart(3, '0')}`,
        filename: `invoice_${i + 1}.pdf`,
      }));
      const reference = documents.map(() => 0.9);
      const current = documents.map((_, i) => (i === 149 || i === 179 ? null : 0.9));
      const gate = await gateInProcess(ctx, {
        scenario: pairedScenario(documents, reference, current, {
          dialect,
          next: {
            ...next(BASE),
            scores: scoresOf(documents, current),
            documentErrors: { doc_150: 'Page unreadable', doc_180: 'Password-protected PDF' },
          },
        }),
      });
      expect(gate.verdict).toBe('regression');
      expect(gate.report.documentErrors).toEqual([
        { id: 'doc_150', message: 'Page unreadable' },
        { id: 'doc_180', message: 'Password-protected PDF' },
      ]);
      // The pages read for the error texts are the first ones read for cost and time: none twice.
      const reads = requestsTo(gate.retab, 'GET', routes.errorTexts);
      const pagesOf = (run: string) =>
        reads.filter((r) => r.query.run_id === run).map((r) => r.query.after);
      const pages = (run: string) =>
        dialect === 'current'
          ? [undefined, `expresult_${run}_100`, `expresult_${run}_200`]
          : [undefined];
      expect(pagesOf(NEW_RUN)).toEqual(pages(NEW_RUN));
      expect(pagesOf('exprun_1')).toEqual(pages('exprun_1'));
    });

    test('error texts add no read when no document errored: each run’s results read once, for the times', async (ctx) => {
      const gate = await gateInProcess(ctx, { scenario: scenario({ dialect, next: next(DROP) }) });
      const reads = requestsTo(gate.retab, 'GET', routes.errorTexts);
      expect(reads.map((r) => r.query.run_id).sort()).toEqual(['exprun_1', NEW_RUN]);
    });

    test('the error texts cannot be read: the verdict stands, the log says why', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({
          dialect,
          next: next([0.9, 0.85, null, 0.95, 0.9], {
            documentErrors: { expdoc_3: 'Page unreadable' },
          }),
          faults: { malformed: dialect === 'current' ? 'results' : 'content' },
        }),
      });
      expect(gate.verdict).toBe('regression');
      expect(gate.report.documentErrors).toEqual([]);
      expect(
        gate.log.some((line) =>
          line.startsWith(
            `Error texts of errored documents are not shown: Retab GET ${routes.errorTexts} answered HTTP 200`,
          ),
        ),
      ).toBe(true);
    });
  });

  describe('malformed answers give an error naming the endpoint and the fields', () => {
    const CASES: Array<[RetabEndpoint, string, string]> = [
      ['runs', routes.runs, '(root)'],
      ['run', `/v1/workflows/experiments/runs/${NEW_RUN}`, 'lifecycle'],
      ['metrics', routes.metrics, 'documents.0.score'],
    ];
    test.for(CASES)('%s', async ([endpoint, path, field], ctx) => {
      const gate = await gateInProcess(ctx, {
        // A long run: a poll that cannot be read comes while the run can still be stopped.
        scenario: scenario({
          dialect,
          next: next(BASE, { jobDurationMs: 60_000 }),
          faults: { malformed: endpoint },
        }),
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toContain(`GET ${path} answered HTTP 200 (x-request-id req_`);
      expect(gate.error).toContain(`with an unexpected body: ${field}`);
      // Nothing is left running: a run we cannot follow is cancelled; none is started on a bad list.
      if (endpoint === 'runs') expect(gate.retab.createdRuns()).toBe(0);
      if (endpoint === 'run') {
        expect(gate.error).toContain(`Lost track of run ${NEW_RUN}; it was cancelled on Retab.`);
        expect(gate.retab.cancelled()).toEqual([routes.cancelled]);
      }
    });
  });

  describe('503 bursts: a flaky Retab, 20 seeded runs, one run each and the right verdict', () => {
    test.for(Array.from({ length: 20 }, (_, i) => i + 1))('seed %i', async (seed, ctx) => {
      const regress = seed % 2 === 0;
      const gate = await gateInProcess(ctx, { scenario: flakyScenario(seed, dialect) });
      expect(gate.retab.createdRuns(), 'runs created').toBe(1);
      expect(gate.verdict).toBe(regress ? 'regression' : 'pass');
      expect(gate.report.comparison?.delta).toBeCloseTo(regress ? -0.06 : 0, 4);
    });
  });
});

describe('only on the older API', () => {
  const triggers = (retab: FakeRetab) => requestsTo(retab, 'POST', TRIGGER_PATH);

  test('n-consensus and retry-failed-only reach the trigger, in its key too', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      inputs: { 'n-consensus': '7', 'retry-failed-only': 'true' },
    });
    expect(gate.verdict).toBe('pass');
    const [trigger, ...more] = triggers(gate.retab);
    expect(more).toEqual([]);
    expect(trigger?.body).toEqual({ n_consensus: 7, retry_failed_only: true });
    expect(trigger?.headers['idempotency-key']).toBe(
      idempotencyKey(
        { workflowId: 'wf_test', experimentId: 'exp_test', nConsensus: 7, retryFailedOnly: true },
        ATTEMPT,
      ),
    );
    expect(gate.report.run?.nConsensus).toBe(7);
  });

  test('retry-failed-only with nothing to retry: an error that says so, and no run', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ retryFailedOnlyConflict: true }),
      inputs: { 'retry-failed-only': 'true' },
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toMatch(
      /^Nothing to retry: the latest run of exp_test has no failed documents \(input 'retry-failed-only' is true; set it to false/,
    );
    expect(gate.retab.createdRuns()).toBe(0);
    expect(triggers(gate.retab)).toHaveLength(1);
  });

  test('a 409 with retry-failed-only is "nothing to retry" even while a run is in flight: no wait', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ faults: { runStartsBeforeTrigger: 30_000 } }),
      inputs: { 'retry-failed-only': 'true' },
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toMatch(/^Nothing to retry: the latest run of exp_test /);
    expect(gate.error).toContain('HTTP 409');
    expect(triggers(gate.retab)).toHaveLength(1);
    // No wait: the run in flight is neither polled nor cancelled, and the list is not read again.
    expect(requestsTo(gate.retab, 'GET', '/v1/workflows/experiments/runs/exprun_other')).toEqual(
      [],
    );
    expect(requestsTo(gate.retab, 'GET', RUNS_PATH)).toHaveLength(1);
    expect(gate.retab.cancelled()).toEqual([]);
  });

  test('a job the API does not serve: the action waits on the run and judges it', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ jobNotFound: true, next: next(DROPPED) }),
    });
    expect(gate.verdict).toBe('regression');
    expect(gate.report.run).toMatchObject({ id: NEW_RUN, jobId: NEW_JOB, score: 0.79 });
    expect(gate.report.comparison?.delta).toBeCloseTo(-0.09, 4);
    expect(
      requestsTo(gate.retab, 'GET', `/v1/workflows/experiments/runs/${NEW_RUN}`).length,
    ).toBeGreaterThan(0);
  });
});

describe('only on the current API', () => {
  const CURRENT = scenario({ dialect: 'current' });

  test.for([
    [{ 'n-consensus': '7' }, ["Input 'n-consensus'"]],
    [{ 'retry-failed-only': 'true' }, ["Input 'retry-failed-only'"]],
    [
      { 'n-consensus': '3', 'retry-failed-only': 'true' },
      ["Input 'n-consensus'", "Input 'retry-failed-only'"],
    ],
  ] as const)(
    '%o cannot be honoured: one error before any paid run',
    async ([inputs, named], ctx) => {
      const gate = await gateInProcess(ctx, { scenario: CURRENT, inputs });
      expect(gate.verdict).toBe('error');
      for (const name of named) {
        expect(gate.error).toContain(`${name} cannot be honoured by Retab's current API`);
      }
      expect(gate.error).toMatch(/ Nothing was run\.$/);
      expect(gate.retab.requests.filter((r) => r.method === 'POST')).toEqual([]);
      expect(gate.retab.createdRuns()).toBe(0);
    },
  );

  test('a cancel answered 404 (the run had just ended) is not a failure', async (ctx) => {
    // The run ends within the first poll's delay; the workflow is cancelled during that delay.
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ dialect: 'current', next: next(BASE, { jobDurationMs: 100 }) }),
      cancelAfterMs: 1,
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toMatch(
      new RegExp(
        `^The workflow was cancelled while waiting for run ${NEW_RUN} \\(.*\\); ` +
          'the run had already ended on Retab\\.$',
      ),
    );
    expect(gate.retab.cancelled()).toEqual([NEW_RUN]);
    expect(gate.log).toContain(`Run ${NEW_RUN} had already ended: nothing to cancel.`);
    expect(gate.log.some((line) => line.startsWith('Could not cancel'))).toBe(false);
  });
});

describe.each(DIALECTS)(
  'a server that speaks neither API (the %s fake at a wrong path)',
  (dialect) => {
    test('one error quoting both routes with their status; a wrong id named as a cause; no run', async (ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: scenario({ dialect }),
        basePath: '/retab',
      });
      expect(gate.verdict).toBe('error');
      expect(gate.error).toContain('speaks neither of the APIs this gate knows');
      expect(gate.error).toContain(`GET ${CURRENT_RUNS_PATH} answered HTTP 404 (x-request-id req_`);
      // The current API's server refuses the older API's header before it looks at the path.
      expect(gate.error).toContain(
        `GET ${RUNS_PATH} answered HTTP ${dialect === 'older' ? '404' : '401'} (x-request-id req_`,
      );
      expect(gate.error).toContain("a wrong 'workflow-id' or 'experiment-id'");
      expect(gate.retab.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
        `GET /retab${CURRENT_RUNS_PATH}`,
        `GET /retab${RUNS_PATH}`,
      ]);
      expect(gate.retab.createdRuns()).toBe(0);
    });
  },
);
