// The pull request's configuration as code: plan its spec against the workflow's draft, refuse
// what must not be applied, apply it, and check after the run that the draft still is the spec.
// The spec's text is sent to Retab and never printed: only the plan's field changes are.
import type { ConfigPlan } from '../gate/config.js';
import { driftedFields, planProblems } from '../gate/config.js';
import type { Evidence, RunRecord } from '../gate/evidence.js';
import { GateError } from '../errors.js';
import type { RetabClient } from './client.js';
import { planFromAnswer } from './records.js';
import type { Experiment } from './schemas.js';

/** The spec file a pull request proposes (src/spec-file.ts). */
export interface SpecText {
  path: string;
  text: string;
}

/**
 * Plans the spec and refuses, with one error and nothing applied, a spec exported from another
 * workflow (Retab would only warn), a spec with errors, or a plan that destroys or replaces the
 * experiment's block.
 */
export async function planSpec(
  client: RetabClient,
  workflowId: string,
  spec: SpecText,
  experimentBlock: string | undefined,
): Promise<ConfigPlan> {
  const specWorkflow = await specWorkflowId(spec.text);
  if (specWorkflow !== undefined && specWorkflow !== workflowId) {
    throw new GateError(
      `The spec '${spec.path}' (input 'spec') belongs to workflow ${specWorkflow} (its metadata.id), ` +
        `not to ${workflowId} (input 'workflow-id'): nothing was applied. Export the spec of ` +
        `${workflowId}, or point 'workflow-id' at the workflow the spec is for.`,
    );
  }
  const plan = planFromAnswer(await client.spec(workflowId, spec.text, false));
  const problems = planProblems(plan, experimentBlock);
  if (problems.length > 0) {
    throw new GateError(
      `The spec '${spec.path}' (input 'spec') cannot be applied. ${problems.join('. ')}. Nothing was applied.`,
    );
  }
  return plan;
}

/** Applies the spec to the draft. */
export async function applySpec(
  client: RetabClient,
  workflowId: string,
  spec: SpecText,
): Promise<void> {
  await client.spec(workflowId, spec.text, true);
}

/**
 * After the run: plans the spec again. Anything but a no-op means the draft changed while the
 * run measured it (another pull request, a dashboard edit): the run is not credited.
 */
export async function checkDraftUnchanged(
  client: RetabClient,
  workflowId: string,
  spec: SpecText,
  runId: string,
): Promise<void> {
  const plan = planFromAnswer(await client.spec(workflowId, spec.text, false));
  const drifted = driftedFields(plan);
  if (drifted.length === 0) return;
  throw new GateError(
    `The workflow's draft changed while run ${runId} measured it: ${drifted.join(', ')} ` +
      `no longer match the spec '${spec.path}'. The run is not credited to this configuration: ` +
      're-run the check (and keep the draft of this workflow to the gate alone).',
  );
}

/**
 * The experiment's block, which a plan must not destroy: the current API's experiment says it;
 * on the older one, a run of the experiment does. Unknown without either.
 */
export async function experimentBlock(
  client: RetabClient,
  experiment: Experiment | undefined,
  history: readonly RunRecord[],
): Promise<string | undefined> {
  if (experiment) return experiment.block_id ?? undefined;
  const run = history[0];
  return run ? ((await client.getRun(run.id)).block_id ?? undefined) : undefined;
}

/**
 * The run to judge instead of starting one, when Retab says the latest completed run already
 * measured the current draft and documents (the current API's `freshness` and `run_plan_mode`).
 */
export function freshRun(
  experiment: Experiment | undefined,
  history: Evidence['history'],
): RunRecord | undefined {
  if (experiment?.freshness?.status !== 'fresh' || experiment.run_plan_mode !== 'noop') {
    return undefined;
  }
  const completed = history.filter((run) => run.status === 'completed');
  return completed.find((run) => run.id === experiment.last_run_id) ?? completed[0];
}

/** The spec's `metadata.id`: the workflow it was exported from, when it says. */
async function specWorkflowId(text: string): Promise<string | undefined> {
  const { parse } = await import('yaml');
  let spec: unknown;
  try {
    spec = parse(text);
  } catch {
    return undefined; // Not YAML: Retab's plan says what is wrong, without quoting the spec.
  }
  const metadata = (spec as { metadata?: { id?: unknown } } | null)?.metadata;
  return typeof metadata?.id === 'string' ? metadata.id : undefined;
}
