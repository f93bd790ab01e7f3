// The gathering of evidence (history, trigger, wait, reads) and the verdict it leads to, in-process
// against the fake Retab on a virtual clock: waits and retries of any length cost nothing. Judged
// by what a user notices: the verdict, the error text, the runs created or cancelled on Retab and
// the requests that reached it.
import { describe, expect, test } from 'vitest';
import type { FakeRetab, RetabEndpoint } from '../fakes/retab.ts';
import { ATTEMPT, gateInProcess, idempotencyKey } from '../harness/gate-in-process.ts';
import {
  BASE,
  DROP,
  METRICS_PATH,
  NEW_JOB,
  NEW_RUN,
  RUNS_PATH,
  TRIGGER_PATH,
  flakyScenario,
  history,
  next,
  requestsTo,
  scenario,
} from '../harness/scenario.ts';

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

/** The trigger requests that reached the fake. */
function triggers(retab: FakeRetab) {
  return requestsTo(retab, 'POST', TRIGGER_PATH);
}

describe('the history, read before anything is paid for', () => {
  test('a baseline five runs back is found by following the pages of the run list', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        listEnvelope: 'data',
        pageSize: 2,
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
    const pages = requestsTo(gate.retab, 'GET', RUNS_PATH).map((r) => r.query.after);
    expect(pages).toEqual([undefined, 'exprun_5', 'exprun_3']);
    const metrics = requestsTo(gate.retab, 'GET', METRICS_PATH);
    expect(metrics.find((r) => r.query.run_id === NEW_RUN)?.query.prior_run_id).toBe('exprun_1');
  });

  test('without a baseline fingerprint only the first page is read', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        listEnvelope: 'data',
        pageSize: 2,
        history: [1, 2, 3, 4, 5].map((n) => history(`exprun_${n}`, `fp_${n}`, BASE)),
      }),
    });
    expect(gate.verdict).toBe('pass');
    expect(requestsTo(gate.retab, 'GET', RUNS_PATH)).toHaveLength(1);
    expect(gate.report.previous?.id).toBe('exprun_5');
  });

  test('a baseline fingerprint on an experiment with no completed run: an error, no run', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
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
  test('it carries the attempt idempotency key and the run options', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      inputs: { 'n-consensus': '7', 'retry-failed-only': 'true' },
    });
    expect(gate.verdict).toBe('pass');
    const [trigger, ...more] = triggers(gate.retab);
    expect(more).toEqual([]);
    expect(trigger?.body).toEqual({ n_consensus: 7, retry_failed_only: true });
    expect(trigger?.headers['idempotency-key']).toBe(
      idempotencyKey(
        {
          workflowId: 'wf_test',
          experimentId: 'exp_test',
          nConsensus: 7,
          retryFailedOnly: true,
        },
        ATTEMPT,
      ),
    );
    expect(gate.report.run?.nConsensus).toBe(7);
  });

  test('without those inputs the trigger leaves the experiment its own settings', async (ctx) => {
    const gate = await gateInProcess(ctx);
    const [trigger, ...more] = triggers(gate.retab);
    expect(more).toEqual([]);
    expect(trigger?.body ?? {}).toEqual({});
    expect(gate.report.run?.nConsensus).toBe(5);
  });

  test.for([
    ['a 502 after the run was created', { triggerLostAnswer: true }],
    ['a connection reset after the run was created', { triggerReset: 'after' }],
  ] as const)('%s: the new run is adopted, never triggered again', async ([, fault], ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ faults: { ...fault, ignoreIdempotencyKey: true } }),
    });
    expect(gate.verdict).toBe('pass');
    expect(gate.report.run?.id).toBe(NEW_RUN);
    expect(triggers(gate.retab)).toHaveLength(1);
    expect(gate.retab.createdRuns()).toBe(1);
    expect(gate.log).toContain(`Found run ${NEW_RUN}, started by this trigger; waiting on it.`);
  });

  test('a connection reset before the run was created: sent again after 1 s, with the same key', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ faults: { triggerReset: 'before' } }),
    });
    expect(gate.verdict).toBe('pass');
    const [first, second, ...more] = triggers(gate.retab);
    expect(more).toEqual([]);
    expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    // Between the two: the search for a run it might have started, then a pause.
    const { requests } = gate.retab;
    const between = requests.slice(requests.indexOf(first!) + 1, requests.indexOf(second!));
    expect(between.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${RUNS_PATH}`]);
    expect(second!.at - first!.at).toBe(1_000);
    expect(gate.retab.createdRuns()).toBe(1);
  });

  test('the answer lost while another workflow started a run too: neither is guessed at, the same key brings ours', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ faults: { triggerReset: 'after', concurrentTrigger: true } }),
    });
    expect(gate.log).toContain('2 new runs of the experiment: none is taken as ours.');
    expect(triggers(gate.retab)).toHaveLength(2);
    expect(gate.retab.createdRuns()).toBe(2); // ours and the other workflow's
    expect(gate.report.run?.id).toBe(NEW_RUN);
    expect(gate.verdict).toBe('pass');
  });

  test('a success with an unreadable body is never triggered again: the one new run is adopted', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ faults: { malformed: 'trigger', ignoreIdempotencyKey: true } }),
    });
    expect(gate.verdict).toBe('pass');
    expect(gate.report.run?.id).toBe(NEW_RUN);
    expect(triggers(gate.retab)).toHaveLength(1);
    expect(gate.retab.createdRuns()).toBe(1);
  });

  test('a success with an unreadable body and two new runs: an error, and still no second trigger', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ faults: { malformed: 'trigger', concurrentTrigger: true } }),
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toContain(`Retab POST ${TRIGGER_PATH} answered HTTP 200`);
    expect(gate.error).toContain('with an unexpected body: run_id');
    expect(triggers(gate.retab)).toHaveLength(1);
  });

  test('a refusal is final: no search for a run, no second trigger', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ faults: { triggerRefusal: 'Quota exceeded' } }),
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toBe(
      `Retab POST ${TRIGGER_PATH} failed: HTTP 400 (x-request-id req_3): Quota exceeded`,
    );
    // The history's first read (on both APIs' lists), then one trigger: nothing else.
    const after = gate.retab.requests.filter(
      (r) => !(r.method === 'GET' && r.path.endsWith('/runs')),
    );
    expect(after.map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${TRIGGER_PATH}`]);
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

  test('after an adopted run the previous run is still the reference: a regression is found', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
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
      scenario: scenario({ next: next(BASE, { jobDurationMs: 120_000 }) }),
      inputs: { timeout: '10s' },
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toMatch(
      new RegExp(
        `^Timed out after 10 s \\(input 'timeout'\\) while waiting for run ${NEW_RUN} ` +
          `\\(\\d/5 documents were done\\); the run was cancelled on Retab\\.$`,
      ),
    );
    expect(gate.retab.cancelled()).toEqual([NEW_JOB]);
    const [trigger] = triggers(gate.retab);
    const cancel = gate.retab.requests.find((r) => r.path.endsWith('/cancel'));
    expect(cancel!.at - trigger!.at, 'the cancel comes at the timeout').toBe(10_000);
  });

  test('the workflow cancelled while waiting: the run is cancelled, the error says so', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({ next: next(BASE, { jobDurationMs: 120_000 }) }),
      cancelAfterMs: 20_000,
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toMatch(
      new RegExp(
        `^The workflow was cancelled while waiting for run ${NEW_RUN} \\(\\d/5 documents were done\\); ` +
          'the run was cancelled on Retab\\.$',
      ),
    );
    expect(gate.retab.cancelled()).toEqual([NEW_JOB]);
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

describe('the reads after completion', () => {
  test('metrics not ready twice, then ready: judged normally', async (ctx) => {
    const gate = await gateInProcess(ctx, { scenario: scenario({ metricsNotReadyCount: 2 }) });
    expect(gate.verdict).toBe('pass');
    const asked = requestsTo(gate.retab, 'GET', METRICS_PATH).filter(
      (r) => r.query.view === 'summary',
    );
    expect(asked).toHaveLength(3);
    expect(gate.log.filter((line) => line.includes('not ready (no_metrics)'))).toHaveLength(2);
  });

  test('metrics never ready: an error after a bounded wait, never a pass', async (ctx) => {
    const gate = await gateInProcess(ctx, { scenario: scenario({ metricsNotReadyCount: 1000 }) });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toMatch(
      new RegExp(
        `^Metrics of run ${NEW_RUN} are not usable \\(no_metrics: Metrics are not available yet\\) ` +
          'after \\d tries in (2\\d|30) s\\.$',
      ),
    );
    // A bounded wait (30 s, back-off from 0.5 s): a handful of calls, then the error.
    const asked = requestsTo(gate.retab, 'GET', METRICS_PATH);
    expect(asked.length).toBeGreaterThan(3);
    expect(asked.length).toBeLessThanOrEqual(8);
    expect(asked[asked.length - 1]!.at - asked[0]!.at).toBeLessThanOrEqual(30_000);
  });

  test('the field scores of the documents that fell are read, worst first, and no others', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        next: next(DROPPED),
        fieldScores: { expdoc_2: [{ path: 'vendor.name', score: 0.5, prior_score: 1 }] },
      }),
    });
    expect(gate.verdict).toBe('regression');
    const read = requestsTo(gate.retab, 'GET', METRICS_PATH).filter(
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

  test('the error texts of errored documents cannot be read: the verdict stands, the log says why', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        next: next([0.9, 0.85, null, 0.95, 0.9], {
          documentErrors: { expdoc_3: 'Page unreadable' },
        }),
        faults: { malformed: 'content' },
      }),
    });
    expect(gate.verdict).toBe('regression');
    expect(gate.report.documentErrors).toEqual([]);
    expect(
      gate.log.some((line) =>
        line.startsWith('Error texts of errored documents are not shown: Retab GET'),
      ),
    ).toBe(true);
  });

  test('the error texts of errored documents are read in one call', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        next: next([0.9, 0.85, null, 0.95, 0.9], {
          documentErrors: { expdoc_3: 'Page unreadable' },
        }),
      }),
    });
    expect(gate.report.documentErrors).toEqual([{ id: 'expdoc_3', message: 'Page unreadable' }]);
    expect(
      requestsTo(gate.retab, 'GET', '/v1/workflows/wf_test/experiments/exp_test/content'),
    ).toHaveLength(1);
  });
});

describe('malformed answers give an error naming the endpoint and the fields', () => {
  const CASES: Array<[RetabEndpoint, string, string]> = [
    ['runs', RUNS_PATH, '(root)'],
    ['run', `/v1/workflows/experiments/runs/${NEW_RUN}`, 'lifecycle'],
    ['metrics', METRICS_PATH, 'documents.0.score'],
  ];
  test.for(CASES)('%s', async ([endpoint, path, field], ctx) => {
    const gate = await gateInProcess(ctx, {
      // A long run: a poll that cannot be read comes while the run can still be stopped.
      scenario: scenario({
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
      expect(gate.retab.cancelled()).toEqual([NEW_JOB]);
    }
  });
});

describe('a flaky Retab: 20 seeded runs, one run each and the right verdict', () => {
  test.for(Array.from({ length: 20 }, (_, i) => i + 1))('seed %i', async (seed, ctx) => {
    const regress = seed % 2 === 0;
    const gate = await gateInProcess(ctx, { scenario: flakyScenario(seed) });
    expect(gate.retab.createdRuns(), 'runs created').toBe(1);
    expect(gate.verdict).toBe(regress ? 'regression' : 'pass');
    expect(gate.report.comparison?.delta).toBeCloseTo(regress ? -0.06 : 0, 4);
  });
});
