// What a security review asks of the workflows we run and the recipes we ask users to paste
// (../shared/product.md, "Releases"): actions pinned by commit SHA with the version in a comment,
// read-only permissions at the top with each write granted per job and explained, no job holding
// both the Retab key and a token that can write contents, no checkout keeping its token. Each rule
// is shown catching a deliberate break of a workflow that follows them all.
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { policyProblems, type Rule } from './harness/workflow-policy.ts';
import { readmeWorkflows, repositoryWorkflows, type Workflow } from './harness/workflows.ts';

const ROOT = new URL('..', import.meta.url);
const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1';

describe('the policy holds', () => {
  it('for every workflow of .github/workflows, with their jobs named and a concurrency group', async () => {
    const workflows = await repositoryWorkflows();
    expect(workflows.length).toBeGreaterThanOrEqual(6);
    const problems = workflows.flatMap((w) => policyProblems(w, true)).map((p) => p.message);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('for every workflow block of README.md', async () => {
    const workflows = await readmeWorkflows();
    expect(workflows.length).toBeGreaterThanOrEqual(7);
    const problems = workflows.flatMap((w) => policyProblems(w)).map((p) => p.message);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it("with the README's first block showing the gate pinned to a release's commit", async () => {
    const [usage] = await readmeWorkflows();
    expect(usage?.text).toMatch(
      /uses: retab\/experiment-gate@(?:<sha>|[0-9a-f]{40}) # v\d+\.\d+\.\d+\n/,
    );
  });
});

/** A workflow that follows every rule: the gate with the key, then a write without it. */
const GOOD = `name: extraction accuracy
on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

concurrency:
  group: \${{ github.workflow }}-\${{ github.ref }}
  cancel-in-progress: true

jobs:
  gate:
    name: gate
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pull-requests: write # the sticky comment
    outputs:
      fingerprint: \${{ steps.gate.outputs.fingerprint }}
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - id: gate
        uses: retab/experiment-gate@<sha> # v1.0.0
        with:
          api-key: \${{ secrets.RETAB_API_KEY }}

  promote-baseline:
    name: promote the baseline
    needs: gate
    runs-on: ubuntu-latest
    permissions:
      contents: write # pushes the baseline's branch
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: true # this job pushes with git
      - env:
          FINGERPRINT: \${{ needs.gate.outputs.fingerprint }}
        run: |
          echo "$FINGERPRINT" > baseline
          git commit -am baseline
          git push origin HEAD:baseline
`;

/** GOOD with `from` (which must be in it) replaced by `to`. */
function broken(from: string, to: string): string {
  if (!GOOD.includes(from)) throw new Error(`not in the workflow: ${from}`);
  return GOOD.replace(from, to);
}

const asWorkflow = (text: string): Workflow => ({ name: 'w.yml', file: 'w.yml', text });

describe('the policy catches', () => {
  it('nothing in a workflow that follows it', () => {
    expect(policyProblems(asWorkflow(GOOD), true)).toEqual([]);
  });

  it.each<{ rule: Rule; why: string; text: string; line: number }>([
    {
      rule: 'pinned',
      why: 'an action referenced by its tag',
      text: broken(CHECKOUT, 'actions/checkout@v7'),
      line: 24,
    },
    {
      rule: 'pinned',
      why: 'a commit SHA without the version in a comment',
      text: broken(CHECKOUT, CHECKOUT.replace(/ # .*/, '')),
      line: 24,
    },
    {
      rule: 'pinned',
      why: 'a short SHA',
      text: broken(CHECKOUT, 'actions/checkout@3d3c42e # v7.0.1'),
      line: 24,
    },
    {
      rule: 'pinned',
      why: 'the gate on a branch',
      text: broken('retab/experiment-gate@<sha> # v1.0.0', 'retab/experiment-gate@main'),
      line: 28,
    },
    {
      rule: 'top-permissions',
      why: 'no permissions at the top (the repository default may write)',
      text: broken('permissions:\n  contents: read\n\n', ''),
      line: 1,
    },
    {
      rule: 'top-permissions',
      why: 'a write granted at the top, to every job',
      text: broken('permissions:\n  contents: read\n', 'permissions:\n  contents: write # x\n'),
      line: 8,
    },
    {
      rule: 'write-explained',
      why: 'a write granted without a comment saying why',
      text: broken("contents: write # pushes the baseline's branch", 'contents: write'),
      line: 37,
    },
    {
      rule: 'key-and-write',
      why: 'the key passed to the job that writes',
      text: broken(
        'FINGERPRINT: ${{ needs.gate.outputs.fingerprint }}',
        'FINGERPRINT: ${{ needs.gate.outputs.fingerprint }}\n          KEY: ${{ secrets.RETAB_API_KEY }}',
      ),
      line: 33,
    },
    {
      rule: 'key-and-write',
      why: 'the job with the key granted contents: write',
      text: broken(
        '      contents: read\n      pull-requests',
        '      contents: write # x\n      pull-requests',
      ),
      line: 16,
    },
    {
      rule: 'key-and-write',
      why: 'the key in the workflow-level env, which the job that writes inherits',
      text: broken('jobs:\n', 'env:\n  RETAB_API_KEY: ${{ secrets.RETAB_API_KEY }}\n\njobs:\n'),
      line: 36,
    },
    {
      rule: 'checkout-credentials',
      why: 'a checkout that keeps its token by default',
      text: broken('        with:\n          persist-credentials: false\n', ''),
      line: 24,
    },
    {
      rule: 'checkout-credentials',
      why: 'a checkout that keeps its token in a job that never pushes',
      text: broken('persist-credentials: false', 'persist-credentials: true # why not'),
      line: 24,
    },
    {
      rule: 'checkout-credentials',
      why: 'the job that pushes keeps its token without saying why',
      text: broken(
        'persist-credentials: true # this job pushes with git',
        'persist-credentials: true',
      ),
      line: 39,
    },
    {
      rule: 'job-named',
      why: 'a job without a name',
      text: broken('    name: promote the baseline\n', ''),
      line: 33,
    },
    {
      rule: 'concurrency',
      why: 'a pull request workflow whose newer push does not cancel the run',
      text: broken('cancel-in-progress: true', 'cancel-in-progress: false'),
      line: 11,
    },
  ])('$rule: $why', ({ rule, text, line }) => {
    const problems = policyProblems(asWorkflow(text), true);
    expect(problems.map((p) => p.rule)).toEqual([rule]);
    expect(problems[0]?.message).toMatch(new RegExp(`^w\\.yml, line ${line}: `));
  });

  it('allows the gate at @v1, the documented convenient form, and a local action', () => {
    const text = broken('retab/experiment-gate@<sha> # v1.0.0', 'retab/experiment-gate@v1');
    expect(policyProblems(asWorkflow(text), true)).toEqual([]);
    const local = broken('retab/experiment-gate@<sha> # v1.0.0', './');
    expect(policyProblems(asWorkflow(local), true)).toEqual([]);
  });

  it('counts any secret named like RETAB as the key, and api-key given to the gate', () => {
    const named = broken(
      'FINGERPRINT: ${{ needs.gate.outputs.fingerprint }}',
      "FINGERPRINT: ${{ secrets['PROD_RETAB_KEY'] }}",
    );
    expect(policyProblems(asWorkflow(named), true).map((p) => p.rule)).toEqual(['key-and-write']);
    const plain = broken(
      '      - env:\n',
      '      - uses: ./\n        with:\n          api-key: not-a-secret\n      - env:\n',
    );
    expect(policyProblems(asWorkflow(plain), true).map((p) => p.rule)).toEqual(['key-and-write']);
  });
});

describe("the repository's own automation", () => {
  const workflow = async (file: string) =>
    parse(await readFile(new URL(`.github/workflows/${file}`, ROOT), 'utf8')) as Record<
      string,
      unknown
    >;

  it('has release, CodeQL and zizmor workflows', async () => {
    const files = await readdir(new URL('.github/workflows/', ROOT));
    expect(files).toEqual(expect.arrayContaining(['release.yml', 'codeql.yml', 'zizmor.yml']));
  });

  it('releases a pushed vX.Y.Z tag, writing contents in the release job only', async () => {
    const release = (await workflow('release.yml')) as {
      on: { push: { tags: string[] } };
      jobs: Record<string, { permissions?: Record<string, string>; steps: { run?: string }[] }>;
    };
    expect(release.on.push.tags).toEqual(['v*.*.*']);
    const writers = Object.entries(release.jobs).filter(
      ([, job]) => job.permissions?.contents === 'write',
    );
    expect(writers.map(([id]) => id)).toEqual(['release']);
    const runs = Object.values(release.jobs).flatMap((job) => job.steps.map((s) => s.run ?? ''));
    expect(runs).toEqual(
      expect.arrayContaining([
        'npm ci',
        'npm test',
        'node scripts/check-dist.ts',
        expect.stringContaining('node scripts/changelog-section.ts'),
        expect.stringContaining('gh release create'),
      ]),
    );
  });

  it('analyses JavaScript/TypeScript and the workflows with CodeQL', async () => {
    const codeql = (await workflow('codeql.yml')) as {
      jobs: { analyze: { strategy: { matrix: { language: string[] } } } };
    };
    expect(codeql.jobs.analyze.strategy.matrix.language).toEqual([
      'javascript-typescript',
      'actions',
    ]);
  });

  it('has Dependabot update npm and the actions, grouped, with a cooldown of 7 days', async () => {
    const config = parse(await readFile(new URL('.github/dependabot.yml', ROOT), 'utf8')) as {
      updates: {
        'package-ecosystem': string;
        cooldown?: { 'default-days'?: number };
        groups?: object;
      }[];
    };
    const ecosystems = config.updates.map((u) => u['package-ecosystem']);
    expect(ecosystems.sort()).toEqual(['github-actions', 'npm']);
    for (const update of config.updates) {
      expect(update.cooldown?.['default-days']).toBeGreaterThanOrEqual(7);
      expect(Object.keys(update.groups ?? {})).not.toEqual([]);
    }
  });
});
