// The detectable drop, in-process against the fake Retab: the line beside the interval in the
// comment, the summary and the JSON report; the output `detectable-drop`; and the one notice that
// says how many documents would detect `max-drop`, emitted where the step concludes.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, vi, type TestContext } from 'vitest';
import { conclude, setOutputs } from '../../src/step-results.js';
import { invoiceDocuments, scoresOf } from '../fakes/scenarios.ts';
import {
  gateInProcess,
  parseReport,
  renderComment,
  renderSummary,
} from '../harness/gate-in-process.ts';
import { parseOutputFile } from '../harness/run-action.ts';
import { pairedScenario, scenario } from '../harness/scenario.ts';
import type { Report } from '../../src/report/model.js';

/** Twelve changes averaging −2.5 points with a large spread (s = 0.0901). */
const NOISY = [0.1, -0.15, 0.08, -0.12, 0.05, -0.1, 0.07, -0.09, 0.04, -0.08, 0.0, -0.1];

function scoresAround(changes: readonly number[]) {
  const reference = changes.map(() => 0.85);
  const current = changes.map((change) => Number((0.85 + change).toFixed(4)));
  return { reference, current };
}

function twelveNoisy() {
  const { reference, current } = scoresAround(NOISY);
  return pairedScenario(invoiceDocuments(12), reference, current);
}

/** 200 documents, each within ±0.6 points of its reference score. */
function twoHundredSteady() {
  const changes = Array.from({ length: 200 }, (_, i) => ((i % 5) - 2) * 0.003);
  const { reference, current } = scoresAround(changes);
  return pairedScenario(invoiceDocuments(200), reference, current);
}

/** What the step leaves: its outputs (the GITHUB_OUTPUT file) and its workflow commands. */
async function stepResults(ctx: TestContext, report: Report) {
  const outputFile = join(await mkdtemp(join(tmpdir(), 'gate-outputs-')), 'output');
  await writeFile(outputFile, '');
  vi.stubEnv('GITHUB_OUTPUT', outputFile);
  ctx.onTestFinished(() => void vi.unstubAllEnvs());
  const written: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  ctx.onTestFinished(() => write.mockRestore());
  setOutputs(report, '/tmp/report.json', '');
  conclude(report, (text) => text);
  write.mockRestore();
  process.exitCode = undefined; // conclude's setFailed on a regression
  const outputs = parseOutputFile(await readFile(outputFile, 'utf8'));
  const output = (name: string): string | undefined => outputs[name];
  const notices = written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('::notice::'));
  return { output, notices };
}

test('12 noisy documents: the detectable drop beside the interval, the advice, one notice, the output', async (ctx) => {
  const gate = await gateInProcess(ctx, { scenario: twelveNoisy() });
  // SciPy: (t(0.95, 11) + t(0.80, 11)) × 0.0901010 / √12 = 0.0694832; 128 documents would
  // detect 2 points.
  expect(gate.report.noise).toMatchObject({
    detectableDrop: expect.closeTo(0.0694832, 6),
    documentsToDetect: 128,
  });
  const advice =
    'About 128 documents would detect 2.0 pts, the drop `max-drop` allows, 80% of the time; ' +
    'these 12 detect 6.9 pts.';
  const line =
    '**Detectable drop:** detects a drop of 6.9 pts or more, 80% of the time (at 95% one-sided, ' +
    'over the 12 documents both runs scored); a smaller true drop may pass unseen. ' +
    advice;
  for (const markdown of [renderComment(gate.report), renderSummary(gate.report)]) {
    // Beside the interval, after the line that says how it was measured; the first line stays.
    expect(markdown).toContain(
      'Interval: Student t, over the per-document changes of the 12 documents both runs scored.' +
        '\n\n' +
        line,
    );
    expect(markdown.split('\n').find((l) => l.includes('Experiment gate:'))).not.toContain(
      'Detectable',
    );
  }
  expect(parseReport(JSON.stringify(gate.report)).noise?.documentsToDetect).toBe(128);

  const step = await stepResults(ctx, gate.report);
  expect(step.output('detectable-drop')).toBe('0.0695');
  expect(step.notices).toEqual([`::notice::${advice.replaceAll('%', '%25')}`]);
});

test('confidence 0.99 and a relative max-drop: the figure at that level, the drop against the reference', async (ctx) => {
  const gate = await gateInProcess(ctx, {
    scenario: twelveNoisy(),
    inputs: { confidence: '0.99', 'max-drop': '5%' },
  });
  // SciPy: (t(0.99, 11) + t(0.80, 11)) × 0.0901010 / √12 = 0.0934694; 5 % of 0.85 is 4.25 points,
  // which 48 documents would detect.
  expect(gate.report.noise).toMatchObject({
    detectableDrop: expect.closeTo(0.0934694, 6),
    documentsToDetect: 48,
  });
  expect(renderComment(gate.report)).toContain(
    'detects a drop of 9.3 pts or more, 80% of the time (at 99% one-sided',
  );
  expect(renderComment(gate.report)).toContain('About 48 documents would detect 4.3 pts');
});

test('200 steady documents: a small detectable drop, no advice, no notice; the output is set', async (ctx) => {
  const gate = await gateInProcess(ctx, { scenario: twoHundredSteady() });
  expect(gate.report.noise?.documentsToDetect).toBeUndefined();
  const comment = renderComment(gate.report);
  expect(comment).toMatch(/detects a drop of 0\.\d pts or more, 80% of the time/);
  expect(comment).not.toContain('documents would detect');
  const step = await stepResults(ctx, gate.report);
  expect(Number(step.output('detectable-drop'))).toBeGreaterThan(0);
  expect(Number(step.output('detectable-drop'))).toBeLessThan(0.01);
  expect(step.notices).toEqual([]);
});

test('every document moved alike (s = 0): any drop is detected', async (ctx) => {
  const gate = await gateInProcess(ctx, {
    scenario: pairedScenario(invoiceDocuments(4), [0.9, 0.8, 0.85, 0.7], [0.89, 0.79, 0.84, 0.69]),
  });
  expect(gate.report.noise?.detectableDrop).toBe(0);
  expect(renderComment(gate.report)).toContain(
    '**Detectable drop:** every document moved alike, so the test detects any drop (at 95% one-sided, over the 4 documents both runs scored).',
  );
  const step = await stepResults(ctx, gate.report);
  expect(step.output('detectable-drop')).toBe('0');
  expect(step.notices).toEqual([]);
});

test('fewer than 3 shared documents: no line, the output empty, and nothing breaks', async (ctx) => {
  const gate = await gateInProcess(ctx, {
    scenario: pairedScenario(invoiceDocuments(2), [0.9, 0.8], [0.7, 0.6]),
  });
  expect(gate.verdict).toBe('regression');
  expect(gate.report.noise?.detectableDrop).toBeUndefined();
  expect(renderComment(gate.report)).not.toContain('Detectable drop');
  const step = await stepResults(ctx, gate.report);
  expect(step.output('detectable-drop')).toBe('');
  expect(step.notices).toEqual([]);
});

test('a reused run shows it too', async (ctx) => {
  const documents = invoiceDocuments(12);
  const { reference, current } = scoresAround(NOISY);
  const run = (id: string, values: number[]) => ({
    id,
    definitionFingerprint: id === 'exprun_1' ? 'fp_base' : 'fp_next',
    scores: scoresOf(documents, values),
    durationMs: 400,
  });
  const gate = await gateInProcess(ctx, {
    scenario: scenario({
      documents,
      reuseFreshResults: true,
      history: [run('exprun_1', reference), run('exprun_2', current)],
    }),
  });
  expect(gate.report.run?.reused).toBe(true);
  expect(gate.report.noise?.detectableDrop).toBeCloseTo(0.0694832, 6);
  expect(renderComment(gate.report)).toContain('About 128 documents would detect 2.0 pts');
  const step = await stepResults(ctx, gate.report);
  expect(step.output('detectable-drop')).toBe('0.0695');
  expect(step.notices).toHaveLength(1);
});
