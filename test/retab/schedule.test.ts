import { describe, expect, test } from 'vitest';
import type { Forecast } from '../../src/gate/forecast.js';
import {
  estimateEnd,
  FIXED_POLL_MS,
  hintsAtSteadyPace,
  keepUsefulSamples,
  nextPollDelay,
  OVERRUN_CEILING_MS,
  POLL_CEILING_MS,
  POLL_FLOOR_MS,
  type ProgressSample,
} from '../../src/retab/schedule.js';

const HOUR = 3_600_000;

/** A forecast of `durationMs` whose spread is `share` of it (20 %: what one past run gives). */
function forecast(durationMs: number, share = 0.2): Forecast {
  return { durationMs, spreadMs: Math.round(share * durationMs) };
}

/** `completed` of `total` documents seen at each time, from a steady pace that ends at `endMs`. */
function steady(endMs: number, total: number, at: readonly number[]): ProgressSample[] {
  return at.map((elapsedMs) => ({
    elapsedMs,
    completed: Math.min(total, Math.floor((total * elapsedMs) / endMs)),
    total,
  }));
}

/** Polls at these times of a run whose `total` documents finish every `gapMs`, one after another. */
function everyGap(gapMs: number, total: number, at: readonly number[]): ProgressSample[] {
  return at.map((elapsedMs) => ({
    elapsedMs,
    completed: Math.min(total, Math.floor(elapsedMs / gapMs)),
    total,
  }));
}

/** A spread of situations the schedule can be asked about. */
function situations() {
  const cases: Array<{
    name: string;
    elapsedMs: number;
    forecast: Forecast | undefined;
    progress: ProgressSample[];
  }> = [];
  const forecasts = [undefined, 1, 3_000, 60_000, 258_000, HOUR].flatMap((ms) =>
    // A tight history (4 %) as well as the fallback's 20 %.
    ms === undefined ? [undefined] : [forecast(ms), forecast(ms, 0.04)],
  );
  for (const f of forecasts) {
    for (const elapsedMs of [0, 400, 2_000, 30_000, 250_000, 2 * HOUR]) {
      for (const [label, progress] of [
        ['no progress', []],
        ['steady', steady(300_000, 40, [elapsedMs / 3, elapsedMs / 2, elapsedMs])],
        ['all done', [{ elapsedMs, completed: 12, total: 12 }]],
        [
          'stalled',
          [
            { elapsedMs: 0, completed: 5, total: 10 },
            { elapsedMs, completed: 5, total: 10 },
          ],
        ],
        ['empty run', [{ elapsedMs, completed: 0, total: 0 }]],
        [
          'steady, one document left',
          everyGap(
            elapsedMs / 11.5,
            12,
            [0.3, 0.45, 0.6, 0.75, 0.9, 1].map((x) => x * elapsedMs),
          ),
        ],
      ] as const) {
        cases.push({
          name: `forecast ${f?.durationMs}±${f?.spreadMs}, elapsed ${elapsedMs}, ${label}`,
          elapsedMs,
          forecast: f,
          progress: [...progress],
        });
      }
    }
  }
  return cases;
}

describe('nextPollDelay', () => {
  test('never polls sooner than the floor while the timeout is further away', () => {
    for (const c of situations()) {
      for (const polls of [undefined, 0, 50]) {
        const delay = nextPollDelay({ ...c, remainingMs: HOUR, polls });
        expect(delay, c.name).toBeGreaterThanOrEqual(POLL_FLOOR_MS);
        expect(delay, c.name).toBeLessThanOrEqual(POLL_CEILING_MS);
        expect(Number.isInteger(delay), c.name).toBe(true);
      }
    }
  });

  test('never waits past the timeout: the last poll lands on it', () => {
    for (const c of situations()) {
      for (const remainingMs of [0, 1, 300, POLL_FLOOR_MS, 1_999, 20_000]) {
        const delay = nextPollDelay({ ...c, remainingMs });
        expect(delay, `${c.name}, ${remainingMs} ms left`).toBeLessThanOrEqual(remainingMs);
        expect(delay).toBeGreaterThanOrEqual(Math.min(POLL_FLOOR_MS, remainingMs));
      }
    }
  });

  test('first run, nothing seen yet: the SDK fixed 2 s', () => {
    for (const elapsedMs of [0, 1_000, 60_000, HOUR]) {
      expect(nextPollDelay({ elapsedMs, forecast: undefined, remainingMs: HOUR })).toBe(
        FIXED_POLL_MS,
      );
      expect(
        nextPollDelay({
          elapsedMs,
          forecast: forecast(0),
          remainingMs: HOUR,
          progress: [],
          polls: 0,
        }),
      ).toBeGreaterThanOrEqual(FIXED_POLL_MS);
    }
  });

  test('first run: never more polls than the fixed 2 s poll would have made by then', () => {
    // A long run whose documents finish at a steady pace: the schedule may poll densely at
    // the end only with polls it saved earlier.
    for (const endMs of [5_000, 31_000, 240_000, 1_500_000]) {
      const total = 20;
      const progress: ProgressSample[] = [];
      let elapsedMs = 0;
      let polls = 0;
      while (elapsedMs < endMs) {
        elapsedMs += nextPollDelay({
          elapsedMs,
          forecast: undefined,
          remainingMs: 2 * HOUR,
          progress,
          polls,
        });
        polls += 1;
        expect(polls, `run of ${endMs} ms at ${elapsedMs} ms`).toBeLessThanOrEqual(
          Math.floor(elapsedMs / FIXED_POLL_MS),
        );
        progress.push(...steady(endMs, total, [elapsedMs]));
      }
    }
  });

  test('sparse while the forecast end is far, dense around it', () => {
    const at = (elapsedMs: number) =>
      nextPollDelay({ elapsedMs, forecast: forecast(600_000), remainingMs: HOUR });
    expect(at(0)).toBe(POLL_CEILING_MS);
    expect(at(300_000)).toBeGreaterThan(FIXED_POLL_MS);
    // Around the forecast, with nothing else known, no sparser than the fixed poll.
    for (const elapsedMs of [500_000, 600_000, 700_000]) {
      expect(at(elapsedMs)).toBeLessThanOrEqual(FIXED_POLL_MS);
    }
    // Delays shrink as the window nears.
    const approach = [0, 200_000, 300_000, 350_000, 400_000, 420_000].map(at);
    for (let i = 1; i < approach.length; i++) {
      expect(approach[i]).toBeLessThanOrEqual(approach[i - 1]!);
    }
  });

  test('progress moves the dense window to where the documents say the run ends', () => {
    // Forecast 10 min, but 90 of 100 documents were done after 90 s: the end is near.
    const progress = steady(100_000, 100, [30_000, 60_000, 90_000]);
    const withProgress = nextPollDelay({
      elapsedMs: 90_000,
      forecast: forecast(600_000),
      remainingMs: HOUR,
      progress,
    });
    const forecastOnly = nextPollDelay({
      elapsedMs: 90_000,
      forecast: forecast(600_000),
      remainingMs: HOUR,
    });
    // The end is about 10 s away: the next poll lands before the dense window opens, ...
    expect(90_000 + withProgress).toBeLessThan(96_000);
    // ... and inside it polls are no sparser than the fixed poll.
    expect(
      nextPollDelay({
        elapsedMs: 96_000,
        forecast: forecast(600_000),
        remainingMs: HOUR,
        progress,
      }),
    ).toBeLessThanOrEqual(FIXED_POLL_MS);
    expect(forecastOnly).toBe(POLL_CEILING_MS);
    // Every document done: the run is being finalised, poll at the floor.
    const allDone = [...progress, { elapsedMs: 100_500, completed: 100, total: 100 }];
    expect(
      nextPollDelay({
        elapsedMs: 100_500,
        forecast: forecast(600_000),
        remainingMs: HOUR,
        progress: allDone,
      }),
    ).toBe(POLL_FLOOR_MS);
  });

  test.each([
    {
      name: 'forecast only',
      forecast: forecast(120_000),
      progress: [] as ProgressSample[],
      from: 160_000,
    },
    {
      name: 'a tight forecast only',
      forecast: forecast(120_000, 0.04),
      progress: [] as ProgressSample[],
      from: 130_000,
    },
    {
      name: 'every document done, never marked completed',
      forecast: forecast(120_000),
      progress: [{ elapsedMs: 100_000, completed: 8, total: 8 }],
      from: 103_000,
    },
    {
      name: 'a steady pace whose last document never comes',
      forecast: forecast(240_000, 0.04),
      progress: everyGap(20_000, 12, [100_000, 150_000, 180_000, 200_000, 215_000, 222_000]),
      from: 250_000,
    },
    {
      name: 'first run, stalled documents',
      forecast: undefined,
      progress: [
        { elapsedMs: 10_000, completed: 2, total: 10 },
        { elapsedMs: 20_000, completed: 4, total: 10 },
      ],
      from: 90_000,
    },
  ])(
    'backs off monotonically once the estimate is overrun: $name',
    ({ forecast, progress, from }) => {
      let previous = 0;
      const delays: number[] = [];
      for (let elapsedMs = from; elapsedMs < 3 * HOUR; elapsedMs += 997) {
        const delay = nextPollDelay({ elapsedMs, forecast, remainingMs: 6 * HOUR, progress });
        expect(delay, `at ${elapsedMs} ms`).toBeGreaterThanOrEqual(previous);
        previous = delay;
        delays.push(delay);
      }
      expect(delays[delays.length - 1]).toBe(OVERRUN_CEILING_MS);
      expect(delays[delays.length - 1]).toBeGreaterThan(delays[0]!);
    },
  );
});

describe('estimateEnd', () => {
  test('nothing known: no estimate', () => {
    expect(estimateEnd(undefined, [])).toBeUndefined();
    expect(estimateEnd(undefined, [{ elapsedMs: 5_000, completed: 0, total: 10 }])).toBeUndefined();
  });

  test('a steady pace finds the end, and more documents sharpen it', () => {
    const early = estimateEnd(undefined, steady(200_000, 400, [20_000, 40_000]))!;
    const late = estimateEnd(undefined, steady(200_000, 400, [20_000, 90_000, 180_000]))!;
    expect(Math.abs(early.endMs - 200_000)).toBeLessThan(2 * early.spreadMs);
    expect(Math.abs(late.endMs - 200_000)).toBeLessThan(2_000);
    expect(late.spreadMs).toBeLessThan(early.spreadMs / 5);
  });

  test('the forecast and the pace are weighed by their precision', () => {
    const alone = estimateEnd(forecast(300_000), [])!;
    expect(alone).toEqual({ endMs: 300_000, spreadMs: 60_000 });
    const both = estimateEnd(forecast(300_000), steady(250_000, 100, [100_000, 200_000]))!;
    expect(both.endMs).toBeGreaterThan(249_000);
    expect(both.endMs).toBeLessThan(270_000);
    expect(both.spreadMs).toBeLessThan(alone.spreadMs);
    // A tight forecast weighs more than a loose one against the same pace.
    const tight = estimateEnd(forecast(300_000, 0.04), steady(250_000, 100, [100_000, 200_000]))!;
    expect(tight.endMs).toBeGreaterThan(both.endMs);
    expect(tight.spreadMs).toBeLessThan(both.spreadMs);
  });

  test('keepUsefulSamples drops only what can no longer change the estimate', () => {
    const samples = steady(
      600_000,
      50,
      [10_000, 20_000, 40_000, 80_000, 100_000, 150_000, 200_000],
    );
    const before = estimateEnd(undefined, samples);
    keepUsefulSamples(samples);
    expect(samples.length).toBeLessThan(7);
    expect(estimateEnd(undefined, samples)).toEqual(before);
  });
});

describe('a steady pace near the end', () => {
  // 12 documents, one every 20 s: the 11th at 220 s, the run ends with the 12th at 240 s.
  const polls = [100_000, 150_000, 180_000, 200_000, 215_000, 222_000];
  const tight = forecast(240_000, 0.04);

  test.each([
    {
      name: 'one left, runs that take the same time each time: the end within seconds',
      forecast: tight,
      progress: everyGap(20_000, 12, polls),
      steadyEnd: true,
    },
    {
      name: 'two left: still the steady pace',
      forecast: tight,
      progress: everyGap(20_000, 12, polls.slice(0, -1)),
      steadyEnd: true,
    },
    {
      name: 'three left: the documents’ own pace, whose spread counts the randomness left',
      forecast: tight,
      progress: everyGap(20_000, 12, [100_000, 150_000, 180_000, 195_000]),
      steadyEnd: false,
    },
    {
      name: 'one run of history (20 %) says nothing of how steady the documents are',
      forecast: forecast(240_000),
      progress: everyGap(20_000, 12, polls),
      steadyEnd: false,
    },
    {
      name: 'a first run: no forecast, so never more polls than the fixed poll',
      forecast: undefined,
      progress: everyGap(20_000, 12, polls),
      steadyEnd: false,
    },
    {
      name: 'counts no constant pace explains (8 documents in 40 s after 2 in 100 s)',
      forecast: tight,
      progress: [
        { elapsedMs: 100_000, completed: 2, total: 12 },
        { elapsedMs: 150_000, completed: 3, total: 12 },
        { elapsedMs: 180_000, completed: 6, total: 12 },
        { elapsedMs: 200_000, completed: 9, total: 12 },
        { elapsedMs: 222_000, completed: 11, total: 12 },
      ],
      steadyEnd: false,
    },
    {
      name: 'the steady end came and went: the pace was not steady after all',
      forecast: tight,
      progress: [...everyGap(20_000, 12, polls), { elapsedMs: 270_000, completed: 11, total: 12 }],
      steadyEnd: false,
    },
  ])('$name', ({ forecast, progress, steadyEnd }) => {
    const estimate = estimateEnd(forecast, progress)!;
    // The forecast alone says 240 ± 9.6 s; the steady pace, one gap's 15 % and where in its
    // interval the last count changed: a few seconds.
    if (steadyEnd) {
      expect(Math.abs(estimate.endMs - 240_000)).toBeLessThan(estimate.spreadMs);
      expect(estimate.spreadMs).toBeLessThan(7_000);
      expect(estimate.longestWaitMs).toBeDefined();
    } else {
      expect(estimate.spreadMs).toBeGreaterThan(7_000);
      expect(estimate.longestWaitMs).toBeUndefined();
    }
  });

  test('polls densely around the steady end, and never waits past a random last gap’s interval', () => {
    const progress = everyGap(20_000, 12, polls);
    const at = (elapsedMs: number, f: Forecast) =>
      nextPollDelay({ elapsedMs, forecast: f, remainingMs: HOUR, progress });
    // At the end the steady pace polls more densely than the forecast alone, or than one run's.
    expect(at(240_000, tight)).toBeLessThan(at(240_000, forecast(240_000)));
    expect(at(240_000, tight)).toBeLessThan(FIXED_POLL_MS / 2);
    // Right after the 11th document the window is still ahead: a sparser poll, yet no longer
    // than a 30 % chance of a random last gap (mean 20 s) allows, √(2 · 60 ms · 20 s ÷ 0.3).
    const first = at(222_000, tight);
    expect(first).toBeGreaterThan(FIXED_POLL_MS);
    expect(first).toBeLessThan(3_000);
  });
});

describe('the price of a poll in a steady window', () => {
  // The same runs at three paces: one document every 5, 20 and 60 s, the 11th just seen.
  test.each([
    { gapMs: 5_000, delayMs: POLL_FLOOR_MS },
    { gapMs: 20_000, delayMs: 528 },
    { gapMs: 60_000, delayMs: 914 },
  ])('a gap of $gapMs ms: $delayMs ms between polls at the end', ({ gapMs, delayMs }) => {
    const progress = everyGap(
      gapMs,
      12,
      [5, 7.5, 9, 10, 10.75, 11.1].map((x) => x * gapMs),
    );
    const tight = forecast(12 * gapMs, 0.04);
    const estimate = estimateEnd(tight, progress)!;
    const at = nextPollDelay({
      elapsedMs: estimate.endMs,
      forecast: tight,
      remainingMs: HOUR,
      progress,
    });
    expect(at).toBe(delayMs);
    // Half the usual 60 ms: its window is narrow, so the extra polls are few. Never below the floor.
    expect(at).toBe(Math.max(POLL_FLOOR_MS, Math.round(Math.sqrt(2.5 * 30 * estimate.spreadMs))));
    // A forecast alone as sure as the steady pace would still poll at the usual price.
    const alone = { durationMs: estimate.endMs, spreadMs: estimate.spreadMs };
    const usual = nextPollDelay({ elapsedMs: estimate.endMs, forecast: alone, remainingMs: HOUR });
    expect(usual).toBe(
      Math.max(POLL_FLOOR_MS, Math.round(Math.sqrt(2.5 * 60 * estimate.spreadMs))),
    );
  });
});

describe('hintsAtSteadyPace', () => {
  test.each([
    { spread: 0.04, documents: 12, hint: true },
    // 12 documents whose gaps vary by 50 % make runs that vary by 14 %.
    { spread: 0.14, documents: 12, hint: true },
    { spread: 0.15, documents: 12, hint: false },
    // One run of history gives 20 %: it says nothing of how runs vary, whatever the count.
    { spread: 0.2, documents: 5, hint: false },
    { spread: 0.2, documents: 4, hint: false },
    // Many documents: runs vary little even when the documents finish at random.
    { spread: 0.04, documents: 400, hint: false },
  ])('a spread of $spread with $documents documents: $hint', ({ spread, documents, hint }) => {
    expect(hintsAtSteadyPace(forecast(100_000, spread), documents)).toBe(hint);
  });
});
