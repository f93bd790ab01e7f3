import { describe, expect, test } from 'vitest';
import {
  gatherSet,
  mismatchOf,
  pullRequestOf,
  type Candidate,
  type SetReport,
} from '../../src/gate/set.js';
import { DEFAULT_SHA as SHA } from '../harness/run-action.ts';

const OLD_SHA = 'ffffffffffffffffffffffffffffffffffffffff';
const TARGET = { headSha: SHA, pullRequest: 7 };

function report(experimentId: string, overrides: Partial<SetReport> = {}): SetReport {
  return {
    experimentId,
    verdict: 'pass',
    blocking: true,
    regressedCount: 0,
    startedAt: '2026-05-18T09:00:00.000Z',
    run: { createdAt: '2026-05-18T09:00:05.000Z' },
    pullRequest: { number: 7, headSha: SHA },
    ...overrides,
  };
}

function found(r: SetReport, file = `${r.experimentId}/report.json`, writtenAt = 0) {
  return { file, writtenAt, report: r } satisfies Candidate<SetReport>;
}

describe('gatherSet', () => {
  test('three reports: one row each, the worst verdict, regressed documents summed', () => {
    const set = gatherSet(
      [
        found(report('exp_invoices', { regressedCount: 0 })),
        found(report('exp_receipts', { verdict: 'regression', regressedCount: 3 })),
        found(report('exp_contracts', { verdict: 'pass', regressedCount: 1 })),
      ],
      TARGET,
      undefined,
    );
    expect(set.verdict).toBe('regression');
    expect(set.blocking).toBe(true);
    expect(set.counts).toEqual({ passed: 2, regressed: 1, errored: 0 });
    expect(set.regressedDocuments).toBe(4);
    // The regression first, then the passes by id.
    expect(set.rows.map((r) => (r.kind === 'report' ? r.experimentId : r.kind))).toEqual([
      'exp_receipts',
      'exp_contracts',
      'exp_invoices',
    ]);
  });

  test('an error anywhere makes the set an error; a regression alone that does not block does not fail it', () => {
    const errored = gatherSet(
      [found(report('a', { verdict: 'regression' })), found(report('b', { verdict: 'error' }))],
      TARGET,
      undefined,
    );
    expect(errored.verdict).toBe('error');
    const lenient = gatherSet(
      [found(report('a', { verdict: 'regression', blocking: false })), found(report('b'))],
      TARGET,
      undefined,
    );
    expect(lenient).toMatchObject({ verdict: 'regression', blocking: false });
  });

  test('an experiment named in `experiments` without a report is an error row, and the set errs', () => {
    const set = gatherSet([found(report('exp_invoices')), found(report('exp_receipts'))], TARGET, [
      'exp_invoices',
      'exp_receipts',
      'exp_contracts',
    ]);
    expect(set.verdict).toBe('error');
    expect(set.counts).toEqual({ passed: 2, regressed: 0, errored: 1 });
    expect(set.rows[0]).toEqual({
      kind: 'missing',
      experimentId: 'exp_contracts',
      leftOut: undefined,
    });
    // The passes in the order `experiments` gives.
    expect(set.rows.slice(1).map((r) => r.kind === 'report' && r.experimentId)).toEqual([
      'exp_invoices',
      'exp_receipts',
    ]);
  });

  test('a report of another commit or pull request is left out, and changes nothing', () => {
    const set = gatherSet(
      [
        found(report('exp_invoices')),
        found(
          report('exp_receipts', {
            verdict: 'error',
            pullRequest: { number: 7, headSha: OLD_SHA },
          }),
        ),
        found(report('exp_forms', { verdict: 'error', pullRequest: { number: 8, headSha: SHA } })),
        found(report('exp_push', { verdict: 'error', pullRequest: undefined })),
      ],
      TARGET,
      undefined,
    );
    expect(set.verdict).toBe('pass');
    expect(set.rows).toHaveLength(1);
    expect(set.leftOut).toEqual([
      {
        experimentId: 'exp_receipts',
        file: 'exp_receipts/report.json',
        mismatch: { kind: 'other-commit', headSha: OLD_SHA },
      },
      {
        experimentId: 'exp_forms',
        file: 'exp_forms/report.json',
        mismatch: { kind: 'other-pull-request', number: 8 },
      },
      {
        experimentId: 'exp_push',
        file: 'exp_push/report.json',
        mismatch: { kind: 'no-pull-request' },
      },
    ]);
  });

  test('a left-out report of an experiment `experiments` names: an error row that says why', () => {
    const set = gatherSet(
      [found(report('exp_receipts', { pullRequest: { number: 7, headSha: OLD_SHA } }))],
      TARGET,
      ['exp_receipts'],
    );
    expect(set.verdict).toBe('error');
    expect(set.rows).toEqual([
      {
        kind: 'missing',
        experimentId: 'exp_receipts',
        leftOut: { kind: 'other-commit', headSha: OLD_SHA },
      },
    ]);
  });

  test('of two reports of one experiment, the one whose run was created later is kept', () => {
    const older = report('exp_a', { verdict: 'error', run: { createdAt: '2026-05-18T09:00:00Z' } });
    const newer = report('exp_a', { verdict: 'pass', run: { createdAt: '2026-05-18T09:05:00Z' } });
    for (const order of [
      [found(newer, 'new.json'), found(older, 'old.json')],
      [found(older, 'old.json'), found(newer, 'new.json')],
    ]) {
      const set = gatherSet(order, TARGET, undefined);
      expect(set.rows).toEqual([
        { kind: 'report', experimentId: 'exp_a', file: 'new.json', report: newer, replaced: 1 },
      ]);
      expect(set.verdict).toBe('pass');
    }
  });

  test('on a tie of runs, the one written later: its gate started later, then the file is newer', () => {
    const run = { createdAt: '2026-05-18T09:00:00Z' };
    const first = report('exp_a', { run, startedAt: '2026-05-18T09:10:00Z', regressedCount: 1 });
    const second = report('exp_a', { run, startedAt: '2026-05-18T09:20:00Z', regressedCount: 2 });
    const kept = (candidates: Candidate<SetReport>[]) => {
      const row = gatherSet(candidates, TARGET, undefined).rows[0];
      return row?.kind === 'report' ? row.file : undefined;
    };
    expect(kept([found(second, 'b.json'), found(first, 'a.json')])).toBe('b.json');
    expect(kept([found(first, 'a.json'), found(second, 'b.json')])).toBe('b.json');
    const same = report('exp_a', { run, startedAt: '2026-05-18T09:10:00Z' });
    expect(kept([found(same, 'late.json', 2_000), found(same, 'early.json', 1_000)])).toBe(
      'late.json',
    );
    expect(kept([found(same, 'early.json', 1_000), found(same, 'late.json', 2_000)])).toBe(
      'late.json',
    );
  });

  test('a file that is not a report is an error row naming it', () => {
    const set = gatherSet(
      [found(report('exp_a')), { file: 'x/report.json', problem: 'The report is not JSON.' }],
      TARGET,
      undefined,
    );
    expect(set.verdict).toBe('error');
    expect(set.rows[0]).toEqual({
      kind: 'unreadable',
      file: 'x/report.json',
      problem: 'The report is not JSON.',
    });
  });

  test('nothing left to judge is an error, never a pass', () => {
    const set = gatherSet(
      [found(report('exp_a', { pullRequest: { number: 7, headSha: OLD_SHA } }))],
      TARGET,
      undefined,
    );
    expect(set).toMatchObject({ verdict: 'error', rows: [] });
  });

  test('the newest time among the reports kept: a later set is never overwritten by an older one', () => {
    const set = gatherSet(
      [
        found(report('a', { run: { createdAt: '2026-05-18T09:05:00.000Z' } })),
        found(report('b', { run: undefined, startedAt: '2026-05-18T09:07:00.000Z' })),
        found(report('c', { run: { createdAt: '2026-05-18T09:01:00.000Z' } })),
      ],
      TARGET,
      undefined,
    );
    expect(set.newest).toBe('2026-05-18T09:07:00.000Z');
  });
});

describe('the pull request on workflow_run', () => {
  test('the one the reports of the commit name most; reports of other commits do not vote', () => {
    const at = (n: number, sha = SHA) =>
      found(report(`e${n}`, { pullRequest: { number: n, headSha: sha } }));
    expect(
      pullRequestOf([at(9), at(7), at(7), at(3, OLD_SHA), at(3, OLD_SHA), at(3, OLD_SHA)], SHA),
    ).toBe(7);
    expect(pullRequestOf([at(9), at(7)], SHA)).toBe(7);
    expect(pullRequestOf([at(3, OLD_SHA)], SHA)).toBeUndefined();
  });
});

describe('mismatchOf', () => {
  test('no pull request, another commit, another pull request; none when both match', () => {
    expect(mismatchOf(undefined, TARGET)).toEqual({ kind: 'no-pull-request' });
    expect(mismatchOf({ number: 7, headSha: OLD_SHA }, TARGET)).toEqual({
      kind: 'other-commit',
      headSha: OLD_SHA,
    });
    expect(mismatchOf({ number: 8, headSha: SHA }, TARGET)).toEqual({
      kind: 'other-pull-request',
      number: 8,
    });
    expect(
      mismatchOf({ number: 8, headSha: SHA }, { headSha: SHA, pullRequest: undefined }),
    ).toBeUndefined();
    expect(mismatchOf({ number: 7, headSha: SHA }, TARGET)).toBeUndefined();
  });
});
