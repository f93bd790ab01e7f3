// "Cost and time" in-process against the fake Retab on a virtual clock, on both APIs: the
// figures, the thresholds, credits Retab does not report, reads that fail, the read budget of a
// large run, and a reused run. The comparison's own cases: test/gate/cost.test.ts.
import { describe, expect, test } from 'vitest';
import { ARTIFACT_READ, type FakeCost, type RecordedRequest } from '../fakes/retab.ts';
import { scoresOf } from '../fakes/scenarios.ts';
import { gateInProcess, renderComment } from '../harness/gate-in-process.ts';
import {
  BASE,
  BEFORE,
  CONTENT_PATH,
  CURRENT_RESULTS_PATH,
  DIALECTS,
  DOCS,
  NEW_RUN,
  costScenario,
  disputedRegression,
  history,
  ms,
  pairedScenario,
  scenario,
} from '../harness/scenario.ts';

/** retab-large: three times the credits, twice the time, and one document that took 10 minutes. */
const AFTER: FakeCost = {
  creditsPerDocument: 7.5,
  documentMs: { ...ms(6_400), expdoc_5: 600_000 },
};

/** `count` documents, doc_0001 on, each scored 0.9 in both runs. */
function manyDocuments(count: number) {
  const documents = Array.from({ length: count }, (_, i) => ({
    id: `doc_${String(i + 1).padStart(4, '0')}`,
    filename: `invoice_${i + 1}.pdf`,
  }));
  return { documents, scores: documents.map(() => 0.9) };
}

/** An artifact's own read, on any of its routes. */
const isArtifactRead = (r: RecordedRequest) => ARTIFACT_READ.test(r.path);
/** The run and document an artifact read is about (the fake's ids: extr_{run}~{document}). */
function artifactOf(r: RecordedRequest): { run: string; document: string } | undefined {
  const match = /extr_(.+?)~(.+)$/.exec(decodeURIComponent(r.path));
  return match ? { run: match[1]!, document: match[2]! } : undefined;
}
/** The documents whose artifacts of `run` were read, sorted. */
function artifactDocuments(requests: readonly RecordedRequest[], run: string): string[] {
  return requests
    .filter(isArtifactRead)
    .map(artifactOf)
    .flatMap((a) => (a?.run === run ? [a.document] : []))
    .sort();
}

test('current API, 1,000 documents listed in another order by each run: the sample holds at least 10 of the documents both runs’ pages name, within 30 reads per run', async (ctx) => {
  const { documents, scores } = manyDocuments(1_000);
  // The reference lists its results from the 461st document on: its first 5 pages name documents
  // 461–960, this run's 1–500; 40 are named by both.
  const rotated = [...documents.slice(460), ...documents.slice(0, 460)];
  const gate = await gateInProcess(ctx, {
    scenario: pairedScenario(documents, scores, scores, {
      dialect: 'current',
      artifactOperation: 'artifact',
      history: [
        { id: 'exprun_1', definitionFingerprint: 'fp_base', scores: scoresOf(rotated, scores) },
      ],
    }),
  });
  const of = (run: string) => artifactDocuments(gate.retab.requests, run);
  const sharedByPages = (id: string) => id >= 'doc_0461' && id <= 'doc_0500';
  expect(of('exprun_1').length).toBeLessThanOrEqual(30);
  expect(of(NEW_RUN).length).toBeGreaterThanOrEqual(10);
  expect(of(NEW_RUN).every(sharedByPages)).toBe(true);
  expect(of(NEW_RUN).every((id) => of('exprun_1').includes(id))).toBe(true);
  expect(gate.report.cost?.credits.documents).toBe(of(NEW_RUN).length);
});

test('current API, 2,000 documents: this run’s artifacts of the documents read ahead are asked for while its pages are still being read', async (ctx) => {
  const { documents, scores } = manyDocuments(2_000);
  const gate = await gateInProcess(ctx, {
    scenario: pairedScenario(documents, scores, scores, {
      dialect: 'current',
      artifactOperation: 'artifact',
    }),
  });
  const ofThisRun = (r: RecordedRequest) =>
    (isArtifactRead(r) && artifactOf(r)?.run === NEW_RUN) ||
    (r.path === CURRENT_RESULTS_PATH && r.query.run_id === NEW_RUN);
  const reads = gate.retab.requests.filter(ofThisRun);
  const pages = reads.filter((r) => r.path === CURRENT_RESULTS_PATH);
  expect(pages).toHaveLength(5);
  const lastPageAsked = Math.max(...pages.map((r) => r.order?.arrived ?? 0));
  const artifactsBefore = reads.filter(
    (r) => isArtifactRead(r) && (r.order?.arrived ?? Infinity) < lastPageAsked,
  );
  // The reference's 20 read ahead are spread over the 5 pages both runs list alike.
  expect(artifactsBefore.length).toBeGreaterThanOrEqual(5);
  expect(reads.filter(isArtifactRead)).toHaveLength(30);
  expect(gate.report.cost?.credits).toMatchObject({ documents: 30, of: 2_000, sampled: true });
});

test('current API, 200 documents: this run’s second page does not wait behind the artifact reads its first page started', async (ctx) => {
  const { documents, scores } = manyDocuments(200);
  const gate = await gateInProcess(ctx, {
    scenario: pairedScenario(documents, scores, scores, {
      dialect: 'current',
      artifactOperation: 'artifact',
    }),
    // Artifact answers wait until the gate can send no more: a page queued behind 10 of them
    // would be sent only after one is answered.
    hold: isArtifactRead,
  });
  const ofThisRun = gate.retab.requests.filter(
    (r) => (isArtifactRead(r) && artifactOf(r)?.run === NEW_RUN) || r.query.run_id === NEW_RUN,
  );
  const pages = ofThisRun.filter((r) => r.path === CURRENT_RESULTS_PATH);
  const artifacts = ofThisRun.filter(isArtifactRead);
  expect(pages).toHaveLength(2);
  // The first page names more than 10 of the 30 documents read ahead: their reads fill the queue.
  const namedByFirstPage = artifacts.filter((r) => artifactOf(r)!.document <= 'doc_0100');
  expect(namedByFirstPage.length).toBeGreaterThan(10);
  expect(pages[1]!.order!.arrived).toBeLessThan(
    Math.min(...artifacts.map((r) => r.order?.done ?? Infinity)),
  );
  expect(artifacts).toHaveLength(30);
});

test('current API, this run’s second results page fails: the first page’s documents still make the sample, and no artifact is read for nothing', async (ctx) => {
  const { documents, scores } = manyDocuments(300);
  const gate = await gateInProcess(ctx, {
    scenario: pairedScenario(documents, scores, scores, {
      dialect: 'current',
      artifactOperation: 'artifact',
      resultsFaults: { [`${NEW_RUN}/2`]: 500 },
    }),
  });
  expect(gate.verdict).toBe('pass');
  const cost = gate.report.cost;
  expect(cost?.failures[0]).toMatch(
    /^the results of run exprun_new: HTTP 500, x-request-id req_\d+$/,
  );
  const read = artifactDocuments(gate.retab.requests, NEW_RUN);
  expect(read.length).toBeGreaterThan(0);
  // Every artifact read of this run counts in the figure: the documents its first page names.
  expect(cost?.credits.documents).toBe(read.length);
  expect(read.every((id) => id <= 'doc_0100')).toBe(true);
  expect(cost?.seconds.documents).toBe(100);
});

describe.each(DIALECTS)('the %s API', (dialect) => {
  test('the figures: reference → current with the change, the median against one slow document', async (ctx) => {
    const gate = await gateInProcess(ctx, { scenario: costScenario(dialect, BEFORE, AFTER) });
    expect(gate.verdict).toBe('pass');
    const cost = gate.report.cost;
    expect(cost?.credits).toMatchObject({
      reference: 2.5,
      current: 7.5,
      delta: 5,
      relative: 2,
      documents: 5,
      of: 5,
      sampled: false,
    });
    // The mean would be 2 minutes: the median is what a document takes.
    expect(cost?.seconds).toMatchObject({ reference: 3.2, current: 6.4, documents: 5 });
    expect(cost?.seconds.delta).toBeCloseTo(3.2, 6);
    const comment = renderComment(gate.report);
    expect(comment).toContain('| Credits per document | 2.50 | 7.50 | +5.00 (+200 %) |');
    expect(comment).toContain('| Time per document | 3.2 s | 6.4 s | +3.2 s (+100 %) |');
    // Both moved by 25 % or more: the first line names them.
    const first = comment.split('\n').find((line) => line.startsWith('## '));
    expect(first).toContain('credits/document +5.00 (+200 %)');
    expect(first).toContain('time/document +3.2 s (+100 %)');
  });

  test('a small move is not in the first line', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: costScenario(dialect, BEFORE, { creditsPerDocument: 2.7, documentMs: ms(3_300) }),
    });
    const first = renderComment(gate.report)
      .split('\n')
      .find((line) => line.startsWith('## '));
    expect(first).not.toContain('credits/document');
    expect(first).not.toContain('time/document');
  });

  test('max-cost-increase and max-time-increase: a rise past either is a regression, named', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: costScenario(dialect, BEFORE, AFTER),
      inputs: { 'max-cost-increase': '50%', 'max-time-increase': '2s' },
    });
    expect(gate.verdict).toBe('regression');
    expect(gate.report.reasons).toEqual([
      { rule: 'max-cost-increase', current: 7.5, reference: 2.5, allowed: 1.25 },
      { rule: 'max-time-increase', current: 6.4, reference: 3.2, allowed: 2 },
    ]);
    const comment = renderComment(gate.report);
    expect(comment).toContain(
      'Credits per document rose from 2.50 to 7.50; `max-cost-increase` 50% allows +1.25.',
    );
    expect(comment).toContain(
      'Time per document rose from 3.2 s to 6.4 s; `max-time-increase` 2s allows +2.0 s.',
    );
    const within = await gateInProcess(ctx, {
      scenario: costScenario(dialect, BEFORE, AFTER),
      inputs: { 'max-cost-increase': '5', 'max-time-increase': '100%' },
    });
    expect(within.verdict).toBe('pass');
  });

  test.for([
    ['usage null', null],
    ['usage absent', 'absent'],
    ['credits a string', { credits: '<img src=x onerror=alert(1)>' }],
    ['credits negative', { credits: -7 }],
    ['credits an object', { credits: { amount: 5, html: '<b>@admin</b>' } }],
    ['usage a string', '| forged | row |'],
    ['token counts only', { prompt_tokens: 1200, page_count: 3 }],
  ] as const)(
    'not reported (%s): "not reported", never 0; the threshold is a warning',
    async ([, usage], ctx) => {
      const gate = await gateInProcess(ctx, {
        scenario: costScenario(dialect, BEFORE, {
          ...AFTER,
          usage: Object.fromEntries(DOCS.map((d) => [d.id, usage])),
        }),
        inputs: { 'max-cost-increase': '10%' },
      });
      // The verdict stands on accuracy.
      expect(gate.verdict).toBe('pass');
      expect(gate.report.cost?.credits).toMatchObject({
        current: null,
        reference: 2.5,
        delta: null,
        notReported: { current: 5, reference: 0 },
      });
      expect(gate.report.cost?.unchecked).toEqual([
        {
          input: 'max-cost-increase',
          why: 'Retab reported no credits for the same documents in both runs',
        },
      ]);
      const comment = renderComment(gate.report);
      expect(comment).toContain('| Credits per document | 2.50 | not reported | — |');
      expect(comment).toContain('`max-cost-increase` could not be checked');
      // Nothing from `usage` reaches the comment but formatted numbers.
      for (const text of [
        '<img',
        'onerror',
        '@admin',
        '<b>',
        'forged',
        '-7',
        '−7',
        '| 0.00',
        '$0',
      ]) {
        expect(comment).not.toContain(text);
      }
    },
  );

  test.for([
    ['HTTP 500', 500],
    ['timeouts', 'timeout'],
  ] as const)(
    'artifact reads that fail (%s): a line in the report, the verdict unchanged',
    async ([, fault], ctx) => {
      const some = await gateInProcess(ctx, {
        scenario: costScenario(dialect, BEFORE, AFTER, {
          artifactFaults: { expdoc_1: fault, expdoc_2: fault },
        }),
        inputs: { 'max-cost-increase': '1000%' },
      });
      expect(some.verdict).toBe('pass');
      // Over the three documents read in both runs.
      expect(some.report.cost?.credits).toMatchObject({
        current: 7.5,
        reference: 2.5,
        documents: 3,
      });
      expect(some.report.cost?.failedReads).toBe(4);
      expect(some.report.cost?.failures[0]).toMatch(
        new RegExp(`HTTP ${fault === 500 ? 500 : 504}, x-request-id req_\\d+`),
      );
      expect(renderComment(some.report)).toContain('4 reads of cost and time failed (');

      const all = await gateInProcess(ctx, {
        scenario: costScenario(dialect, BEFORE, AFTER, { artifactFaults: { '*': fault } }),
        inputs: { 'max-cost-increase': '10%' },
      });
      expect(all.verdict).toBe('pass');
      expect(all.report.cost?.credits.current).toBeNull();
      expect(all.report.cost?.unchecked).toEqual([
        { input: 'max-cost-increase', why: 'the artifact reads failed' },
      ]);
      // The times come from the results: still there.
      expect(all.report.cost?.seconds.current).toBe(6.4);
    },
  );

  test('the read budget at 2,000 documents: 30 artifacts per run, the same documents, ≤ 5 pages, ≤ 10 in flight', async (ctx) => {
    const { documents, scores } = manyDocuments(2_000);
    const gate = await gateInProcess(ctx, {
      scenario: pairedScenario(documents, scores, scores, {
        dialect,
        history: [
          {
            id: 'exprun_1',
            definitionFingerprint: 'fp_base',
            scores: scoresOf(documents, scores),
            durationMs: 400,
            cost: { creditsPerDocument: 2.5 },
          },
        ],
      }),
      // The answers wait until the gate can send no more: as many reads overlap as it allows.
      hold: isArtifactRead,
    });
    expect(gate.verdict).toBe('pass');
    const of = (run: string) => artifactDocuments(gate.retab.requests, run);
    expect(of(NEW_RUN)).toHaveLength(30);
    expect(of('exprun_1')).toEqual(of(NEW_RUN));
    expect(new Set(of(NEW_RUN)).size).toBe(30);
    // Spread over the documents, not a few runs of neighbouring ids (doc_0121 to doc_0129).
    const tens = new Set(of(NEW_RUN).map((id) => id.slice(0, -1)));
    expect(tens.size).toBeGreaterThanOrEqual(20);
    expect(gate.retab.maxInFlight(isArtifactRead)).toBe(10);
    const resultsPath = dialect === 'current' ? CURRENT_RESULTS_PATH : CONTENT_PATH;
    const pages = gate.retab.requests.filter((r) => r.path === resultsPath);
    for (const run of [NEW_RUN, 'exprun_1']) {
      const read = pages.filter((r) => r.query.run_id === run);
      expect(read.length).toBe(dialect === 'current' ? 5 : 1);
      expect(new Set(read.map((r) => r.query.after)).size).toBe(read.length);
    }
    const cost = gate.report.cost;
    expect(cost?.credits).toMatchObject({ documents: 30, of: 2_000, sampled: true });
    expect(cost?.credits.interval?.level).toBe(0.95);
    expect(cost?.seconds).toMatchObject({
      documents: dialect === 'current' ? 500 : 2_000,
      sampled: dialect === 'current',
    });
    const comment = renderComment(gate.report);
    expect(comment).toContain('Credits: a sample of 30 of 2,000 documents, the same in both runs');
    if (dialect === 'current') {
      expect(comment).toContain('Time: the median over 500 of 2,000 documents');
    }
  });

  test('the cost reads go after the field and value reads of regressed documents; the reference’s results and credits are read ahead', async (ctx) => {
    // 15 regressed documents, 5 fields each: the field and value reads fill the queue.
    const gate = await gateInProcess(ctx, {
      scenario: disputedRegression(dialect),
      repositoryPrivate: true,
    });
    expect(gate.verdict).toBe('regression');
    const resultsPath = dialect === 'current' ? CURRENT_RESULTS_PATH : CONTENT_PATH;
    // The reference's results and its artifacts are read ahead, while the run is going (the
    // reference has ended); this run's results and artifacts wait for the field and value reads.
    const ofRun = (r: RecordedRequest, run: string) =>
      r.path.startsWith('/v1/workflows/artifacts/')
        ? artifactOf(r)?.run === run
        : r.path === resultsPath && r.query.run_id === run;
    const readAhead = gate.retab.requests.filter((r) => ofRun(r, 'exprun_1'));
    const costReads = gate.retab.requests.filter((r) => ofRun(r, NEW_RUN));
    const documentReads = gate.retab.requests.filter(
      (r) =>
        r.query.view === 'by_document' ||
        r.query.view === 'votes' ||
        r.path.startsWith('/v1/extractions/') ||
        r.path.includes('/results/'),
    );
    expect(documentReads.length).toBeGreaterThan(30);
    expect(costReads.length).toBeGreaterThan(2);
    const lastAnswer = Math.max(...documentReads.map((r) => r.order?.done ?? Infinity));
    const firstCostRead = Math.min(...costReads.map((r) => r.order?.arrived ?? 0));
    expect(firstCostRead).toBeGreaterThan(lastAnswer);
    const firstDocumentRead = Math.min(...documentReads.map((r) => r.order?.arrived ?? Infinity));
    // One results read and the 15 documents' artifacts (fewer than 30: all of them).
    expect(readAhead).toHaveLength(16);
    expect(costReads).toHaveLength(16);
    for (const read of readAhead) expect(read.order?.done).toBeLessThan(firstDocumentRead);
  });

  test('documents this run errored on leave the sample: still at most 30 artifact reads per run, the same documents', async (ctx) => {
    const documents = Array.from({ length: 40 }, (_, i) => ({
      id: `doc_${String(i + 1).padStart(2, '0')}`,
      filename: `invoice_${i + 1}.pdf`,
    }));
    // Every fourth document errors in this run: some of them were read ahead for the reference.
    const current = documents.map((_, i) => (i % 4 === 0 ? null : 0.9));
    const gate = await gateInProcess(ctx, {
      scenario: pairedScenario(
        documents,
        documents.map(() => 0.9),
        current,
        { dialect, artifactOperation: 'artifact' },
      ),
    });
    const of = (run: string) => artifactDocuments(gate.retab.requests, run);
    const errored = new Set(documents.filter((_, i) => i % 4 === 0).map((d) => d.id));
    expect(of('exprun_1').length).toBeLessThanOrEqual(30);
    expect(of(NEW_RUN).length).toBeGreaterThanOrEqual(20);
    expect(of(NEW_RUN).every((id) => !errored.has(id))).toBe(true);
    expect(of(NEW_RUN).every((id) => of('exprun_1').includes(id))).toBe(true);
    expect(gate.report.cost?.credits).toMatchObject({ documents: of(NEW_RUN).length, of: 30 });
  });

  test('a reused run: its figures shown, no change judged against the previous run', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: scenario({
        dialect,
        reuseFreshResults: true,
        history: [
          history('exprun_0', 'fp_base', BASE, { cost: BEFORE }),
          history('exprun_1', 'fp_next', BASE, { cost: AFTER }),
        ],
      }),
      inputs: { 'max-cost-increase': '10%', 'max-time-increase': '10%' },
    });
    expect(gate.report.run?.reused).toBe(true);
    expect(gate.verdict).toBe('pass');
    expect(gate.report.cost).toMatchObject({ judged: false, unchecked: [] });
    expect(gate.report.cost?.credits).toMatchObject({ reference: 2.5, current: 7.5, delta: 5 });
    expect(renderComment(gate.report)).toContain(
      '`max-cost-increase` 10% · `max-time-increase` 10%: not judged, nothing changed since this run was judged.',
    );
  });
});

describe('the artifact’s own route', () => {
  test.for([
    ['classification', '/v1/classifications/'],
    ['split', '/v1/splits/'],
    ['partition', '/v1/partitions/'],
    ['artifact', '/v1/workflows/artifacts/'],
  ] as const)('%s: read on %s', async ([operation, route], ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: costScenario('current', BEFORE, AFTER, { artifactOperation: operation }),
    });
    const reads = gate.retab.requests.filter(isArtifactRead);
    expect(reads).toHaveLength(10);
    expect(reads.every((r) => r.path.startsWith(route))).toBe(true);
    expect(gate.report.cost?.credits.current).toBe(7.5);
  });
});
