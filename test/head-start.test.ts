import { afterEach, describe, expect, test } from 'vitest';
import { HeldLog, headStart, type LogLevel } from '../src/head-start.js';

describe('HeldLog: lines written before the secrets are masked', () => {
  test('are held until the log opens, then printed first and in order', () => {
    const log = new HeldLog();
    const printed: Array<[LogLevel, string]> = [];
    log.write('retrying in 1.0 s');
    log.write('Received SIGINT: cancelling the Retab run.', 'warning');
    expect(printed).toEqual([]);
    log.open((line, level) => printed.push([level, line]));
    log.write('Run exprun_1 started.');
    expect(printed).toEqual([
      ['info', 'retrying in 1.0 s'],
      ['warning', 'Received SIGINT: cancelling the Retab run.'],
      ['info', 'Run exprun_1 started.'],
    ]);
  });
});

describe('headStart', () => {
  const INPUTS = {
    'INPUT_API-KEY': 'rk_test_headStartKey_123',
    'INPUT_WORKFLOW-ID': 'wf_1',
    'INPUT_EXPERIMENT-ID': 'exp_1',
    // Nothing listens there: the first read cannot be sent, and is retried.
    'INPUT_API-BASE-URL': 'http://127.0.0.1:9',
  };
  afterEach(() => {
    for (const name of Object.keys(INPUTS)) delete process.env[name];
  });

  test('a cancel before the rest of the action has loaded stops the first read, and is logged once the log opens', async () => {
    Object.assign(process.env, INPUTS);
    const head = await headStart(); // gives up waiting for the request after 1 s
    expect(head.mode).toBe('run');
    if (head.mode !== 'run') return;
    process.emit('SIGINT', 'SIGINT'); // as Node delivers a signal: with its name
    expect(head.abort.signal.aborted).toBe(true);
    await expect(head.firstHistoryPage).rejects.toThrow(/runs failed/);
    const printed: Array<[LogLevel, string]> = [];
    head.log.open((line, level) => printed.push([level, line]));
    expect(printed).toContainEqual(['warning', 'Received SIGINT: cancelling the Retab run.']);
  });
});
