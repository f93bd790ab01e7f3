// readCost against results that name a document twice: what a retried or unstable listing can
// give. The sample reads each document once, from its first row, and no artifact read is spent
// on a figure that does not count. In-process, the results read by runResults from a stand-in
// client: the fake Retab never lists a document twice (the usual cases: ./cost.test.ts).
import { expect, test } from 'vitest';
import type { ScoreSheet } from '../../src/gate/evidence.js';
import type { RetabDeps } from '../../src/retab/evidence.js';
import { readCost, readReferenceAhead } from '../../src/retab/cost.js';
import { limitInFlight } from '../../src/retab/queue.js';
import type { RetabClient } from '../../src/retab/client.js';
import { runResults, type ResultRecord, type RunResults } from '../../src/retab/results.js';

const ids = Array.from({ length: 40 }, (_, i) => `doc_${String(i + 1).padStart(2, '0')}`);

function row(documentId: string, artifactId: string | undefined): ResultRecord {
  return {
    documentId,
    error: undefined,
    durationMs: 1_000,
    artifact: artifactId === undefined ? undefined : { operation: 'extraction', id: artifactId },
  };
}

/** A run whose current-API results list is `pages`, read through runResults. */
function resultsOf(runId: string, pages: ResultRecord[][]): RunResults {
  const client = {
    dialect: 'current',
    listResults: async (_runId: string, after?: string) => {
      const index = after === undefined ? 0 : Number(after);
      return {
        rows: (pages[index] ?? []).map((r) => ({
          document_id: r.documentId,
          lifecycle: { status: 'completed' },
          timing: { duration_ms: r.durationMs },
          artifact: r.artifact,
        })),
        after: index + 1 < pages.length ? String(index + 1) : undefined,
      };
    },
  } as unknown as RetabClient;
  return runResults(client, { workflowId: 'wf_test', experimentId: 'exp_test' }, runId);
}

async function readTwiceNamed(secondRows: (id: string) => ResultRecord) {
  const artifactsRead: string[] = [];
  const deps = {
    client: {
      getArtifact: async (_operation: string | undefined, id: string) => {
        artifactsRead.push(id);
        return { usage: { credits: 1 } };
      },
    },
    now: () => 0,
    sleep: async () => undefined,
    log: () => undefined,
  } as unknown as RetabDeps;
  const slot = limitInFlight();
  const reference = resultsOf('ref', [ids.map((id) => row(id, `ref:${id}`))]);
  const referenceAhead = readReferenceAhead(deps, reference, slot);
  // This run names every document twice: on its first page, then again on its second.
  const current = resultsOf('new', [
    ids.map((id, i) => row(id, i % 2 === 0 ? `new:${id}:first` : undefined)),
    ids.map(secondRows),
  ]);
  const scores: ScoreSheet = {
    runId: 'new',
    score: 0.9,
    documents: ids.map((id) => ({ id, score: 0.9, priorScore: 0.9 })),
  };
  const cost = await readCost(deps, {
    scores,
    current,
    reference,
    slot,
    after: Promise.resolve(),
    referenceAhead,
  });
  // A read sent for nothing may leave after readCost has answered: one more turn shows it.
  await new Promise((resolve) => setImmediate(resolve));
  return { cost, read: artifactsRead.filter((id) => id.startsWith('new:')) };
}

test('a document a run names twice is read once, with the artifact of its first row; none for nothing', async () => {
  const { cost, read } = await readTwiceNamed((id) => row(id, `new:${id}:second`));
  // Half the first rows name an artifact: those are read, each once; the second rows never.
  expect(read.every((id) => id.endsWith(':first'))).toBe(true);
  expect(new Set(read).size).toBe(read.length);
  expect(read.length).toBeGreaterThan(0);
  expect(cost.current.credits.size).toBe(read.length);
  expect(cost.current.creditsUnread).toBe(cost.sampled.length - read.length);
});
