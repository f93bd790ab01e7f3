import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The e2e tests mostly wait (on child processes, fakes, polls), so more files at once than
    // the default of one worker per CPU but one: at least 3, even on a 2-CPU machine.
    maxWorkers: Math.max(3, availableParallelism()),
    // Time limits catch a test that hangs; they never judge speed. A test that takes a second
    // alone may take twenty on a busy shared machine, so they are far beyond that (vitest's
    // default of 5 s is not).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          // The files of a worker share its modules instead of importing them afresh each: half
          // the suite's CPU time. Safe because the code under test keeps no state between calls
          // (each test makes its own fakes, clock and settings); a test that sets the process's
          // environment undoes it when it ends.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Never a stale bundle: dist/ is rebuilt first when src/ is newer.
          globalSetup: ['test/e2e/build-if-stale.ts'],
          // Above the harness's own limit on one run of the action (test/harness/run-action.ts),
          // which says what the process printed; a test may run the action twice.
          testTimeout: 300_000,
        },
      },
    ],
  },
});
