// The waiting schedule, measured for real: the action's Retab client and wait loop against the
// local fake Retab, beside a loop that polls the job every 2 s like the SDK's
// wait_for_completion. All jobs run at once; each job and policy has its own fake server.
import { createRetabClient } from '../src/retab/client.ts';
import { startedFromTrigger } from '../src/retab/records.ts';
import { FIXED_POLL_MS } from '../src/retab/schedule.ts';
import { waitForRun } from '../src/retab/wait.ts';
import { startFakeRetab, type FakeRetab } from '../test/fakes/retab.ts';
import { constantScores, invoiceDocuments } from '../test/fakes/scenarios.ts';
import type { Job } from './jobs.ts';
import type { PolicyResult } from './simulate.ts';

export type LivePolicy = 'adaptive' | 'first-run' | 'fixed';

const TRIGGER_PATH = '/v1/workflows/wf_bench/experiments/exp_bench/run';

async function startFake(job: Job, latencyMs: number): Promise<FakeRetab> {
  const documents = invoiceDocuments(job.documents);
  const scores = constantScores(documents, 0.9);
  return startFakeRetab({
    apiKey: 'bench-key',
    workflowId: 'wf_bench',
    experimentId: 'exp_bench',
    documents,
    history: [],
    next: {
      definitionFingerprint: 'fp_bench',
      scores,
      jobDurationMs: job.durationMs,
      documentDoneAtMs: job.documentDoneAtMs,
    },
    latencyMs,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function measure(job: Job, policy: LivePolicy, latencyMs: number): Promise<PolicyResult> {
  const fake = await startFake(job, latencyMs);
  try {
    const client = createRetabClient({ baseUrl: fake.url, apiKey: 'bench-key', dialect: 'older' });
    const startedAt = Date.now();
    const trigger = startedFromTrigger(
      await client.triggerRun('wf_bench', 'exp_bench', {
        nConsensus: undefined,
        retryFailedOnly: false,
        idempotencyKey: `bench-${policy}`,
      }),
    );
    if (policy === 'fixed') {
      for (;;) {
        await sleep(FIXED_POLL_MS);
        const polled = await client.getJob(trigger.jobId);
        if (polled === 'gone') throw new Error('the fake lost the job');
        if (['completed', 'failed', 'cancelled', 'expired'].includes(polled.status)) break;
      }
    } else {
      const outcome = await waitForRun(
        { client, now: Date.now, sleep, log: () => undefined },
        {
          jobId: trigger.jobId,
          runId: trigger.runId,
          startedAt,
          timeoutMs: Math.max(120_000, 3 * job.durationMs),
          forecast: policy === 'adaptive' ? job.forecast : undefined,
        },
      );
      if (outcome.status !== 'completed') throw new Error(`run ended ${outcome.status}`);
    }
    const seenAt = Date.now();
    const triggeredAt = fake.requests.find((r) => r.path === TRIGGER_PATH)?.at ?? startedAt;
    const statusRequests = fake.requests.filter((r) => r.method === 'GET').length;
    return { latencyMs: seenAt - (triggeredAt + job.durationMs), requests: statusRequests };
  } finally {
    await fake.close();
  }
}

/** Every job under every policy, all at once: about as long as the longest job. */
export async function measureLive(
  jobs: readonly Job[],
  policies: readonly LivePolicy[],
  latencyMs: number,
): Promise<Record<LivePolicy, PolicyResult[]>> {
  const runs = policies.map((policy) =>
    Promise.all(jobs.map((job) => measure(job, policy, latencyMs))),
  );
  const results = await Promise.all(runs);
  const byPolicy = {} as Record<LivePolicy, PolicyResult[]>;
  policies.forEach((policy, i) => {
    byPolicy[policy] = results[i] ?? [];
  });
  return byPolicy;
}
