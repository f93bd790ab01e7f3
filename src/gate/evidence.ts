/**
 * What the gate learns from Retab, in its own words: the adapter (src/retab/records.ts) maps
 * each answer, whichever API spoke it, to these records. The verdict and the report read only
 * these, so a change of Retab's wire shapes stops at the adapter.
 */
import type { ConfigOutcome } from './config.js';

/** A run of the experiment, from the run list, the trigger or a read of the run. */
export interface RunRecord {
  id: string;
  /** `pending`, `queued`, `running`, `completed`, `error`, `cancelled` (others: still running). */
  status: string;
  score: number | null;
  definitionFingerprint?: string;
  documentsFingerprint?: string;
  documentCount?: number;
  completedDocuments?: number;
  nConsensus?: number;
  /** ISO time. */
  createdAt?: string;
  durationMs?: number;
  parentRunId?: string;
  /** Older API: the job that carries the run. */
  jobId?: string;
  workflowName?: string;
}

/** The run a previous run is known by: its id, score and definition. */
export interface RunReferenceRecord {
  id: string;
  score: number | null;
  definitionFingerprint?: string;
}

/** The run this gate started (or adopted), as the trigger answered. */
export interface StartedRun {
  runId: string;
  /** Empty when the API names no job. */
  jobId: string;
  definitionFingerprint?: string;
  documentCount?: number;
  nConsensus?: number;
  /** The previous completed run; null on the first run, undefined when not said. */
  previous: RunReferenceRecord | null | undefined;
  /** No new run: Retab judged its latest results still fresh and named that run. */
  reused: boolean;
}

/** One document's scores in a run, and in the run it was compared with. */
export interface DocumentScores {
  id: string;
  filename?: string;
  score: number | null;
  priorScore: number | null;
}

/** A run's scores: overall and per document, against a prior run. */
export interface ScoreSheet {
  runId: string;
  score: number | null;
  priorRunId?: string;
  documents: DocumentScores[];
  /** Each field's (or label's) agreement over all the run's documents; absent when not given. */
  aggregate?: FieldAggregate;
}

/**
 * A run's agreement per field (extract blocks) or per label (classifier and split blocks), over
 * all its documents. Entries, not a record: a field's name is the customer's text, any text.
 */
export interface FieldAggregate {
  kind: 'field' | 'label';
  scores: Array<{ name: string; score: number }>;
  /** Labels only: how often documents of one label were taken for another; absent when not given. */
  flows?: LabelFlow[];
}

/** A share of the documents of label `source` that the run took for label `target`. */
export interface LabelFlow {
  source: string;
  target: string;
  score: number;
}

/** One field's scores inside a document. */
export interface FieldScore {
  path: string;
  score: number | null;
  priorScore: number | null;
  /** This run's consensus value, read only when values are shown and the metrics carried it. */
  value?: Extracted;
}

/** A value a run extracted (any JSON, null included), boxed: a null value is not a missing one. */
export interface Extracted {
  value: unknown;
}

/** What the runs extracted inside one document: read only when values are shown. */
export interface DocumentValues {
  /** The reference run's value of each field, by path; undefined when they could not be read. */
  reference: Map<string, Extracted> | undefined;
  /** This run's value of the fields its metrics gave none for, from its extraction, by path. */
  current: Map<string, Extracted>;
  /** What each pass voted, by path: one value per pass, or 'unavailable' when the read failed. */
  votes: Map<string, unknown[] | 'unavailable'>;
}

/** The fields of one of the worst regressed documents, as read. */
export interface DocumentFields {
  documentId: string;
  fields: FieldScore[];
  /** The document's fields could not be read at all. */
  unreadable?: true;
  values?: DocumentValues;
}

/** Fields whose score fell against the reference, worst fall first (no score counts as 0). */
export function fieldsThatFell(fields: readonly FieldScore[]): FieldScore[] {
  const fall = (f: FieldScore) => (f.priorScore ?? 0) - (f.score ?? 0);
  return fields
    .filter((f) => f.priorScore !== null && (f.score === null || f.score < f.priorScore - 1e-9))
    .sort((a, b) => fall(b) - fall(a));
}

/**
 * What one run's documents cost and took, as read for "Cost and time": by document id. Credits
 * are null where Retab did not report them (`usage` null, absent, or not a finite number ≥ 0).
 */
export interface RunCost {
  /** Credits of each sampled document whose artifact was read. */
  credits: Map<string, number | null>;
  /** Sampled documents whose credits could not be read: the read failed, or no artifact named. */
  creditsUnread: number;
  /** Time of each document the reads name, in ms. */
  durations: Map<string, number>;
}

/** The figures of "Cost and time", for this run and its reference, as read. */
export interface CostEvidence {
  current: RunCost;
  /** Absent without a reference run. */
  reference: RunCost | undefined;
  /** Documents both runs scored (this run's scored ones, without a reference). */
  scoredDocuments: number;
  /** The documents sampled for credits, the same in both runs. */
  sampled: string[];
  /** Why reads failed (status and x-request-id), a few at most: lines of the report. */
  failures: string[];
  /** Reads that failed, in all. */
  failedReads: number;
}

export interface Progress {
  completed: number;
  total: number;
}

/** How the wait for the run ended: a terminal status of the run, or `timeout` / `aborted`. */
export interface WaitResult {
  status: string;
  progress: Progress | undefined;
}

/** What the action learned from Retab, filled in as it goes, so an error can still report it. */
export interface Evidence {
  /** With `spec`: the plan of the pull request's configuration, and whether it was applied. */
  configuration: ConfigOutcome | undefined;
  /** The experiment's runs, newest first, as read before the trigger. */
  history: RunRecord[];
  baseline: RunRecord | undefined;
  started: StartedRun | undefined;
  wait: WaitResult | undefined;
  /** The run, read once it completed. */
  run: RunRecord | undefined;
  scores: ScoreSheet | undefined;
  /** The reference run's own documents, read only when the document sets may differ. */
  referenceDocuments: Array<{ id: string; filename?: string }> | undefined;
  /** The reference run's agreement per field, from its own summary. */
  referenceAggregate: FieldAggregate | undefined;
  /** Documents fingerprint of the previous run, when known. */
  previousDocumentsFingerprint: string | undefined;
  /** Per-field scores of the worst regressed documents, worst first. */
  fieldScores: DocumentFields[];
  /** Why documents errored. */
  documentErrors: Array<{ id: string; message: string }>;
  /** What each document cost and took, in this run and its reference; absent when not read. */
  cost?: CostEvidence;
}

export function emptyEvidence(): Evidence {
  return {
    configuration: undefined,
    history: [],
    baseline: undefined,
    started: undefined,
    wait: undefined,
    run: undefined,
    scores: undefined,
    referenceDocuments: undefined,
    referenceAggregate: undefined,
    previousDocumentsFingerprint: undefined,
    fieldScores: [],
    documentErrors: [],
  };
}
