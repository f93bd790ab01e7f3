import { headStart } from './head-start.js';

// Two steps, so that the first request to Retab does not wait for the whole action to load:
// the head start reads the inputs and sends it; the rest (the toolkit, the verdict, the report)
// loads while it is on the wire. bench/ measures the start (bench/RESULTS.md, "Start-up").
void (async () => {
  const head = await headStart();
  const { run } = await import('./main.js');
  await run(head);
})();
