// The poll schedule: when to poll next, from the forecast and the run's progress. Pure: time
// comes in as arguments; no I/O.
import type { Forecast } from '../gate/forecast.js';

/** Never poll more often than this. */
export const POLL_FLOOR_MS = 500;
/** The SDK's fixed interval: the reference we must beat, and our pace when nothing is known. */
export const FIXED_POLL_MS = 2_000;
/** Never wait longer than this between two polls while the run's end is far. */
export const POLL_CEILING_MS = 30_000;
/** Once the run has clearly outlasted the estimate, back off up to this interval. */
export const OVERRUN_CEILING_MS = 15_000;

/** Spread left in a pace-based estimate for a pace that drifts as the run goes on. */
const PACE_SPREAD = 0.15;
/** How long after its last document a run is expected to be marked completed, and the spread. */
const FINALIZE_MS = 1_000;
/** What one poll is worth in milliseconds of detection latency: it sets the dense interval. */
const POLL_COST_MS = 60;
/**
 * The same inside a steady pace's window. That window is a few seconds wide, so it holds few
 * polls: at half the price, one more poll per run (on 12-document runs of 1–4 minutes) brings
 * most runs' last polls to the floor.
 */
const STEADY_POLL_COST_MS = 30;
/** Half-width of the dense window around the expected end, in spreads. */
const WINDOW_SPREADS = 1.5;
/** Far from the window, each poll covers this share of the way to it. */
const APPROACH_SHARE = 0.7;
/** With this many documents left or fewer, a steady pace can say when the last one finishes. */
const STEADY_LEFT = 2;
/** A pace is judged steady only once the polls have seen this many different counts. */
const STEADY_MIN_COUNTS = 3;
/** How far from a constant pace a poll's count may be, in gaps, for the pace to be steady. */
const STEADY_TOLERANCE = 0.2;
/** Spread of one gap between documents at a steady pace, relative to the gap. */
const GAP_SPREAD = 0.15;
/**
 * N documents whose gaps vary by a share k make runs that vary by about k/√N, so runs that
 * take the same time each time hint at a steady pace. A forecast spread that implies gaps
 * varying by more than this (documents at random points: about 1) is no such hint.
 */
const STEADY_MAX_GAP_SCATTER = 0.5;
/** Nor is a spread this wide (one past run gives 20 %: it says nothing of how runs vary). */
const STEADY_MAX_SPREAD = 0.15;
/** The chance kept that a pace that looked steady was not: it caps the wait for its end. */
const UNSTEADY_CHANCE = 0.3;

/** What one poll saw of the run's progress, `elapsedMs` after the trigger. */
export interface ProgressSample {
  elapsedMs: number;
  completed: number;
  total: number;
}

export interface ScheduleInput {
  /** Time since the run was triggered. */
  elapsedMs: number;
  /** Expected duration of the run and its spread, from recent completed runs; undefined when unknown. */
  forecast: Forecast | undefined;
  /** Time left before the wait gives up. */
  remainingMs: number;
  /** What the polls so far saw of the run's progress, oldest first. */
  progress?: readonly ProgressSample[];
  /** Polls made so far: without a forecast, never more than the fixed 2 s poll would have made. */
  polls?: number;
}

/** When the run should end (ms after the trigger) and how unsure that is (one spread, in ms). */
export interface EndEstimate {
  endMs: number;
  spreadMs: number;
  /** The longest wait before the window, when the end might come well before it. */
  longestWaitMs?: number;
  /** What one poll is worth in the dense window, when not POLL_COST_MS (a steady pace's). */
  pollCostMs?: number;
}

/**
 * The delay before the next status poll. Pure: same input, same answer.
 *
 * The run's end is estimated from the forecast and, once documents finish, from their pace
 * (see estimateEnd). Far from that end, each poll covers 70 % of the way to the dense window;
 * inside the window (the end ± 1.5 spreads) polls come at the interval that balances one poll
 * against the latency it saves, sqrt(2 · cost / hazard): short when the end is well known,
 * never sparser than the SDK's 2 s. Past the window the estimate has failed: the delay grows
 * with the overrun. With nothing known (first run, no progress yet): the SDK's fixed 2 s; and
 * on a first run, never more polls than that fixed poll would have made by then: the dense
 * polls at the end are paid for by sparse ones earlier, when the pace says the end is far.
 * Never below POLL_FLOOR_MS, never past the timeout. Constants tuned with `npm run bench`.
 */
export function nextPollDelay({
  elapsedMs,
  forecast,
  remainingMs,
  progress = [],
  polls,
}: ScheduleInput): number {
  const estimate = estimateEnd(forecast, progress);
  let delay: number;
  if (estimate === undefined) {
    delay = FIXED_POLL_MS;
  } else {
    const {
      endMs,
      spreadMs,
      longestWaitMs = POLL_CEILING_MS,
      pollCostMs = POLL_COST_MS,
    } = estimate;
    // Hazard of a normal end at its centre: 0.8 / spread.
    const dense = Math.min(Math.sqrt(2.5 * pollCostMs * spreadMs), FIXED_POLL_MS);
    const windowStart = endMs - WINDOW_SPREADS * spreadMs;
    const windowEnd = endMs + WINDOW_SPREADS * spreadMs;
    if (elapsedMs < windowStart) {
      const approach = (windowStart - elapsedMs) * APPROACH_SHARE;
      delay = Math.min(Math.max(dense, approach), POLL_CEILING_MS, longestWaitMs);
    } else if (elapsedMs <= windowEnd) {
      delay = dense;
    } else {
      const overrun = elapsedMs - windowEnd;
      delay = Math.min(dense + overrun / 4, OVERRUN_CEILING_MS);
    }
  }
  if (!hasForecast(forecast) && polls !== undefined) {
    delay = Math.min(Math.max(delay, FIXED_POLL_MS * (polls + 1) - elapsedMs), POLL_CEILING_MS);
  }
  delay = Math.max(POLL_FLOOR_MS, Math.round(delay));
  return Math.max(0, Math.min(delay, remainingMs));
}

/**
 * Where the run should end, from the forecast and from the pace of its documents.
 * Undefined when neither is known.
 */
export function estimateEnd(
  forecast: Forecast | undefined,
  progress: readonly ProgressSample[],
): EndEstimate | undefined {
  const byPace = estimateFromPace(progress, hasForecast(forecast) ? forecast : undefined);
  const byForecast = hasForecast(forecast)
    ? { endMs: forecast.durationMs, spreadMs: Math.max(forecast.spreadMs, POLL_FLOOR_MS) }
    : undefined;
  if (byPace === undefined) return byForecast;
  if (byForecast === undefined) return byPace;
  // A forecast the run has clearly outlasted has nothing more to say.
  const seenAt = progress[progress.length - 1]?.elapsedMs ?? 0;
  if (seenAt > byForecast.endMs + WINDOW_SPREADS * byForecast.spreadMs) return byPace;
  // Two independent estimates: weigh each by its precision.
  const wPace = 1 / byPace.spreadMs ** 2;
  const wForecast = 1 / byForecast.spreadMs ** 2;
  const combined: EndEstimate = {
    endMs: (byPace.endMs * wPace + byForecast.endMs * wForecast) / (wPace + wForecast),
    spreadMs: 1 / Math.sqrt(wPace + wForecast),
  };
  if (byPace.longestWaitMs !== undefined) combined.longestWaitMs = byPace.longestWaitMs;
  if (byPace.pollCostMs !== undefined) combined.pollCostMs = byPace.pollCostMs;
  return combined;
}

function hasForecast(forecast: Forecast | undefined): forecast is Forecast {
  return forecast !== undefined && forecast.durationMs > 0;
}

/**
 * Remaining ≈ documents left ÷ recent pace. The pace is measured over the later half of the
 * time so far: it leaves out the start (queueing, the first documents) and follows a pace that
 * drifts. The spread counts the randomness of the documents still to finish (1/√left), of the
 * pace measured (1/√done) and the drift. With one or two documents left, a steady pace (when
 * the recent runs hint at one and the counts bear it out) says much more: see
 * estimateFromSteadyPace.
 */
function estimateFromPace(
  progress: readonly ProgressSample[],
  forecast: Forecast | undefined,
): EndEstimate | undefined {
  const last = progress[progress.length - 1];
  if (last === undefined || last.total <= 0 || last.completed <= 0) return undefined;
  if (last.completed >= last.total) {
    const allDone = progress.find((s) => s.completed >= s.total) ?? last;
    return { endMs: allDone.elapsedMs + FINALIZE_MS / 2, spreadMs: FINALIZE_MS };
  }
  const left = last.total - last.completed;
  if (left <= STEADY_LEFT && forecast && hintsAtSteadyPace(forecast, last.total)) {
    const steady = estimateFromSteadyPace(progress);
    // A steady end that has come and gone without the run: the pace was not steady after all.
    if (steady && last.elapsedMs <= steady.endMs + WINDOW_SPREADS * steady.spreadMs) return steady;
  }
  const reference = progress[referenceIndex(progress)] ?? { elapsedMs: 0, completed: 0 };
  const span = last.elapsedMs - reference.elapsedMs;
  if (span <= 0) return undefined;
  // No document in the later half: the pace is at most half a document per span.
  const done = Math.max(last.completed - reference.completed, 0.5);
  const remainingMs = (left * span) / done;
  const relative = Math.sqrt(1 / left + 1 / done + PACE_SPREAD ** 2);
  return { endMs: last.elapsedMs + remainingMs, spreadMs: Math.max(remainingMs * relative, 1) };
}

/** Whether recent runs took so nearly the same time that their documents likely kept a steady pace. */
export function hintsAtSteadyPace(forecast: Forecast, documents: number): boolean {
  const spread = forecast.spreadMs / forecast.durationMs;
  return spread <= STEADY_MAX_SPREAD && spread * Math.sqrt(documents) <= STEADY_MAX_GAP_SCATTER;
}

/**
 * The end when documents finish one after another at a steady pace: the last count changed
 * between two polls, and each document left takes one gap more. The gap is the least-squares
 * pace over the polls kept; the pace is steady when one phase and that gap put every poll's
 * count within STEADY_TOLERANCE of a gap, over STEADY_MIN_COUNTS different counts or more
 * (documents that finish at random seldom line up so). The spread counts where in its
 * interval the last count changed, each gap's own variation and the pace's error. Because the
 * pace may still not be steady, the approach never waits longer than the interval that a 30 %
 * chance of a random last gap calls for.
 */
function estimateFromSteadyPace(progress: readonly ProgressSample[]): EndEstimate | undefined {
  const running = progress.filter((s) => s.completed > 0 && s.completed < s.total);
  const counts = new Set(running.map((s) => s.completed));
  if (counts.size < STEADY_MIN_COUNTS) return undefined;
  const gapMs = leastSquaresGap(running);
  if (gapMs === undefined || !fitsOnePhase(running, gapMs)) return undefined;
  const last = progress[progress.length - 1];
  if (last === undefined) return undefined;
  let first = progress.length - 1;
  while (first > 0 && progress[first - 1]?.completed === last.completed) first--;
  const seenAt = progress[first]?.elapsedMs ?? last.elapsedMs;
  const notYetAt = progress[first - 1]?.elapsedMs ?? 0;
  const left = last.total - last.completed;
  const measured = Math.max(...counts) - Math.min(...counts);
  return {
    endMs: (notYetAt + seenAt) / 2 + left * gapMs,
    spreadMs: Math.sqrt(
      (seenAt - notYetAt) ** 2 / 12 +
        left * (GAP_SPREAD * gapMs) ** 2 +
        ((left * gapMs) / (2 * measured)) ** 2,
    ),
    longestWaitMs: Math.sqrt((2 * POLL_COST_MS * left * gapMs) / UNSTEADY_CHANCE),
    pollCostMs: STEADY_POLL_COST_MS,
  };
}

/** The slope of time against count, in ms per document; undefined unless positive. */
function leastSquaresGap(samples: readonly ProgressSample[]): number | undefined {
  const n = samples.length;
  const meanCount = samples.reduce((sum, s) => sum + s.completed, 0) / n;
  const meanTime = samples.reduce((sum, s) => sum + s.elapsedMs, 0) / n;
  let cross = 0;
  let square = 0;
  for (const s of samples) {
    cross += (s.completed - meanCount) * (s.elapsedMs - meanTime);
    square += (s.completed - meanCount) ** 2;
  }
  const gap = square > 0 ? cross / square : 0;
  return gap > 0 ? gap : undefined;
}

/**
 * Whether document k could have finished at phase + k·gap (within the tolerance) for one phase
 * and every poll: a poll that saw c documents puts the phase in (t − (c + 1)·gap, t − c·gap].
 */
function fitsOnePhase(samples: readonly ProgressSample[], gapMs: number): boolean {
  let low = -Infinity;
  let high = Infinity;
  for (const s of samples) {
    low = Math.max(low, s.elapsedMs - (s.completed + 1 + STEADY_TOLERANCE) * gapMs);
    high = Math.min(high, s.elapsedMs - (s.completed - STEADY_TOLERANCE) * gapMs);
  }
  return low < high;
}

/** The newest sample in the first half of the time so far (-1: none): where the pace is measured from. */
function referenceIndex(progress: readonly ProgressSample[]): number {
  const last = progress[progress.length - 1];
  let reference = -1;
  for (let i = 0; last !== undefined && i < progress.length; i++) {
    if ((progress[i]?.elapsedMs ?? 0) > last.elapsedMs / 2) break;
    reference = i;
  }
  return reference;
}

/** Drops samples that estimateFromPace can no longer use, to keep a long wait's memory flat. */
export function keepUsefulSamples(progress: ProgressSample[]): void {
  const reference = referenceIndex(progress);
  // The first sample that saw every document done stays: the end is counted from it.
  const allDone = progress.findIndex((s) => s.completed >= s.total);
  const keepFrom = allDone >= 0 ? Math.min(reference, allDone) : reference;
  if (keepFrom > 0) progress.splice(0, keepFrom);
}
