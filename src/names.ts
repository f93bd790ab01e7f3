/** Public names of the action (action.yml's inputs and outputs): defined once, used everywhere. */
export const INPUT = {
  apiKey: 'api-key',
  workflowId: 'workflow-id',
  experimentId: 'experiment-id',
  apiBaseUrl: 'api-base-url',
  nConsensus: 'n-consensus',
  retryFailedOnly: 'retry-failed-only',
  baselineFingerprint: 'baseline-fingerprint',
  maxDrop: 'max-drop',
  minScore: 'min-score',
  maxDocumentDrop: 'max-document-drop',
  failOnRegression: 'fail-on-regression',
  comment: 'comment',
  commentHeader: 'comment-header',
  githubToken: 'github-token',
  timeout: 'timeout',
  confidence: 'confidence',
  mode: 'mode',
  report: 'report',
  baselineFile: 'baseline-file',
  maxFieldDrop: 'max-field-drop',
  spec: 'spec',
  reuse: 'reuse',
  showValues: 'show-values',
  reports: 'reports',
  experiments: 'experiments',
  maxCostIncrease: 'max-cost-increase',
  maxTimeIncrease: 'max-time-increase',
} as const;

export const OUTPUT = {
  runId: 'run-id',
  jobId: 'job-id',
  score: 'score',
  previousScore: 'previous-score',
  baselineScore: 'baseline-score',
  delta: 'delta',
  verdict: 'verdict',
  regressedDocuments: 'regressed-documents',
  reportPath: 'report-path',
  commentUrl: 'comment-url',
  deltaLow: 'delta-low',
  deltaHigh: 'delta-high',
  fingerprint: 'fingerprint',
  reused: 'reused',
  regressedFields: 'regressed-fields',
  configChanged: 'config-changed',
  detectableDrop: 'detectable-drop',
  creditsPerDocument: 'credits-per-document',
  creditsDelta: 'credits-delta',
  secondsPerDocument: 'seconds-per-document',
  secondsDelta: 'seconds-delta',
} as const;

/** The outputs of "Cost and time": always set, empty when unknown. */
export const COST_OUTPUTS = [
  OUTPUT.creditsPerDocument,
  OUTPUT.creditsDelta,
  OUTPUT.secondsPerDocument,
  OUTPUT.secondsDelta,
] as const;

export const DEFAULTS = {
  apiBaseUrl: 'https://api.retab.com',
  maxDrop: '0.02',
  timeout: '30m',
  mode: 'run',
  showValues: 'auto',
  /** The set's comment key (`mode: comment` with `reports`). */
  setCommentHeader: 'experiments',
} as const;

const HEADER = /^[A-Za-z0-9_.:/@ -]{1,100}$/;

/** A key for the comment's marker: it can neither end the HTML comment nor break the line. */
export function isCommentHeader(raw: string): boolean {
  return HEADER.test(raw) && !raw.includes('--');
}

/** The sticky comment's key. Exactly this form: other tools and older versions look for it. */
export function commentMarker(header: string): string {
  return `<!-- retab-experiment-gate:${header} -->`;
}
