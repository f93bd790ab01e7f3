/**
 * The run a comment reports, kept in the comment in a hidden line of its own (the marker stays
 * exactly as it is): a later run can tell whether the comment already reports a newer run.
 */
import type { Report } from './model.js';

const PREFIX = '<!-- retab-experiment-gate-run: ';
const SUFFIX = ' -->';
const SAFE_ID = /^[A-Za-z0-9_.:-]{1,200}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

interface RunData {
  /** Absent when the gate failed before a run was started. */
  runId: string | undefined;
  createdAt: string | undefined;
}

/**
 * When what the report tells happened: its run's creation, or, for an error before the run was
 * read, the gate's start (always earlier than the run it would have started).
 */
function reportTime(report: Report): string | undefined {
  return report.run?.createdAt ?? report.startedAt;
}

/** The hidden line of a report, or '' when there is nothing safe to say in it. */
export function formatRunData(report: Report): string {
  // An id that is not plainly an id could end the comment: no line at all.
  if (report.run && !SAFE_ID.test(report.run.id)) return '';
  const time = reportTime(report);
  const data: RunData = {
    runId: report.run?.id,
    createdAt: time && ISO_TIME.test(time) ? time : undefined,
  };
  if (data.runId === undefined && data.createdAt === undefined) return '';
  return `${PREFIX}${JSON.stringify(data)}${SUFFIX}`;
}

function readRunData(body: string): RunData | undefined {
  const line = body.split('\n').find((l) => l.startsWith(PREFIX) && l.trimEnd().endsWith(SUFFIX));
  if (!line) return undefined;
  try {
    const data = JSON.parse(
      line.trimEnd().slice(PREFIX.length, -SUFFIX.length),
    ) as Partial<RunData>;
    return {
      runId: typeof data.runId === 'string' ? data.runId : undefined,
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

/** The comment already reports something newer than `report`: leave it as it is. */
export function reportsNewerRun(existingBody: string, report: Report): boolean {
  const existing = readRunData(existingBody)?.createdAt;
  const ours = reportTime(report);
  if (!existing || !ours) return false;
  return Date.parse(existing) > Date.parse(ours);
}
