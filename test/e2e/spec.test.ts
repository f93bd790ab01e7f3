// The spec as code, where the process matters: the file is checked before any request, and the
// outputs and the comment of a configuration change applied and run.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, type TestContext } from 'vitest';
import { defaultDraft, EXPERIMENT_BLOCK, exportSpec, withConfig } from '../fakes/draft.ts';
import {
  BASE,
  closeFakes,
  errorLines,
  gate,
  markedComments,
  next,
  scenario,
  startFakes,
  WORKFLOW_ID,
} from './setup.ts';

afterEach(closeFakes);

async function workspaceWith(ctx: TestContext, files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'spec-e2e-'));
  ctx.onTestFinished(() => rm(root, { recursive: true, force: true }));
  const workspace = join(root, 'repo');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(workspace, path, '..'), { recursive: true });
    await writeFile(join(workspace, path), text);
  }
  await writeFile(join(root, 'elsewhere.yaml'), exportSpec(defaultDraft(), WORKFLOW_ID));
  return workspace;
}

describe('the spec as code', () => {
  test.for([
    ['missing', 'retab/missing.yaml', "cannot read 'retab/missing.yaml' (ENOENT)"],
    ['outside the workspace', '../elsewhere.yaml', "'../elsewhere.yaml' is outside the workspace"],
    ['over 1 MiB', 'retab/huge.yaml', "'retab/huge.yaml' is 1048577 bytes"],
  ] as const)(
    'a spec file %s: one error naming the input, zero requests',
    async ([, path, why], ctx) => {
      const fakes = await startFakes(ctx, scenario());
      const workspace = await workspaceWith(ctx, {
        'retab/huge.yaml': 'x'.repeat(1024 * 1024 + 1),
      });
      const run = await gate(ctx, fakes, {
        inputs: { spec: path },
        env: { GITHUB_WORKSPACE: workspace },
      });
      expect(run.code).toBe(1);
      const [error] = errorLines(run.stdout);
      expect(error).toContain(`Input 'spec': ${why}`);
      expect(fakes.retab.requests).toEqual([]);
      expect(run.outputs.verdict).toBe('error');
    },
  );

  test('a changed model: applied, run, judged; config-changed, the change in the comment', async (ctx) => {
    const fakes = await startFakes(
      ctx,
      scenario({ dialect: 'current', draft: defaultDraft(), next: next(BASE) }),
    );
    const spec = exportSpec(
      withConfig(defaultDraft(), EXPERIMENT_BLOCK, { model: 'gpt-5' }),
      WORKFLOW_ID,
    );
    const workspace = await workspaceWith(ctx, { 'retab/workflow.yaml': spec });
    const run = await gate(ctx, fakes, {
      inputs: { spec: 'retab/workflow.yaml' },
      env: { GITHUB_WORKSPACE: workspace },
    });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      verdict: 'pass',
      'config-changed': 'true',
      reused: 'false',
    });
    expect(run.stdout).toContain(
      'Configuration: retab/workflow.yaml changes the draft: extract-invoice: config.model.',
    );
    expect(run.stdout).not.toContain('gpt-4.1'); // values stay out of the log
    const [comment] = markedComments(fakes.github);
    expect(comment?.body).toContain('| extract-invoice | config.model | gpt-4.1 | gpt-5 |');
  });
});
