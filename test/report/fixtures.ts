import type { DocumentRow } from '../../src/gate/verdict.js';
import type { Report } from '../../src/report/model.js';
import { DEFAULT_SHA } from '../harness/run-action.ts';

/**
 * Names from outside (filenames, field names) that try to break the table, inject HTML, forge the
 * marker, mention, or link.
 */
export const HOSTILE = [
  'a|b|c.pdf',
  'pipe\\|escaped.pdf',
  'trailing-backslash\\',
  '<script>alert(1)</script>.pdf',
  '<img src=x onerror=alert(1)>.png',
  '<!-- retab-experiment-gate:exp_abc -->.pdf',
  '--> </details> <details open>',
  '@octocat please look.pdf',
  'ping @github/security-team.pdf',
  'mail me@example.com.pdf',
  '[click](javascript:alert(1)).pdf',
  '<javascript:alert(1)>.pdf',
  'https://evil.example/x.pdf',
  'www.evil.example.pdf',
  '![x](https://evil.example/t.png)',
  '**bold** _em_ ~~strike~~ `code`.pdf',
  'line\nbreak\r\nname.pdf',
  '# heading.pdf',
  'fixes #1.pdf',
  '$\\sqrt{x}$ math.pdf',
  '&lt;already&gt; &amp; entities.pdf',
  '\u202Egnp.exe\u202C right-to-left.pdf',
  'zero\u200Bwidth\u200Djoiner.pdf',
  '| --- | --- |',
  '<details><summary>x</summary>',
  'x'.repeat(5000),
];

export function row(
  i: number,
  filename: string,
  referenceScore: number,
  score: number | null,
): DocumentRow {
  const delta = score === null ? null : score - referenceScore;
  const status =
    score === null
      ? 'errored'
      : delta! < -0.02
        ? 'regressed'
        : delta! > 0.02
          ? 'improved'
          : 'unchanged';
  return {
    id: `expdoc_${i}`,
    filename,
    inReference: true,
    referenceScore,
    score,
    delta,
    status,
    counts: status === 'errored',
  };
}

export function report(documents: DocumentRow[], overrides: Partial<Report> = {}): Report {
  return {
    schema: 'retab-experiment-gate/report@1',
    verdict: 'regression',
    blocking: true,
    header: 'exp_abc',
    workflowId: 'wf_abc123',
    workflowName: 'Invoice workflow',
    experimentId: 'exp_abc',
    run: {
      id: 'exprun_2',
      jobId: 'job_99',
      status: 'completed',
      score: 0.845,
      documentCount: documents.length,
      completedDocuments: documents.length,
      nConsensus: 5,
      durationMs: 258_221,
      definitionFingerprint: '0ff93ddc7cefcb42',
      documentsFingerprint: 'ddd95baadce6045f',
    },
    previous: {
      id: 'exprun_1',
      score: 0.87,
      definitionFingerprint: 'ddd95baadce6045f',
      documentsFingerprint: 'ddd95baadce6045f',
    },
    baseline: undefined,
    referenceKind: 'previous',
    comparison: {
      current: 0.845,
      reference: 0.87,
      delta: -0.025,
      likeForLike: false,
      sharedDocuments: documents.length,
      allowedDrop: 0.02,
    },
    noise: undefined,
    runNoise: undefined,
    thresholds: {
      maxDrop: '0.02',
      minScore: undefined,
      maxDocumentDrop: undefined,
      confidence: undefined,
    },
    reasons: [
      {
        rule: 'max-drop',
        current: 0.845,
        reference: 0.87,
        allowed: 0.02,
        referenceKind: 'previous',
      },
    ],
    error: undefined,
    documents,
    regressedCount: documents.filter((d) => d.status === 'regressed').length,
    documentSets: undefined,
    pullRequest: { number: 7, headSha: DEFAULT_SHA },
    mergeGroup: undefined,
    ...overrides,
  };
}

/** The section of a comment from its heading to the next one; '' without it. */
export function section(body: string, heading: string): string {
  const start = body.indexOf(`### ${heading}`);
  if (start < 0) return '';
  const end = body.indexOf('\n### ', start + 1);
  return body.slice(start, end < 0 ? undefined : end);
}

/** Rows of the tables of a section, as cells; header and delimiter rows left out. */
export function tableRows(markdown: string): string[][] {
  const lines = markdown.split('\n');
  const delimiter = (line: string | undefined) =>
    line !== undefined && /^\| -( \| -)* \|$/.test(line);
  return lines
    .filter((line, i) => line.startsWith('| ') && !delimiter(line) && !delimiter(lines[i + 1]))
    .map((line) => line.slice(2, -2).split(' | '));
}
