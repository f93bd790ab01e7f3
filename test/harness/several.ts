// Several experiments of one pull request as a workflow runs them: a matrix of `mode: run` jobs
// with `comment: false`, each leaving its report where download-artifact would put it, then the
// job after them gathering the reports into one comment. For `npm run demo -- --several` and
// `npm run examples`; each job is the bundled action in a process of its own.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.ts';
import { startFakeRetab } from '../fakes/retab.ts';
import { DEMO, demoGitHubScenario, severalScenarios } from '../fakes/scenarios.ts';
import { DEFAULT_SHA, defaultEvent, runAction, type ActionRun } from './run-action.ts';

export interface SeveralRun {
  /** The gathering job. */
  gather: ActionRun;
  /** The matrix's jobs, in the order of severalScenarios(). */
  matrix: ActionRun[];
  github: FakeGitHub;
  retabRequests: number;
}

/** The pull request event of the matrix's workflow, at DEFAULT_SHA. */
function pullRequestEvent(): unknown {
  const event = defaultEvent('pull_request', DEMO.repository) as {
    pull_request: { head: object };
  };
  return {
    ...event,
    pull_request: { ...event.pull_request, head: { ...event.pull_request.head, sha: DEFAULT_SHA } },
  };
}

/**
 * Runs the matrix and the gathering job; `clock` is the fake Retab's clock (examples fix it).
 * The caller closes `github`.
 */
export async function runSeveral(options: { clock?: () => number } = {}): Promise<SeveralRun> {
  const github = await startFakeGitHub({
    ...demoGitHubScenario(),
    pulls: [{ number: DEMO.pullRequest, headSha: DEFAULT_SHA }],
  });
  const dir = await mkdtemp(join(tmpdir(), 'several-'));
  const scenarios = severalScenarios();
  try {
    const matrix = await Promise.all(
      scenarios.map(async (scenario) => {
        const retab = await startFakeRetab(
          { ...scenario, dialect: 'current' },
          options.clock ? { clock: options.clock } : {},
        );
        const runnerTemp = join(dir, `runner-${scenario.experimentId}`);
        await mkdir(runnerTemp);
        try {
          const run = await runAction({
            inputs: {
              'api-key': DEMO.apiKey,
              'workflow-id': DEMO.workflowId,
              'experiment-id': scenario.experimentId,
              'api-base-url': retab.url,
              'github-token': DEMO.githubToken,
              'max-drop': '0.02',
              comment: 'false',
            },
            eventName: 'pull_request',
            event: pullRequestEvent(),
            githubApiUrl: github.url,
            repository: DEMO.repository,
            env: { RUNNER_TEMP: runnerTemp },
          });
          const reportPath = run.outputs['report-path'];
          if (reportPath) {
            const artifact = join(
              dir,
              'reports',
              `experiment-gate-report-${scenario.experimentId}`,
            );
            await mkdir(artifact, { recursive: true });
            await copyFile(reportPath, join(artifact, 'report.json'));
          }
          return { run, requests: retab.requests.length };
        } finally {
          await retab.close();
        }
      }),
    );
    const gather = await runAction({
      inputs: {
        mode: 'comment',
        reports: join(dir, 'reports'),
        experiments: scenarios.map((s) => s.experimentId).join(', '),
        'github-token': DEMO.githubToken,
      },
      eventName: 'pull_request',
      event: pullRequestEvent(),
      githubApiUrl: github.url,
      repository: DEMO.repository,
    });
    return {
      gather,
      matrix: matrix.map((m) => m.run),
      github,
      retabRequests: matrix.reduce((sum, m) => sum + m.requests, 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
