/**
 * "Cost and time" compared (README, "Cost and time"): credits per document (the mean of the
 * sampled documents' artifact credits) and time per document (the median of the documents'
 * times), this run against its reference on the same documents, and the thresholds
 * `max-cost-increase` and `max-time-increase`. Pure.
 */
import type { CostEvidence, RunCost } from './evidence.js';
import { average, changeInterval, median } from './stats.js';
import { allowedChange, DEFAULT_LEVEL, EPSILON } from './verdict.js';

/** `max-cost-increase`: a share of the reference's credits per document, or credits. */
export type CostThreshold =
  | { kind: 'percent'; value: number; text: string }
  | { kind: 'credits'; value: number; text: string };

/** `max-time-increase`: a share of the reference's time per document, or seconds. */
export type TimeThreshold =
  | { kind: 'percent'; value: number; text: string }
  | { kind: 'seconds'; value: number; text: string };

export interface CostThresholds {
  maxCostIncrease?: CostThreshold | undefined;
  maxTimeIncrease?: TimeThreshold | undefined;
  /** With it, a sampled rise in credits counts only when its interval lies wholly above the threshold. */
  confidence: number | undefined;
}

/** A move of either figure by this share or more is named in the first line. */
const NOTABLE_CHANGE = 0.25;

/** One figure, reference and current, over the same documents. */
export interface CostFigure {
  reference: number | null;
  current: number | null;
  /** current − reference; null when either is unknown. */
  delta: number | null;
  /** delta / reference; null when unknown or the reference is 0. */
  relative: number | null;
  /** Documents the figure is over. */
  documents: number;
  /** Documents both runs scored: what a figure over every document would be over. */
  of: number;
  /** Over fewer documents than both runs scored. */
  sampled: boolean;
}

export interface CreditsFigure extends CostFigure {
  /** The interval of the mean change, at `confidence` (0.95 when empty); sampled, 3 or more documents. */
  interval?: { level: number; low: number; high: number };
  /** Sampled documents whose artifact reports no credits, in each run. */
  notReported: { current: number; reference: number };
}

export type CostReason =
  | {
      rule: 'max-cost-increase';
      /** Credits per document. */
      current: number;
      reference: number;
      allowed: number;
    }
  | {
      rule: 'max-time-increase';
      /** Seconds per document. */
      current: number;
      reference: number;
      allowed: number;
    };

export type CostInput = 'max-cost-increase' | 'max-time-increase';

export interface CostComparison {
  credits: CreditsFigure;
  seconds: CostFigure;
  /** The change is judged: there is a reference, and it is not a reused run against its previous one. */
  judged: boolean;
  reasons: CostReason[];
  /** Thresholds that could not be checked, and why: each a warning; the verdict stands on accuracy. */
  unchecked: Array<{ input: CostInput; why: string }>;
}

export interface CompareCostInput {
  cost: CostEvidence;
  thresholds: CostThresholds;
  /** False for a reused run judged against its previous run: shown, not judged. */
  judgesChange: boolean;
}

/** The figures of both runs, their changes, and what the thresholds say of them. */
export function compareCost({ cost, thresholds, judgesChange }: CompareCostInput): CostComparison {
  const credits = creditsFigure(cost, thresholds.confidence ?? DEFAULT_LEVEL);
  const seconds = secondsFigure(cost);
  const judged = judgesChange && cost.reference !== undefined;
  const reasons: CostReason[] = [];
  const unchecked: CostComparison['unchecked'] = [];
  const cannot = (input: CostInput, figure: CostFigure, what: string): boolean => {
    if (!judged) {
      if (cost.reference === undefined) {
        unchecked.push({ input, why: 'there is no reference run to compare with' });
      }
      return true;
    }
    if (figure.delta !== null && figure.reference !== null) return false;
    unchecked.push({ input, why: what });
    return true;
  };

  const maxCost = thresholds.maxCostIncrease;
  if (maxCost && !cannot('max-cost-increase', credits, whyNoCredits(cost, credits))) {
    const reference = credits.reference ?? 0;
    const allowed = allowedChange(maxCost, reference);
    const rose = (credits.delta ?? 0) > allowed + EPSILON;
    // A sampled rise is credible only when its interval lies wholly above the threshold.
    const credible =
      thresholds.confidence === undefined || !credits.sampled || !credits.interval
        ? true
        : credits.interval.low > allowed + EPSILON;
    if (rose && credible) {
      reasons.push({
        rule: 'max-cost-increase',
        current: credits.current ?? 0,
        reference,
        allowed,
      });
    }
  }

  const maxTime = thresholds.maxTimeIncrease;
  if (
    maxTime &&
    !cannot(
      'max-time-increase',
      seconds,
      'no document has a time reported in both runs (`timing.duration_ms`)',
    )
  ) {
    const reference = seconds.reference ?? 0;
    const allowed = allowedChange(maxTime, reference);
    if ((seconds.delta ?? 0) > allowed + EPSILON) {
      reasons.push({
        rule: 'max-time-increase',
        current: seconds.current ?? 0,
        reference,
        allowed,
      });
    }
  }
  return { credits, seconds, judged, reasons, unchecked };
}

/** Whether the first line names a figure: its threshold failed, or it moved by 25 % or more. */
export function isNotable(figure: CostFigure, failed: boolean): boolean {
  return (
    failed || (figure.relative !== null && Math.abs(figure.relative) >= NOTABLE_CHANGE - EPSILON)
  );
}

function whyNoCredits(cost: CostEvidence, credits: CreditsFigure): string {
  if (cost.sampled.length === 0) return 'no document was scored by both runs';
  const unread = cost.current.creditsUnread + (cost.reference?.creditsUnread ?? 0);
  const notReported = credits.notReported.current + credits.notReported.reference;
  if (notReported === 0 && unread > 0) return 'the artifact reads failed';
  return 'Retab reported no credits for the same documents in both runs';
}

/** Reported credits of `ids` in one run. */
function reported(run: RunCost | undefined, ids: readonly string[]): number[] {
  return ids.flatMap((id) => {
    const credits = run?.credits.get(id);
    return typeof credits === 'number' ? [credits] : [];
  });
}

function creditsFigure(cost: CostEvidence, level: number): CreditsFigure {
  const { current, reference, sampled } = cost;
  const notReported = (run: RunCost | undefined) =>
    sampled.filter((id) => run?.credits.get(id) === null).length;
  const base = {
    of: cost.scoredDocuments,
    notReported: { current: notReported(current), reference: notReported(reference) },
  };
  const paired = reference
    ? sampled.filter(
        (id) =>
          typeof current.credits.get(id) === 'number' &&
          typeof reference.credits.get(id) === 'number',
      )
    : [];
  if (paired.length === 0) {
    // Nothing to compare: each run's own mean, over what it reported.
    const mine = reported(current, sampled);
    const theirs = reference ? reported(reference, sampled) : [];
    return {
      ...base,
      ...figure(meanOrNull(theirs), meanOrNull(mine), null),
      documents: mine.length,
      sampled: mine.length < cost.scoredDocuments,
    };
  }
  const now = reported(current, paired);
  const before = reported(reference, paired);
  const changes = now.map((value, i) => value - (before[i] ?? 0));
  const isSample = paired.length < cost.scoredDocuments;
  const interval = isSample ? changeInterval(changes, level) : undefined;
  const meanBefore = average(before);
  const meanNow = average(now);
  return {
    ...base,
    ...figure(meanBefore, meanNow, meanNow - meanBefore),
    documents: paired.length,
    sampled: isSample,
    ...(interval ? { interval: { level, low: interval.low, high: interval.high } } : {}),
  };
}

function secondsFigure(cost: CostEvidence): CostFigure {
  const { current, reference } = cost;
  const seconds = (ms: number[]) => (ms.length === 0 ? null : median(ms) / 1000);
  if (!reference) {
    const mine = [...current.durations.values()];
    return {
      ...figure(null, seconds(mine), null),
      documents: mine.length,
      of: cost.scoredDocuments,
      sampled: mine.length < cost.scoredDocuments,
    };
  }
  const ids = [...current.durations.keys()].filter((id) => reference.durations.has(id));
  const pick = (run: RunCost) => ids.map((id) => run.durations.get(id) ?? 0);
  if (ids.length === 0) {
    return {
      ...figure(
        seconds([...reference.durations.values()]),
        seconds([...current.durations.values()]),
        null,
      ),
      documents: 0,
      of: cost.scoredDocuments,
      sampled: cost.scoredDocuments > 0,
    };
  }
  const before = seconds(pick(reference));
  const now = seconds(pick(current));
  return {
    ...figure(before, now, now !== null && before !== null ? now - before : null),
    documents: ids.length,
    of: cost.scoredDocuments,
    sampled: ids.length < cost.scoredDocuments,
  };
}

function figure(
  reference: number | null,
  current: number | null,
  delta: number | null,
): Pick<CostFigure, 'reference' | 'current' | 'delta' | 'relative'> {
  const relative = delta !== null && reference !== null && reference > 0 ? delta / reference : null;
  return { reference, current, delta, relative };
}

function meanOrNull(values: readonly number[]): number | null {
  return values.length === 0 ? null : average(values);
}
