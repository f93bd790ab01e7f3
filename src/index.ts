import { headStart } from './head-start.js';

// Two steps, so that the first request to Retab does not wait for the whole action to load:
// the head start reads the inputs and sends it; the rest (the toolkit, the verdict, the report)
// loads while it is on the wire. bench/ measures the start (bench/RESULTS.md, "Start-up").
void (async () => {
  const head = await headStart();
  try {
    const { run } = await import('./main.js');
    await run(head);
  } catch (error) {
    // run() reports every failure of the gate itself; this is a runner the action cannot write
    // to (an unwritable GITHUB_OUTPUT): stop, and fail the step saying why, in the runner's format.
    head.abort.abort();
    process.exitCode = 1;
    process.stdout.write(`::error::experiment-gate could not run: ${String(error)}\n`);
  }
})();
