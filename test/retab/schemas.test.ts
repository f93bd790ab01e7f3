// The answers of both Retab APIs are read into the same records: each renamed field in both
// spellings, every kind of lifecycle, and a malformed answer refused (an error, never a pass).
import { describe, expect, test } from 'vitest';
import {
  runFromRead,
  runFromRow,
  scoresFromMetrics,
  startedFromTrigger,
} from '../../src/retab/records.js';
import { TEXT_MAX } from '../../src/report/limits.js';
import {
  Lifecycle,
  lifecycleMessage,
  Metrics,
  ResultList,
  ResultRow,
  resultFilename,
  Run,
  RunList,
  TriggerResponse,
} from '../../src/retab/schemas.js';

/** A run object of the current API (run read, list row, trigger answer). */
const CURRENT_RUN = {
  id: 'exprun_2',
  workflow_id: 'wf_abc',
  workflow_version_id: 'draft_1',
  trigger: { type: 'manual_run' },
  experiment_id: 'exp_abc',
  block_id: 'extract-invoice',
  block_type: 'extract',
  n_consensus: 5,
  lifecycle: { status: 'completed' },
  timing: {
    created_at: '2026-06-01T10:00:00Z',
    started_at: '2026-06-01T10:00:02Z',
    completed_at: '2026-06-01T10:04:20Z',
    duration_ms: 258_221,
  },
  parent_run_id: 'exprun_1',
  block_execution_fingerprint: '0ff93ddc',
  documents_fingerprint: 'ddd95baa',
  score: 0.87,
  total_document_count: 12,
  completed_document_count: 12,
  error_count: 0,
};

/** The same run as a row of the older API's list. */
const OLDER_ROW = {
  id: 'exprun_2',
  parent_run_id: 'exprun_1',
  definition_fingerprint: '0ff93ddc',
  documents_fingerprint: 'ddd95baa',
  status: 'completed',
  block_kind: 'extract',
  score: 0.87,
  document_count: 12,
  n_consensus: 5,
  created_at: '2026-06-01T10:00:00Z',
  duration_ms: 258_221,
  job_id: 'job_99',
};

const THE_RUN = {
  id: 'exprun_2',
  status: 'completed',
  score: 0.87,
  definitionFingerprint: '0ff93ddc',
  documentsFingerprint: 'ddd95baa',
  documentCount: 12,
  nConsensus: 5,
  createdAt: '2026-06-01T10:00:00Z',
  durationMs: 258_221,
  parentRunId: 'exprun_1',
};

describe('a run, in both APIs', () => {
  test('a row of the current list (a run object) reads as the same run as an older row', () => {
    const current = RunList.parse({ data: [CURRENT_RUN], list_metadata: { after: null } });
    const older = RunList.parse({ runs: [OLDER_ROW] });
    expect(runFromRow(current.runs[0]!)).toMatchObject(THE_RUN);
    expect(runFromRow(older.runs[0]!)).toMatchObject({ ...THE_RUN, jobId: 'job_99' });
  });

  test('the fingerprint and the block type in either spelling', () => {
    const renamed = Run.parse(CURRENT_RUN);
    expect(renamed.definition_fingerprint).toBe('0ff93ddc');
    expect(renamed.block_kind).toBe('extract');
    const older = Run.parse({
      ...CURRENT_RUN,
      block_execution_fingerprint: undefined,
      block_type: undefined,
      definition_fingerprint: 'fp_old',
      block_kind: 'classifier',
    });
    expect(older.definition_fingerprint).toBe('fp_old');
    expect(older.block_kind).toBe('classifier');
    expect(runFromRead(renamed)).toMatchObject({ ...THE_RUN, completedDocuments: 12 });
  });

  test("the current API's trigger answer is the run: no job, the previous run left to the history", () => {
    const started = startedFromTrigger({
      dialect: 'current',
      run: Run.parse({ ...CURRENT_RUN, lifecycle: { status: 'pending' }, score: null }),
    });
    expect(started).toMatchObject({ runId: 'exprun_2', jobId: '', reused: false });
    expect(started.previous).toBeUndefined();
  });

  test("a run that is already completed when the trigger answers is Retab's reuse of fresh results", () => {
    const started = startedFromTrigger({ dialect: 'current', run: Run.parse(CURRENT_RUN) });
    expect(started.reused).toBe(true);
  });

  test("the older API's noop: no job, the run it names is judged", () => {
    const answer = TriggerResponse.parse({
      run_id: 'exprun_1',
      job_id: null,
      noop: true,
      block_execution_fingerprint: 'fp1',
      previous_run: { run_id: 'exprun_0', block_execution_fingerprint: 'fp0', score: 0.8 },
    });
    const started = startedFromTrigger({ dialect: 'older', trigger: answer });
    expect(started).toMatchObject({
      runId: 'exprun_1',
      jobId: '',
      reused: true,
      definitionFingerprint: 'fp1',
      previous: { id: 'exprun_0', score: 0.8, definitionFingerprint: 'fp0' },
    });
  });
});

describe('lifecycle', () => {
  test.each([
    [{ status: 'pending' }, undefined],
    [{ status: 'queued' }, undefined],
    [{ status: 'running' }, undefined],
    [{ status: 'completed' }, undefined],
    [
      { status: 'error', message: 'Model timeout', details: { error_code: 'timeout' } },
      'Model timeout',
    ],
    [{ status: 'cancelled', reason: 'Cancelled by user' }, 'Cancelled by user'],
  ])('%o is read, with what it says of why', (lifecycle, message) => {
    const read = Lifecycle.parse(lifecycle);
    expect(read.status).toBe(lifecycle.status);
    expect(lifecycleMessage(read)).toBe(message);
  });

  test('an error without a message says what its details say', () => {
    const read = Lifecycle.parse({ status: 'error', details: { message: 'Schema invalid' } });
    expect(lifecycleMessage(read)).toBe('Schema invalid');
  });

  test('a status this gate does not know is read as still running, never as done', () => {
    expect(Lifecycle.parse({ status: 'paused' }).status).toBe('paused');
  });

  test.each([
    ['a bare string', 'completed'],
    ['a status that is not text', { status: 7 }],
    ['an error whose message is not text', { status: 'error', message: 42 }],
    ['no status', { message: 'done' }],
  ])('%s is malformed', (_name, lifecycle) => {
    expect(Lifecycle.safeParse(lifecycle).success).toBe(false);
    expect(Run.safeParse({ ...CURRENT_RUN, lifecycle }).success).toBe(false);
  });
});

describe("the current API's results", () => {
  const ROW = {
    id: 'expresult_1',
    experiment_run_id: 'exprun_2',
    experiment_id: 'exp_abc',
    document_id: 'expdoc_1',
    lifecycle: { status: 'error', message: 'Unreadable scan', details: {} },
    block_type: 'extract',
    handle_inputs: {
      'input-file-0': {
        type: 'file',
        document: { id: 'file_1', filename: 'inv_q1.pdf', mime_type: 'application/pdf' },
      },
    },
    handle_outputs: { 'output-json-0': { type: 'json', data: { total_amount: 1234.5 } } },
    artifact: { operation: 'extraction', id: 'extr_abc' },
    attempt: 1,
  };

  test('an errored document carries its message, its run and its file in the current spelling', () => {
    const row = ResultRow.parse(ROW);
    expect(row.experiment_run_id).toBe('exprun_2');
    expect(lifecycleMessage(row.lifecycle)).toBe('Unreadable scan');
    expect(resultFilename(row)).toBe('inv_q1.pdf');
  });

  test('and in the older spelling: run_id, handle_inputs.*.filename', () => {
    const row = ResultRow.parse({
      ...ROW,
      experiment_run_id: undefined,
      run_id: 'exprun_1',
      handle_inputs: { 'input-file-0': { type: 'file', filename: 'inv_old.pdf' } },
    });
    expect(row.experiment_run_id).toBe('exprun_1');
    expect(resultFilename(row)).toBe('inv_old.pdf');
  });

  test('a page says where the next one starts', () => {
    const list = ResultList.parse({ data: [ROW], list_metadata: { before: null, after: 'r1' } });
    expect(list.rows).toHaveLength(1);
    expect(list.after).toBe('r1');
    expect(ResultList.parse({ data: [], list_metadata: { after: null } }).after).toBeUndefined();
  });

  test('a row without a document id is malformed', () => {
    expect(ResultList.safeParse({ data: [{ ...ROW, document_id: 5 }] }).success).toBe(false);
  });
});

describe("the summary's field scores (aggregate)", () => {
  const summary = (aggregate: unknown, fingerprint = 'definition_fingerprint') => ({
    kind: 'summary',
    run_id: 'exprun_2',
    [fingerprint]: '0ff93ddc',
    score: 0.87,
    prior_run_id: 'exprun_1',
    documents: [{ id: 'expdoc_1', filename: 'a.pdf', score: 0.87, prior_score: 0.9 }],
    ...(aggregate === 'absent' ? {} : { aggregate }),
  });
  const read = (body: unknown) => {
    const metrics = Metrics.parse(body);
    if (metrics.kind !== 'summary') throw new Error('not a summary');
    return scoresFromMetrics(metrics).aggregate;
  };

  test.each(['definition_fingerprint', 'block_execution_fingerprint'])(
    "an extract block's fields, in either API's summary (%s)",
    (fingerprint) => {
      const aggregate = {
        likelihoods: { total_amount: 0.92, 'vendor.name': 0.78, 'line_items.*.unit_price': 0.64 },
      };
      expect(read(summary(aggregate, fingerprint))).toEqual({
        kind: 'field',
        scores: [
          { name: 'total_amount', score: 0.92 },
          { name: 'vendor.name', score: 0.78 },
          { name: 'line_items.*.unit_price', score: 0.64 },
        ],
      });
    },
  );

  test.each([
    ['source/target', { source: 'invoice', target: 'receipt', score: 0.04 }],
    ['from/to', { from: 'invoice', to: 'receipt', score: 0.04 }],
    [
      'both: the newer names win',
      { source: 'invoice', target: 'receipt', from: 'x', to: 'y', score: 0.04 },
    ],
  ])("a classifier's labels, and the flows between them (%s)", (_, flow) => {
    expect(read(summary({ diag: { invoice: 0.95, receipt: 0.81 }, flows: [flow] }))).toEqual({
      kind: 'label',
      scores: [
        { name: 'invoice', score: 0.95 },
        { name: 'receipt', score: 0.81 },
      ],
      flows: [{ source: 'invoice', target: 'receipt', score: 0.04 }],
    });
  });

  test('flows without label scores are read; a flow left unscored is left out', () => {
    const flows = [
      { source: 'receipt', target: 'invoice', score: 0.15 },
      { from: 'invoice', to: 'receipt', score: null },
    ];
    expect(read(summary({ diag: null, flows }))).toEqual({
      kind: 'label',
      scores: [],
      flows: [{ source: 'receipt', target: 'invoice', score: 0.15 }],
    });
    // An extract block's fields have no flows.
    expect(read(summary({ likelihoods: { total_amount: 0.9 }, flows }))).not.toHaveProperty(
      'flows',
    );
  });

  test('a label longer than the report keeps is cut', () => {
    const label = 'x'.repeat(5000);
    const flows = read(summary({ flows: [{ source: label, target: 'b', score: 0.1 }] }))?.flows;
    expect(flows?.[0]?.source).toHaveLength(TEXT_MAX.label);
    expect(flows?.[0]?.source.endsWith('…')).toBe(true);
  });

  test.each([null, 'absent', {}])('none (%j): no field scores, and no error', (aggregate) => {
    expect(read(summary(aggregate))).toBeUndefined();
  });

  test('a field left unscored is left out; a name that is an object key stays a name', () => {
    const body = JSON.parse(
      '{"likelihoods": {"__proto__": 0.5, "constructor": 0.4, "notes": null}}',
    ) as unknown;
    expect(read(summary(body))?.scores).toEqual([
      { name: '__proto__', score: 0.5 },
      { name: 'constructor', score: 0.4 },
    ]);
  });

  test.each([
    [{ likelihoods: { total_amount: 1.5 } }, 'aggregate.likelihoods.0.1'],
    [{ likelihoods: { total_amount: 'high' } }, 'aggregate.likelihoods.0.1'],
    [{ likelihoods: [0.9] }, 'aggregate.likelihoods.0'],
    [{ diag: 'invoice' }, 'aggregate.diag'],
    [{ flows: { receipt: 'invoice' } }, 'aggregate.flows'],
    [{ flows: [{ source: 'receipt', score: 0.1 }] }, 'aggregate.flows.0.target'],
    [{ flows: [{ from: 'receipt', to: 'invoice', score: 1.5 }] }, 'aggregate.flows.0.score'],
  ])('a malformed one (%j) is refused at %s', (aggregate, path) => {
    const result = Metrics.safeParse(summary(aggregate));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});
