// Extracted values, end to end: what only a real process shows. The event's `repository.private`
// decides under `show-values: auto`; values reach the comment, the summary and the JSON report only
// when shown, and never the log or the outputs; phase two hides them by its own event.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test, type TestContext } from 'vitest';
import type { FakeFieldScore } from '../fakes/retab.ts';
import { DEFAULT_SHA as SHA, defaultEvent, runAction } from '../harness/run-action.ts';
import {
  closeFakes,
  errorLines,
  gate,
  GITHUB_TOKEN,
  markedComments,
  next,
  scenario,
  startFakes,
  type Fakes,
} from './setup.ts';

afterEach(closeFakes);

/** Values no other text contains: any trace of them outside the comment is a leak. */
const FIELDS: FakeFieldScore[] = [
  {
    path: 'total_amount',
    score: 0.6,
    prior_score: 1,
    value: 'ZETA-CURRENT-1,420.00',
    prior_value: 'ZETA-REFERENCE-1,240.00',
    votes: [
      'ZETA-CURRENT-1,420.00',
      'ZETA-VOTE-142.00',
      'ZETA-CURRENT-1,420.00',
      'ZETA-VOTE-142.00',
      'ZETA-CURRENT-1,420.00',
    ],
  },
];
const LEAK = 'ZETA-';

/** Results name their artifacts without an operation: cost reads go apart from value reads. */
function valuesScenario() {
  return scenario({
    next: next([0.5, 0.85, 0.8, 0.95, 0.9]),
    fieldScores: { expdoc_1: FIELDS },
    artifactOperation: 'artifact',
  });
}

/** The harness's pull-request event, from the repository's own branch, private or public. */
function pullRequestEvent(isPrivate: boolean | undefined, fork = false) {
  const event = defaultEvent('pull_request', 'acme/invoices') as {
    pull_request: { head: { sha: string; repo: { full_name: string } } };
    repository: Record<string, unknown>;
  };
  event.pull_request.head.sha = SHA;
  if (fork) event.pull_request.head.repo.full_name = 'someone/invoices-fork';
  if (isPrivate !== undefined) event.repository.private = isPrivate;
  return event;
}

/** Reads about single documents beyond each one's fields: the value reads. */
function valueReads(fakes: Fakes) {
  return fakes.retab.requests.filter(
    (r) =>
      (r.query.view === 'by_document' && r.query.run_id !== 'exprun_new') ||
      r.query.view === 'votes' ||
      r.path.includes('/results/') ||
      r.path.startsWith('/v1/extractions/'),
  );
}

describe.concurrent('show-values auto, decided by the event', () => {
  test('a private repository: values in the comment, the summary and the report; never in the log or outputs', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, valuesScenario());
    const run = await gate(ctx, fakes, { event: pullRequestEvent(true) });
    expect(run.outputs.verdict).toBe('regression');
    const body = markedComments(fakes.github)[0]!.body;
    expect(body).toContain(
      '| total_amount | 1.000 | 0.600 | ZETA-REFERENCE-1,240.00 → ZETA-CURRENT-1,420.00 | ZETA-CURRENT-1,420.00 ×3 · ZETA-VOTE-142.00 ×2 |',
    );
    expect(run.summary).toContain('ZETA-REFERENCE-1,240.00 → ZETA-CURRENT-1,420.00');
    expect(run.reportText).toContain('ZETA-VOTE-142.00');
    expect(run.stdout).not.toContain(LEAK);
    expect(run.stderr).not.toContain(LEAK);
    expect(JSON.stringify(run.outputs)).not.toContain(LEAK);
    expect(valueReads(fakes).length).toBeGreaterThan(0);
  });

  test.for([
    ['says the repository is public', false],
    ['does not say whether the repository is private', undefined],
  ] as const)(
    'the event %s: hidden everywhere, and nothing extra read',
    async ([, isPrivate], ctx) => {
      const { expect } = ctx;
      const fakes = await startFakes(ctx, valuesScenario());
      const run = await gate(ctx, fakes, { event: pullRequestEvent(isPrivate) });
      expect(run.outputs.verdict).toBe('regression');
      const body = markedComments(fakes.github)[0]!.body;
      expect(body).toContain('_Extracted values are hidden: ');
      expect(body).toContain('| total_amount | 1.000 | 0.600 |\n');
      const everywhere = [
        body,
        run.summary,
        run.reportText,
        run.stdout,
        JSON.stringify(run.outputs),
      ];
      for (const text of everywhere) expect(text).not.toContain(LEAK);
      expect(valueReads(fakes)).toEqual([]);
    },
  );

  test('show-values true in a public repository shows them; an unknown value is one error before any request', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, valuesScenario());
    const shown = await gate(ctx, fakes, {
      event: pullRequestEvent(false),
      inputs: { 'show-values': 'true' },
    });
    expect(markedComments(fakes.github)[0]!.body).toContain('→ ZETA-CURRENT-1,420.00');
    expect(shown.stdout).not.toContain(LEAK);

    const other = await startFakes(ctx, valuesScenario());
    const refused = await gate(ctx, other, { inputs: { 'show-values': 'maybe' } });
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stdout)).toEqual([
      "::error::Input 'show-values' must be auto (values shown when the repository is private), true or false, got 'maybe'.",
    ]);
    expect(other.retab.requests).toEqual([]);
    expect(other.github.requests).toEqual([]);
  });
});

describe.concurrent(
  'phase two (mode: comment) shows the values of a report only where its own event allows',
  () => {
    async function reportOfPrivateFork(ctx: TestContext, fakes: Fakes): Promise<string> {
      const one = await gate(ctx, fakes, { event: pullRequestEvent(true, true) });
      ctx.expect(one.reportText).toContain('ZETA-CURRENT-1,420.00');
      const dir = await mkdtemp(join(tmpdir(), 'values-e2e-'));
      ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
      const file = join(dir, 'report.json');
      await writeFile(file, one.reportText!);
      return file;
    }

    test.for([
      ['private', true, true],
      ['public', false, false],
    ] as const)('a %s repository', async ([, isPrivate, shown], ctx) => {
      const { expect } = ctx;
      const fakes = await startFakes(ctx, valuesScenario(), {
        pulls: [{ number: 7, headSha: SHA }],
      });
      const file = await reportOfPrivateFork(ctx, fakes);
      const two = await runAction({
        inputs: { mode: 'comment', report: file, 'github-token': GITHUB_TOKEN },
        eventName: 'workflow_run',
        event: {
          workflow_run: { id: 99, head_sha: SHA, event: 'pull_request', pull_requests: [] },
          repository: { full_name: 'acme/invoices', private: isPrivate },
        },
        githubApiUrl: fakes.github.url,
      });
      expect(two.code).toBe(0);
      const body = markedComments(fakes.github)[0]!.body;
      expect(body.includes('ZETA-REFERENCE-1,240.00 → ZETA-CURRENT-1,420.00')).toBe(shown);
      expect(body.includes('the repository is public')).toBe(!shown);
      expect(two.stdout).not.toContain(LEAK);
    });
  },
);
