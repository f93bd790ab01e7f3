// A run's per-document results, read once whoever asks: the error texts of errored documents
// (./evidence.ts) and the times and artifacts of "Cost and time" (./cost.ts) share the pages
// read, so that none is read twice.
import type { RetabClient } from './client.js';
import type { ExperimentRef } from './evidence.js';
import type { Slot } from './queue.js';
import { lifecycleMessage } from './schemas.js';

/** One document's result, as both APIs give it. */
export interface ResultRecord {
  documentId: string;
  /** Why it errored, when it did. */
  error: string | undefined;
  /** Its time, in ms, when reported. */
  durationMs: number | undefined;
  /** The work behind it, whose own read says what it cost. */
  artifact: { operation: string | undefined; id: string } | undefined;
}

export interface ResultsPage {
  rows: ResultRecord[];
  /** No page after this one. */
  last: boolean;
  /** The current API's cursor of the next page. */
  after?: string | undefined;
}

/**
 * The pages of a run's results, each read at most once: the older API's `content` is one page
 * holding every document; the current API's results list is paged (100 rows a page).
 */
export interface RunResults {
  runId: string;
  /** Page `index` (from 0); undefined past the last page. Read through `slot` when given. */
  page(index: number, slot?: Slot): Promise<ResultsPage | undefined>;
}

export function runResults(client: RetabClient, options: ExperimentRef, runId: string): RunResults {
  const pages: Array<Promise<ResultsPage | undefined>> = [];
  // A document named twice (a retried or shifting listing) keeps its first row, whoever reads:
  // the pages are built in order, each after the one before.
  const named = new Set<string>();
  const firstRows = (rows: ResultRecord[]) =>
    rows.filter((row) => {
      if (named.has(row.documentId)) return false;
      named.add(row.documentId);
      return true;
    });
  const readPage = async (
    index: number,
    slot: Slot | undefined,
  ): Promise<ResultsPage | undefined> => {
    const send = <T>(read: () => Promise<T>) => (slot ? slot(read) : read());
    if (client.dialect === 'older') {
      if (index > 0) return undefined;
      const { content } = await send(() =>
        client.getContent(options.workflowId, options.experimentId, runId),
      );
      const rows = content.jobs.map((job) => ({
        documentId: job.document_id,
        error: typeof job.error === 'string' ? job.error : (job.error?.message ?? undefined),
        durationMs: job.duration_ms ?? undefined,
        artifact: job.artifact ? artifactOf(job.artifact) : undefined,
      }));
      return { rows: firstRows(rows), last: true };
    }
    let after: string | undefined;
    if (index > 0) {
      // Asked for once the page before is known, the read is sent at once (it takes its place in
      // the queue before anything its caller does next); otherwise after that page.
      const before = known[index - 1]?.page ?? (await page(index - 1, slot));
      if (!before || before.last) return undefined;
      after = before.after;
    }
    const list = await send(() => client.listResults(runId, after));
    const rows = list.rows.map((row) => ({
      documentId: row.document_id,
      error: lifecycleMessage(row.lifecycle),
      durationMs: row.timing?.duration_ms ?? undefined,
      artifact: row.artifact ? artifactOf(row.artifact) : undefined,
    }));
    return {
      rows: firstRows(rows),
      last: !list.after || list.rows.length === 0,
      after: list.after,
    };
  };
  const known: Array<{ page: ResultsPage | undefined }> = [];
  const page = (index: number, slot?: Slot) =>
    (pages[index] ??= readPage(index, slot).then((read) => {
      known[index] = { page: read };
      return read;
    }));
  return { runId, page };
}

function artifactOf(artifact: { operation?: string | null; id: string }) {
  return { operation: artifact.operation ?? undefined, id: artifact.id };
}
