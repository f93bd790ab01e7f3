// The demo's fake Retab and fake GitHub, set up from an env file for @github/local-action
// (.env.example): the file's URLs give the ports (0 or none: any free one), its key, token, ids and
// repository are the fakes' own, and the pull-request event it names is written. Used by
// `npm run fakes` and by test/e2e/local-action.test.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { defaultEvent } from '../harness/run-action.ts';
import { startFakeGitHub } from './github.ts';
import type { FakeGitHub } from './github.ts';
import { startFakeRetab } from './retab.ts';
import type { FakeRetab, RetabScenario } from './retab.ts';
import { demoScenario } from './scenarios.ts';

export interface LocalFakes {
  retab: FakeRetab;
  github: FakeGitHub;
  /** The env file's variables, with the URLs of the ports really bound. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** `scenario`'s key and ids give way to the file's. */
export async function startLocalFakes(
  file: Record<string, string>,
  scenario: RetabScenario = demoScenario(),
): Promise<LocalFakes> {
  const need = (name: string): string => {
    const value = file[name];
    if (value === undefined || value === '') throw new Error(`The env file sets no ${name}.`);
    return value;
  };
  const portOf = (name: string) => Number(new URL(need(name)).port);

  const retab = await startFakeRetab(
    {
      ...scenario,
      apiKey: need('INPUT_API-KEY'),
      workflowId: need('INPUT_WORKFLOW-ID'),
      experimentId: need('INPUT_EXPERIMENT-ID'),
    },
    { port: portOf('INPUT_API-BASE-URL') },
  );
  let github: FakeGitHub | undefined;
  try {
    github = await startFakeGitHub(
      { token: need('INPUT_GITHUB-TOKEN'), repository: need('GITHUB_REPOSITORY') },
      { port: portOf('GITHUB_API_URL') },
    );
    const eventPath = need('GITHUB_EVENT_PATH');
    await mkdir(dirname(eventPath), { recursive: true });
    await writeFile(
      eventPath,
      JSON.stringify(defaultEvent(need('GITHUB_EVENT_NAME'), need('GITHUB_REPOSITORY')), null, 2),
    );
    const summary = file.GITHUB_STEP_SUMMARY;
    if (summary) {
      await mkdir(dirname(summary), { recursive: true });
      await writeFile(summary, '');
    }
  } catch (error) {
    await Promise.all([retab.close(), github?.close()]);
    throw error;
  }
  return {
    retab,
    github,
    env: {
      ...file,
      'INPUT_API-BASE-URL': retab.url,
      GITHUB_API_URL: github.url,
      GITHUB_GRAPHQL_URL: `${github.url}/graphql`,
    },
    close: () => Promise.all([retab.close(), github.close()]).then(() => undefined),
  };
}
