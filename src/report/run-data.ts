/**
 * The run a comment reports, kept in the comment in a hidden line of its own (the marker stays
 * exactly as it is): a later run can tell whether the comment already reports a newer run.
 */

const PREFIX = '<!-- retab-experiment-gate-run: ';
const SUFFIX = ' -->';
const SAFE_ID = /^[A-Za-z0-9_.:-]{1,200}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export interface RunData {
  runId: string;
  createdAt: string | undefined;
}

/** The hidden line, or '' when the run's id is not plainly an id (it could end the comment). */
export function formatRunData(runId: string, createdAt: string | undefined): string {
  if (!SAFE_ID.test(runId)) return '';
  const data: RunData = {
    runId,
    createdAt: createdAt && ISO_TIME.test(createdAt) ? createdAt : undefined,
  };
  return `${PREFIX}${JSON.stringify(data)}${SUFFIX}`;
}

export function readRunData(body: string): RunData | undefined {
  const line = body.split('\n').find((l) => l.startsWith(PREFIX) && l.trimEnd().endsWith(SUFFIX));
  if (!line) return undefined;
  try {
    const data = JSON.parse(
      line.trimEnd().slice(PREFIX.length, -SUFFIX.length),
    ) as Partial<RunData>;
    if (typeof data.runId !== 'string') return undefined;
    return {
      runId: data.runId,
      createdAt:
        typeof data.createdAt === 'string' && ISO_TIME.test(data.createdAt)
          ? data.createdAt
          : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The body as a reader sees it: without the hidden run line. */
export function visibleBody(body: string): string {
  return body
    .split('\n')
    .filter((line) => !line.startsWith(PREFIX))
    .join('\n');
}

/** The comment already reports a run created after this one: leave it as it is. */
export function reportsNewerRun(existingBody: string, createdAt: string | undefined): boolean {
  const existing = readRunData(existingBody)?.createdAt;
  if (!existing || !createdAt) return false;
  return Date.parse(existing) > Date.parse(createdAt);
}
