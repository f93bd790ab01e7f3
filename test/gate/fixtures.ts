// Builders of judge()'s input, shared by the verdict's tests and the detectable drop's.
import { parseThreshold } from '../../src/inputs.js';
import type { DocumentScore, JudgeInput } from '../../src/gate/verdict.js';

export function doc(
  id: string,
  referenceScore: number | null,
  score: number | null,
  inReference = true,
): DocumentScore {
  return { id, filename: `${id}.pdf`, score, referenceScore, inReference };
}

export function input(overrides: Partial<JudgeInput> = {}): JudgeInput {
  const documents = overrides.documents ?? [doc('a', 0.9, 0.9), doc('b', 0.8, 0.8)];
  return {
    runScore: 0.85,
    reference: { kind: 'previous', runId: 'r1', score: 0.85 },
    documentSetsDiffer: false,
    documents,
    thresholds: {
      maxDrop: parseThreshold('0.02'),
      minScore: undefined,
      maxDocumentDrop: undefined,
      confidence: undefined,
    },
    ...overrides,
  };
}
