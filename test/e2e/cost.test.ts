// "Cost and time" end to end: the four outputs, always set; a threshold that fails the step,
// named where it fails; one that cannot be checked, a warning. The cases run in-process
// (test/retab/cost.test.ts).
import { afterEach, describe, test } from 'vitest';
import {
  BASE,
  BEFORE,
  closeFakes,
  costScenario,
  errorLines,
  gate,
  ms,
  next,
  scenario,
  startFakes,
  warningLines,
} from './setup.ts';

afterEach(closeFakes);

describe.concurrent('cost and time', () => {
  test('max-cost-increase: three times the credits fail the step; the outputs say by how much', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      // The fake's own default API, named.
      costScenario('older', BEFORE, { creditsPerDocument: 7.5, documentMs: ms(6_400) }),
    );
    const run = await gate(ctx, fakes, { inputs: { 'max-cost-increase': '50%' } });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      verdict: 'regression',
      'credits-per-document': '7.5',
      'credits-delta': '5',
      'seconds-per-document': '6.4',
      'seconds-delta': '3.2',
    });
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    // ('%' is written %25 in a workflow command.)
    expect(errors[0]).toContain(
      'Credits per document rose from 2.50 to 7.50; `max-cost-increase` 50%25 allows +1.25.',
    );
    expect(run.summary).toContain('| Credits per document | 2.50 | 7.50 | +5.00 (+200 %) |');
  });

  test('credits not reported: the outputs are empty, the threshold a warning, the verdict on accuracy', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({
        next: next(BASE, {
          cost: { usage: Object.fromEntries(Object.keys(ms(0)).map((id) => [id, null])) },
        }),
      }),
    );
    const run = await gate(ctx, fakes, { inputs: { 'max-cost-increase': '0.5' } });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      verdict: 'pass',
      'credits-per-document': '',
      'credits-delta': '',
    });
    expect(run.outputs['seconds-per-document']).toMatch(/^\d+(\.\d+)?$/);
    expect(warningLines(run.stdout)).toContainEqual(
      expect.stringContaining(
        "Input 'max-cost-increase' could not be checked: Retab reported no credits for the same documents in both runs.",
      ),
    );
  });
});
