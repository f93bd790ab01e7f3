// The fields of the worst regressed documents and, when values are shown, what the runs extracted
// in them: the reference run's value of each field that fell, this run's, and what the passes
// voted. Values are customer data: this module never writes one to the log.
import {
  fieldsThatFell,
  type DocumentFields,
  type DocumentValues,
  type FieldScore,
} from '../gate/evidence.js';
import { errorMessage } from '../errors.js';
import { FIELDS_SHOWN } from '../report/limits.js';
import type { RetabClient } from './client.js';
import type { ExperimentRef, RetabDeps } from './evidence.js';
import {
  fieldsFromDocumentMetrics,
  valueAt,
  valuesFromDocumentMetrics,
  votesFromAnswer,
} from './records.js';
import { describeFailure, settle, type Slot } from './queue.js';
import type { Extraction } from './schemas.js';

/** Value reads per listed document, at most, beyond the `by_document` read that lists its fields. */
const VALUE_READS_PER_DOCUMENT = 3;
/** Value reads still unanswered after this long are given up: they never hold the verdict long. */
const VALUE_READS_MS = 15_000;

export interface FieldReadOptions extends ExperimentRef {
  /** Read what the runs extracted (show-values allows it). */
  readValues: boolean;
}

/**
 * The fields of each document, read at once through the one queue (`slot`, ./queue.ts), in the
 * order given.
 * With values, each document also gets at most VALUE_READS_PER_DOCUMENT reads:
 *
 * - the reference run's `by_document` (its values), sent beside the field read;
 * - older API: the document's result, then the extraction behind its artifact (every field's
 *   value and votes in one answer), also sent at once;
 * - whatever the budget has left: `view=votes`, one per field, for the fields that fell most
 *   among those whose agreement is below 1 (a unanimous field has no votes to show).
 *
 * Nothing here fails the gate: a read that fails leaves its values unavailable, with one log line
 * per document that names the reads, never a value.
 */
export async function readDocumentFields(
  options: FieldReadOptions,
  deps: RetabDeps,
  runId: string,
  referenceId: string | undefined,
  documentIds: readonly string[],
  slot: Slot,
): Promise<DocumentFields[]> {
  const deadline =
    options.readValues && documentIds.length > 0 ? AbortSignal.timeout(VALUE_READS_MS) : undefined;
  const read = (documentId: string) =>
    readDocument({ ...options, runId, referenceId, documentId, slot, deadline }, deps);
  return Promise.all(documentIds.map(read));
}

interface DocumentRead extends FieldReadOptions {
  runId: string;
  referenceId: string | undefined;
  documentId: string;
  slot: Slot;
  deadline: AbortSignal | undefined;
}

async function readDocument(r: DocumentRead, deps: RetabDeps): Promise<DocumentFields> {
  const { client } = deps;
  const { workflowId, experimentId, documentId } = r;
  // The field read goes first, ahead of any value read waiting for a place.
  const fieldsRead = settle(
    r.slot(
      () => client.getDocumentMetrics(workflowId, experimentId, r.runId, r.referenceId, documentId),
      true,
    ),
  );
  const referenceId = r.readValues ? r.referenceId : undefined;
  let budget = VALUE_READS_PER_DOCUMENT - (referenceId === undefined ? 0 : 1);
  // The value reads that need no field list leave with it.
  const referenceRead =
    referenceId === undefined
      ? undefined
      : settle(
          r.slot(() =>
            client.getDocumentMetrics(
              workflowId,
              experimentId,
              referenceId,
              undefined,
              documentId,
              r.deadline,
            ),
          ),
        );
  const extractionRead =
    r.readValues && client.dialect === 'older' && budget >= 2
      ? readExtraction(client, r)
      : undefined;
  const read = await fieldsRead;
  const answer = read.ok ? read.value : undefined;
  if (answer?.kind !== 'by_document') {
    const why = read.ok ? read.value.kind : errorMessage(read.error);
    deps.log(`Field scores of document ${documentId} are not shown: ${why}`);
    await Promise.all([referenceRead, extractionRead]);
    return { documentId, fields: [], unreadable: true };
  }
  const fields = fieldsFromDocumentMetrics(answer, r.readValues);
  if (!r.readValues) return { documentId, fields };

  const unavailable: string[] = [];
  const values: DocumentValues = { reference: undefined, current: new Map(), votes: new Map() };
  const reference = await referenceRead;
  if (reference?.ok && reference.value.kind === 'by_document') {
    values.reference = valuesFromDocumentMetrics(reference.value);
  } else if (reference) {
    const why = reference.ok ? reference.value.kind : describeFailure(reference.error);
    unavailable.push(`the reference run's values (${why})`);
  }

  const shown = fieldsThatFell(fields).slice(0, FIELDS_SHOWN);
  // Votes only where the passes may have disagreed, for the fields that fell most.
  const disputed = shown.filter((f) => f.score !== null && f.score < 1);
  if (extractionRead) {
    const extraction = await extractionRead;
    budget -= extraction.reads;
    fillFromExtraction(values, shown, disputed, extraction);
    if (extraction.failure) {
      unavailable.push(`the extraction (${extraction.failure})`);
      // Its votes were asked for: say so where the budget cannot ask again.
      const left = disputed.filter((f) => !values.votes.has(f.path)).slice(Math.max(0, budget));
      for (const field of left) values.votes.set(field.path, 'unavailable');
    }
  }
  const toAsk = disputed.filter((f) => !values.votes.has(f.path)).slice(0, Math.max(0, budget));
  const votes = await Promise.all(
    toAsk.map((field) =>
      settle(
        r.slot(() =>
          client.getVotes(workflowId, experimentId, r.runId, documentId, field.path, r.deadline),
        ),
      ),
    ),
  );
  let votesFailed = 0;
  toAsk.forEach((field, i) => {
    const vote = votes[i];
    const passes =
      vote?.ok && vote.value.kind === 'votes' ? votesFromAnswer(vote.value) : undefined;
    if (passes) values.votes.set(field.path, passes);
    else {
      values.votes.set(field.path, 'unavailable');
      votesFailed++;
    }
  });
  if (votesFailed > 0) unavailable.push(`votes (${votesFailed} of ${toAsk.length} reads failed)`);
  if (unavailable.length > 0) {
    deps.log(`Values of document ${documentId} partly unavailable: ${unavailable.join('; ')}.`);
  }
  return { documentId, fields, values };
}

interface ExtractionRead {
  /** Reads spent, the failed ones too. */
  reads: number;
  /** The block's output (the result's `handle_outputs`), when the result carried one. */
  outputs: unknown[];
  extraction: Extraction | undefined;
  /** Why it could not be read: no values in the log. */
  failure: string | undefined;
}

/** Older API: the document's result, then the extraction its artifact names. Never throws. */
async function readExtraction(client: RetabClient, r: DocumentRead): Promise<ExtractionRead> {
  let result;
  try {
    result = await r.slot(() => client.getDocumentResult(r.runId, r.documentId, r.deadline));
  } catch (error) {
    return { reads: 1, outputs: [], extraction: undefined, failure: describeFailure(error) };
  }
  const outputs = Object.values(result.handle_outputs ?? {}).flatMap((handle) =>
    handle && 'data' in handle ? [handle.data] : [],
  );
  const artifact = result.artifact;
  if (!artifact || (artifact.operation && artifact.operation !== 'extraction')) {
    return { reads: 1, outputs, extraction: undefined, failure: 'the result names no extraction' };
  }
  try {
    const extraction = await r.slot(() => client.getExtraction(artifact.id, r.deadline));
    return { reads: 2, outputs, extraction, failure: undefined };
  } catch (error) {
    return { reads: 2, outputs, extraction: undefined, failure: describeFailure(error) };
  }
}

/** This run's values the metrics did not carry, and every pass's vote, from the extraction. */
function fillFromExtraction(
  values: DocumentValues,
  shown: readonly FieldScore[],
  disputed: readonly FieldScore[],
  read: ExtractionRead,
): void {
  const trees = [read.extraction?.output, ...read.outputs].filter((t) => t !== undefined);
  for (const field of shown) {
    if (field.value !== undefined) continue;
    const found = trees.map((tree) => valueAt(tree, field.path)).find((v) => v !== undefined);
    if (found) values.current.set(field.path, found);
  }
  const choices = read.extraction?.consensus?.choices;
  if (!choices || choices.length === 0) return;
  for (const field of disputed) {
    const passes = choices.map((choice) => valueAt(choice, field.path));
    // A path none of the passes has is not read as a unanimous null: ask for its votes instead.
    if (passes.some((p) => p !== undefined)) {
      values.votes.set(
        field.path,
        passes.map((p) => (p === undefined ? null : p.value)),
      );
    }
  }
}
