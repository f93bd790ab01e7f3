// The field table and `max-field-drop` end to end: the output `regressed-fields`, the step's
// failure naming the field, and the table in the comment, the job summary and the JSON report.
// The cases of the rule itself run in-process (test/retab/gather-fields.test.ts).
import { afterEach, describe, test } from 'vitest';
import type { FakeAggregate } from '../fakes/retab.ts';
import {
  BASE,
  MARKER,
  closeFakes,
  errorLines,
  gate,
  history,
  markedComments,
  next,
  scenario,
  startFakes,
} from './setup.ts';

afterEach(closeFakes);

const BEFORE: FakeAggregate = { likelihoods: { total_amount: 0.95, 'vendor.name': 0.9 } };
const AFTER: FakeAggregate = { likelihoods: { total_amount: 0.8, 'vendor.name': 0.91 } };

describe.concurrent('fields', () => {
  test('a field past max-field-drop: regression, regressed-fields 1, named where the step fails', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(
      ctx,
      scenario({
        history: [history('exprun_1', 'fp_base', BASE, { aggregate: BEFORE })],
        next: next(BASE, { aggregate: AFTER }),
      }),
    );
    const run = await gate(ctx, fakes, { inputs: { 'max-field-drop': '0.05' } });

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      verdict: 'regression',
      'regressed-documents': '0',
      'regressed-fields': '1',
    });
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      '1 field dropped by more than `max-field-drop` 0.05: total_amount.',
    );
    const [comment] = markedComments(fakes.github, MARKER);
    for (const body of [comment?.body ?? '', run.summary]) {
      expect(body).toContain('### Fields');
      expect(body).toContain('| total_amount | 0.950 | 0.800 | −15.0 pts | 🔻 regressed |');
    }
    const report = JSON.parse(run.reportText ?? '{}') as {
      fields?: { regressedCount: number; rows: Array<{ name: string; counts: boolean }> };
    };
    expect(report.fields?.regressedCount).toBe(1);
    expect(report.fields?.rows.map((row) => [row.name, row.counts])).toEqual([
      ['total_amount', true],
      ['vendor.name', false],
    ]);
  });

  test('no field scores: regressed-fields is empty, and no table', async (ctx) => {
    const { expect } = ctx;
    const fakes = await startFakes(ctx, scenario());
    const run = await gate(ctx, fakes, { inputs: { 'max-field-drop': '0.05' } });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'regressed-fields': '' });
    expect(run.summary).not.toContain('### Fields');
  });
});
