import { describe, expect, test } from 'vitest';
import { InputError } from '../src/errors.js';
import {
  parseConfidence,
  parseDuration,
  parseThreshold,
  readSettings,
  valuesHiddenBy,
} from '../src/inputs.js';

const REQUIRED = { 'api-key': 'key', 'workflow-id': 'wf_abc123', 'experiment-id': 'exp_abc' };

function settingsFrom(inputs: Record<string, string>) {
  return readSettings((name) => inputs[name] ?? '');
}

function problemWith(inputs: Record<string, string>): string {
  try {
    settingsFrom(inputs);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an input error');
}

describe('readSettings', () => {
  test('empty optional inputs take the documented defaults', () => {
    const s = settingsFrom(REQUIRED);
    expect(s).toMatchObject({
      apiBaseUrl: 'https://api.retab.com',
      nConsensus: undefined,
      retryFailedOnly: false,
      baselineFingerprint: undefined,
      maxDrop: { kind: 'points', value: 0.02 },
      minScore: undefined,
      maxDocumentDrop: undefined,
      maxFieldDrop: undefined,
      failOnRegression: true,
      comment: true,
      commentHeader: 'exp_abc',
      githubToken: undefined,
      timeoutMs: 30 * 60_000,
      showValues: 'auto',
      maxCostIncrease: undefined,
      maxTimeIncrease: undefined,
    });
  });

  test('every input is read and typed', () => {
    const s = settingsFrom({
      ...REQUIRED,
      'api-base-url': 'http://127.0.0.1:8080/',
      'n-consensus': '7',
      'retry-failed-only': 'TRUE',
      'baseline-fingerprint': '0ff93ddc7cefcb42',
      'max-drop': '2%',
      'min-score': '0.8',
      'max-document-drop': '0.1',
      'max-field-drop': '5%',
      'fail-on-regression': 'false',
      comment: 'False',
      'comment-header': 'invoices gate',
      'github-token': 'ghs_x',
      timeout: '1h30m',
      confidence: '95%',
      'show-values': 'True',
      'max-cost-increase': '0.5',
      'max-time-increase': '1m30s',
    });
    expect(s).toMatchObject({
      apiBaseUrl: 'http://127.0.0.1:8080',
      nConsensus: 7,
      retryFailedOnly: true,
      baselineFingerprint: '0ff93ddc7cefcb42',
      maxDrop: { kind: 'percent', value: 2 },
      minScore: 0.8,
      maxDocumentDrop: { kind: 'points', value: 0.1 },
      maxFieldDrop: { kind: 'percent', value: 5 },
      failOnRegression: false,
      comment: false,
      commentHeader: 'invoices gate',
      githubToken: 'ghs_x',
      timeoutMs: 90 * 60_000,
      confidence: 0.95,
      showValues: true,
      maxCostIncrease: { kind: 'credits', value: 0.5 },
      maxTimeIncrease: { kind: 'seconds', value: 90 },
    });
  });

  // One bad value each: the message names the input and says what it accepts.
  test.each([
    [{ 'api-key': '' }, "'api-key' is required"],
    [{ 'workflow-id': '' }, "'workflow-id' is required"],
    [{ 'experiment-id': 'exp abc' }, "'experiment-id' must be an id such as exp_abc"],
    [{ 'experiment-id': '' }, "'experiment-id' is required"],
    [{ 'workflow-id': '../../admin' }, "'workflow-id' must be an id"],
    [{ 'workflow-id': 'wf/../../admin' }, "'workflow-id' must be an id"],
    [{ 'n-consensus': '4' }, "'n-consensus' must be 3, 5 or 7"],
    [
      { 'max-drop': 'abc' },
      "'max-drop' must be a drop on the 0–1 scale such as 0.02, or a percentage",
    ],
    [{ 'max-drop': '-0.1' }, "'max-drop' must be a drop"],
    [{ 'max-drop': '2' }, "'max-drop' must be at most 1 on the 0–1 scale (write '2%'"],
    [{ 'max-drop': '150%' }, "'max-drop' must be at most 100%"],
    [{ 'max-drop': '101%' }, "'max-drop' must be at most 100%"],
    [{ 'max-drop': '1.5' }, "'max-drop' must be at most 1 on the 0–1 scale (write '1.5%'"],
    [{ 'max-document-drop': 'lots' }, "'max-document-drop' must be a drop"],
    [{ 'max-document-drop': 'x%' }, "'max-document-drop' must be a drop"],
    [{ 'max-field-drop': 'lots' }, "'max-field-drop' must be a drop on the 0–1 scale"],
    [{ 'max-field-drop': '5' }, "'max-field-drop' must be at most 1 on the 0–1 scale (write '5%'"],
    [{ 'min-score': '2' }, "'min-score' must be a score between 0 and 1"],
    [{ timeout: 'forever' }, "'timeout' must be a duration such as 90s, 45m, 2h"],
    [{ timeout: '5s' }, "'timeout' must be a duration"],
    [{ 'api-base-url': 'http://api.retab.com' }, "'api-base-url' must be an https URL"],
    [{ 'api-base-url': 'not a url' }, "'api-base-url' must be an https URL"],
    [{ 'api-base-url': 'retab' }, "'api-base-url' must be an https URL"],
    [{ 'api-base-url': 'https://user:pw@api.retab.com' }, "'api-base-url' must be an https URL"],
    [{ 'fail-on-regression': 'yes' }, "'fail-on-regression' must be true or false"],
    [{ comment: 'on' }, "'comment' must be true or false"],
    [{ 'retry-failed-only': '1' }, "'retry-failed-only' must be true or false"],
    [
      { 'baseline-fingerprint': 'abc def' },
      "'baseline-fingerprint' must be a definition_fingerprint",
    ],
    [{ 'comment-header': 'x --> <script>' }, "'comment-header' must be"],
    [{ 'comment-header': 'a --> b' }, "'comment-header' must be"],
    [
      { confidence: '1' },
      "'confidence' must be a level between 0.5 and 1 such as 0.9, 0.95 or 0.99",
    ],
    [{ confidence: '0.5' }, "'confidence' must be a level between 0.5 and 1"],
    [{ confidence: '100%' }, "'confidence' must be a level between 0.5 and 1"],
    [{ confidence: 'high' }, "'confidence' must be a level between 0.5 and 1"],
    [
      { 'show-values': 'yes' },
      "'show-values' must be auto (values shown when the repository is private), true or false, got 'yes'",
    ],
    [{ 'show-values': 'private' }, "'show-values' must be auto"],
    [
      { 'max-cost-increase': 'lots' },
      "'max-cost-increase' must be a rise of credits per document such as 0.5, or a percentage of the reference's such as 20%, got 'lots'",
    ],
    [{ 'max-cost-increase': '-0.5' }, "'max-cost-increase' must be a rise of credits"],
    [{ 'max-cost-increase': '$0.05' }, "'max-cost-increase' must be a rise of credits"],
    [{ 'max-cost-increase': 'x%' }, "'max-cost-increase' must be a rise of credits"],
    [
      { 'max-time-increase': '2' },
      "'max-time-increase' must be a rise of the time per document such as 2s, 500ms, 1m or 1m30s, or a percentage of the reference's such as 50%, got '2'",
    ],
    [{ 'max-time-increase': '2 s' }, "'max-time-increase' must be a rise of the time"],
    [{ 'max-time-increase': '-2s' }, "'max-time-increase' must be a rise of the time"],
    [{ 'max-time-increase': 'slow' }, "'max-time-increase' must be a rise of the time"],
  ])('%o is refused', (bad, message) => {
    const text = problemWith({ ...REQUIRED, ...bad });
    expect(text).toContain(`Input ${message}`);
    expect(text.split('\n')).toHaveLength(1);
  });

  test('several bad inputs are all reported, one line each', () => {
    const text = problemWith({ ...REQUIRED, 'max-drop': 'x', timeout: 'y' });
    expect(text.split('\n')).toEqual([
      expect.stringContaining("'max-drop'"),
      expect.stringContaining("'timeout'"),
    ]);
  });

  test('loopback hosts may use http', () => {
    for (const host of ['127.0.0.1:9', 'localhost', '[::1]:3000']) {
      expect(settingsFrom({ ...REQUIRED, 'api-base-url': `http://${host}` })).toMatchObject({
        apiBaseUrl: `http://${host}`,
      });
    }
  });
});

describe('mode comment with reports (several experiments)', () => {
  test("reports, experiments (comma- or newline-separated, each once) and the set's comment key", () => {
    expect(
      settingsFrom({
        mode: 'comment',
        reports: 'reports/**/*.json',
        experiments: 'exp_invoices, exp_receipts\nexp_contracts,exp_invoices',
      }),
    ).toEqual({
      mode: 'set',
      reports: 'reports/**/*.json',
      experiments: ['exp_invoices', 'exp_receipts', 'exp_contracts'],
      commentHeader: 'experiments',
      githubToken: undefined,
      showValues: 'auto',
    });
    expect(
      settingsFrom({ mode: 'comment', reports: 'r', 'comment-header': 'pipelines' }),
    ).toMatchObject({ mode: 'set', experiments: undefined, commentHeader: 'pipelines' });
  });

  test.each([
    [
      { mode: 'comment', reports: 'r', experiments: 'exp a' },
      "Input 'experiments' must be experiment ids",
    ],
    [
      { mode: 'comment', reports: 'r', experiments: ' , ' },
      "Input 'experiments' must be experiment ids",
    ],
    [
      { mode: 'comment', reports: 'r', report: 'r.json' },
      "Input 'report' and input 'reports' exclude each other",
    ],
    [
      { mode: 'comment', report: 'r.json', experiments: 'exp_a' },
      "Input 'experiments' is used only with",
    ],
    [{ ...REQUIRED, reports: 'r' }, "Input 'reports' is used only with 'mode: comment'"],
  ])('%j: %s', (inputs, message) => {
    expect(problemWith(inputs)).toContain(message);
  });

  test('the single report of mode comment is read as before', () => {
    expect(settingsFrom({ mode: 'comment', report: 'r.json' })).toEqual({
      mode: 'comment',
      reportPath: 'r.json',
      commentHeader: undefined,
      githubToken: undefined,
      showValues: 'auto',
    });
  });
});

describe('show-values', () => {
  test('auto, true and false, in either phase', () => {
    expect(settingsFrom({ ...REQUIRED, 'show-values': 'auto' })).toMatchObject({
      showValues: 'auto',
    });
    expect(settingsFrom({ ...REQUIRED, 'show-values': 'false' })).toMatchObject({
      showValues: false,
    });
    const comment = settingsFrom({ mode: 'comment', report: 'r.json', 'show-values': 'FALSE' });
    expect(comment).toMatchObject({ mode: 'comment', showValues: false });
    expect(() => settingsFrom({ mode: 'comment', report: 'r.json', 'show-values': '1' })).toThrow(
      "Input 'show-values' must be auto",
    );
  });

  // Values are customer data: `auto` shows them only where the event says the repository is private.
  test.each([
    ['auto', true, undefined],
    ['auto', false, 'public'],
    ['auto', undefined, 'unknown'],
    [true, false, undefined],
    [true, undefined, undefined],
    [false, true, 'off'],
  ] as const)('show-values %s, private %s: hidden %s', (showValues, repositoryPrivate, hidden) => {
    expect(valuesHiddenBy(showValues, repositoryPrivate)).toBe(hidden);
  });
});

describe('max-cost-increase and max-time-increase', () => {
  test.each([
    ['max-cost-increase', '20%', { kind: 'percent', value: 20 }],
    ['max-cost-increase', '250%', { kind: 'percent', value: 250 }],
    ['max-cost-increase', '0.5', { kind: 'credits', value: 0.5 }],
    ['max-cost-increase', '3', { kind: 'credits', value: 3 }],
    ['max-time-increase', '50%', { kind: 'percent', value: 50 }],
    ['max-time-increase', '2s', { kind: 'seconds', value: 2 }],
    ['max-time-increase', '500ms', { kind: 'seconds', value: 0.5 }],
    ['max-time-increase', '1m', { kind: 'seconds', value: 60 }],
    ['max-time-increase', '1.5s', { kind: 'seconds', value: 1.5 }],
  ] as const)('%s %s', (input, raw, parsed) => {
    const settings = settingsFrom({ ...REQUIRED, [input]: raw });
    const key = input === 'max-cost-increase' ? 'maxCostIncrease' : 'maxTimeIncrease';
    expect(settings.mode === 'run' && settings[key]).toEqual({ ...parsed, text: raw });
  });
});

describe('parseThreshold', () => {
  test.each([
    ['0.02', { kind: 'points', value: 0.02 }],
    ['0', { kind: 'points', value: 0 }],
    ['.5', { kind: 'points', value: 0.5 }],
    ['2%', { kind: 'percent', value: 2 }],
    ['2.5 %', { kind: 'percent', value: 2.5 }],
  ])('%s', (raw, expected) => {
    expect(parseThreshold(raw)).toMatchObject(expected);
  });
});

describe('parseConfidence', () => {
  test.each([
    ['0.9', 0.9],
    ['0.95', 0.95],
    ['0.99', 0.99],
    ['95%', 0.95],
    ['99.5%', 0.995],
  ])('%s', (raw, level) => {
    expect(parseConfidence(raw)).toBeCloseTo(level, 12);
  });
});

describe('parseDuration', () => {
  test.each([
    ['90s', 90_000],
    ['45m', 2_700_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['6h', 21_600_000],
  ])('%s', (raw, ms) => {
    expect(parseDuration(raw)).toBe(ms);
  });

  test.each(['', '7h', '9s', '10', 'm', '1.5h'])('%j is refused', (raw) => {
    expect(() => parseDuration(raw)).toThrow(/duration/);
  });
});
