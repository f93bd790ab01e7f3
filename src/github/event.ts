/** What the gate needs from the workflow's event. Pure: reads the payload it is given. */

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

export interface EventFacts {
  /** The pull request and the commit under test, on pull-request events. */
  pullRequest: { number: number; headSha: string } | undefined;
  /** The pull request comes from a fork: its token cannot write, phase two comments. */
  fromFork: boolean;
  /** Pull requests a merge-queue group holds (from its head ref), on merge_group. */
  mergeGroup: { pullRequests: number[] } | undefined;
  /** The commit a workflow_run ran on, on workflow_run. */
  workflowRunHeadSha: string | undefined;
  /** The event's `repository.private`; undefined when the event does not say. */
  repositoryPrivate: boolean | undefined;
}

interface Payload {
  pull_request?: {
    number?: unknown;
    head?: { sha?: unknown; repo?: { full_name?: unknown } | null };
    base?: { repo?: { full_name?: unknown } | null };
  };
  merge_group?: { head_ref?: unknown };
  workflow_run?: { head_sha?: unknown };
  repository?: { private?: unknown } | null;
}

export function readEvent(eventName: string, payload: object): EventFacts {
  const p = payload as Payload;
  const pr = PULL_REQUEST_EVENTS.has(eventName) ? p.pull_request : undefined;
  const pullRequest =
    typeof pr?.number === 'number' && typeof pr.head?.sha === 'string'
      ? { number: pr.number, headSha: pr.head.sha }
      : undefined;
  const head = pr?.head?.repo?.full_name;
  const base = pr?.base?.repo?.full_name;
  const headRef = eventName === 'merge_group' ? p.merge_group?.head_ref : undefined;
  // gh-readonly-queue/main/pr-123-<sha>: one group holds one or more pull requests.
  const queued =
    typeof headRef === 'string'
      ? [...headRef.matchAll(/(?:^|\/)pr-(\d+)-/g)].map((m) => Number(m[1]))
      : [];
  const sha = eventName === 'workflow_run' ? p.workflow_run?.head_sha : undefined;
  return {
    pullRequest,
    fromFork: typeof head === 'string' && typeof base === 'string' && head !== base,
    mergeGroup: eventName === 'merge_group' ? { pullRequests: queued } : undefined,
    workflowRunHeadSha: typeof sha === 'string' ? sha : undefined,
    repositoryPrivate:
      typeof p.repository?.private === 'boolean' ? p.repository.private : undefined,
  };
}
