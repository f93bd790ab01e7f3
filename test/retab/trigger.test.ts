import { describe, expect, test } from 'vitest';
import { idempotencyKey } from '../../src/retab/trigger.js';

const SETTINGS = {
  workflowId: 'wf_a',
  experimentId: 'exp_a',
  nConsensus: 5,
  retryFailedOnly: false,
} as const;
const ATTEMPT = { repository: 'acme/invoices', runId: '42', runAttempt: '1', job: 'gate' };

describe('idempotencyKey', () => {
  test('the same step retrying its request sends the same key: the API returns the first run', () => {
    expect(idempotencyKey(SETTINGS, ATTEMPT)).toBe(idempotencyKey(SETTINGS, { ...ATTEMPT }));
  });
  test('a re-run of the workflow (a new attempt) or other options start a new run', () => {
    const key = idempotencyKey(SETTINGS, ATTEMPT);
    expect(idempotencyKey(SETTINGS, { ...ATTEMPT, runAttempt: '2' })).not.toBe(key);
    expect(idempotencyKey(SETTINGS, { ...ATTEMPT, runId: '43' })).not.toBe(key);
    expect(idempotencyKey({ ...SETTINGS, nConsensus: 7 }, ATTEMPT)).not.toBe(key);
    expect(idempotencyKey({ ...SETTINGS, retryFailedOnly: true }, ATTEMPT)).not.toBe(key);
    expect(idempotencyKey({ ...SETTINGS, experimentId: 'exp_b' }, ATTEMPT)).not.toBe(key);
  });
  test('outside a workflow every call is new', () => {
    expect(idempotencyKey(SETTINGS, undefined)).not.toBe(idempotencyKey(SETTINGS, undefined));
  });
});
