import { describe, expect, test } from 'vitest';
import { HeldLog } from '../src/head-start.js';

describe('HeldLog: lines written before the secrets are masked', () => {
  test('are held until the log opens, then printed first and in order', () => {
    const log = new HeldLog();
    const printed: string[] = [];
    log.write('retrying in 1.0 s');
    log.write('Baseline pinned in baselines.json: fp_1.');
    expect(printed).toEqual([]);
    log.open((line) => printed.push(line));
    log.write('Run exprun_1 started.');
    expect(printed).toEqual([
      'retrying in 1.0 s',
      'Baseline pinned in baselines.json: fp_1.',
      'Run exprun_1 started.',
    ]);
  });
});
