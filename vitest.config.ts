import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The e2e tests mostly wait (on child processes, fakes, polls), so more files at once than
    // the default of one worker per CPU but one: at least 3, even on a 2-CPU machine.
    maxWorkers: Math.max(3, availableParallelism()),
    projects: [
      { test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Never a stale bundle: dist/ is rebuilt first when src/ is newer.
          globalSetup: ['test/e2e/build-if-stale.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
