import { createServer } from 'node:http';
import { MockAgent } from 'undici';
import { describe, expect, test } from 'vitest';
import { createRetabClient, RetabApiError } from '../../src/retab/client.js';
import { abortableSleep, DEFAULT_RETRY, parseRetryAfter, retryDelayMs } from '../../src/retry.js';
import { clientOnClock, startRetabOnClock, virtualClock } from '../harness/gate-in-process.ts';
import {
  EXPERIMENT_ID,
  NEW_JOB,
  RUNS_PATH,
  TRIGGER_PATH,
  WORKFLOW_ID,
  requestsTo,
  scenario,
} from '../harness/scenario.ts';

const ORIGIN = 'https://api.retab.test';
const KEY = 'sk-live-very-secret';

/** A client of the older API; `{}`: one that finds out which API the server speaks. */
function setup({ dialect }: { dialect?: 'older' } = { dialect: 'older' }) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  const sleeps: number[] = [];
  const retries: string[] = [];
  const client = createRetabClient({
    baseUrl: ORIGIN,
    apiKey: KEY,
    dispatcher: agent,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    onRetry: (m) => retries.push(m),
    dialect,
  });
  return { pool, client, sleeps, retries };
}

/** The RetabApiError a call fails with (and proof that it failed). */
async function failure(call: Promise<unknown>): Promise<RetabApiError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(RetabApiError);
    return error as RetabApiError;
  }
  throw new Error('expected the call to fail');
}

const JOB = { id: 'job_1', object: 'job', status: 'in_progress', error: null };

describe('Retab client', () => {
  test('sends the key in the Api-Key header, never in the URL', async () => {
    const { pool, client } = setup();
    let seen: Record<string, string> = {};
    pool
      .intercept({ path: (p) => p.startsWith('/v1/jobs/job_1') && !p.includes(KEY), method: 'GET' })
      .reply(200, (opts) => {
        seen = opts.headers as Record<string, string>;
        return JOB;
      });
    await client.getJob('job_1');
    expect(seen['api-key']).toBe(KEY);
  });

  test('a failure names the call, the status and the x-request-id, never the key', async () => {
    const { pool, client } = setup();
    pool
      .intercept({ path: '/v1/workflows/experiments/runs/exprun_2', method: 'GET' })
      .reply(403, { detail: 'Forbidden for this key' }, { headers: { 'x-request-id': 'req_42' } });
    const error = await failure(client.getRun('exprun_2'));
    expect(error).toBeInstanceOf(RetabApiError);
    const message = (error as Error).message;
    expect(message).toBe(
      'Retab GET /v1/workflows/experiments/runs/exprun_2 failed: HTTP 403 (x-request-id req_42): Forbidden for this key',
    );
    expect(message).not.toContain(KEY);
  });

  test('422 validation problems are listed by field', async () => {
    const { pool, client } = setup();
    pool.intercept({ path: '/v1/workflows/wf/experiments/exp/run', method: 'POST' }).reply(
      422,
      {
        detail: [{ loc: ['body', 'n_consensus'], msg: 'must be 3, 5 or 7', type: 'value_error' }],
      },
      { headers: { 'x-request-id': 'req_9' } },
    );
    const error = await failure(
      client.triggerRun('wf', 'exp', {
        nConsensus: 4,
        retryFailedOnly: false,
        idempotencyKey: 'k',
      }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain('n_consensus: must be 3, 5 or 7');
  });

  test('reads retry 5xx and 429, honouring Retry-After, then succeed', async () => {
    const { pool, client, sleeps, retries } = setup();
    const path = (p: string) => p.startsWith('/v1/jobs/job_1');
    pool.intercept({ path, method: 'GET' }).reply(503, { detail: 'busy' });
    pool
      .intercept({ path, method: 'GET' })
      .reply(429, { detail: 'slow down' }, { headers: { 'retry-after': '7' } });
    pool.intercept({ path, method: 'GET' }).reply(200, JOB);
    expect(await client.getJob('job_1')).toMatchObject({ status: 'in_progress' });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBe(7000);
    expect(retries[0]).toContain('HTTP 503');
  });

  test('other 4xx are not retried', async () => {
    const { pool, client, sleeps } = setup();
    pool
      .intercept({ path: '/v1/workflows/experiments/runs/r', method: 'GET' })
      .reply(400, { detail: 'bad' });
    await expect(client.getRun('r')).rejects.toThrow(/HTTP 400/);
    expect(sleeps).toEqual([]);
  });

  test("gives up after the policy's attempts", async () => {
    const { pool, client, sleeps } = setup();
    pool
      .intercept({ path: '/v1/workflows/experiments/runs/r', method: 'GET' })
      .reply(500, { detail: 'x' })
      .times(10);
    await expect(client.getRun('r')).rejects.toThrow(/HTTP 500/);
    expect(sleeps).toHaveLength(DEFAULT_RETRY.attempts - 1);
  });

  test('a malformed answer names the endpoint and the fields at fault', async () => {
    const { pool, client } = setup();
    pool
      .intercept({
        path: (p) => p.startsWith('/v1/workflows/wf/experiments/exp/metrics'),
        method: 'GET',
      })
      .reply(
        200,
        { kind: 'summary', run_id: 'r', documents: [{ id: 'd', score: 'high' }] },
        { headers: { 'x-request-id': 'req_7' } },
      );
    const error = await failure(client.getMetrics('wf', 'exp', 'r'));
    expect(error.kind).toBe('malformed');
    expect(error.message).toContain('/v1/workflows/wf/experiments/exp/metrics');
    expect(error.message).toContain('req_7');
    expect(error.message).toContain('documents.0.score');
  });

  test('no_metrics answered with a 4xx is an answer, not a failure', async () => {
    const { pool, client } = setup();
    pool
      .intercept({
        path: (p) => p.startsWith('/v1/workflows/wf/experiments/exp/metrics'),
        method: 'GET',
      })
      .reply(404, { kind: 'no_metrics', error: 'no_metrics', message: 'not yet' });
    expect(await client.getMetrics('wf', 'exp', 'r')).toMatchObject({ kind: 'no_metrics' });
  });

  test('the newer fingerprint name is read as definition_fingerprint', async () => {
    const { pool, client } = setup();
    pool
      .intercept({
        path: '/v1/workflows/wf/experiments/exp/runs?limit=100&order=desc',
        method: 'GET',
      })
      .reply(200, {
        data: [{ id: 'r1', status: 'completed', block_execution_fingerprint: 'fp1' }],
        list_metadata: { after: 'r1' },
      });
    const list = await client.listRuns('wf', 'exp');
    expect(list.runs[0]?.definition_fingerprint).toBe('fp1');
    expect(list.after).toBe('r1');
  });

  test('a job the API no longer serves is "gone", so the wait can switch to the run', async () => {
    const { pool, client } = setup();
    pool
      .intercept({ path: (p) => p.startsWith('/v1/jobs/job_1'), method: 'GET' })
      .reply(410, { detail: 'gone' });
    expect(await client.getJob('job_1')).toBe('gone');
  });
});

describe('which API the server speaks: both lists asked at once, their answers decide', () => {
  const CURRENT = '/v1/workflows/experiments/runs';
  const OLDER = '/v1/workflows/wf/experiments/exp/runs';
  const NEITHER = `Retab at ${ORIGIN} speaks neither of the APIs this gate knows`;
  const WRONG_ID = "A 404 on a list can also mean a wrong 'workflow-id' or 'experiment-id'.";
  type Answer = [status: number, body: object];
  const found: Answer = [404, { detail: 'Not Found' }];
  const CASES: Array<[string, Answer, Answer, string]> = [
    [
      'the current list answers',
      [200, { data: [], list_metadata: { after: null } }],
      found,
      'current',
    ],
    ['only the older list answers', found, [200, { runs: [] }], 'older'],
    [
      'both 404 (a wrong path, or a wrong id on an older server)',
      found,
      found,
      `${NEITHER}: GET ${CURRENT} answered HTTP 404 (x-request-id req_current); ` +
        `GET ${OLDER} answered HTTP 404 (x-request-id req_older). ${WRONG_ID}`,
    ],
    [
      'a 404, and the other API’s header refused',
      found,
      [401, { detail: 'Invalid API key' }],
      `${NEITHER}: GET ${CURRENT} answered HTTP 404 (x-request-id req_current); ` +
        `GET ${OLDER} answered HTTP 401 (x-request-id req_older): Invalid API key. ${WRONG_ID}`,
    ],
    [
      'the key refused on both: that error alone',
      [401, { detail: 'Invalid API key' }],
      [401, { detail: 'Invalid API key' }],
      `Retab GET ${CURRENT} failed: HTTP 401 (x-request-id req_current): Invalid API key`,
    ],
    [
      'a 404, and a server error on the other: the server error',
      found,
      [500, { detail: 'Internal error' }],
      `Retab GET ${OLDER} failed: HTTP 500 (x-request-id req_older): Internal error`,
    ],
  ];
  test.for(CASES)('%s', async ([, current, older, expected]) => {
    const { pool, client } = setup({});
    for (const [path, [status, body], id] of [
      [CURRENT, current, 'req_current'],
      [OLDER, older, 'req_older'],
    ] as const) {
      pool
        .intercept({ path: (p) => p.startsWith(`${path}?`), method: 'GET' })
        .reply(status, body, { headers: { 'x-request-id': id } })
        .times(DEFAULT_RETRY.attempts);
    }
    const opened = client.openHistory('wf', 'exp').then(
      (history) => history.dialect,
      (error: unknown) => (error as Error).message,
    );
    expect(await opened).toBe(expected);
    expect(client.dialect).toBe(
      expected === 'current' || expected === 'older' ? expected : undefined,
    );
  });
});

test('a 200 whose body is cut off mid-read is a lost connection (retried), not a malformed answer', async () => {
  let calls = 0;
  const server = createServer((_req, res) => {
    calls += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    if (calls === 1) res.write('{"id": "exprun_2", "lifec', () => res.destroy());
    else res.end(JSON.stringify({ id: 'r', lifecycle: { status: 'running' } }).padEnd(100));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = createRetabClient({
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: KEY,
    sleep: async () => undefined,
    dialect: 'older',
  });
  try {
    expect(await client.getRun('r')).toMatchObject({ lifecycle: { status: 'running' } });
    expect(calls).toBe(2);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

describe('retryDelayMs', () => {
  const base = {
    policy: DEFAULT_RETRY,
    random: () => 1,
    now: 0,
    retryAfter: undefined,
    elapsedMs: 0,
  };
  test('grows exponentially up to the ceiling', () => {
    const delays = [1, 2, 3, 4].map((attempt) => retryDelayMs({ ...base, attempt }));
    expect(delays).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs({ ...base, attempt: 5 })).toBeUndefined();
  });
  test('stops when the time budget would be exceeded', () => {
    expect(
      retryDelayMs({ ...base, attempt: 1, elapsedMs: DEFAULT_RETRY.budgetMs - 100 }),
    ).toBeUndefined();
  });
  test('Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('abortableSleep', () => {
  // The cancel of a run must not wait for the poll to end: an hour's sleep ends on the abort.
  test('ends when the workflow is cancelled, or at once when it already was', async () => {
    const workflow = new AbortController();
    const sleeping = abortableSleep(3_600_000, workflow.signal);
    workflow.abort();
    await sleeping;
    await abortableSleep(3_600_000, workflow.signal);
  });
});

// ---- retries against the fake Retab, on a virtual clock ----

describe('retries against the fake Retab, on a virtual clock', () => {
  const gaps = (requests: readonly { at: number }[]) =>
    requests.slice(1).map((r, i) => r.at - requests[i]!.at);

  test('a read answered 503 is tried again after the back-off, and the log is told why', async (ctx) => {
    const clock = virtualClock();
    const retab = await startRetabOnClock(
      ctx,
      clock,
      scenario({ faults: { firstRequestStatus: 503 } }),
    );
    const retries: string[] = [];
    const client = clientOnClock(retab, clock, {
      onRetry: (m) => retries.push(m),
      dialect: 'older',
    });
    const list = await client.listRuns(WORKFLOW_ID, EXPERIMENT_ID);
    expect(list.runs.map((r) => r.id)).toEqual(['exprun_1']);
    const reads = requestsTo(retab, 'GET', RUNS_PATH);
    // Half fixed, half random (here its middle) of the first 500 ms step.
    expect(gaps(reads)).toEqual([375]);
    expect(retries).toEqual([
      `Retab GET ${RUNS_PATH} failed: HTTP 503 (x-request-id req_1): Injected failure of the first request; retrying in 0.4 s`,
    ]);
  });

  test('429s: each retry waits at least what Retry-After asks; after 5 tries the last error', async (ctx) => {
    const clock = virtualClock();
    const retab = await startRetabOnClock(ctx, clock, scenario({ faults: { rateLimitRate: 1 } }));
    const client = clientOnClock(retab, clock, { dialect: 'older' });
    const error = await failure(client.listRuns(WORKFLOW_ID, EXPERIMENT_ID));
    expect(error.message).toBe(
      `Retab GET ${RUNS_PATH} failed: HTTP 429 (x-request-id req_5): Too many requests`,
    );
    const reads = requestsTo(retab, 'GET', RUNS_PATH);
    // Retry-After: 1 s, until the back-off (750 ms, 1.5 s, 3 s) is longer.
    expect(gaps(reads)).toEqual([1000, 1000, 1500, 3000]);
  });

  test.for([
    ['a 502', { triggerLostAnswer: true }, 502],
    ['a lost connection', { triggerReset: 'before' }, undefined],
  ] as const)(
    'a trigger answered with %s is not sent again by the client',
    async ([, fault, status], ctx) => {
      const clock = virtualClock();
      const retab = await startRetabOnClock(ctx, clock, scenario({ faults: fault }));
      const client = clientOnClock(retab, clock, { dialect: 'older' });
      const error = await failure(
        client.triggerRun(WORKFLOW_ID, EXPERIMENT_ID, {
          nConsensus: undefined,
          retryFailedOnly: false,
          idempotencyKey: 'k',
        }),
      );
      expect(error.status).toBe(status);
      expect(requestsTo(retab, 'POST', TRIGGER_PATH)).toHaveLength(1);
    },
  );

  test('a cancelled workflow stops a read and its retries, never the cancel of the run', async (ctx) => {
    const clock = virtualClock();
    const retab = await startRetabOnClock(ctx, clock, scenario({ faults: { serverErrorRate: 1 } }));
    const workflow = new AbortController();
    const client = clientOnClock(retab, clock, {
      dialect: 'older',
      signal: workflow.signal,
      onRetry: () => workflow.abort(),
    });
    await expect(client.listRuns(WORKFLOW_ID, EXPERIMENT_ID)).rejects.toThrow(/HTTP 50\d/);
    expect(requestsTo(retab, 'GET', RUNS_PATH)).toHaveLength(1);
    await client.triggerRun(WORKFLOW_ID, EXPERIMENT_ID, {
      nConsensus: undefined,
      retryFailedOnly: false,
      idempotencyKey: 'k',
    });
    await client.cancelJob(NEW_JOB);
    expect(retab.cancelled()).toEqual([NEW_JOB]);
  });
});
