// The start-up (src/index.ts, src/head-start.ts): the first request to Retab leaves before the
// toolkit, zod and the report load, and nothing that happens meanwhile escapes the mask.
// bench/ measures the time it saves; these tests keep the design from eroding.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULT_ENTRY } from '../harness/run-action.ts';
import {
  closeFakes,
  gate,
  next,
  BASE,
  CURRENT_RUNS_PATH,
  RUNS_PATH,
  scenario,
  startFakes,
} from './setup.ts';

afterEach(closeFakes);

describe('start-up', () => {
  test('the bundle the runner starts holds neither the toolkit nor zod: they load after the first request', async () => {
    const entry = await readFile(DEFAULT_ENTRY, 'utf8');
    // Strings each library carries and minifying keeps.
    const markers = {
      '@actions/core': 'add-mask',
      '@actions/github (Octokit)': 'octokit-core.js',
      zod: 'ZodError',
      "undici's fetch": 'fetch failed',
    };
    for (const [library, marker] of Object.entries(markers)) {
      expect(entry.includes(marker), `${library} is in dist/index.js`).toBe(false);
    }
  });

  test('the first request is the history read, sent before any to GitHub; its retry is logged after the mask', async (ctx) => {
    const fakes = await startFakes(
      ctx,
      scenario({ next: next(BASE), faults: { firstRequestStatus: 503 } }),
    );
    const run = await gate(ctx, fakes); // checks that the key is masked before any other line
    expect(run.outputs.verdict).toBe('pass');
    // The history is read on both APIs' lists at once (the answers say which the server speaks).
    const [first] = fakes.retab.requests;
    expect([RUNS_PATH, CURRENT_RUNS_PATH]).toContain(first?.path);
    const sent = (path: string) => fakes.retab.requests.filter((r) => r.path === path).length;
    expect(Math.max(sent(RUNS_PATH), sent(CURRENT_RUNS_PATH))).toBe(2); // the 503, then its retry
    expect(first!.at).toBeLessThanOrEqual(fakes.github.requests[0]?.at ?? Infinity);
    expect(run.stdout).toMatch(/GET \/v1\/workflows\/\S*runs failed: HTTP 503 .*retrying in/);
  });
});
