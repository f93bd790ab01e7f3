// Several experiments (a matrix's reports) gathered into one verdict. Pure: the reports are found,
// read and checked against their schema elsewhere; this decides which of them count, and what the
// set as a whole says.

export type Verdict = 'pass' | 'regression' | 'error';

/** What the set needs of an experiment's report (the JSON report has all of it). */
export interface SetReport {
  experimentId: string;
  verdict: Verdict;
  /** A regression fails the step (false when its gate had `fail-on-regression: false`). */
  blocking: boolean;
  regressedCount: number;
  startedAt?: string | undefined;
  run?: { createdAt?: string | undefined } | undefined;
  pullRequest?: PullRequestAt | undefined;
}

export interface PullRequestAt {
  number: number;
  headSha: string;
}

/** The commit the reports must have judged, and the pull request they must name (when known). */
export interface SetTarget {
  headSha: string;
  pullRequest: number | undefined;
}

/** Why a report is not one of the target's: it is then left out, never posted. */
export type Mismatch =
  | { kind: 'no-pull-request' }
  | { kind: 'other-commit'; headSha: string }
  | { kind: 'other-pull-request'; number: number };

/**
 * Why the pull request a report names is not the target's, or undefined when it is. The one check
 * of both phases that read reports from outside (one report, or a matrix's).
 */
export function mismatchOf(
  pullRequest: PullRequestAt | undefined,
  target: SetTarget,
): Mismatch | undefined {
  if (!pullRequest) return { kind: 'no-pull-request' };
  if (pullRequest.headSha !== target.headSha) {
    return { kind: 'other-commit', headSha: pullRequest.headSha };
  }
  if (target.pullRequest !== undefined && pullRequest.number !== target.pullRequest) {
    return { kind: 'other-pull-request', number: pullRequest.number };
  }
  return undefined;
}

/** A report file as found: read and parsed, or why it could not be. */
export type Candidate<R extends SetReport> =
  { file: string; writtenAt: number; report: R } | { file: string; problem: string };

/**
 * On workflow_run the event names the commit but not the pull request (GitHub leaves
 * `pull_requests` empty for forks): the one the reports of that commit name most often (on a tie,
 * the lowest number). The comment phase then checks with GitHub that its head is that commit.
 */
export function pullRequestOf<R extends SetReport>(
  candidates: readonly Candidate<R>[],
  headSha: string,
): number | undefined {
  const votes = new Map<number, number>();
  for (const c of candidates) {
    const pr = 'report' in c ? c.report.pullRequest : undefined;
    if (pr?.headSha === headSha) votes.set(pr.number, (votes.get(pr.number) ?? 0) + 1);
  }
  let best: [number, number] | undefined;
  for (const [number, count] of votes) {
    if (!best || count > best[1] || (count === best[1] && number < best[0])) best = [number, count];
  }
  return best?.[0];
}

export type SetRow<R extends SetReport> =
  /** The experiment's report, the newest of its reports (`replaced`: how many older ones). */
  | { kind: 'report'; experimentId: string; file: string; report: R; replaced: number }
  /** Named in `experiments` without a report of the target (`leftOut`: why its report did not count). */
  | { kind: 'missing'; experimentId: string; leftOut: Mismatch | undefined }
  /** A file that is not a report the gate accepts (unreadable, too large, another schema). */
  | { kind: 'unreadable'; file: string; problem: string };

export interface ExperimentSet<R extends SetReport> {
  /** The worst of the rows'; `error` when there is no row at all. */
  verdict: Verdict;
  /** A regression fails the step: some regressed experiment's gate blocks. */
  blocking: boolean;
  /** Errors first, then regressions, then passes; in `experiments` order, else by id. */
  rows: SetRow<R>[];
  counts: { passed: number; regressed: number; errored: number };
  /** Regressed documents over the experiments' reports. */
  regressedDocuments: number;
  /** Reports of another pull request or commit, with why. */
  leftOut: Array<{ experimentId: string; file: string; mismatch: Mismatch }>;
  /** When the newest report's run was created (or its gate started): a later set replaces this one. */
  newest: string | undefined;
}

const RANK: Record<Verdict, number> = { error: 0, regression: 1, pass: 2 };

function verdictOf<R extends SetReport>(row: SetRow<R>): Verdict {
  return row.kind === 'report' ? row.report.verdict : 'error';
}

/**
 * The set: one row per experiment (its newest report of the target), an error row per experiment
 * named in `experiments` without one and per file that is not a report; reports of another pull
 * request or commit left out, and counted only when `experiments` names them (as missing).
 */
export function gatherSet<R extends SetReport>(
  candidates: readonly Candidate<R>[],
  target: SetTarget,
  experiments: readonly string[] | undefined,
): ExperimentSet<R> {
  const kept = new Map<string, { file: string; report: R; writtenAt: number; replaced: number }>();
  const leftOut: ExperimentSet<R>['leftOut'] = [];
  const unreadable: SetRow<R>[] = [];
  for (const candidate of candidates) {
    if (!('report' in candidate)) {
      unreadable.push({ kind: 'unreadable', file: candidate.file, problem: candidate.problem });
      continue;
    }
    const { report, file, writtenAt } = candidate;
    const mismatch = mismatchOf(report.pullRequest, target);
    if (mismatch) {
      leftOut.push({ experimentId: report.experimentId, file, mismatch });
      continue;
    }
    const before = kept.get(report.experimentId);
    const mine = { file, report, writtenAt, replaced: 0 };
    if (!before) kept.set(report.experimentId, mine);
    else if (isNewer(mine, before))
      kept.set(report.experimentId, { ...mine, replaced: before.replaced + 1 });
    else before.replaced++;
  }

  const rows: SetRow<R>[] = [...kept].map(([experimentId, k]) => ({
    kind: 'report',
    experimentId,
    file: k.file,
    report: k.report,
    replaced: k.replaced,
  }));
  for (const id of experiments ?? []) {
    if (!kept.has(id))
      rows.push({
        kind: 'missing',
        experimentId: id,
        leftOut: leftOut.find((l) => l.experimentId === id)?.mismatch,
      });
  }
  rows.push(...unreadable);
  const order = new Map((experiments ?? []).map((id, i) => [id, i]));
  const keyOf = (row: SetRow<R>) => (row.kind === 'unreadable' ? row.file : row.experimentId);
  rows.sort(
    (a, b) =>
      RANK[verdictOf(a)] - RANK[verdictOf(b)] ||
      (order.get(keyOf(a)) ?? Infinity) - (order.get(keyOf(b)) ?? Infinity) ||
      compareText(keyOf(a), keyOf(b)),
  );

  const counts = { passed: 0, regressed: 0, errored: 0 };
  let regressedDocuments = 0;
  let blocking = false;
  let newest: string | undefined;
  for (const row of rows) {
    const verdict = verdictOf(row);
    if (verdict === 'pass') counts.passed++;
    else if (verdict === 'regression') counts.regressed++;
    else counts.errored++;
    if (row.kind !== 'report') continue;
    regressedDocuments += row.report.regressedCount;
    if (verdict === 'regression' && row.report.blocking) blocking = true;
    const time = reportTime(row.report);
    if (time !== undefined && (newest === undefined || instant(time) > instant(newest))) {
      newest = time;
    }
  }
  const worst = rows[0];
  return {
    verdict: worst ? verdictOf(worst) : 'error',
    blocking,
    rows,
    counts,
    regressedDocuments,
    leftOut,
    newest,
  };
}

/**
 * When what a report tells happened: its run's creation, or, for an error before the run was
 * read, its gate's start (always earlier than the run it would have started).
 */
export function reportTime(report: Pick<SetReport, 'run' | 'startedAt'>): string | undefined {
  return report.run?.createdAt ?? report.startedAt;
}

/** A time as a number; one that is absent or unreadable is older than any. */
function instant(time: string | undefined): number {
  const ms = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(ms) ? -Infinity : ms;
}

/**
 * Of two reports of one experiment, the newer: the one whose run was created later; on a tie,
 * the one written later (its gate started later, then the file's own time).
 */
function isNewer(
  a: { report: SetReport; writtenAt: number },
  b: { report: SetReport; writtenAt: number },
): boolean {
  return (
    (Math.sign(instant(reportTime(a.report)) - instant(reportTime(b.report))) ||
      Math.sign(instant(a.report.startedAt) - instant(b.report.startedAt)) ||
      Math.sign(a.writtenAt - b.writtenAt)) > 0
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
