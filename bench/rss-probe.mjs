// Preloaded into the action's process by the benchmark (NODE_OPTIONS=--import): writes the
// process's peak resident set size, in kilobytes, to $BENCH_RSS_FILE when it exits.
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const out = process.env.BENCH_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
