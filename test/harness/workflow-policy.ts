// What a security review asks of a GitHub Actions workflow (../shared/product.md, "Releases"), as
// rules over its YAML: each returns the problems it finds, each problem naming the workflow, the
// line and the fix. Pure: the text in, messages out.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { THIS_ACTION, type Workflow } from './workflows.ts';

/** `owner/repo[/path]@<40 hex>`, the only ref nobody can move. */
const PINNED = /^[\w.-]+\/[\w.-]+(?:\/[^@\s]+)?@[0-9a-f]{40}$/;
/** The comment after the SHA that Dependabot reads and updates: `# v1.2.3`. */
const VERSION_COMMENT = /^\s*v\d+\.\d+\.\d+\b/;
/** The gate's documented convenient form, which follows every 1.x release. */
const GATE_MAJOR = 'retab/experiment-gate@v1';
/** The gate pinned in the README until its first release gives it a commit: `@<sha> # v1.0.0`. */
const GATE_PLACEHOLDER = 'retab/experiment-gate@<sha>';
/** A Retab API key as a secret: `secrets.RETAB_API_KEY` or any secret so named. */
const RETAB_SECRET = /\bsecrets\s*(?:\.\s*\w*retab\w*|\[\s*['"]\w*retab\w*['"]\s*\])/i;
const CHECKOUT = /^actions\/checkout@/;
const GIT_PUSH = /\bgit\b[^\n]*\spush\b/;

export type Rule =
  | 'pinned'
  | 'top-permissions'
  | 'write-explained'
  | 'key-and-write'
  | 'checkout-credentials'
  | 'job-named'
  | 'concurrency';

export interface Problem {
  rule: Rule;
  message: string;
}

interface Job {
  id: string;
  node: Node;
  steps: Node[];
}

/** A parsed workflow and how to say where something is in it. */
class Parsed {
  readonly doc: Document;
  readonly workflow: Workflow;
  private readonly lines = new LineCounter();

  constructor(workflow: Workflow) {
    this.workflow = workflow;
    this.doc = parseDocument(workflow.text, { lineCounter: this.lines });
  }

  at(node: Node | null | undefined): string {
    const line = node?.range ? this.lines.linePos(node.range[0]).line : 1;
    return `${this.workflow.name}, line ${line}`;
  }

  jobs(): Job[] {
    const jobs = this.doc.get('jobs', true);
    if (!isMap(jobs)) return [];
    return jobs.items.flatMap((pair) => {
      if (!isScalar(pair.key) || !isMap(pair.value)) return [];
      const steps = pair.value.get('steps', true);
      return [
        {
          id: String(pair.key.value),
          node: pair.value,
          steps: isSeq(steps) ? (steps.items as Node[]) : [],
        },
      ];
    });
  }
}

function get(node: Node | null | undefined, key: string): Node | undefined {
  return isMap(node) ? ((node.get(key, true) as Node | undefined) ?? undefined) : undefined;
}

function scalar(node: Node | undefined): unknown {
  return isScalar(node) ? node.value : undefined;
}

/** Every string under a node, e.g. each value of a step's `with:` and `env:`. */
function strings(node: Node | undefined): string[] {
  if (isScalar(node)) return typeof node.value === 'string' ? [node.value] : [];
  if (isMap(node)) return node.items.flatMap((pair) => strings(pair.value as Node));
  if (isSeq(node)) return node.items.flatMap((item) => strings(item as Node));
  return [];
}

/** Whether a `permissions:` value (absent: the repository's default token) can write contents. */
function writesContents(permissions: Node | undefined): boolean {
  if (permissions === undefined) return true;
  if (isScalar(permissions)) return permissions.value === 'write-all';
  return scalar(get(permissions, 'contents')) === 'write';
}

/** Every action a `uses:` names is pinned to a commit SHA, with its version in a comment. */
function pinned(p: Parsed): Problem[] {
  const uses = p.jobs().flatMap((job) => [
    ...job.steps.map((step) => get(step, 'uses')),
    get(job.node, 'uses'), // a reusable workflow
  ]);
  return uses.flatMap((node) => {
    if (!isScalar(node) || typeof node.value !== 'string') return [];
    const ref = node.value;
    if (ref.startsWith('./') || ref === GATE_MAJOR) return [];
    const ok =
      (PINNED.test(ref) || ref === GATE_PLACEHOLDER) && VERSION_COMMENT.test(node.comment ?? '');
    if (ok) return [];
    return [
      {
        rule: 'pinned',
        message:
          `${p.at(node)}: 'uses: ${ref}' is not pinned to a commit: write ` +
          `'owner/repo@<40-hex commit SHA> # vX.Y.Z' (a tag can be moved, a commit cannot)`,
      },
    ];
  });
}

/** `permissions:` at the top, granting nothing that writes: each write is a job's own. */
function topPermissions(p: Parsed): Problem[] {
  const node = p.doc.get('permissions', true) as Node | undefined;
  const readOnly =
    isMap(node) &&
    node.items.every((pair) => ['read', 'none'].includes(String(scalar(pair.value as Node))));
  if (readOnly) return [];
  return [
    {
      rule: 'top-permissions',
      message:
        `${p.at(node)}: the top-level 'permissions:' must be set and read-only (e.g. ` +
        `'contents: read'): grant each write in the job that needs it`,
    },
  ];
}

/** Each write a job is granted says why, in a comment on its line. */
function writeExplained(p: Parsed): Problem[] {
  return p.jobs().flatMap((job) => {
    const permissions = get(job.node, 'permissions');
    if (isScalar(permissions) && permissions.value === 'write-all') {
      return [
        {
          rule: 'write-explained' as const,
          message: `${p.at(permissions)}: job '${job.id}' asks for write-all: name each write it needs`,
        },
      ];
    }
    if (!isMap(permissions)) return [];
    return permissions.items.flatMap((pair) => {
      const value = pair.value as Node;
      if (scalar(value) !== 'write' || (isScalar(value) && value.comment?.trim())) return [];
      return [
        {
          rule: 'write-explained' as const,
          message: `${p.at(value)}: job '${job.id}' is granted '${String(scalar(pair.key as Node))}: write' without a comment saying why`,
        },
      ];
    });
  });
}

/** No job holds both the Retab key and a token that can write the repository's contents. */
function keyAndWrite(p: Parsed): Problem[] {
  const workflowEnv = strings(p.doc.get('env', true) as Node | undefined);
  const topPermissions = p.doc.get('permissions', true) as Node | undefined;
  return p.jobs().flatMap((job) => {
    const texts = [
      ...workflowEnv,
      ...strings(get(job.node, 'env')),
      ...strings(get(job.node, 'secrets')),
      ...job.steps.flatMap((step) => [...strings(get(step, 'with')), ...strings(get(step, 'env'))]),
    ];
    const passesKey = job.steps.some((step) => {
      const uses = scalar(get(step, 'uses'));
      const key = scalar(get(get(step, 'with'), 'api-key'));
      return typeof uses === 'string' && THIS_ACTION.test(uses) && key !== undefined && key !== '';
    });
    const holdsKey =
      passesKey ||
      scalar(get(job.node, 'secrets')) === 'inherit' ||
      texts.some((text) => RETAB_SECRET.test(text));
    const permissions = get(job.node, 'permissions') ?? topPermissions;
    if (!holdsKey || !writesContents(permissions)) return [];
    return [
      {
        rule: 'key-and-write',
        message:
          `${p.at(job.node)}: job '${job.id}' holds the Retab key and a token that can write ` +
          `contents: run the gate in a job with a read-only token, and write in another job ` +
          `without the key (pass what it needs through the job's outputs)`,
      },
    ];
  });
}

/** No checkout leaves the token on disk, but in a job that pushes with git, saying so. */
function checkoutCredentials(p: Parsed): Problem[] {
  return p.jobs().flatMap((job) => {
    const pushes = job.steps.some((step) => GIT_PUSH.test(String(scalar(get(step, 'run')) ?? '')));
    return job.steps.flatMap((step) => {
      const uses = scalar(get(step, 'uses'));
      if (typeof uses !== 'string' || !CHECKOUT.test(uses)) return [];
      const persist = get(get(step, 'with'), 'persist-credentials');
      const value = String(scalar(persist));
      if (value === 'false') return [];
      const explained = isScalar(persist) && Boolean(persist.comment?.trim());
      if (pushes && value === 'true' && explained) return [];
      return [
        {
          rule: 'checkout-credentials' as const,
          message:
            `${p.at(get(step, 'uses'))}: job '${job.id}' checks out with the token kept on disk: ` +
            `set 'persist-credentials: false' (only a job that pushes with git keeps it, with ` +
            `'persist-credentials: true' and a comment saying why)`,
        },
      ];
    });
  });
}

/** This repository's own workflows: every job has a name. */
function jobNamed(p: Parsed): Problem[] {
  return p.jobs().flatMap((job) =>
    scalar(get(job.node, 'name'))
      ? []
      : [
          {
            rule: 'job-named' as const,
            message: `${p.at(job.node)}: job '${job.id}' has no 'name:'`,
          },
        ],
  );
}

/** This repository's own workflows: a concurrency group; on pull requests, a newer push cancels. */
function concurrency(p: Parsed): Problem[] {
  const node = p.doc.get('concurrency', true) as Node | undefined;
  const on = p.doc.get('on', true) as Node | undefined;
  const onPullRequest = isMap(on) ? on.has('pull_request') : strings(on).includes('pull_request');
  const group = scalar(get(node, 'group'));
  const cancels = scalar(get(node, 'cancel-in-progress')) === true;
  if (group && (cancels || !onPullRequest)) return [];
  return [
    {
      rule: 'concurrency',
      message:
        `${p.at(node ?? on)}: the workflow needs 'concurrency: group:'` +
        (onPullRequest ? ` with 'cancel-in-progress: true' (a newer push supersedes the run)` : ''),
    },
  ];
}

/** What the policy finds in a workflow; `own` adds the rules for this repository's workflows. */
export function policyProblems(workflow: Workflow, own = false): Problem[] {
  const p = new Parsed(workflow);
  if (p.doc.errors.length > 0) {
    throw new Error(`${workflow.name}: not YAML: ${p.doc.errors[0]?.message ?? ''}`);
  }
  return [
    ...pinned(p),
    ...topPermissions(p),
    ...writeExplained(p),
    ...keyAndWrite(p),
    ...checkoutCredentials(p),
    ...(own ? [...jobNamed(p), ...concurrency(p)] : []),
  ];
}
