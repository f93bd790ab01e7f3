// `npm run demo`: runs the bundled action end to end against local stand-ins for Retab and GitHub
// and prints the pull-request comment it posted. No key, no network. The stand-in speaks Retab's
// current API; `npm run demo -- --api older` makes it speak the older one. `npm run demo -- --spec`
// shows a pull request that changes the extraction as code: the gate plans, applies and runs it.
// `npm run demo -- --several`: three experiments of a matrix, gathered into one comment.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { startFakeGitHub } from '../test/fakes/github.ts';
import { startFakeRetab } from '../test/fakes/retab.ts';
import {
  DEMO,
  demoGitHubScenario,
  demoScenario,
  EXAMPLE_SPEC_PATH,
  exampleConfigChangeScenario,
  exampleConfigChangeSpec,
} from '../test/fakes/scenarios.ts';
import { DEFAULT_ENTRY, runAction, type ActionRun } from '../test/harness/run-action.ts';
import { runSeveral } from '../test/harness/several.ts';

const OUTPUTS = [
  'verdict',
  'score',
  'previous-score',
  'delta',
  'regressed-documents',
  'comment-url',
  'reused',
  'config-changed',
  'credits-per-document',
  'credits-delta',
  'seconds-per-document',
  'seconds-delta',
];
const verbose = process.argv.includes('--verbose');
const api = readApiFlag(process.argv);
const withSpec = process.argv.includes('--spec');
const several = process.argv.includes('--several');

function readApiFlag(args: string[]): 'older' | 'current' {
  const at = args.indexOf('--api');
  const value = at >= 0 ? args[at + 1] : 'current';
  if (value !== 'older' && value !== 'current') {
    throw new Error(`--api takes 'current' (Retab's API today) or 'older', got '${value}'.`);
  }
  return value;
}

async function main(): Promise<number> {
  if (!existsSync(DEFAULT_ENTRY)) {
    console.log(
      `${relative(process.cwd(), DEFAULT_ENTRY)} does not exist: run \`npm run build\` first.`,
    );
    return 1;
  }

  if (several) return demoSeveral();
  const scenario = withSpec ? exampleConfigChangeScenario() : demoScenario();
  const retab = await startFakeRetab({ ...scenario, dialect: api });
  // With --spec, the pull request's repository holds the workflow's spec.
  const workspace = await mkdtemp(join(tmpdir(), 'demo-'));
  if (withSpec) {
    await mkdir(join(workspace, dirname(EXAMPLE_SPEC_PATH)), { recursive: true });
    await writeFile(join(workspace, EXAMPLE_SPEC_PATH), exampleConfigChangeSpec(DEMO.workflowId));
  }
  const github = await startFakeGitHub(demoGitHubScenario());
  try {
    console.log(
      `Running the action against a local Retab speaking its ${api} API (${retab.url}) and GitHub (${github.url})...\n`,
    );
    const run = await runAction({
      inputs: {
        'api-key': DEMO.apiKey,
        'workflow-id': DEMO.workflowId,
        'experiment-id': DEMO.experimentId,
        'api-base-url': retab.url,
        'github-token': DEMO.githubToken,
        'max-drop': '0.02',
        ...(withSpec ? { spec: EXAMPLE_SPEC_PATH } : {}),
      },
      env: { GITHUB_WORKSPACE: workspace },
      eventName: 'pull_request',
      githubApiUrl: github.url,
      repository: DEMO.repository,
    });

    return report(run, github.lastWrittenComment(), {
      retab: retab.requests.length,
      github: github.requests.length,
    });
  } finally {
    await Promise.all([
      retab.close(),
      github.close(),
      rm(workspace, { recursive: true, force: true }),
    ]);
  }
}

/** Three experiments of a matrix (one regresses), then the job that gathers them: one comment. */
async function demoSeveral(): Promise<number> {
  console.log(
    'Running a matrix of three experiments (comment: false), then the job that gathers their reports...\n',
  );
  const { gather, matrix, github, retabRequests } = await runSeveral();
  try {
    if (verbose) {
      for (const run of matrix) console.log(`${run.stdout.trimEnd()}\n${run.stderr.trimEnd()}\n`);
    }
    return report(gather, github.lastWrittenComment(), {
      retab: retabRequests,
      github: github.requests.length,
    });
  } finally {
    await github.close();
  }
}

/** Prints the comment, the outputs and the exit code of `run`; 1 when it ended without a verdict. */
function report(
  run: ActionRun,
  comment: { body: string; html_url: string } | undefined,
  requests: { retab: number; github: number },
): number {
  const verdict = run.outputs.verdict;
  const crashed = verdict === undefined || verdict === '';
  if (verbose || crashed) {
    console.log('--- action log ---');
    const log = `${run.stdout.trimEnd()}\n${run.stderr.trimEnd()}`.trim();
    console.log(log === '' ? '(the action printed nothing)' : log);
    console.log('');
  }
  console.log(
    comment === undefined
      ? `(no comment was written on PR #${DEMO.pullRequest})`
      : `Comment on PR #${DEMO.pullRequest} (${comment.html_url}):\n\n${comment.body}`,
  );
  console.log(`\n${'─'.repeat(72)}\n`);
  console.log('Outputs:');
  for (const name of OUTPUTS) console.log(`  ${name.padEnd(20)} ${run.outputs[name] ?? ''}`);
  console.log(
    `\nExit code: ${run.code ?? `none (signal ${run.signal ?? '?'})`}` +
      (run.code !== 0 && verdict === 'regression' ? ' (the check fails on a regression)' : ''),
  );
  console.log(`Retab requests: ${requests.retab}, GitHub requests: ${requests.github}`);
  if (crashed) {
    console.log('\nThe action ended without a verdict output: see the log above.');
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.log(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
