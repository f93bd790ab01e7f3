/**
 * The run a comment reports, kept in the comment in a hidden line of its own (the marker stays
 * exactly as it is): a later run can tell whether the comment already reports a newer run.
 */
import { reportTime } from '../gate/set.js';
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

/** The hidden line of a report, or '' when there is nothing safe to say in it. */
export function formatRunData(report: Report): string {
  // An id that is not plainly an id could end the comment: no line at all.
  if (report.run && !SAFE_ID.test(report.run.id)) return '';
  return formatRunLine(report.run?.id, reportTime(report));
}

/** The hidden line of a comment that tells `time` (of run `runId`, when it is one run's). */
export function formatRunLine(runId: string | undefined, time: string | undefined): string {
  const data: RunData = {
    runId: runId !== undefined && SAFE_ID.test(runId) ? runId : undefined,
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

/** The comment already tells something newer than `time`: leave it as it is. */
export function reportsNewerThan(existingBody: string, time: string | undefined): boolean {
  const existing = readRunData(existingBody)?.createdAt;
  if (!existing || !time) return false;
  return Date.parse(existing) > Date.parse(time);
}
