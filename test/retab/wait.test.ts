import { describe, expect, test } from 'vitest';
import type { Forecast } from '../../src/gate/forecast.js';
import { RetabApiError } from '../../src/retab/client.js';
import { FIXED_POLL_MS } from '../../src/retab/schedule.js';
import type { Job, Run } from '../../src/retab/schemas.js';
import { waitForRun, type WaitDeps } from '../../src/retab/wait.js';

const HOUR = 3_600_000;

// The wait loop, on a virtual clock.

interface FakeRunPlan {
  endMs: number;
  total: number;
  /** Lifecycle status at the end. */
  end?: 'completed' | 'error' | 'cancelled';
  job?: Job | 'gone';
  runGone?: boolean;
  /** How long each answer takes: the server reads the run when the request arrives. */
  answerMs?: number;
}

function virtualWait(plan: FakeRunPlan) {
  let now = 1_000_000;
  const startedAt = now;
  const calls: string[] = [];
  const logs: string[] = [];
  const runAt = (): Run => {
    const elapsed = now - startedAt;
    const done = elapsed >= plan.endMs;
    return {
      id: 'exprun_1',
      lifecycle: { status: done ? (plan.end ?? 'completed') : 'running' },
      total_document_count: plan.total,
      completed_document_count: done ? plan.total : Math.floor((plan.total * elapsed) / plan.endMs),
    } as Run;
  };
  const deps: WaitDeps = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    log: (message) => logs.push(`${now - startedAt}: ${message}`),
    client: {
      getRun: async () => {
        calls.push(`run@${now - startedAt}`);
        if (plan.runGone) {
          throw new RetabApiError('not found', 'GET run', 404, 'req_1', 'http');
        }
        const run = runAt();
        now += plan.answerMs ?? 0;
        return run;
      },
      getJob: async () => {
        calls.push(`job@${now - startedAt}`);
        if (plan.job !== undefined) return plan.job;
        const elapsed = now - startedAt;
        return { id: 'job_1', status: elapsed >= plan.endMs ? 'completed' : 'in_progress' };
      },
    },
  };
  return { deps, calls, logs, startedAt, elapsed: () => now - startedAt };
}

describe('waitForRun', () => {
  test('polls the run, returns its progress, logs at most every 15 s', async () => {
    const v = virtualWait({ endMs: 240_000, total: 12 });
    const outcome = await waitForRun(v.deps, {
      jobId: 'job_1',
      runId: 'exprun_1',
      startedAt: v.startedAt,
      timeoutMs: HOUR,
      forecast: { durationMs: 258_000, spreadMs: 51_600 },
    });
    expect(outcome).toMatchObject({
      status: 'completed',
      message: undefined,
      progress: { completed: 12, total: 12 },
      // The completed run as the last poll saw it: the caller need not read it again.
      run: { id: 'exprun_1', lifecycle: { status: 'completed' } },
    });
    expect(v.calls.every((c) => c.startsWith('run@'))).toBe(true);
    // Far fewer polls than the fixed 2 s poll (120), and the end seen within 2 s.
    expect(v.calls.length).toBeLessThan(60);
    expect(v.elapsed() - 240_000).toBeLessThanOrEqual(FIXED_POLL_MS);
    const times = v.logs.map((line) => Number(line.split(':')[0]));
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(15_000);
    }
    expect(v.logs.length).toBeGreaterThan(0);
    expect(v.logs[0]).toMatch(/Waiting: \d+\/12 documents done after \d+ s/);
  });

  test('recent runs that took the same time, documents at a steady pace: the end seen sooner, in fewer polls', async () => {
    // The seed's shape: 12 documents counted up steadily, each run completed with its last one,
    // recent runs 236 ± 4 s. Against one run of history (a 20 % spread), on the same clock.
    const wait = async (spreadMs: number) => {
      let polls = 0;
      let latencyMs = 0;
      for (const endMs of [221_300, 228_700, 233_100, 236_000, 239_900, 244_400, 251_700]) {
        const v = virtualWait({ endMs, total: 12 });
        await waitForRun(v.deps, {
          jobId: 'job_1',
          runId: 'exprun_1',
          startedAt: v.startedAt,
          timeoutMs: HOUR,
          forecast: { durationMs: 236_000, spreadMs },
        });
        polls += v.calls.length;
        latencyMs += v.elapsed() - endMs;
      }
      return { polls: polls / 7, latencyMs: latencyMs / 7 };
    };
    const tight = await wait(9_400);
    const loose = await wait(47_200);
    expect(tight.latencyMs).toBeLessThan(loose.latencyMs);
    expect(tight.polls).toBeLessThan(loose.polls);
    // The fixed 2 s poll: about 118 polls, a second late on average.
    expect(tight.polls).toBeLessThan(0.4 * 118);
    expect(tight.latencyMs).toBeLessThan(0.4 * 1_000);
  });

  // Answers that take time: the server reads the run when the request reaches it.
  const timedWait = async (plan: FakeRunPlan, forecast: Forecast | undefined) => {
    const v = virtualWait(plan);
    await waitForRun(v.deps, {
      jobId: 'job_1',
      runId: 'exprun_1',
      startedAt: v.startedAt,
      timeoutMs: HOUR,
      forecast,
    });
    return { sentAt: v.calls.map((c) => Number(c.split('@')[1])), elapsed: v.elapsed() };
  };

  test.each([{ answerMs: 25 }, { answerMs: 300 }])(
    'answers that take $answerMs ms: the polls leave when the schedule says, as with instant ones',
    async ({ answerMs }) => {
      // The seed's shape, tight recent runs: the schedule goes dense near the end. Its clock is
      // each poll's send, so waiting on the answer neither delays the next poll nor ages the counts.
      const forecast = { durationMs: 236_000, spreadMs: 9_400 };
      const instant = await timedWait({ endMs: 233_100, total: 12 }, forecast);
      const slow = await timedWait({ endMs: 233_100, total: 12, answerMs }, forecast);
      expect(slow.sentAt).toEqual(instant.sentAt);
      expect(slow.elapsed).toBe(instant.elapsed + answerMs);
    },
  );

  test('a first run keeps the SDK’s rhythm: 2 s after each answer, however long it took', async () => {
    // One document: no pace to read before the end, so the SDK's fixed 2 s throughout.
    const { sentAt } = await timedWait({ endMs: 20_000, total: 1, answerMs: 300 }, undefined);
    expect(sentAt.length).toBeGreaterThan(3);
    for (let i = 1; i < sentAt.length; i++) {
      expect(sentAt[i]! - sentAt[i - 1]!).toBe(FIXED_POLL_MS + 300);
    }
  });

  test.each([
    {
      name: 'a failed run: the job names why',
      plan: {
        endMs: 5_000,
        total: 3,
        end: 'error' as const,
        job: {
          id: 'job_1',
          status: 'failed',
          error: { code: 'x', message: 'Model quota exceeded' },
        },
      },
      want: { status: 'failed', message: 'Model quota exceeded' },
    },
    {
      name: 'a failed run whose job is gone: the run status alone',
      plan: { endMs: 5_000, total: 3, end: 'error' as const, job: 'gone' as const },
      want: { status: 'failed', message: undefined },
    },
    {
      name: 'an expired job behind a cancelled run',
      plan: {
        endMs: 5_000,
        total: 3,
        end: 'cancelled' as const,
        job: { id: 'job_1', status: 'expired', error: null },
      },
      want: { status: 'expired', message: undefined },
    },
  ])('$name', async ({ plan, want }) => {
    const v = virtualWait(plan);
    const outcome = await waitForRun(v.deps, {
      jobId: 'job_1',
      runId: 'exprun_1',
      startedAt: v.startedAt,
      timeoutMs: HOUR,
      forecast: { durationMs: 5_000, spreadMs: 1_000 },
    });
    expect(outcome).toMatchObject(want);
    expect(v.calls.filter((c) => c.startsWith('job@'))).toHaveLength(1);
  });

  test('a run the API does not serve: waits on the job instead', async () => {
    const v = virtualWait({ endMs: 8_000, total: 3, runGone: true });
    const outcome = await waitForRun(v.deps, {
      jobId: 'job_1',
      runId: 'exprun_1',
      startedAt: v.startedAt,
      timeoutMs: HOUR,
      forecast: { durationMs: 8_000, spreadMs: 1_600 },
    });
    expect(outcome.status).toBe('completed');
    expect(v.calls.filter((c) => c.startsWith('run@'))).toHaveLength(1);
    expect(v.logs.join('\n')).toContain('waiting on job job_1');
  });

  test.each([{ answerMs: 0 }, { answerMs: 300 }])(
    'times out at the timeout, not later (answers in $answerMs ms)',
    async ({ answerMs }) => {
      const v = virtualWait({ endMs: HOUR, total: 10, answerMs });
      const outcome = await waitForRun(v.deps, {
        jobId: 'job_1',
        runId: 'exprun_1',
        startedAt: v.startedAt,
        timeoutMs: 61_000,
        forecast: { durationMs: 30_000, spreadMs: 6_000 },
      });
      expect(outcome.status).toBe('timeout');
      expect(outcome.progress?.total).toBe(10);
      // The last poll leaves at the timeout; its answer is the only thing later.
      expect(v.calls.at(-1)).toBe('run@61000');
      expect(v.elapsed()).toBe(61_000 + answerMs);
    },
  );

  test('stops when aborted', async () => {
    const v = virtualWait({ endMs: HOUR, total: 10 });
    const abort = new AbortController();
    const sleep = v.deps.sleep;
    v.deps.sleep = async (ms, signal) => {
      await sleep(ms, signal);
      if (v.elapsed() > 20_000) abort.abort();
    };
    const outcome = await waitForRun(
      { ...v.deps, signal: abort.signal },
      {
        jobId: 'job_1',
        runId: 'exprun_1',
        startedAt: v.startedAt,
        timeoutMs: HOUR,
        forecast: undefined,
      },
    );
    expect(outcome.status).toBe('aborted');
  });
});
