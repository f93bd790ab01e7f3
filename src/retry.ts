/** The retry policy shared by the Retab client and the GitHub client. Pure. */

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts once this much time has gone by since the first try. */
  budgetMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  budgetMs: 90_000,
};

/**
 * When to try again, or undefined to give up. Exponential back-off with jitter (half fixed, half random),
 * stretched to honour Retry-After (seconds or an HTTP date), within the policy's caps.
 */
export function retryDelayMs(input: {
  attempt: number;
  retryAfter: string | undefined;
  elapsedMs: number;
  policy: RetryPolicy;
  random: () => number;
  now: number;
}): number | undefined {
  const { attempt, policy } = input;
  if (attempt >= policy.attempts) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  let delay = Math.round(ceiling / 2 + (input.random() * ceiling) / 2);
  const asked = parseRetryAfter(input.retryAfter, input.now);
  if (asked !== undefined) delay = Math.max(delay, Math.min(asked, policy.maxDelayMs * 4));
  if (input.elapsedMs + delay > policy.budgetMs) return undefined;
  return delay;
}

export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms`, or less when `signal` aborts: the one sleep of the action. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
