// `npm run examples`: writes docs/examples/*.md, the comment the action posts in nine situations,
// each produced by running the bundled dist/index.js against the local stand-ins for Retab and
// GitHub (like `npm run demo`). `--check` regenerates them in memory and fails when a checked-in
// file differs: `npm test` runs it after the dist check, since it needs the fresh bundle.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { startFakeGitHub } from '../test/fakes/github.ts';
import type { RetabScenario } from '../test/fakes/retab.ts';
import { startFakeRetab } from '../test/fakes/retab.ts';
import {
  DEMO,
  EXAMPLE_BASELINE_FINGERPRINT,
  demoGitHubScenario,
  EXAMPLE_SPEC_PATH,
  exampleConfigChangeScenario,
  exampleClassifierScenario,
  exampleConfigChangeSpec,
  exampleCostScenario,
  exampleErrorScenario,
  exampleReusedScenario,
  exampleUnchangedSpec,
  exampleFirstRunScenario,
  exampleLargeScenario,
  exampleNoisyDropScenario,
  exampleRegressionScenario,
  examplePassScenario,
} from '../test/fakes/scenarios.ts';
import {
  DEFAULT_ENTRY,
  REPO_ROOT,
  defaultEvent,
  runAction,
  type ActionRun,
} from '../test/harness/run-action.ts';
import { runSeveral } from '../test/harness/several.ts';

const EXAMPLES_DIR = join(REPO_ROOT, 'docs', 'examples');

interface Example {
  /** docs/examples/<name>.md */
  name: string;
  title: string;
  /** One sentence: what the scenario is. */
  about: string;
  scenario: () => RetabScenario;
  /** Inputs besides the key, ids, URL and token. */
  inputs: Record<string, string>;
  /** The `spec` file of the pull request, written to the workspace at EXAMPLE_SPEC_PATH. */
  spec?: string;
  /** The verdict output the scenario must produce: a guard against a scenario gone stale. */
  verdict: 'pass' | 'regression' | 'error';
  /** The event says the repository is private: `show-values: auto` shows extracted values. */
  privateRepository?: boolean;
  /**
   * Run with no other example at the same time. The fakes all live in this process: the fake
   * Retab's answers for 10,000 documents hold its event loop for seconds, long enough for the
   * other examples' idle keep-alive connections to be reset under their feet.
   */
  alone?: boolean;
}

const EXAMPLES: Example[] = [
  {
    name: 'pass',
    title: 'an improvement (pass)',
    about:
      'Five of twelve invoices gain 4 to 12 points under a new configuration, against the previous run and a pinned baseline (`max-drop: 0.02`, `baseline-fingerprint` set).',
    scenario: examplePassScenario,
    inputs: { 'max-drop': '0.02', 'baseline-fingerprint': EXAMPLE_BASELINE_FINGERPRINT },
    verdict: 'pass',
  },
  {
    name: 'regression',
    title: 'a regression, with the fields that fell',
    about:
      'One invoice loses 30 points while the score moves less than `max-drop`; `max-document-drop: 0.10` fails the check, and the fields that fell inside that invoice are listed. Over all invoices, `total_amount` falls past `max-field-drop: 0.05`, which fails the check too. The repository is private, so under the default `show-values: auto` each field that fell in the invoice shows what the reference run and this run extracted, and what the five passes voted where they disagreed.',
    scenario: exampleRegressionScenario,
    inputs: { 'max-drop': '0.02', 'max-document-drop': '0.10', 'max-field-drop': '0.05' },
    verdict: 'regression',
    privateRepository: true,
  },
  {
    name: 'error',
    title: 'the run failed (error)',
    about:
      "The job fails on Retab's side, so there is no score to judge: the verdict is `error` and the step fails.",
    scenario: exampleErrorScenario,
    inputs: { 'max-drop': '0.02' },
    verdict: 'error',
  },
  {
    name: 'first-run',
    title: 'the first run of an experiment (pass)',
    about:
      'The experiment has no earlier run to compare with, so eight invoices are judged by `min-score: 0.85` alone.',
    scenario: exampleFirstRunScenario,
    inputs: { 'max-drop': '0.02', 'min-score': '0.85' },
    verdict: 'pass',
  },
  {
    name: 'noisy-drop',
    title: 'a drop within noise (pass)',
    about:
      'The same definition run again: twelve invoices move by −12 to +7 points, −2.5 on average, past `max-drop: 0.02`, but with `confidence: 0.95` the interval reaches above zero, so the check passes.',
    scenario: exampleNoisyDropScenario,
    inputs: { 'max-drop': '0.02', confidence: '0.95' },
    verdict: 'pass',
  },
  {
    name: 'configuration-change',
    title: 'a configuration change proposed as code (pass)',
    about:
      "The pull request changes the extraction in the workflow's spec (`spec`): a new model, longer instructions, a larger JSON schema and a key Retab flags sensitive. The gate applies it to the draft, runs it on Retab's current API, and five invoices gain.",
    scenario: exampleConfigChangeScenario,
    spec: exampleConfigChangeSpec(DEMO.workflowId),
    inputs: { 'max-drop': '0.02', spec: EXAMPLE_SPEC_PATH },
    verdict: 'pass',
  },
  {
    name: 'reused',
    title: 'nothing to run: a fresh run judged again (pass)',
    about:
      "The pull request's spec is what the workflow's draft already holds, and Retab says the latest run measured exactly this draft and these documents: with `reuse` (the default) the gate judges that run again instead of paying for a new one.",
    scenario: exampleReusedScenario,
    spec: exampleUnchangedSpec(DEMO.workflowId),
    inputs: { 'max-drop': '0.02', spec: EXAMPLE_SPEC_PATH },
    verdict: 'pass',
  },
  {
    name: 'classifier',
    title: 'a classifier that takes receipts for invoices (regression)',
    about:
      'A pull request changes the prompt of a classifier that sorts receipts, invoices, purchase orders and credit notes. The five receipts lose 20 to 40 points and the `receipt` label falls 21 points past `max-field-drop: 0.10`, which fails the check; the Confusions table says where the receipts went: a quarter of them are now read as invoices (was 3%), a few as credit notes. The repository is private, so each regressed receipt shows the type both runs gave it and what the five passes voted.',
    scenario: exampleClassifierScenario,
    inputs: { 'max-drop': '0.02', 'max-field-drop': '0.10' },
    verdict: 'regression',
    privateRepository: true,
  },
  {
    name: 'cost',
    title: 'a gain that triples the cost (regression)',
    about:
      'A model change (retab-small to retab-large) gains 2.6 points over twelve invoices, at three times the credits per document and twice the time; `max-cost-increase: 50%` fails the check.',
    scenario: exampleCostScenario,
    inputs: { 'max-drop': '0.02', 'max-cost-increase': '50%' },
    verdict: 'regression',
  },
  {
    name: 'large',
    title: 'a regression in a 10,000-document run',
    about:
      'Under a new configuration 150 of 10,000 documents fall by 11 to 40 points and 3 error out (`max-document-drop: 0.10`): the rows that do not fit in a comment are left out with an "N more" line.',
    scenario: exampleLargeScenario,
    inputs: { 'max-drop': '0.02', 'max-document-drop': '0.10' },
    verdict: 'regression',
    alone: true,
  },
];

/** GitHub's limit on a comment body, in characters. */
const COMMENT_LIMIT = 65_536;
/**
 * The hidden run line carries the run's creation time, which the fake Retab takes from the clock.
 * It is the only part of a comment that varies from run to run: it is replaced by this fixed
 * time, in that line only (durations come from the scenarios, not from the clock).
 */
const FIXED_TIME = '2026-05-18T09:30:00.000Z';
const RUN_LINE =
  /^(<!-- retab-experiment-gate-run: .*)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z(.* -->)$/m;

function normalise(body: string): string {
  return body.replace(RUN_LINE, `$1${FIXED_TIME}$2`);
}

/** The fake's clock starts here, whatever the day: the times a comment shows stay the same. */
const CLOCK_START = Date.parse('2026-05-18T09:30:00.000Z');

async function generate(example: Example): Promise<string> {
  const startedAt = Date.now();
  const retab = await startFakeRetab(example.scenario(), {
    clock: () => CLOCK_START + (Date.now() - startedAt),
  });
  const workspace = await mkdtemp(join(tmpdir(), 'examples-'));
  if (example.spec !== undefined) {
    await mkdir(join(workspace, dirname(EXAMPLE_SPEC_PATH)), { recursive: true });
    await writeFile(join(workspace, EXAMPLE_SPEC_PATH), example.spec);
  }
  const github = await startFakeGitHub(demoGitHubScenario());
  try {
    const run = await runAction({
      inputs: {
        'api-key': DEMO.apiKey,
        'workflow-id': DEMO.workflowId,
        'experiment-id': DEMO.experimentId,
        'api-base-url': retab.url,
        'github-token': DEMO.githubToken,
        ...example.inputs,
      },
      eventName: 'pull_request',
      ...(example.privateRepository ? { event: privateEvent() } : {}),
      githubApiUrl: github.url,
      repository: DEMO.repository,
      env: { GITHUB_WORKSPACE: workspace },
    });
    return page(example, run, github.lastWrittenComment());
  } finally {
    await Promise.all([
      retab.close(),
      github.close(),
      rm(workspace, { recursive: true, force: true }),
    ]);
  }
}

/**
 * The example's page: its title, what it is about, and the comment `run` posted, once it is
 * checked to be the verdict the example expects, within GitHub's limit.
 */
function page(
  example: Pick<Example, 'name' | 'title' | 'about' | 'verdict'>,
  run: ActionRun,
  comment: { body: string } | undefined,
): string {
  const verdict = run.outputs.verdict;
  if (comment === undefined || verdict !== example.verdict) {
    const log = `${run.stdout.trimEnd()}\n${run.stderr.trimEnd()}`.trim();
    throw new Error(
      `${example.name}: expected verdict ${example.verdict} and a comment, got verdict ` +
        `${JSON.stringify(verdict)} and ${comment === undefined ? 'no comment' : 'a comment'}.\n${log}`,
    );
  }
  if ([...comment.body].length > COMMENT_LIMIT) {
    throw new Error(`${example.name}: the comment has more than ${COMMENT_LIMIT} characters`);
  }
  return (
    `# Example: ${example.title}\n\n${example.about}\n\n` +
    'Generated by `npm run examples` from the stand-ins for Retab and GitHub; below the rule is the comment exactly as the action posted it.\n\n' +
    `---\n\n${normalise(comment.body)}`
  );
}

const SEVERAL = {
  verdict: 'regression',
  name: 'several',
  title: 'several experiments in one comment (regression)',
  about:
    "A matrix runs three experiments of one pull request with `comment: false` (`max-drop: 0.02`): the invoices gain, the receipts regress (one receipt loses 32 points), the contracts hold. The job after it gathers their reports (`mode: comment`, `reports`, `experiments`) into one comment: a line for the set, a row per experiment, and each experiment's own report folded below, the regression open.",
} as const;

/** The comment of the gathering job after a matrix of three experiments. */
async function generateSeveral(): Promise<string> {
  const startedAt = Date.now();
  const { gather, github } = await runSeveral({
    clock: () => CLOCK_START + (Date.now() - startedAt),
  });
  try {
    return page(SEVERAL, gather, github.lastWrittenComment());
  } finally {
    await github.close();
  }
}

/** The pull-request event of the other examples, from a private repository. */
function privateEvent(): unknown {
  const event = defaultEvent('pull_request', DEMO.repository) as { repository: object };
  return { ...event, repository: { ...event.repository, private: true } };
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  if (!existsSync(DEFAULT_ENTRY)) {
    console.log(
      `${relative(process.cwd(), DEFAULT_ENTRY)} does not exist: run \`npm run build\` first.`,
    );
    return 1;
  }
  // A few at a time (each is an action process, plus two local servers in this one), then the
  // ones that must run alone.
  const texts = new Map<Example, string>();
  const together = EXAMPLES.filter((e) => !e.alone);
  const limit = Math.max(2, Math.min(availableParallelism(), 4));
  (await pool(together, limit, generate)).forEach((text, i) => texts.set(together[i]!, text));
  for (const example of EXAMPLES.filter((e) => e.alone))
    texts.set(example, await generate(example));
  const wanted = new Map(EXAMPLES.map((e) => [`${e.name}.md`, texts.get(e) ?? '']));
  wanted.set(`${SEVERAL.name}.md`, await generateSeveral());
  const present = existsSync(EXAMPLES_DIR)
    ? (await readdir(EXAMPLES_DIR)).filter((f) => f.endsWith('.md'))
    : [];
  const stale = present.filter((f) => !wanted.has(f));

  if (check) {
    const differ: string[] = [...stale.map((f) => `${f} (not an example any more)`)];
    for (const [file, text] of wanted) {
      const path = join(EXAMPLES_DIR, file);
      const current = existsSync(path) ? await readFile(path, 'utf8') : undefined;
      if (current === undefined) differ.push(`${file} (missing)`);
      else if (current !== text) differ.push(file);
    }
    if (differ.length > 0) {
      console.log(`docs/examples is out of date: run npm run examples\n  ${differ.join('\n  ')}`);
      return 1;
    }
    console.log(`docs/examples is up to date (${wanted.size} examples).`);
    return 0;
  }

  await mkdir(EXAMPLES_DIR, { recursive: true });
  await Promise.all([
    ...[...wanted].map(([file, text]) => writeFile(join(EXAMPLES_DIR, file), text)),
    ...stale.map((file) => rm(join(EXAMPLES_DIR, file))),
  ]);
  for (const file of wanted.keys())
    console.log(`wrote ${relative(process.cwd(), join(EXAMPLES_DIR, file))}`);
  return 0;
}

/** `run` over `items`, at most `limit` at a time; results in the order of `items`. */
async function pool<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.log(
      `examples failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
