// The reads of "Cost and time": each document's time from the run's results (the older API's one
// `content` read, the current API's first pages), and the credits of a sample of documents from
// their artifacts' own reads. Every read goes through the one queue (./queue.ts), queued once
// the field and value reads are done; the results pages are shared with the error texts
// (./results.ts).
import type { CostEvidence, RunCost, ScoreSheet } from '../gate/evidence.js';
import type { RetabDeps } from './evidence.js';
import { describeFailure, settle, type Settled, type Slot } from './queue.js';
import { creditsOf } from './records.js';
import type { ResultRecord, RunResults } from './results.js';

/** Documents per run whose credits are read, at most: the same documents in both runs. */
const COST_DOCUMENTS = 30;
/** Documents in the sample whenever both runs' pages share that many, at least. */
const MIN_SAMPLE = 10;
/** Pages of the current API's results read per run for the times, at most. */
const COST_PAGES = 5;
/** Cost reads still unanswered after this long are given up: they never hold the verdict long. */
const COST_READS_MS = 15_000;
/** Read failures named in the report, at most; the others are counted. */
const FAILURES_NAMED = 3;

export interface CostReadInput {
  scores: ScoreSheet;
  /** This run's results. */
  current: RunResults;
  /** The reference run's results; undefined without a reference. */
  reference: RunResults | undefined;
  /** The one queue of reads about single documents. */
  slot: Slot;
  /** The reads the rest of the report needs (fields, values): cost reads are queued after them. */
  after: Promise<unknown>;
  /** The reference's credits read while this run was going (readReferenceAhead). */
  referenceAhead?: Promise<ReadAhead> | undefined;
}

/** Artifact reads sent ahead, by document id; each within this run's budget of COST_DOCUMENTS. */
type ReadAhead = Map<string, Promise<Settled<ArtifactAnswer>>>;
type ArtifactAnswer = Awaited<ReturnType<RetabDeps['client']['getArtifact']>>;
/** The work behind a document's result, whose own read says what it cost. */
type ArtifactRef = NonNullable<ResultRecord['artifact']>;

/**
 * What the documents cost and took in this run and its reference. Never throws: a read that
 * fails leaves its figure unread and a line in the report.
 */
export async function readCost(deps: RetabDeps, input: CostReadInput): Promise<CostEvidence> {
  const { scores, slot } = input;
  await input.after.catch(() => undefined);
  const failures: string[] = [];
  let failedReads = 0;
  const failed = (what: string, error: unknown) => {
    failedReads++;
    if (failures.length < FAILURES_NAMED) failures.push(`${what}: ${describeFailure(error)}`);
  };
  // The documents both runs scored (this run's scored ones, without a reference).
  const scored = new Set(
    scores.documents
      .filter((d) => d.score !== null && (input.reference === undefined || d.priorScore !== null))
      .map((d) => d.id),
  );
  const ahead: ReadAhead = (await input.referenceAhead) ?? new Map();
  // Every document read ahead that both runs scored is in the sample once this run's pages name
  // it (below): its artifact in this run is asked for as soon as a page names it, while the
  // next pages are read.
  let deadline: AbortSignal | undefined;
  const readBy = (artifact: ArtifactRef) =>
    readArtifact(deps, slot, artifact, (deadline ??= AbortSignal.timeout(COST_READS_MS)));
  const early: ReadAhead = new Map();
  const readEarly = (rows: readonly ResultRecord[]) => {
    for (const { documentId: id, artifact } of rows) {
      if (artifact && ahead.has(id) && scored.has(id)) early.set(id, readBy(artifact));
    }
  };
  // A page that fails ends the run's pages; the rows before it still count (and so do the reads
  // they started).
  const read = async (results: RunResults, onRows?: (rows: readonly ResultRecord[]) => void) => {
    const pages = await readPages(results, slot, onRows);
    if ('failure' in pages) failed(`the results of run ${results.runId}`, pages.failure);
    return pages.rows;
  };
  const [currentRows, referenceRows] = await Promise.all([
    read(input.current, readEarly),
    input.reference ? read(input.reference) : undefined,
  ]);
  const current = indexRows(currentRows, scored);
  const reference = referenceRows && indexRows(referenceRows, scored);

  // The sample: among the documents both scored that the pages read name in both runs, the
  // reference's documents read ahead first, then others, never past COST_DOCUMENTS reads per run.
  const named = [...current.named].filter((id) => !reference || reference.named.has(id));
  const others = Math.max(0, COST_DOCUMENTS - ahead.size);
  const sampled = [
    ...byHash(named.filter((id) => ahead.has(id))),
    ...byHash(named.filter((id) => !ahead.has(id))).slice(0, others),
  ].slice(0, COST_DOCUMENTS);

  const readCredits = async (
    run: IndexedRows,
    runId: string,
    readAhead?: ReadAhead,
  ): Promise<Pick<RunCost, 'credits' | 'creditsUnread'>> => {
    const credits = new Map<string, number | null>();
    let creditsUnread = 0;
    const answers = await Promise.all(
      sampled.map((id) => {
        const artifact = run.artifacts.get(id);
        if (!artifact) return undefined;
        return readAhead?.get(id) ?? readBy(artifact);
      }),
    );
    sampled.forEach((id, i) => {
      const answer = answers[i];
      if (answer?.ok) credits.set(id, creditsOf(answer.value.usage));
      else {
        creditsUnread++;
        if (answer) failed(`the artifact of document ${id} in run ${runId}`, answer.error);
      }
    });
    return { credits, creditsUnread };
  };
  const [currentCredits, referenceCredits] = await Promise.all([
    readCredits(current, input.current.runId, early),
    reference && input.reference ? readCredits(reference, input.reference.runId, ahead) : undefined,
  ]);
  if (failedReads > 0) {
    deps.log(
      `Cost and time: ${failedReads} read${failedReads === 1 ? '' : 's'} failed (${failures.join('; ')}); ` +
        'the figures leave them out, the verdict does not change.',
    );
  }
  return {
    current: { ...currentCredits, durations: current.durations },
    reference: reference &&
      referenceCredits && { ...referenceCredits, durations: reference.durations },
    scoredDocuments: scored.size,
    sampled,
    failures,
    failedReads,
  };
}

/**
 * What cost and time will read of the reference, read while this run is going (the reference has
 * ended): its pages, then the credits of the documents the sample will most likely hold (those
 * it completed, in the sample's order). A failure is left for readCost to report.
 */
export async function readReferenceAhead(
  deps: RetabDeps,
  results: RunResults,
  slot: Slot,
): Promise<ReadAhead> {
  const { rows, whole } = await readPages(results, slot);
  // When the pages name every document, the sample is among those read ahead whatever order
  // this run's pages list them in. Otherwise (a current-API run of more than 500 documents)
  // this run's pages may name others: MIN_SAMPLE reads are kept for them, so the sample still
  // holds at least MIN_SAMPLE documents whenever both runs' pages share that many.
  const ahead = whole ? COST_DOCUMENTS : COST_DOCUMENTS - MIN_SAMPLE;
  const completed = new Map<string, ArtifactRef>();
  for (const row of rows) {
    if (row.error === undefined && row.artifact) completed.set(row.documentId, row.artifact);
  }
  const deadline = completed.size > 0 ? AbortSignal.timeout(COST_READS_MS) : undefined;
  return new Map(
    byHash([...completed.keys()])
      .slice(0, ahead)
      .map((id) => [id, readArtifact(deps, slot, completed.get(id)!, deadline)]),
  );
}

/** One artifact's read, through the queue; never rejects. */
function readArtifact(
  deps: RetabDeps,
  slot: Slot,
  artifact: ArtifactRef,
  deadline: AbortSignal | undefined,
): Promise<Settled<ArtifactAnswer>> {
  return settle(slot(() => deps.client.getArtifact(artifact.operation, artifact.id, deadline)));
}

/** The sample's order: the same documents on every run, spread over the set. */
function byHash(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => hash(a) - hash(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The rows of a run's first pages (its one `content` read, or at most COST_PAGES pages), whether
 * they are all of its results, and why a page could not be read; never rejects. `onRows` is told
 * each page's rows as they come, once the next page is asked for: a page goes before the reads
 * waiting without priority, and before those `onRows` starts.
 */
async function readPages(
  results: RunResults,
  slot: Slot,
  onRows?: (rows: readonly ResultRecord[]) => void,
): Promise<{ rows: ResultRecord[]; whole: boolean; failure?: unknown }> {
  const rows: ResultRecord[] = [];
  const first: Slot = (read) => slot(read, true);
  let next = results.page(0, first);
  for (let index = 0; index < COST_PAGES; index++) {
    let page;
    try {
      page = await next;
    } catch (failure) {
      return { rows, whole: false, failure };
    }
    if (!page) return { rows, whole: true };
    rows.push(...page.rows);
    if (!page.last && index + 1 < COST_PAGES) next = results.page(index + 1, first);
    onRows?.(page.rows);
    if (page.last) return { rows, whole: true };
  }
  return { rows, whole: false };
}

interface IndexedRows {
  /** Documents both runs scored that the rows name. */
  named: Set<string>;
  durations: Map<string, number>;
  artifacts: Map<string, ArtifactRef>;
}

/** The rows of the documents both runs scored. */
function indexRows(rows: readonly ResultRecord[], scored: ReadonlySet<string>): IndexedRows {
  const indexed: IndexedRows = { named: new Set(), durations: new Map(), artifacts: new Map() };
  for (const row of rows) {
    if (!scored.has(row.documentId)) continue;
    indexed.named.add(row.documentId);
    if (row.durationMs !== undefined) indexed.durations.set(row.documentId, row.durationMs);
    if (row.artifact) indexed.artifacts.set(row.documentId, row.artifact);
  }
  return indexed;
}

/**
 * FNV-1a, then murmur3's finalizer: the same documents sampled on every run, spread over the set,
 * not its first ones. FNV-1a alone keeps ids that differ in their last characters close (doc_0121
 * to doc_0129 together); the finalizer scatters them.
 */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
