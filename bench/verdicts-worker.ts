// A worker of bench/verdicts.ts: simulates the chunks of run pairs it is sent, one at a time.
import { parentPort } from 'node:worker_threads';
import { resolveTsSiblings } from './resolve-ts.ts';
import type { Chunk } from './verdicts.ts';

resolveTsSiblings();
const { simulateChunk } = await import('./verdicts.ts');

parentPort?.on('message', (chunk: Chunk) => {
  parentPort?.postMessage(simulateChunk(chunk));
});
