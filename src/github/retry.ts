import { abortableSleep, DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from '../retry.js';
import type { Octokit } from './comment.js';

export interface GitHubRetryOptions {
  policy?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onRetry?: (message: string) => void;
}

interface RequestFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/**
 * Retries GitHub's server errors and rate limits (primary 429, secondary 403 with Retry-After
 * or its message). A comment creation is repeated only when GitHub said it did nothing (rate
 * limits), so a lost answer cannot post the comment twice.
 */
export function retryGitHubRequests(octokit: Octokit, options: GitHubRetryOptions = {}): void {
  const policy = options.policy ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  octokit.hook.wrap('request', async (request, route) => {
    const started = now();
    const repeatable = route.method !== 'POST' || route.url === '/graphql';
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(route);
      } catch (error) {
        const failure = error as RequestFailure;
        const status = failure.status ?? 0;
        const retryAfter = failure.response?.headers?.['retry-after'];
        const rateLimited =
          status === 429 ||
          (status === 403 &&
            (retryAfter !== undefined || /secondary rate limit/i.test(failure.message ?? '')));
        const retryable = rateLimited || (repeatable && (status >= 500 || status === 0));
        const delay = retryable
          ? retryDelayMs({
              attempt,
              retryAfter: retryAfter === undefined ? undefined : String(retryAfter),
              elapsedMs: now() - started,
              policy,
              random: options.random ?? Math.random,
              now: now(),
            })
          : undefined;
        if (delay === undefined) throw error;
        options.onRetry?.(
          `GitHub ${route.method} ${route.url} failed (HTTP ${status || 'no answer'}); retrying in ${(delay / 1000).toFixed(1)} s`,
        );
        await sleep(delay);
      }
    }
  });
}
