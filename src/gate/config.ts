/**
 * The workflow's configuration as code: what a plan of the pull request's spec says, and whether
 * the gate may apply it. Pure.
 */

/** One changed field of the draft. A sensitive one carries no value, whatever the plan sent. */
export interface ConfigFieldChange {
  /** The block (or the workflow) the field belongs to. */
  resource: string;
  /** Retab's `path_display`, e.g. `config.model`. */
  path: string;
  /** `create`, `update` or `delete`. */
  action: string;
  before?: unknown;
  after?: unknown;
  sensitive: boolean;
}

export interface PlannedResource {
  /** Retab's `target_id`, else its `name`. */
  id: string;
  name: string | undefined;
  target: string | undefined;
  actions: string[];
}

/** A plan of the spec against the workflow's draft. */
export interface ConfigPlan {
  /** The plan changes nothing: the draft already is the spec. */
  noop: boolean;
  /** Problems the plan reports, `severity` as Retab says it. */
  issues: Array<{ severity: string; message: string }>;
  resources: PlannedResource[];
  changes: ConfigFieldChange[];
}

/** What the gate did with the spec, for the report. */
export interface ConfigOutcome {
  specPath: string;
  plan: ConfigPlan;
  /** The plan had changes and was applied to the draft. */
  applied: boolean;
}

/** Resource actions that would take the experiment's block away. */
const DESTRUCTIVE = new Set(['delete', 'destroy', 'replace']);

/**
 * Why the plan must not be applied, one line each: errors in the spec, or the experiment's
 * block destroyed or replaced (the experiment would be orphaned). With the block unknown (no
 * run to read it from), any block destroyed or replaced is refused.
 */
export function planProblems(plan: ConfigPlan, experimentBlock: string | undefined): string[] {
  const problems: string[] = [];
  const errors = plan.issues.filter((issue) => issue.severity.toLowerCase() === 'error');
  if (errors.length > 0) {
    problems.push(
      `The spec has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: ` +
        errors.map((issue) => issue.message).join('; '),
    );
  }
  for (const resource of plan.resources) {
    const destructive = resource.actions.filter((action) => DESTRUCTIVE.has(action));
    if (destructive.length === 0 || resource.target === 'edge') continue;
    const ours =
      experimentBlock === undefined
        ? resource.target === 'block' || resource.target === undefined
        : resource.id === experimentBlock || resource.name === experimentBlock;
    if (!ours) continue;
    const verb =
      resource.actions.includes('create') || destructive.includes('replace')
        ? 'replace'
        : 'destroy';
    problems.push(
      `The plan would ${verb} block '${resource.name ?? resource.id}'` +
        (experimentBlock === undefined
          ? ", and the experiment's block is not known yet (no run to read it from)"
          : ", the experiment's block: the experiment would be orphaned"),
    );
  }
  return problems;
}

/** The fields a second plan finds changed: the draft moved while the run measured it. */
export function driftedFields(plan: ConfigPlan): string[] {
  if (plan.noop) return [];
  const fields = plan.changes.map((change) => `${change.resource}: ${change.path}`);
  return fields.length > 0 ? [...new Set(fields)] : plan.resources.map((r) => r.name ?? r.id);
}
