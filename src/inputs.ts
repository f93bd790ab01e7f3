import type { CostThreshold, TimeThreshold } from './gate/cost.js';
import type { Threshold } from './gate/verdict.js';
import type { ValuesHidden } from './report/model.js';
import { errorMessage, InputError } from './errors.js';
import { DEFAULTS, INPUT, isCommentHeader } from './names.js';

/** `mode: run`: trigger, wait, judge, report. */
export interface Settings {
  mode: 'run';
  apiKey: string;
  workflowId: string;
  experimentId: string;
  apiBaseUrl: string;
  nConsensus: 3 | 5 | 7 | undefined;
  retryFailedOnly: boolean;
  baselineFingerprint: string | undefined;
  maxDrop: Threshold;
  minScore: number | undefined;
  maxDocumentDrop: Threshold | undefined;
  /** Allowed drop of any one field's agreement; undefined: fields decide nothing. */
  maxFieldDrop: Threshold | undefined;
  failOnRegression: boolean;
  comment: boolean;
  commentHeader: string;
  githubToken: string | undefined;
  timeoutMs: number;
  /** Noise-aware gating level in (0.5, 1), e.g. 0.95; undefined: the plain threshold. */
  confidence: number | undefined;
  /** Repository file mapping experiment ids to baseline fingerprints (when no fingerprint is given). */
  baselineFile: string | undefined;
  /** Path of the workflow's spec in the repository: the configuration the pull request proposes. */
  specPath: string | undefined;
  /** Judge a run that already measured the current draft instead of starting one. */
  reuse: boolean;
  showValues: ShowValues;
  /** Allowed rise of credits per document against the reference; undefined: not judged. */
  maxCostIncrease: CostThreshold | undefined;
  /** Allowed rise of the median time per document against the reference; undefined: not judged. */
  maxTimeIncrease: TimeThreshold | undefined;
}

/** `mode: comment`: post the sticky comment from a report an earlier `run` step wrote. */
export interface CommentSettings {
  mode: 'comment';
  reportPath: string;
  /** The comment's key; undefined: the one the report was made with. */
  commentHeader: string | undefined;
  githubToken: string | undefined;
  /** Phase two hides the values of a report too, by the same rule. */
  showValues: ShowValues;
}

/**
 * `mode: comment` with `reports`: one comment for the reports of several experiments (a matrix's
 * artifacts), gathered into one verdict.
 */
export interface SetSettings {
  mode: 'set';
  /** The `reports` input as given: a folder, a glob or a file (src/report-files.ts finds them). */
  reports: string;
  /** Experiment ids the set must hold; undefined: whatever reports there are. */
  experiments: string[] | undefined;
  commentHeader: string;
  githubToken: string | undefined;
  showValues: ShowValues;
}

/** `show-values`: forced on or off, or `auto` (shown when the event says the repository is private). */
export type ShowValues = 'auto' | boolean;

/**
 * Whether extracted values may be shown; undefined when they may, else why not. Values are
 * customer data: under `auto` only a repository the event says is private shows them.
 */
export function valuesHiddenBy(
  showValues: ShowValues,
  repositoryPrivate: boolean | undefined,
): ValuesHidden | undefined {
  if (showValues === true) return undefined;
  if (showValues === false) return 'off';
  if (repositoryPrivate === true) return undefined;
  return repositoryPrivate === false ? 'public' : 'unknown';
}

/** Reads one input; an absent input is ''. */
export type InputReader = (name: string) => string;

/**
 * An input as the runner passes it: the variable INPUT_<NAME>, trimmed. This is what
 * @actions/core's getInput reads; reading it here lets the action check its inputs and send its
 * first request before the toolkit has loaded (src/head-start.ts).
 */
export const runnerInput: InputReader = (name) =>
  (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const TIMEOUT_MIN_MS = 10_000;
const TIMEOUT_MAX_MS = 6 * 3_600_000; // GitHub stops a job after 6 hours anyway

/**
 * Reads and validates every input before anything touches the network.
 * Every problem is reported, each naming the input and the form it accepts.
 */
export function readSettings(read: InputReader): Settings | CommentSettings | SetSettings {
  const problems: string[] = [];
  const get = (name: string): string => read(name).trim();
  function check<T>(name: string, parse: (raw: string) => T): T {
    try {
      return parse(get(name));
    } catch (error) {
      problems.push(`Input '${name}' ${errorMessage(error)}.`);
      return undefined as T;
    }
  }
  const fail = () => new InputError(problems.join('\n'));

  const mode = check(INPUT.mode, parseMode);
  const reports = get(INPUT.reports);
  const experimentsRaw = get(INPUT.experiments);
  if (mode === 'comment' && reports !== '') {
    if (get(INPUT.report) !== '') {
      problems.push(
        `Input '${INPUT.report}' and input '${INPUT.reports}' exclude each other: '${INPUT.report}' names one report, '${INPUT.reports}' the folder or glob of several.`,
      );
    }
    const experiments = check(INPUT.experiments, (raw) =>
      raw === '' ? undefined : parseExperiments(raw),
    );
    const commentHeader = check(INPUT.commentHeader, (raw) =>
      parseHeader(raw || DEFAULTS.setCommentHeader),
    );
    const githubToken = check(INPUT.githubToken, (raw) => raw || undefined);
    const showValues = check(INPUT.showValues, parseShowValues);
    if (problems.length > 0) throw fail();
    return { mode: 'set', reports, experiments, commentHeader, githubToken, showValues };
  }
  if (experimentsRaw !== '') {
    problems.push(
      `Input '${INPUT.experiments}' is used only with '${INPUT.mode}: comment' and '${INPUT.reports}' (the reports of a matrix's experiments).`,
    );
  }
  if (mode === 'run' && reports !== '') {
    problems.push(
      `Input '${INPUT.reports}' is used only with '${INPUT.mode}: comment' (the job that gathers a matrix's reports).`,
    );
  }
  if (mode === 'comment') {
    const reportPath = check(INPUT.report, (raw) =>
      required(
        raw,
        `the path of the JSON report of the 'run' step, from its artifact (or '${INPUT.reports}': a folder or glob of several)`,
      ),
    );
    const commentHeader = check(INPUT.commentHeader, (raw) =>
      raw === '' ? undefined : parseHeader(raw),
    );
    const githubToken = check(INPUT.githubToken, (raw) => raw || undefined);
    const showValues = check(INPUT.showValues, parseShowValues);
    if (problems.length > 0) throw fail();
    return { mode, reportPath, commentHeader, githubToken, showValues };
  }

  const apiKey = check(INPUT.apiKey, (raw) =>
    required(raw, 'the Retab API key, e.g. ${{ secrets.RETAB_API_KEY }}'),
  );
  const workflowId = check(INPUT.workflowId, (raw) => parseId(raw, 'wf_abc123'));
  const experimentId = check(INPUT.experimentId, (raw) => parseId(raw, 'exp_abc'));
  const apiBaseUrl = check(INPUT.apiBaseUrl, (raw) => parseBaseUrl(raw || DEFAULTS.apiBaseUrl));
  const nConsensus = check(INPUT.nConsensus, parseConsensus);
  const retryFailedOnly = check(INPUT.retryFailedOnly, (raw) => parseBoolean(raw, false));
  const baselineFingerprint = check(INPUT.baselineFingerprint, (raw) =>
    raw === '' ? undefined : parseFingerprint(raw),
  );
  const maxDrop = check(INPUT.maxDrop, (raw) => parseThreshold(raw || DEFAULTS.maxDrop));
  const minScore = check(INPUT.minScore, (raw) => (raw === '' ? undefined : parseScore(raw)));
  const maxDocumentDrop = check(INPUT.maxDocumentDrop, (raw) =>
    raw === '' ? undefined : parseThreshold(raw),
  );
  const maxFieldDrop = check(INPUT.maxFieldDrop, (raw) =>
    raw === '' ? undefined : parseThreshold(raw),
  );
  const failOnRegression = check(INPUT.failOnRegression, (raw) => parseBoolean(raw, true));
  const comment = check(INPUT.comment, (raw) => parseBoolean(raw, true));
  const commentHeader = check(INPUT.commentHeader, (raw) => (raw === '' ? '' : parseHeader(raw)));
  const githubToken = check(INPUT.githubToken, (raw) => raw || undefined);
  const timeoutMs = check(INPUT.timeout, (raw) => parseDuration(raw || DEFAULTS.timeout));
  const confidence = check(INPUT.confidence, (raw) =>
    raw === '' ? undefined : parseConfidence(raw),
  );
  const baselineFile = check(INPUT.baselineFile, (raw) => raw || undefined);
  const specPath = check(INPUT.spec, (raw) => raw || undefined);
  const reuse = check(INPUT.reuse, (raw) => parseBoolean(raw, true));
  const showValues = check(INPUT.showValues, parseShowValues);
  const maxCostIncrease = check(INPUT.maxCostIncrease, (raw) =>
    raw === '' ? undefined : parseCostIncrease(raw),
  );
  const maxTimeIncrease = check(INPUT.maxTimeIncrease, (raw) =>
    raw === '' ? undefined : parseTimeIncrease(raw),
  );

  // main.ts redacts the key from this message too: a key pasted into the wrong input stays hidden.
  if (problems.length > 0) throw fail();
  return {
    mode: 'run',
    apiKey,
    workflowId,
    experimentId,
    apiBaseUrl,
    nConsensus,
    retryFailedOnly,
    baselineFingerprint,
    maxDrop,
    minScore,
    maxDocumentDrop,
    maxFieldDrop,
    failOnRegression,
    comment,
    commentHeader: commentHeader || experimentId,
    githubToken,
    timeoutMs,
    confidence,
    baselineFile,
    specPath,
    reuse,
    showValues,
    maxCostIncrease,
    maxTimeIncrease,
  };
}

function parseMode(raw: string): 'run' | 'comment' {
  if (raw === '' || raw === 'run') return 'run';
  if (raw === 'comment') return 'comment';
  throw new Error(
    `must be 'run' (trigger, wait, judge) or 'comment' (post a report), got '${raw}'`,
  );
}

/** Experiment ids, comma- or newline-separated; each once, in the order given. */
function parseExperiments(raw: string): string[] {
  const ids = raw
    .split(/[,\n]/)
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const bad = ids.filter((id) => !ID.test(id));
  if (ids.length === 0 || bad.length > 0) {
    throw new Error(
      `must be experiment ids such as exp_invoices, exp_receipts (comma- or newline-separated; letters, digits, '_' and '-'), got '${bad[0] ?? raw}'`,
    );
  }
  return [...new Set(ids)];
}

function required(raw: string, form: string): string {
  if (raw === '') throw new Error(`is required: ${form}`);
  return raw;
}

function parseId(raw: string, example: string): string {
  required(raw, `an id such as ${example}`);
  if (!ID.test(raw)) {
    throw new Error(
      `must be an id such as ${example} (letters, digits, '_' and '-'), got '${raw}'`,
    );
  }
  return raw;
}

export function parseFingerprint(raw: string): string {
  if (!ID.test(raw)) {
    throw new Error(
      `must be a definition_fingerprint such as 0ff93ddc7cefcb42 (letters, digits, '_' and '-'), got '${raw}'`,
    );
  }
  return raw;
}

function parseBaseUrl(raw: string): string {
  const form = `must be an https URL such as ${DEFAULTS.apiBaseUrl} (http only for 127.0.0.1, localhost or [::1])`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${form}, got '${raw}'`);
  }
  const loopback = LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`${form}, got '${raw}'`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error(`${form} without credentials, query or fragment`);
  }
  return url.toString().replace(/\/+$/, '');
}

function parseConsensus(raw: string): 3 | 5 | 7 | undefined {
  if (raw === '') return undefined;
  if (raw === '3' || raw === '5' || raw === '7') return Number(raw) as 3 | 5 | 7;
  throw new Error(`must be 3, 5 or 7 (or empty for the experiment's own), got '${raw}'`);
}

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

function parseBoolean(raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback;
  if (TRUE.includes(raw)) return true;
  if (FALSE.includes(raw)) return false;
  throw new Error(`must be true or false, got '${raw}'`);
}

function parseShowValues(raw: string): ShowValues {
  if (raw === '' || raw === DEFAULTS.showValues) return 'auto';
  if (TRUE.includes(raw)) return true;
  if (FALSE.includes(raw)) return false;
  throw new Error(
    `must be auto (values shown when the repository is private), true or false, got '${raw}'`,
  );
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

export function parseThreshold(raw: string): Threshold {
  const form = `must be a drop on the 0–1 scale such as 0.02, or a percentage of the reference score such as 2%, got '${raw}'`;
  const percent = parsePercent(raw, form);
  if (percent !== undefined) {
    if (percent > 100) throw new Error(`must be at most 100%, got '${raw}'`);
    return { kind: 'percent', value: percent, text: raw };
  }
  if (!DECIMAL.test(raw)) throw new Error(form);
  const value = Number(raw);
  if (value > 1) {
    throw new Error(
      `must be at most 1 on the 0–1 scale (write '${raw}%' for a percentage), got '${raw}'`,
    );
  }
  return { kind: 'points', value, text: raw };
}

/** A percentage, `20%`; undefined without `%`; `form` is the error of a malformed one. */
function parsePercent(raw: string, form: string): number | undefined {
  if (!raw.endsWith('%')) return undefined;
  const number = raw.slice(0, -1).trim();
  if (!DECIMAL.test(number)) throw new Error(form);
  return Number(number);
}

export function parseCostIncrease(raw: string): CostThreshold {
  const form = `must be a rise of credits per document such as 0.5, or a percentage of the reference's such as 20%, got '${raw}'`;
  const percent = parsePercent(raw, form);
  if (percent !== undefined) return { kind: 'percent', value: percent, text: raw };
  if (!DECIMAL.test(raw)) throw new Error(form);
  return { kind: 'credits', value: Number(raw), text: raw };
}

const TIME_UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

export function parseTimeIncrease(raw: string): TimeThreshold {
  const form = `must be a rise of the time per document such as 2s, 500ms, 1m or 1m30s, or a percentage of the reference's such as 50%, got '${raw}'`;
  const percent = parsePercent(raw, form);
  if (percent !== undefined) return { kind: 'percent', value: percent, text: raw };
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (raw === '' || parts.map((p) => p[0]).join('') !== raw) throw new Error(form);
  const seconds = parts.reduce(
    (sum, p) => sum + Number(p[1]) * (TIME_UNIT_S[p[2] ?? ''] ?? NaN),
    0,
  );
  if (!Number.isFinite(seconds)) throw new Error(form);
  return { kind: 'seconds', value: seconds, text: raw };
}

function parseScore(raw: string): number {
  if (!DECIMAL.test(raw) || Number(raw) > 1) {
    throw new Error(`must be a score between 0 and 1 such as 0.8, got '${raw}'`);
  }
  return Number(raw);
}

function parseHeader(raw: string): string {
  if (!isCommentHeader(raw)) {
    throw new Error(
      `must be 1–100 letters, digits, spaces or '_ . : / @ -' without '--', got '${raw}'`,
    );
  }
  return raw;
}

export function parseConfidence(raw: string): number {
  const percent = raw.endsWith('%');
  const number = percent ? raw.slice(0, -1).trim() : raw;
  const value = DECIMAL.test(number) ? Number(number) / (percent ? 100 : 1) : NaN;
  if (!(value > 0.5 && value < 1)) {
    throw new Error(
      `must be a level between 0.5 and 1 such as 0.9, 0.95 or 0.99 (or 95%), got '${raw}'`,
    );
  }
  return value;
}

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000 } as const;

export function parseDuration(raw: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(raw);
  const form = `must be a duration such as 90s, 45m, 2h or 1h30m, between 10s and 6h, got '${raw}'`;
  if (!match || raw === '') throw new Error(form);
  const [, h = '0', m = '0', s = '0'] = match;
  const ms = Number(h) * UNIT_MS.h + Number(m) * UNIT_MS.m + Number(s) * UNIT_MS.s;
  if (ms < TIMEOUT_MIN_MS || ms > TIMEOUT_MAX_MS) throw new Error(form);
  return ms;
}
