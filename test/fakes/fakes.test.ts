import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitHub } from './github.ts';
import type { FakeGitHub } from './github.ts';
import { startFakeRetab } from './retab.ts';
import type { FakeRetab, RetabScenario } from './retab.ts';
import type { HoldOptions } from './http.ts';
import {
  basicScenario,
  constantScores,
  demoScenario,
  invoiceDocuments,
  VALUED_FIELDS,
} from './scenarios.ts';
import { parseOutputFile } from '../harness/run-action.ts';

const open: Array<FakeRetab | FakeGitHub> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

async function retab(
  scenario: RetabScenario,
  clock?: () => number,
  hold?: HoldOptions,
): Promise<FakeRetab> {
  const fake = await startFakeRetab(scenario, { clock, hold });
  open.push(fake);
  return fake;
}

async function call(
  fake: { url: string },
  method: string,
  path: string,
  options: { key?: string; headers?: Record<string, string>; body?: unknown } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, checked by the assertions
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['Api-Key'] = options.key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(fake.url + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const RUN = '/v1/workflows/wf_test/experiments/exp_test/run';

describe('fake Retab', () => {
  it('rejects a missing or wrong key, and records the request', async () => {
    const fake = await retab(basicScenario());
    const none = await call(fake, 'GET', '/v1/workflows/wf_test/experiments/exp_test/runs');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: 'Invalid API key' });
    expect(none.headers.get('x-request-id')).toBe('req_1');
    const wrong = await call(fake, 'POST', RUN, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(fake.createdRuns()).toBe(0);
    const bearer = await call(fake, 'GET', '/v1/workflows/wf_test/experiments/exp_test/runs', {
      headers: { Authorization: 'Bearer test-key' },
    });
    expect(bearer.status).toBe(200);
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
    const unknown = await call(fake, 'GET', '/v1/nope', { key: 'test-key' });
    expect(unknown).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
    const otherExperiment = await call(
      fake,
      'POST',
      '/v1/workflows/wf_test/experiments/exp_x/run',
      {
        key: 'test-key',
      },
    );
    expect(otherExperiment.status).toBe(404);
  });

  it('creates one run per idempotency key and validates the body', async () => {
    const fake = await retab(basicScenario());
    const headers = { 'Idempotency-Key': 'key-1' };
    const first = await call(fake, 'POST', RUN, {
      key: 'test-key',
      headers,
      body: { n_consensus: 7 },
    });
    const again = await call(fake, 'POST', RUN, {
      key: 'test-key',
      headers,
      body: { n_consensus: 7 },
    });
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(fake.createdRuns()).toBe(1);
    expect(first.body).toEqual({
      experiment_id: 'exp_test',
      run_id: 'exprun_new',
      job_id: 'job_new',
      status: 'pending',
      definition_fingerprint: 'fp_next',
      document_count: 5,
      n_consensus: 7,
      previous_run: { run_id: 'exprun_1', definition_fingerprint: 'fp_base', score: 0.9 },
    });
    const second = await call(fake, 'POST', RUN, {
      key: 'test-key',
      headers: { 'Idempotency-Key': 'key-2' },
    });
    expect(second.body).toMatchObject({
      run_id: 'exprun_new_2',
      job_id: 'job_new_2',
      n_consensus: 5,
    });
    expect(fake.createdRuns()).toBe(2);

    const bad = await call(fake, 'POST', RUN, { key: 'test-key', body: { n_consensus: 4 } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(['body', 'n_consensus']);
    expect(fake.createdRuns()).toBe(2);
  });

  it('answers 409 to retry_failed_only when there is nothing to retry', async () => {
    const fake = await retab(basicScenario({ retryFailedOnlyConflict: true }));
    const res = await call(fake, 'POST', RUN, {
      key: 'test-key',
      body: { retry_failed_only: true },
    });
    expect(res.status).toBe(409);
    expect(fake.createdRuns()).toBe(0);
  });

  it('moves the job from queued to in_progress to completed on its clock, and the run with it', async () => {
    let now = Date.parse('2026-05-18T09:00:00Z');
    const base = basicScenario();
    const fake = await retab({ ...base, next: { ...base.next, jobDurationMs: 600 } }, () => now);
    expect((await call(fake, 'GET', '/v1/jobs/job_new', { key: 'test-key' })).status).toBe(404);
    await call(fake, 'POST', RUN, { key: 'test-key' });
    const job = async () => (await call(fake, 'GET', '/v1/jobs/job_new', { key: 'test-key' })).body;
    const run = async () =>
      (await call(fake, 'GET', '/v1/workflows/experiments/runs/exprun_new', { key: 'test-key' }))
        .body;
    expect((await job()).status).toBe('queued');
    now += 300;
    expect(await job()).toMatchObject({
      id: 'job_new',
      object: 'job',
      status: 'in_progress',
      error: null,
    });
    const running = await run();
    expect(running.lifecycle.status).toBe('running');
    expect(running.score).toBeNull();
    // Halfway through 5 documents at a steady pace.
    expect(running.completed_document_count).toBe(2);
    now += 300;
    const done = await job();
    expect(done.status).toBe('completed');
    expect(done.completed_at).toBe('2026-05-18T09:00:00.600Z');
    const finished = await run();
    expect(finished).toMatchObject({
      lifecycle: { status: 'completed' },
      completed_document_count: 5,
      total_document_count: 5,
      score: 0.9,
      error_count: 0,
      parent_run_id: 'exprun_1',
      definition_fingerprint: 'fp_next',
    });
    expect(finished.timing.duration_ms).toBe(600);
    // The recorded requests carry the fake's time.
    expect(fake.requests.map((r) => r.at - fake.requests[0]!.at)).toEqual([
      0, 0, 0, 300, 300, 600, 600,
    ]);
  });

  it('reports a failed job with its error, and cancels', async () => {
    const base = basicScenario();
    const fake = await retab({
      ...base,
      next: {
        ...base.next,
        jobDurationMs: 0,
        terminalStatus: 'failed',
        jobError: { code: 'quota', message: 'Quota exceeded' },
      },
    });
    await call(fake, 'POST', RUN, { key: 'test-key' });
    const job = await call(fake, 'GET', '/v1/jobs/job_new', { key: 'test-key' });
    expect(job.body).toMatchObject({ status: 'failed', error: { code: 'quota' } });

    const slow = await retab(basicScenario({ next: { ...base.next, jobDurationMs: 10_000 } }));
    await call(slow, 'POST', RUN, { key: 'test-key' });
    const cancel = await call(slow, 'POST', '/v1/jobs/job_new/cancel', { key: 'test-key' });
    expect(cancel).toMatchObject({ status: 200, body: { id: 'job_new', status: 'cancelled' } });
    expect(slow.cancelled()).toEqual(['job_new']);
    const after = await call(slow, 'GET', '/v1/workflows/experiments/runs/exprun_new', {
      key: 'test-key',
    });
    expect(after.body.lifecycle.status).toBe('cancelled');
  });

  it("pages the 'data' envelope with limit and after, newest first", async () => {
    const documents = invoiceDocuments(3);
    const history = Array.from({ length: 5 }, (_, i) => ({
      id: `exprun_${i + 1}`,
      definitionFingerprint: `fp_${i + 1}`,
      scores: constantScores(documents, 0.5 + i / 10),
    }));
    const fake = await retab(
      basicScenario({ documents, history, listEnvelope: 'data', pageSize: 3 }),
    );
    const path = '/v1/workflows/wf_test/experiments/exp_test/runs';
    const page1 = await call(fake, 'GET', `${path}?limit=2`, { key: 'test-key' });
    expect(page1.body.data.map((r: { id: string }) => r.id)).toEqual(['exprun_5', 'exprun_4']);
    expect(page1.body.list_metadata).toEqual({ before: null, after: 'exprun_4' });
    const page2 = await call(fake, 'GET', `${path}?after=exprun_4`, { key: 'test-key' });
    expect(page2.body.data.map((r: { id: string }) => r.id)).toEqual([
      'exprun_3',
      'exprun_2',
      'exprun_1',
    ]);
    expect(page2.body.list_metadata.after).toBeNull();
    expect(page2.body.data[0]).toMatchObject({
      status: 'completed',
      definition_fingerprint: 'fp_3',
      score: 0.7,
      job_id: 'job_exprun_3',
      document_count: 3,
    });

    const runs = await retab(basicScenario({ history }));
    const all = await call(runs, 'GET', path, { key: 'test-key' });
    expect(all.body.runs).toHaveLength(5);
  });

  it('serves metrics against the default and an explicit prior run', async () => {
    const scenario = demoScenario();
    const fake = await retab({
      ...scenario,
      metricsNotReadyCount: 1,
      next: { ...scenario.next, jobDurationMs: 0 },
    });
    const key = scenario.apiKey;
    const base = '/v1/workflows/wf_demo/experiments/exp_invoices';
    await call(fake, 'POST', `${base}/run`, { key });

    const notReady = await call(fake, 'GET', `${base}/metrics?view=summary&run_id=exprun_9b07e5`, {
      key,
    });
    expect(notReady).toMatchObject({
      status: 200,
      body: { kind: 'no_metrics', error: 'no_metrics' },
    });

    const latest = await call(fake, 'GET', `${base}/metrics?view=summary`, { key });
    expect(latest.body).toMatchObject({
      kind: 'summary',
      run_id: 'exprun_9b07e5',
      score: 0.8892,
      prior_score: 0.9142,
      prior_run_id: 'exprun_8c41d2',
      scored_document_count: 12,
      total_document_count: 12,
      aggregate: null,
    });
    const sixth = latest.body.documents.find((d: { id: string }) => d.id === 'expdoc_6');
    expect(sixth).toEqual({
      id: 'expdoc_6',
      filename: 'invoice_2026_q2_006_handwritten_total.jpg',
      score: 0.53,
      prior_score: 0.85,
    });

    const older = await call(
      fake,
      'GET',
      `${base}/metrics?view=summary&run_id=exprun_9b07e5&prior_run_id=exprun_7f3a91`,
      { key },
    );
    expect(older.body).toMatchObject({ prior_run_id: 'exprun_7f3a91', prior_score: 0.8925 });
    expect(older.body.documents[5].prior_score).toBe(0.8);

    const missing = await call(fake, 'GET', `${base}/metrics?view=summary&run_id=exprun_zz`, {
      key,
    });
    expect(missing.status).toBe(404);
  });

  it('renames the fingerprint and reports failed documents in content', async () => {
    const base = basicScenario();
    const scores = { ...base.next.scores, expdoc_2: null };
    const fake = await retab({
      ...base,
      newFingerprintName: true,
      next: {
        ...base.next,
        scores,
        jobDurationMs: 0,
        documentErrors: { expdoc_2: 'Page unreadable' },
      },
    });
    const trigger = await call(fake, 'POST', RUN, { key: 'test-key' });
    expect(trigger.body.block_execution_fingerprint).toBe('fp_next');
    expect(trigger.body.definition_fingerprint).toBeUndefined();
    expect(trigger.body.previous_run.block_execution_fingerprint).toBe('fp_base');
    const run = await call(fake, 'GET', '/v1/workflows/experiments/runs/exprun_new', {
      key: 'test-key',
    });
    expect(run.body).toMatchObject({
      error_count: 1,
      score: 0.9,
      block_execution_fingerprint: 'fp_next',
    });
    const content = await call(
      fake,
      'GET',
      '/v1/workflows/wf_test/experiments/exp_test/content?run_id=exprun_new',
      {
        key: 'test-key',
      },
    );
    expect(content.body.content.jobs[1]).toMatchObject({
      document_id: 'expdoc_2',
      status: 'failed',
      error: 'Page unreadable',
      handle_inputs: { filename: 'invoice_2026_q2_002.pdf' },
    });
  });

  it('answers by_document with the scenario field scores, held until released, and measures concurrency', async () => {
    const base = basicScenario();
    const isByDocument = (r: { query: Record<string, string> }) => r.query.view === 'by_document';
    const fake = await retab(
      {
        ...base,
        next: { ...base.next, jobDurationMs: 0 },
        fieldScores: {
          expdoc_2: [
            { path: 'total_amount', score: 0.4, prior_score: 0.9, value: '12.00' },
            { path: 'vendor.name', score: 1, prior_score: 1 },
          ],
        },
      },
      undefined,
      { match: isByDocument },
    );
    const metrics = '/v1/workflows/wf_test/experiments/exp_test/metrics';
    await call(fake, 'POST', RUN, { key: 'test-key' });
    const byDocument = (doc: string, run = 'exprun_new') =>
      call(fake, 'GET', `${metrics}?view=by_document&document_id=${doc}&run_id=${run}`, {
        key: 'test-key',
      });

    const both = Promise.all([byDocument('expdoc_2'), byDocument('expdoc_3')]);
    await fake.held.until(2);
    // Only by_document answers wait: a summary asked while they wait comes back.
    const summary = await call(fake, 'GET', `${metrics}?view=summary&run_id=exprun_new`, {
      key: 'test-key',
    });
    expect(summary.status).toBe(200);
    expect(fake.held.waiting.map((r) => r.query.document_id).sort()).toEqual([
      'expdoc_2',
      'expdoc_3',
    ]);
    expect(fake.requests.filter(isByDocument).map((r) => r.doneAt)).toEqual([undefined, undefined]);
    fake.held.release();
    const [second, third] = await both;
    expect(fake.held.waiting).toEqual([]);
    expect(second.body).toMatchObject({
      kind: 'by_document',
      run_id: 'exprun_new',
      document: { id: 'expdoc_2', filename: 'invoice_2026_q2_002.pdf' },
      score: 0.9,
      prior_score: 0.9,
      prior_run_id: 'exprun_1',
    });
    expect(second.body.targets).toEqual([
      { path: 'total_amount', score: 0.4, prior_score: 0.9, value: '12.00' },
      { path: 'vendor.name', score: 1, prior_score: 1, value: null },
    ]);
    // Not in the map: the single total_amount target.
    expect(third.body.targets).toEqual([
      { path: 'total_amount', score: 0.85, prior_score: 0.85, value: null },
    ]);
    // A history run's document: the fields' prior scores and values.
    const asked = byDocument('expdoc_2', 'exprun_1');
    await fake.held.until(1);
    fake.held.release();
    const older = await asked;
    expect(older.body.targets).toEqual([
      { path: 'total_amount', score: 0.9, prior_score: null, value: null },
      { path: 'vendor.name', score: 1, prior_score: null, value: null },
    ]);

    expect(fake.maxInFlight(isByDocument)).toBe(2);
    expect(fake.maxInFlight((r) => r.method === 'POST')).toBe(1);
    for (const r of fake.requests) expect(r.doneAt).toBeGreaterThanOrEqual(r.at);
  });

  it('serves what a document extracted: values, votes, results and extractions, on either API', async () => {
    const base = basicScenario();
    const fields = [
      ...VALUED_FIELDS,
      { path: '__proto__.x', score: 1, prior_score: 1, value: 'kept as data' },
    ];
    const scenario = {
      ...base,
      next: { ...base.next, jobDurationMs: 0 },
      fieldScores: { expdoc_2: fields },
    };
    const older = await retab(scenario);
    const metrics = '/v1/workflows/wf_test/experiments/exp_test/metrics';
    await call(older, 'POST', RUN, { key: 'test-key' });
    const get = (path: string) => call(older, 'GET', path, { key: 'test-key' });

    const votes = await get(
      `${metrics}?view=votes&run_id=exprun_new&document_id=expdoc_2&target_path=total_amount`,
    );
    expect(votes.body).toMatchObject({ kind: 'votes', target: 'total_amount' });
    expect(votes.body.rows).toEqual([
      expect.objectContaining({ consensus: '1,420.00', votes: fields[0]!.votes }),
    ]);
    // A list field: a row per item, each with one vote per pass.
    const items = await get(
      `${metrics}?view=votes&run_id=exprun_new&document_id=expdoc_2&target_path=line_items.*.unit_price`,
    );
    expect(items.body.rows.map((r: { votes: unknown[] }) => r.votes)).toEqual([
      [10, 10, 10, 10, 10],
      [20, 20, 2, 20, 20],
    ]);
    const unknown = await get(
      `${metrics}?view=votes&run_id=exprun_new&document_id=expdoc_2&target_path=nope`,
    );
    expect(unknown.status).toBe(404);

    const result = await get('/v1/workflows/experiments/runs/exprun_new/results/expdoc_2');
    expect(result.body.artifact).toEqual({
      operation: 'extraction',
      id: 'extr_exprun_new~expdoc_2',
    });
    expect(result.body.handle_outputs['output-json-0'].data).toMatchObject({
      total_amount: '1,420.00',
      line_items: [{ unit_price: 10 }, { unit_price: 20 }],
    });
    const extraction = await get(`/v1/extractions/${encodeURIComponent(result.body.artifact.id)}`);
    expect(extraction.body.output).toEqual(result.body.handle_outputs['output-json-0'].data);
    expect(extraction.body.output['__proto__']).toEqual({ x: 'kept as data' });
    expect(extraction.body.consensus.choices).toHaveLength(5);
    expect(extraction.body.consensus.choices[2]).toMatchObject({
      total_amount: '1,420.00',
      line_items: [{ unit_price: 10 }, { unit_price: 2 }],
    });
    expect(extraction.body.consensus.choices[3]).toMatchObject({ total_amount: '142.00' });
    expect(extraction.body.consensus.likelihoods).toMatchObject({ total_amount: 0.6 });
    const reference = await get(`/v1/extractions/extr_exprun_1~expdoc_2`);
    expect(reference.body.output).toMatchObject({ total_amount: '1,240.00' });

    // The current API lists the results with the same outputs and artifacts.
    const current = await retab({ ...scenario, dialect: 'current' });
    await call(current, 'POST', '/v1/workflows/experiments/runs', {
      headers: { Authorization: 'Bearer test-key' },
      body: { experiment_id: 'exp_test', workflow_id: 'wf_test' },
    });
    const list = await call(current, 'GET', '/v1/workflows/experiments/results?run_id=exprun_new', {
      headers: { Authorization: 'Bearer test-key' },
    });
    const row = list.body.data.find((r: { document_id: string }) => r.document_id === 'expdoc_2');
    expect(row.artifact).toEqual(result.body.artifact);
    expect(row.handle_outputs).toEqual(result.body.handle_outputs);
  });

  it('fails the value reads a scenario names', async () => {
    const base = basicScenario();
    const fake = await retab({
      ...base,
      next: { ...base.next, jobDurationMs: 0 },
      fieldScores: { expdoc_1: [{ path: 'total_amount', score: 0.5, prior_score: 1 }] },
      valueFaults: {
        expdoc_1: { reference: 'stale', votes: 503, extraction: 'malformed', result: 404 },
        expdoc_2: { fields: 500 },
      },
    });
    const metrics = '/v1/workflows/wf_test/experiments/exp_test/metrics';
    await call(fake, 'POST', RUN, { key: 'test-key' });
    const get = (path: string) => call(fake, 'GET', path, { key: 'test-key' });
    const stale = await get(`${metrics}?view=by_document&run_id=exprun_1&document_id=expdoc_1`);
    expect(stale).toMatchObject({ status: 409, body: { kind: 'stale_metrics' } });
    const fields = await get(`${metrics}?view=by_document&run_id=exprun_new&document_id=expdoc_1`);
    expect(fields.status).toBe(200);
    expect(
      (await get(`${metrics}?view=by_document&run_id=exprun_new&document_id=expdoc_2`)).status,
    ).toBe(500);
    expect(
      (
        await get(
          `${metrics}?view=votes&run_id=exprun_new&document_id=expdoc_1&target_path=total_amount`,
        )
      ).status,
    ).toBe(503);
    expect((await get('/v1/workflows/experiments/runs/exprun_new/results/expdoc_1')).status).toBe(
      404,
    );
    const malformed = await get('/v1/extractions/extr_exprun_new~expdoc_1');
    expect(malformed.body.id).toBe(5);
  });

  it('answers 404 for jobs when the scenario says so', async () => {
    const fake = await retab(basicScenario({ jobNotFound: true }));
    await call(fake, 'POST', RUN, { key: 'test-key' });
    expect((await call(fake, 'GET', '/v1/jobs/job_new', { key: 'test-key' })).status).toBe(404);
  });
});

describe('fake GitHub', () => {
  async function github(scenario: Parameters<typeof startFakeGitHub>[0]): Promise<FakeGitHub> {
    const fake = await startFakeGitHub(scenario);
    open.push(fake);
    return fake;
  }
  const auth = { authorization: 'token gh-token' };

  it('checks the token and answers viewer { login }', async () => {
    const fake = await github({ token: 'gh-token' });
    const bad = await call(fake, 'POST', '/graphql', {
      body: { query: 'query { viewer { login } }' },
    });
    expect(bad).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    const ok = await call(fake, 'POST', '/graphql', {
      headers: { authorization: 'bearer gh-token' },
      body: { query: 'query { viewer { login } }' },
    });
    expect(ok.body).toEqual({ data: { viewer: { login: 'github-actions[bot]' } } });
    expect(ok.headers.get('x-github-request-id')).toBeTruthy();
    expect((await call(fake, 'GET', '/user', { headers: auth })).status).toBe(403);
  });

  it('pages comments with a Link header', async () => {
    const comments = Array.from({ length: 75 }, (_, i) => ({
      issue: 7,
      body: `c${i}`,
      login: 'octocat',
    }));
    const fake = await github({
      token: 'gh-token',
      comments: [...comments, { issue: 8, body: 'x', login: 'a' }],
    });
    const first = await call(fake, 'GET', '/repos/acme/invoices/issues/7/comments', {
      headers: auth,
    });
    expect(first.body).toHaveLength(30);
    expect(first.body[0]).toMatchObject({ id: 1000, body: 'c0', user: { login: 'octocat' } });
    const link = first.headers.get('link') ?? '';
    expect(link).toContain('rel="next"');
    expect(link).toContain('rel="last"');
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
    expect(next.startsWith(fake.url)).toBe(true);
    const second = await call({ url: '' }, 'GET', next, { headers: auth });
    expect(second.body[0].body).toBe('c30');

    const big = await call(
      fake,
      'GET',
      '/repos/acme/invoices/issues/7/comments?per_page=100&page=1',
      {
        headers: auth,
      },
    );
    expect(big.body).toHaveLength(75);
    expect(big.headers.get('link')).toBeNull();
    const last = await call(
      fake,
      'GET',
      '/repos/acme/invoices/issues/7/comments?per_page=50&page=2',
      {
        headers: auth,
      },
    );
    expect(last.body).toHaveLength(25);
    expect(last.headers.get('link')).toContain('rel="prev"');
    expect(last.headers.get('link')).not.toContain('rel="next"');
  });

  it('creates and updates comments, and refuses a body over 65,536 characters', async () => {
    const fake = await github({ token: 'gh-token' });
    const created = await call(fake, 'POST', '/repos/acme/invoices/issues/7/comments', {
      headers: auth,
      body: { body: 'hello' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 1000,
      body: 'hello',
      user: { login: 'github-actions[bot]' },
      html_url: 'https://github.com/acme/invoices/pull/7#issuecomment-1000',
    });
    const tooLong = await call(fake, 'PATCH', '/repos/acme/invoices/issues/comments/1000', {
      headers: auth,
      body: { body: 'x'.repeat(65_537) },
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.errors[0].message).toBe('body is too long (maximum is 65536 characters)');
    const exact = await call(fake, 'PATCH', '/repos/acme/invoices/issues/comments/1000', {
      headers: auth,
      body: { body: 'y'.repeat(65_536) },
    });
    expect(exact.status).toBe(200);
    expect(fake.comments(7)).toHaveLength(1);
    expect(fake.lastWrittenComment()?.body).toHaveLength(65_536);
    expect(fake.comments(7)[0]?.body).toHaveLength(65_536);
  });

  it('refuses writes when told to', async () => {
    const fake = await github({ token: 'gh-token', refuseWrites: true });
    const res = await call(fake, 'POST', '/repos/acme/invoices/issues/7/comments', {
      headers: auth,
      body: { body: 'hello' },
    });
    expect(res).toMatchObject({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    expect(fake.comments(7)).toEqual([]);
  });
});

describe('GITHUB_OUTPUT parsing', () => {
  it('reads heredoc blocks and plain lines', () => {
    const text =
      'verdict<<ghadelimiter_1f0c\nregression\nghadelimiter_1f0c\n' +
      'note<<ghadelimiter_2a\nline one\nline two\nghadelimiter_2a\n' +
      'score=0.8892\nempty<<ghadelimiter_3\n\nghadelimiter_3\n';
    expect(parseOutputFile(text)).toEqual({
      verdict: 'regression',
      note: 'line one\nline two',
      score: '0.8892',
      empty: '',
    });
  });
});
