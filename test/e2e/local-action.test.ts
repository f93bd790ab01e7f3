// The README's "Run it from source": @github/local-action runs src/main.ts with .env.example
// against the fakes of `npm run fakes`. Only the ports, the files and the secrets differ: any
// free port, a temporary directory, and the e2e's distinctive key, so a leak is found.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseEnv } from 'node:util';
import { test, type TestContext } from 'vitest';
import { startLocalFakes } from '../fakes/local-action.ts';
import { demoScenario } from '../fakes/scenarios.ts';
import { REPO_ROOT } from '../harness/run-action.ts';
import { API_KEY, GITHUB_TOKEN, documentRows, errorLines, expectKeyOnlyInHeader } from './setup.ts';

/** The demo, with short durations: the action's first poll comes as soon as the run is done. */
function quickDemo() {
  const demo = demoScenario();
  return {
    ...demo,
    history: demo.history.map((run) => ({ ...run, durationMs: 300 })),
    next: { ...demo.next, jobDurationMs: 200 },
  };
}

/** local-action logs outputs as `::set-output name=…::value` lines; the last one wins. */
function outputsOf(stdout: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [, name = '', value = ''] of stdout.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)) {
    outputs[name] = value;
  }
  return outputs;
}

function runLocalAction(
  ctx: TestContext,
  envFile: string,
  home: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bin = join(REPO_ROOT, 'node_modules', '.bin');
  const child = spawn(
    process.execPath,
    [join(bin, 'local-action'), 'run', REPO_ROOT, 'src/main.ts', envFile],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: `${bin}${delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: home,
        // local-action starts tsx with `npm exec`: npm must never reach for the registry.
        npm_config_offline: 'true',
        npm_config_update_notifier: 'false',
        // Nothing listens there: only the env file's GitHub URL can reach the fake.
        GITHUB_API_URL: 'http://127.0.0.1:9',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: local-action runs the action in a grandchild (npm exec, tsx).
      detached: true,
    },
  );
  ctx.onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('local-action runs the gate from source with .env.example: regression, and the comment says why', async (ctx) => {
  const { expect } = ctx;
  const dir = await mkdtemp(join(tmpdir(), 'experiment-gate-local-action-'));
  ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const example = parseEnv(await readFile(join(REPO_ROOT, '.env.example'), 'utf8'));
  const fakes = await startLocalFakes(
    {
      ...(example as Record<string, string>),
      'INPUT_API-KEY': API_KEY,
      'INPUT_GITHUB-TOKEN': GITHUB_TOKEN,
      'INPUT_API-BASE-URL': 'http://127.0.0.1:0',
      GITHUB_API_URL: 'http://127.0.0.1:0',
      GITHUB_EVENT_PATH: join(dir, 'event.json'),
      GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md'),
      RUNNER_TEMP: join(dir, 'runner-temp'),
    },
    quickDemo(),
  );
  ctx.onTestFinished(() => fakes.close());
  const envFile = join(dir, '.env');
  await writeFile(
    envFile,
    Object.entries(fakes.env)
      .map(([name, value]) => `${name}=${value}\n`)
      .join(''),
  );

  const run = await runLocalAction(ctx, envFile, dir);

  expect(run.code, run.stderr).toBe(0); // local-action itself ends well; the verdict is the log's
  const outputs = outputsOf(run.stdout);
  expect(outputs, run.stdout.slice(-2000)).toMatchObject({
    verdict: 'regression',
    score: '0.8892',
    'previous-score': '0.9142',
    delta: '-0.025',
    'regressed-documents': '1',
  });
  expect(errorLines(run.stdout)).toEqual([
    '::error::Verdict: regression. Score 0.889 is 2.5 pts below the previous run (0.914); `max-drop` 0.02 allows 2.0 pts.',
  ]);

  const comments = fakes.github.comments(7);
  expect(comments).toHaveLength(1);
  const comment = comments[0]!;
  expect(outputs['comment-url']).toBe(comment.html_url);
  expect(comment.body.split('\n', 1)[0]).toBe('<!-- retab-experiment-gate:exp_invoices -->');
  expect(comment.body).toContain('Experiment gate: regression');
  expect(documentRows(comment.body)).toContainEqual([
    'invoice_2026_q2_006_handwritten_total.jpg',
    '0.850',
    '0.530',
    '−32.0 pts',
    '🔻 regressed',
  ]);

  // The key and the token: nowhere a person or a log could read them.
  const readable: Record<string, string> = {
    stdout: run.stdout,
    stderr: run.stderr,
    summary: await readFile(join(dir, 'step-summary.md'), 'utf8'),
    report: await readFile(outputs['report-path'] ?? '', 'utf8'),
    'the comment': JSON.stringify(comments),
  };
  for (const [place, text] of Object.entries(readable)) {
    expect(text.includes(API_KEY), `the API key appears in ${place}`).toBe(false);
    expect(text.includes(GITHUB_TOKEN), `the GitHub token appears in ${place}`).toBe(false);
  }
  expect(readable.summary).toContain('Experiment gate: regression');
  expect(JSON.stringify(fakes.github.requests).includes(API_KEY), 'the key reached GitHub').toBe(
    false,
  );
  expectKeyOnlyInHeader(expect, fakes.retab);
});
