// Several experiments gathered into one comment (`mode: comment` with `reports`), end to end: the
// job after a matrix, on the pull request's own event, reading the reports its jobs uploaded.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test, type TestContext } from 'vitest';
import { parseReport } from '../harness/gate-in-process.ts';
import { DEFAULT_SHA as SHA, runAction } from '../harness/run-action.ts';
import { report, row } from '../report/fixtures.ts';
import {
  closeFakes,
  commentWrites,
  errorLines,
  GITHUB_TOKEN,
  markedComments,
  PR,
  startFakes,
  type Fakes,
} from './setup.ts';

afterEach(closeFakes);

const NEXT_SHA = '1111111111111111111111111111111111111111';
const MARKER = '<!-- retab-experiment-gate:experiments -->';
const EXPERIMENTS = 'exp_invoices, exp_receipts\nexp_contracts';

/** An experiment's JSON report as its matrix job wrote it: `regressed` of 4 documents fell. */
function reportJson(id: string, sha: string, regressed: number, createdAt: string): string {
  const documents = Array.from({ length: 4 }, (_, i) =>
    row(i, `${id}-${i}.pdf`, 0.9, i < regressed ? 0.5 : 0.9),
  );
  const data = report(documents, {
    experimentId: id,
    header: id,
    verdict: regressed > 0 ? 'regression' : 'pass',
    reasons: regressed > 0 ? [{ rule: 'max-document-drop', documents: regressed }] : [],
    run: { ...report([]).run!, id: `exprun_${id}`, createdAt },
    pullRequest: { number: PR, headSha: sha },
  });
  const text = JSON.stringify(data);
  parseReport(text); // what the run step writes: a stale fixture fails here, not in the action
  return text;
}

async function tempDir(ctx: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'several-e2e-'));
  ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** download-artifact's layout: one folder per artifact, named by its experiment (and `suffix`). */
async function writeReports(
  dir: string,
  reports: Array<[id: string, sha: string, regressed: number, createdAt: string, suffix?: string]>,
): Promise<void> {
  for (const [id, sha, regressed, createdAt, suffix = ''] of reports) {
    const artifact = join(dir, `experiment-gate-report-${id}${suffix}`);
    await mkdir(artifact, { recursive: true });
    await writeFile(join(artifact, 'report.json'), reportJson(id, sha, regressed, createdAt));
  }
}

function gather(fakes: Fakes, reports: string, sha: string, inputs: Record<string, string> = {}) {
  return runAction({
    inputs: {
      mode: 'comment',
      reports,
      experiments: EXPERIMENTS,
      'github-token': GITHUB_TOKEN,
      ...inputs,
    },
    eventName: 'pull_request',
    event: {
      number: PR,
      pull_request: {
        number: PR,
        head: { sha, repo: { full_name: 'acme/invoices' } },
        base: { sha: '0'.repeat(40), repo: { full_name: 'acme/invoices' } },
      },
      repository: { full_name: 'acme/invoices', name: 'invoices', owner: { login: 'acme' } },
    },
    githubApiUrl: fakes.github.url,
  });
}

describe.concurrent('several experiments, one comment', () => {
  test('three reports: one comment with the worst verdict, summed outputs; the next push updates it', async (ctx) => {
    const { expect } = ctx;
    const pulls = [{ number: PR, headSha: SHA }];
    const fakes = await startFakes(ctx, undefined, { pulls });
    const first = await tempDir(ctx);
    await writeReports(first, [
      ['exp_invoices', SHA, 0, '2026-05-18T09:01:00Z'],
      ['exp_receipts', SHA, 2, '2026-05-18T09:02:00Z'],
      ['exp_contracts', SHA, 1, '2026-05-18T09:03:00Z'],
      // A re-run's older report of the same experiment, and a report of another commit.
      ['exp_contracts', SHA, 3, '2026-05-18T08:00:00Z', '-1'],
      ['exp_forms', NEXT_SHA, 0, '2026-05-18T09:00:00Z'],
    ]);

    const one = await gather(fakes, first, SHA);
    expect(one.code).toBe(1); // a regression blocks
    expect(one.outputs).toMatchObject({ verdict: 'regression', 'regressed-documents': '3' });
    expect(one.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
    const [comment] = markedComments(fakes.github, MARKER);
    expect(fakes.github.comments(PR)).toHaveLength(1);
    const body = comment!.body;
    expect(body).toContain(
      '## ❌ Experiment gate: regression · 3 experiments: 1 passed, 2 regressed, 0 errored · 3 regressed documents',
    );
    expect(body).toContain('| `exp_receipts` | ❌ regression |');
    expect(body).toContain('- `exp_contracts`: 2 reports; the newest is shown.');
    expect(body).toContain(
      '- Left out: `exp_forms` (experiment-gate-report-exp_forms/report.json)',
    );
    expect(one.summary).toContain('| `exp_invoices` | ✅ passed |');

    // The next push: new reports, and the contracts job crashed before writing one.
    pulls[0]!.headSha = NEXT_SHA;
    const second = await tempDir(ctx);
    await writeReports(second, [
      ['exp_invoices', NEXT_SHA, 0, '2026-05-18T10:01:00Z'],
      ['exp_receipts', NEXT_SHA, 0, '2026-05-18T10:02:00Z'],
    ]);
    const two = await gather(fakes, second, NEXT_SHA);
    expect(two.code).toBe(1);
    expect(two.outputs).toMatchObject({ verdict: 'error', 'regressed-documents': '0' });
    const errors = errorLines(two.stdout);
    expect(errors[0]).toBe(
      '::error::Experiment exp_contracts has no report: its job ended before writing one.',
    );
    const { posts, patches } = commentWrites(fakes.github);
    expect([posts.length, patches.length]).toEqual([1, 1]);
    const [updated] = markedComments(fakes.github, MARKER);
    expect(updated!.id).toBe(comment!.id);
    expect(updated!.body).toContain('| `exp_contracts` | ⚠️ error: no report');
  });

  test.for([
    ['a glob that matches nothing', 'nowhere/**/*.json', "Input 'reports': no file matches"],
    ['an empty folder', '', "Input 'reports': the folder"],
  ])('%s: one clear error naming the input, before any request', async ([, glob, message], ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx);
    const dir = await tempDir(ctx);
    const run = await gather(fakes, glob === '' ? dir : join(dir, glob!), SHA);
    expect(run.code).toBe(1);
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
    expect(fakes.github.requests).toEqual([]);
  });
});
