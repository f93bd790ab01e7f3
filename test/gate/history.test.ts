import { describe, expect, test } from 'vitest';
import { forecastDurationMs, newestFingerprints, pickBaseline } from '../../src/gate/history.js';
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

describe('forecastDurationMs', () => {
  test('median of recent completed runs, scaled by document count', () => {
    const rows = [
      row('r3', 'f', 'completed', { durationMs: 100_000, documentCount: 10 }),
      row('r2', 'f', 'completed', { durationMs: 300_000, documentCount: 10 }),
      row('r1', 'f', 'completed', { durationMs: 200_000, documentCount: 10 }),
      row('r0', 'f', 'error', { durationMs: 5_000, documentCount: 10 }),
    ];
    expect(forecastDurationMs(rows, 10)).toBe(200_000);
    expect(forecastDurationMs(rows, 20)).toBe(400_000);
    expect(forecastDurationMs(rows, undefined)).toBe(200_000);
  });
  test('no history, no forecast', () => {
    expect(forecastDurationMs([], 12)).toBeUndefined();
  });
});
