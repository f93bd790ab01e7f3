// The pull request's configuration as code, in-process against the fake Retab on a virtual
// clock: the spec planned against the draft, refused when it must not be applied, applied, run,
// and checked again when the run ends; a run that already measured the draft reused.
import { describe, expect, test } from 'vitest';
import {
  defaultDraft,
  EXPERIMENT_BLOCK,
  exportSpec,
  fingerprintOf,
  withConfig,
  type Draft,
} from '../fakes/draft.ts';
import type { RetabScenario } from '../fakes/retab.ts';
import { gateInProcess, renderComment, renderSummary } from '../harness/gate-in-process.ts';
import {
  BASE,
  DIALECTS,
  WORKFLOW_ID,
  history,
  next,
  scenario,
  type Dialect,
} from '../harness/scenario.ts';

const SPEC_PATH = 'retab/workflow.yaml';

/** The pull request's spec: the default draft with `config` changed in the experiment's block. */
function specWith(config: Record<string, unknown> = {}, draft: Draft = defaultDraft()) {
  return {
    path: SPEC_PATH,
    text: exportSpec(withConfig(draft, EXPERIMENT_BLOCK, config), WORKFLOW_ID),
  };
}

/** A draft-bearing scenario whose latest completed run measured `measured` (default: the draft). */
function draftScenario(
  dialect: Dialect,
  overrides: Partial<RetabScenario> = {},
  measured: Draft = defaultDraft(),
): RetabScenario {
  return scenario({
    dialect,
    draft: defaultDraft(),
    history: [history('exprun_1', fingerprintOf(measured), BASE)],
    next: next(BASE),
    ...overrides,
  });
}

const posts = (
  gate: { retab: { requests: Array<{ method: string; path: string }> } },
  end: string,
) => gate.retab.requests.filter((r) => r.method === 'POST' && r.path.endsWith(end));

describe.each(DIALECTS)('the spec as code, %s API', (dialect) => {
  test('a changed model: planned, applied, run and judged, the change in the report', async (ctx) => {
    const spec = specWith({ model: 'gpt-5' });
    const gate = await gateInProcess(ctx, { scenario: draftScenario(dialect), spec });
    expect(gate.verdict).toBe('pass');
    expect(posts(gate, '/spec/apply')).toHaveLength(1);
    expect(gate.retab.draft().blocks[EXPERIMENT_BLOCK]?.config.model).toBe('gpt-5');
    // The run measured the applied draft.
    expect(gate.report.run?.definitionFingerprint).toBe(fingerprintOf(gate.retab.draft()));
    expect(gate.report.configuration).toEqual({
      specPath: SPEC_PATH,
      applied: true,
      changes: [
        {
          resource: EXPERIMENT_BLOCK,
          path: 'config.model',
          action: 'update',
          sensitive: false,
          before: 'gpt-4.1',
          after: 'gpt-5',
        },
      ],
      more: 0,
    });
    const comment = renderComment(gate.report);
    expect(comment).toContain('### Configuration change');
    expect(comment).toContain('| extract-invoice | config.model | gpt-4.1 | gpt-5 |');
    // One plan before the apply, one after the run to check the draft did not move.
    expect(posts(gate, '/spec/plan')).toHaveLength(2);
    expect(gate.retab.unscopedSpecCalls()).toBe(0);
  });

  test('a no-op plan: nothing applied, the section says "no change"', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(
        dialect,
        {},
        withConfig(defaultDraft(), EXPERIMENT_BLOCK, { model: 'old' }),
      ),
      spec: specWith(),
    });
    expect(posts(gate, '/spec/apply')).toHaveLength(0);
    expect(gate.report.configuration?.applied).toBe(false);
    expect(renderComment(gate.report)).toContain(
      "No change: the workflow's draft already is `retab/workflow.yaml`, so nothing was applied.",
    );
  });

  test('the draft edited by someone else mid-run: error, nothing credited', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(dialect, {
        next: next(BASE, { jobDurationMs: 60_000 }),
        draftEdit: { afterMs: 10_000, config: { model: 'someone-elses-model' } },
      }),
      spec: specWith({ model: 'gpt-5' }),
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toContain("The workflow's draft changed while run exprun_new measured it");
    expect(gate.error).toContain('extract-invoice: config.model');
    expect(gate.error).toContain('re-run the check');
    expect(renderComment(gate.report)).not.toContain('✅');
  });

  test('error diagnostics: listed, nothing applied, no run', async (ctx) => {
    const text = specWith().text.replace('type: extract', 'type: not-a-block');
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(dialect),
      spec: { path: SPEC_PATH, text },
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toContain("Block 'extract-invoice' has no known type.");
    expect(gate.error).toContain('Nothing was applied.');
    expect(posts(gate, '/spec/apply')).toHaveLength(0);
    expect(gate.retab.createdRuns()).toBe(0);
  });

  test('a spec that does not compile (HTTP 400): error, nothing applied, no run', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(dialect),
      spec: { path: SPEC_PATH, text: 'spec: [unclosed' },
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toMatch(/spec\/plan failed: HTTP 400 .*DECLARATIVE_COMPILE_ERROR/);
    expect(posts(gate, '/spec/apply')).toHaveLength(0);
    expect(gate.retab.createdRuns()).toBe(0);
  });

  test("a plan that replaces the experiment's block: error naming it, nothing applied", async (ctx) => {
    const text = specWith().text.replace('type: extract', 'type: classifier');
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(dialect),
      spec: { path: SPEC_PATH, text },
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toContain(
      "The plan would replace block 'extract-invoice', the experiment's block: the experiment would be orphaned",
    );
    expect(posts(gate, '/spec/apply')).toHaveLength(0);
    expect(gate.retab.createdRuns()).toBe(0);
  });

  test("a plan that destroys the experiment's block: error, nothing applied", async (ctx) => {
    const draft = defaultDraft();
    const others = Object.fromEntries(
      Object.entries(draft.blocks).filter(([id]) => id !== EXPERIMENT_BLOCK),
    );
    const text = exportSpec({ ...draft, blocks: others, edges: [] }, WORKFLOW_ID);
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(dialect),
      spec: { path: SPEC_PATH, text },
    });
    expect(gate.error).toContain("The plan would destroy block 'extract-invoice'");
    expect(posts(gate, '/spec/apply')).toHaveLength(0);
  });

  test('a spec exported from another workflow: error, nothing planned or applied', async (ctx) => {
    const text = exportSpec(defaultDraft(), 'wf_production');
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(dialect),
      spec: { path: SPEC_PATH, text },
    });
    expect(gate.verdict).toBe('error');
    expect(gate.error).toContain(
      'belongs to workflow wf_production (its metadata.id), not to wf_test',
    );
    expect(posts(gate, '/spec/plan')).toHaveLength(0);
    expect(posts(gate, '/spec/apply')).toHaveLength(0);
  });

  test('a sensitive field: "(sensitive)" in the report, never its value, anywhere', async (ctx) => {
    const secret = 'sk-live-do-not-print-4711';
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(dialect),
      spec: specWith({ webhook_api_key: secret, model: 'gpt-5' }),
    });
    expect(gate.verdict).toBe('pass');
    const change = gate.report.configuration?.changes.find(
      (c) => c.path === 'config.webhook_api_key',
    );
    expect(change).toEqual({
      resource: EXPERIMENT_BLOCK,
      path: 'config.webhook_api_key',
      action: 'create',
      sensitive: true,
    });
    for (const [place, text] of Object.entries({
      report: JSON.stringify(gate.report),
      comment: renderComment(gate.report),
      summary: renderSummary(gate.report),
      log: gate.log.join('\n'),
    })) {
      expect(text.includes(secret), `the secret is in the ${place}`).toBe(false);
    }
    expect(renderComment(gate.report)).toContain(
      '| extract-invoice | config.webhook_api_key (added) | (sensitive) | (sensitive) |',
    );
    expect(gate.log.join('\n')).toContain('config.webhook_api_key (sensitive)');
  });

  test('a run in flight is waited for before the spec is applied', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(dialect, {
        history: [
          history('exprun_1', fingerprintOf(defaultDraft()), BASE),
          history('exprun_theirs', 'fp_theirs', BASE, { runningForMs: 30_000 }),
        ],
      }),
      spec: specWith({ model: 'gpt-5' }),
    });
    expect(gate.verdict).toBe('pass');
    expect(gate.log.join('\n')).toContain('Run exprun_theirs of experiment exp_test is running');
    const order = gate.retab.requests.map((r) => `${r.method} ${r.path}`);
    const lastPoll = order.lastIndexOf('GET /v1/workflows/experiments/runs/exprun_theirs');
    const apply = order.findIndex((line) => line.endsWith('/spec/apply'));
    expect(lastPoll).toBeGreaterThan(-1);
    expect(apply).toBeGreaterThan(lastPoll);
    expect(gate.retab.cancelled()).toEqual([]);
  });
});

describe('reuse', () => {
  test('a no-op plan and a fresh run (current API): judged again, no trigger, reused', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario('current', {
        history: [
          history('exprun_0', 'fp_older', BASE),
          history('exprun_1', fingerprintOf(defaultDraft()), BASE),
        ],
      }),
      spec: specWith(),
    });
    expect(gate.verdict).toBe('pass');
    expect(gate.report.run).toMatchObject({ id: 'exprun_1', reused: true });
    expect(gate.report.previous?.id).toBe('exprun_0');
    expect(posts(gate, '/runs')).toHaveLength(0);
    expect(posts(gate, '/spec/apply')).toHaveLength(0);
    const comment = renderComment(gate.report);
    expect(comment).toContain('run `exprun_1` (reused:');
    expect(comment).toContain('the change against the previous run is shown, not judged again');
  });

  test('a reused run is not failed for its drop against the previous run; min-score still applies', async (ctx) => {
    const fresh = draftScenario('current', {
      history: [
        history('exprun_0', 'fp_older', BASE),
        history(
          'exprun_1',
          fingerprintOf(defaultDraft()),
          BASE.map((s) => s - 0.2),
        ),
      ],
    });
    const dropped = await gateInProcess(ctx, { scenario: fresh, spec: specWith() });
    expect(dropped.verdict).toBe('pass');
    expect(dropped.report.comparison?.delta).toBeCloseTo(-0.2, 5);
    const floor = await gateInProcess(ctx, {
      scenario: fresh,
      spec: specWith(),
      inputs: { 'min-score': '0.8' },
    });
    expect(floor.verdict).toBe('regression');
    expect(floor.report.reasons.map((r) => r.rule)).toEqual(['min-score']);
  });

  test('a no-op plan and a stale run: one run', async (ctx) => {
    const gate = await gateInProcess(ctx, {
      scenario: draftScenario(
        'current',
        {},
        withConfig(defaultDraft(), EXPERIMENT_BLOCK, { model: 'x' }),
      ),
      spec: specWith(),
    });
    expect(gate.report.run?.reused).toBeUndefined();
    expect(gate.retab.createdRuns()).toBe(1);
  });

  test('without a spec, the same signal alone; `reuse: false` always starts a run', async (ctx) => {
    const fresh = scenario({ dialect: 'current', reuseFreshResults: true });
    const reused = await gateInProcess(ctx, { scenario: { ...fresh, reuseFreshResults: true } });
    expect(reused.report.run?.reused).toBe(true);
    expect(reused.retab.createdRuns()).toBe(0);
    const forced = await gateInProcess(ctx, {
      scenario: { ...fresh, reuseFreshResults: false },
      inputs: { reuse: 'false' },
    });
    expect(forced.retab.createdRuns()).toBe(1);
  });

  test('the older API says nothing of freshness: a run, as before', async (ctx) => {
    const gate = await gateInProcess(ctx, { scenario: draftScenario('older'), spec: specWith() });
    expect(gate.retab.createdRuns()).toBe(1);
    expect(gate.report.run?.reused).toBeUndefined();
  });
});
