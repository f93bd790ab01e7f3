// The fake Retab's workflow draft, as code: the blocks and their configuration, exported as a
// spec (YAML), a plan computed by diffing a submitted spec against the draft, and the fingerprint
// of a block's configuration (what a run measures). Shapes from Retab's spec plan answers.
import { createHash } from 'node:crypto';
import { parse, stringify } from 'yaml';

export interface DraftBlock {
  type: string;
  label?: string;
  config: Record<string, unknown>;
}

export interface Draft {
  name: string;
  blocks: Record<string, DraftBlock>;
  edges: unknown[];
}

/** The block the fake's experiment measures. */
export const EXPERIMENT_BLOCK = 'extract-invoice';

/** Config keys Retab flags sensitive in a plan (it still sends their values). */
const SENSITIVE = /(api_?key|secret|token|password)/i;

export function defaultDraft(): Draft {
  return {
    name: 'Invoice workflow',
    blocks: {
      start: { type: 'start_document', label: 'Document', config: {} },
      [EXPERIMENT_BLOCK]: {
        type: 'extract',
        label: 'Extract invoice',
        config: {
          model: 'gpt-4.1',
          n_consensus: 5,
          instructions: 'Extract the invoice fields.',
          json_schema: {
            type: 'object',
            properties: {
              total_amount: { type: 'number' },
              vendor: { type: 'object', properties: { name: { type: 'string' } } },
            },
          },
        },
      },
    },
    edges: [
      {
        source: { block: 'start', handle: 'output-file-0' },
        target: { block: EXPERIMENT_BLOCK, handle: 'input-file-document' },
      },
    ],
  };
}

/** The draft with one block's configuration changed (keys merged over the old ones). */
export function withConfig(draft: Draft, block: string, config: Record<string, unknown>): Draft {
  const old = draft.blocks[block];
  if (old === undefined) throw new Error(`no block ${block}`);
  return {
    ...draft,
    blocks: { ...draft.blocks, [block]: { ...old, config: { ...old.config, ...config } } },
  };
}

/** The draft as Retab exports it: `apiVersion`, `kind`, `metadata`, `spec.blocks`, `spec.edges`. */
export function exportSpec(draft: Draft, workflowId: string): string {
  return stringify({
    apiVersion: 'workflows.retab.com/v1alpha2',
    kind: 'Workflow',
    metadata: { id: workflowId, name: draft.name },
    spec: {
      blocks: Object.fromEntries(
        Object.entries(draft.blocks).map(([id, block], i) => [
          id,
          {
            type: block.type,
            label: block.label,
            position: { x: 420 * i, y: 0 },
            config: block.config,
          },
        ]),
      ),
      edges: draft.edges,
    },
  });
}

/** What a run of the experiment measures: the fingerprint of its block's configuration. */
export function fingerprintOf(draft: Draft): string {
  const block = draft.blocks[EXPERIMENT_BLOCK];
  return `bef_${createHash('sha256')
    .update(stable(block ?? null))
    .digest('hex')
    .slice(0, 12)}`;
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface SpecIssue {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  yaml_path: string;
}

export type ParsedSpec =
  | { ok: true; draft: Draft; metadataId: string | undefined; issues: SpecIssue[] }
  | { ok: false; compileError: { code: string; message: string; errors: SpecIssue[] } };

const BLOCK_TYPES = new Set([
  'start_document',
  'start_json',
  'extract',
  'classifier',
  'split',
  'parse',
]);

/**
 * A submitted spec read as Retab does: a YAML error is a compile error (HTTP 400); a block of an
 * unknown type, or a block without a type, an error diagnostic; another workflow's metadata.id
 * at most a warning.
 */
export function parseSpec(text: string, workflowId: string): ParsedSpec {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    const error = {
      severity: 'error' as const,
      code: 'YAML_SYNTAX',
      message: 'The spec is not valid YAML.',
      yaml_path: '',
    };
    return {
      ok: false,
      compileError: {
        code: 'DECLARATIVE_COMPILE_ERROR',
        message: `${error.message} (1 issues)`,
        errors: [error],
      },
    };
  }
  const spec = (doc ?? {}) as {
    apiVersion?: unknown;
    metadata?: { id?: unknown; name?: unknown };
    spec?: { blocks?: unknown; edges?: unknown };
  };
  const issues: SpecIssue[] = [];
  if (spec.apiVersion !== 'workflows.retab.com/v1alpha2') {
    issues.push({
      severity: 'error',
      code: 'UNSUPPORTED_API_VERSION',
      message: 'apiVersion must be workflows.retab.com/v1alpha2.',
      yaml_path: 'apiVersion',
    });
  }
  const rawBlocks = spec.spec?.blocks;
  const blocks: Record<string, DraftBlock> = {};
  if (typeof rawBlocks !== 'object' || rawBlocks === null || Array.isArray(rawBlocks)) {
    issues.push({
      severity: 'error',
      code: 'MISSING_BLOCKS',
      message: 'spec.blocks must be a map of blocks.',
      yaml_path: 'spec.blocks',
    });
  } else {
    for (const [id, raw] of Object.entries(rawBlocks as Record<string, unknown>)) {
      const block = (raw ?? {}) as { type?: unknown; label?: unknown; config?: unknown };
      if (typeof block.type !== 'string' || !BLOCK_TYPES.has(block.type)) {
        issues.push({
          severity: 'error',
          code: 'UNKNOWN_BLOCK_TYPE',
          message: `Block '${id}' has no known type.`,
          yaml_path: `spec.blocks.${id}.type`,
        });
        continue;
      }
      blocks[id] = {
        type: block.type,
        ...(typeof block.label === 'string' ? { label: block.label } : {}),
        config: (typeof block.config === 'object' && block.config !== null
          ? block.config
          : {}) as Record<string, unknown>,
      };
    }
  }
  const metadataId = typeof spec.metadata?.id === 'string' ? spec.metadata.id : undefined;
  if (metadataId !== undefined && metadataId !== workflowId) {
    issues.push({
      severity: 'warning',
      code: 'WORKFLOW_ID_MISMATCH',
      message: `metadata.id is ${metadataId}; the spec is planned against ${workflowId}.`,
      yaml_path: 'metadata.id',
    });
  }
  const draft: Draft = {
    name: typeof spec.metadata?.name === 'string' ? spec.metadata.name : 'Workflow',
    blocks,
    edges: Array.isArray(spec.spec?.edges) ? spec.spec.edges : [],
  };
  return { ok: true, draft, metadataId, issues };
}

/** A plan of `next` against `draft`, in the shape of Retab's plan (and apply) answers. */
export function planBody(
  draft: Draft,
  next: Draft,
  workflowId: string,
  issues: SpecIssue[],
): Record<string, unknown> {
  const ids = [...new Set([...Object.keys(draft.blocks), ...Object.keys(next.blocks)])].sort();
  const counts = { add: 0, change: 0, destroy: 0, replace: 0, noop: 0 };
  const resourceChanges: Array<Record<string, unknown>> = [];
  for (const id of ids) {
    const before = draft.blocks[id];
    const after = next.blocks[id];
    let actions: string[];
    if (before === undefined) {
      actions = ['create'];
      counts.add++;
    } else if (after === undefined) {
      actions = ['delete'];
      counts.destroy++;
    } else if (before.type !== after.type) {
      actions = ['delete', 'create'];
      counts.replace++;
    } else if (stable(before) !== stable(after)) {
      actions = ['update'];
      counts.change++;
    } else {
      counts.noop++;
      continue;
    }
    resourceChanges.push({
      address: `block.${id}`,
      target: 'block',
      target_id: id,
      name: id,
      type: (after ?? before)?.type,
      actions,
      summary: `${actions.join('/')} block ${id}`,
      path: null,
      change: {
        before: before ?? null,
        after: after ?? null,
        before_sensitive: {},
        after_sensitive: {},
        field_changes: fieldChanges(before, after),
      },
    });
  }
  const hasChanges = resourceChanges.length > 0;
  const errors = issues.filter((issue) => issue.severity === 'error');
  return {
    workflow_id: workflowId,
    action: hasChanges ? 'update' : 'noop',
    block_count: Object.keys(next.blocks).length,
    edge_count: next.edges.length,
    diagnostics: { is_valid: errors.length === 0, issues },
    format_version: 'workflows-plan/v1',
    summary: { ...counts, total: ids.length, has_changes: hasChanges },
    resource_changes: resourceChanges,
    rendered_plan: hasChanges
      ? `${resourceChanges.length} to change.`
      : 'No changes. Workflow spec is up to date.',
  };
}

/** Per field of the block: its type, its label and each key of its configuration. */
function fieldChanges(before: DraftBlock | undefined, after: DraftBlock | undefined) {
  const fields = new Map<string, { path: string[]; before: unknown; after: unknown }>();
  const add = (path: string[], a: unknown, b: unknown) => {
    if (stable(a ?? null) !== stable(b ?? null))
      fields.set(path.join('.'), { path, before: a, after: b });
  };
  add(['type'], before?.type, after?.type);
  add(['label'], before?.label, after?.label);
  const keys = new Set([...Object.keys(before?.config ?? {}), ...Object.keys(after?.config ?? {})]);
  for (const key of [...keys].sort()) add(['config', key], before?.config[key], after?.config[key]);
  return [...fields.entries()].map(([display, field]) => {
    const sensitive = SENSITIVE.test(display);
    return {
      path: field.path,
      path_display: display,
      action:
        field.before === undefined ? 'create' : field.after === undefined ? 'delete' : 'update',
      before: field.before ?? null,
      after: field.after ?? null,
      before_sensitive: sensitive,
      after_sensitive: sensitive,
      unified_diff: null,
    };
  });
}
