// Noise-aware gating, end to end: a drop within noise passes with `confidence`,
// a credible one fails either way, and the interval reaches the outputs.
import { afterEach, expect, test } from 'vitest';
import { invoiceDocuments } from '../fakes/scenarios.ts';
import {
  closeFakes,
  gate,
  history,
  markedComments,
  pairedScenario,
  scenario,
  startFakes,
} from './setup.ts';

afterEach(closeFakes);

/** Twelve changes averaging −2.5 points with a large spread. */
const NOISY = [0.1, -0.15, 0.08, -0.12, 0.05, -0.1, 0.07, -0.09, 0.04, -0.08, 0.0, -0.1];

function twelveNoisy() {
  const documents = invoiceDocuments(12);
  const reference = documents.map(() => 0.85);
  const current = NOISY.map((change) => Number((0.85 + change).toFixed(4)));
  return pairedScenario(documents, reference, current);
}

function fiftyWorse() {
  const documents = invoiceDocuments(50);
  const reference = documents.map((_, i) => 0.8 + (i % 5) * 0.03);
  const current = reference.map((score, i) =>
    Number((score - 0.04 + ((i % 3) - 1) * 0.004).toFixed(4)),
  );
  return pairedScenario(documents, reference, current);
}

test('12 documents, −2.5 points with a large spread: fails without confidence', async (ctx) => {
  const fakes = await startFakes(ctx, twelveNoisy());
  const run = await gate(ctx, fakes);
  expect(run.code).toBe(1);
  expect(run.outputs.verdict).toBe('regression');
  expect(Number(run.outputs.delta)).toBeCloseTo(-0.025, 4);
  expect(Number(run.outputs['delta-low'])).toBeLessThan(0);
  expect(Number(run.outputs['delta-high'])).toBeGreaterThan(0);
  // The plain threshold decided, but the comment flags that the drop is within noise.
  const body = markedComments(fakes.github)[0]!.body;
  expect(body).toContain('**Drop within noise:**');
  expect(body).toMatch(/−2\.5 pts \(95%: −\d+\.\d to \+\d+\.\d\)/);
  // The detectable drop (test/report/power.test.ts has the rest): the output and the one notice.
  expect(run.outputs['detectable-drop']).toBe('0.0695');
  expect(run.stdout.split('\n').filter((line) => line.startsWith('::notice::'))).toEqual([
    '::notice::About 128 documents would detect 2.0 pts, the drop `max-drop` allows, 80%25 of the time; these 12 detect 6.9 pts.',
  ]);
});

test('12 documents, −2.5 points with a large spread: passes with confidence 0.95', async (ctx) => {
  const fakes = await startFakes(ctx, twelveNoisy());
  const run = await gate(ctx, fakes, { inputs: { confidence: '0.95' } });
  expect(run.code).toBe(0);
  expect(run.outputs.verdict).toBe('pass');
  expect(Number(run.outputs['delta-low'])).toBeLessThan(0);
  expect(Number(run.outputs['delta-high'])).toBeGreaterThan(0);
  const body = markedComments(fakes.github)[0]!.body;
  expect(body).toContain('not counted as a regression (`confidence` 0.95)');
  expect(body).toContain('Student t');
  const report = JSON.parse(run.reportText!);
  expect(report.noise).toMatchObject({
    level: 0.95,
    dismissed: true,
    interval: { method: 't', n: 12 },
  });
});

test.for([undefined, '0.95', '0.99'])(
  '50 documents each about 4 points worse fail (confidence %s)',
  async (confidence, ctx) => {
    const fakes = await startFakes(ctx, fiftyWorse());
    const run = await gate(ctx, fakes, { inputs: confidence ? { confidence } : {} });
    expect(run.code).toBe(1);
    expect(run.outputs.verdict).toBe('regression');
    expect(Number(run.outputs.delta)).toBeCloseTo(-0.04, 3);
    const low = Number(run.outputs['delta-low']);
    const high = Number(run.outputs['delta-high']);
    expect(low).toBeLessThan(-0.04);
    expect(high).toBeLessThan(0);
    expect(high).toBeGreaterThan(-0.04);
  },
);

test('three runs of one definition: the comment shows the measured run-to-run noise', async (ctx) => {
  const fakes = await startFakes(
    ctx,
    scenario({
      history: [
        history('exprun_1', 'fp_next', [0.9, 0.85, 0.8, 0.95, 0.9]),
        history('exprun_2', 'fp_next', [0.88, 0.86, 0.8, 0.93, 0.9]),
      ],
    }),
  );
  const run = await gate(ctx, fakes);
  expect(run.outputs.verdict).toBe('pass');
  expect(markedComments(fakes.github)[0]!.body).toMatch(
    /Run-to-run noise of this definition: ±\d+\.\d pts \(standard deviation over 3 runs/,
  );
});
