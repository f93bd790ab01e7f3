import { describe, expect, test } from 'vitest';
import { forecastFromHistory, newestFingerprints, pickBaseline } from '../../src/gate/history.js';
import type { RunRecord } from '../../src/gate/evidence.js';

function row(
  id: string,
  fp: string,
  status = 'completed',
  extra: Partial<RunRecord> = {},
): RunRecord {
  return { id, status, score: null, definitionFingerprint: fp, ...extra };
}

describe('pickBaseline', () => {
  const rows = [row('r4', 'fpA', 'running'), row('r3', 'fpA'), row('r2', 'fpB'), row('r1', 'fpA')];
  test('the newest completed run with the fingerprint', () => {
    expect(pickBaseline(rows, 'fpA')?.id).toBe('r3');
    expect(pickBaseline(rows, 'fpB')?.id).toBe('r2');
    expect(pickBaseline(rows, 'fpC')).toBeUndefined();
  });
  test('fingerprints to suggest: distinct, completed, newest first', () => {
    expect(newestFingerprints(rows)).toEqual(['fpA', 'fpB']);
  });
});

describe('forecastFromHistory', () => {
  test('median of recent completed runs, scaled by document count, with their spread', () => {
    const rows = [
      row('r3', 'f', 'completed', { durationMs: 100_000, documentCount: 10 }),
      row('r2', 'f', 'completed', { durationMs: 300_000, documentCount: 10 }),
      row('r1', 'f', 'completed', { durationMs: 200_000, documentCount: 10 }),
      row('r0', 'f', 'error', { durationMs: 5_000, documentCount: 10 }),
    ];
    // ±50 % around 200 s: √((0 + 0.25 + 0.25) / 2) = 50 %, times 1.8 for three runs.
    expect(forecastFromHistory(rows, 10)).toEqual({ durationMs: 200_000, spreadMs: 180_000 });
    expect(forecastFromHistory(rows, 20)).toEqual({ durationMs: 400_000, spreadMs: 360_000 });
    expect(forecastFromHistory(rows, undefined)?.durationMs).toBe(200_000);
  });
  test('no history, no forecast; a run without a duration does not count', () => {
    expect(forecastFromHistory([], 12)).toBeUndefined();
    expect(forecastFromHistory([row('r1', 'f', 'completed', { durationMs: undefined })], 12)).toBe(
      undefined,
    );
  });
});
