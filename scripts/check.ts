// `npm test`: every check a contributor and CI run, in order, each followed by its time, then one
// line that counts them: each vitest test counts as one, each other check (format, lint, types,
// docs, dist, examples) as one.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Tally {
  passed: number;
  failed: number;
}

const tally: Tally = { passed: 0, failed: 0 };
const failures: string[] = [];
const bin = (name: string) => join('node_modules', '.bin', name);

/** Runs one step; prints its time when it ends. */
function run(name: string, command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('close', (code) => {
      console.log(`── ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      resolve(code ?? 1);
    });
  });
}

async function check(name: string, command: string, args: string[]): Promise<void> {
  console.log(`\n── ${name}`);
  const code = await run(name, command, args);
  if (code === 0) tally.passed++;
  else {
    tally.failed++;
    failures.push(name);
  }
}

async function tests(project: 'unit' | 'e2e'): Promise<void> {
  console.log(`\n── ${project} tests`);
  const dir = await mkdtemp(join(tmpdir(), 'vitest-'));
  const out = join(dir, 'results.json');
  const code = await run(`${project} tests`, process.execPath, [
    bin('vitest'),
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  try {
    const results = JSON.parse(await readFile(out, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numTotalTests: number;
    };
    tally.passed += results.numPassedTests;
    tally.failed += results.numFailedTests;
    if (results.numFailedTests > 0 || code !== 0) failures.push(`${project} tests`);
    if (code !== 0 && results.numFailedTests === 0) tally.failed++; // e.g. a suite that failed to load
    if (results.numTotalTests === 0) {
      tally.failed++;
      failures.push(`${project} tests: none ran`);
    }
  } catch {
    tally.failed++;
    failures.push(`${project} tests (no results)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await check('format', process.execPath, [bin('prettier'), '--check', '.']);
await check('lint', process.execPath, [bin('eslint'), '.']);
await check('types', process.execPath, [bin('tsc'), '--noEmit', '-p', '.']);
await check('docs', process.execPath, ['scripts/gen-docs.ts', '--check']);
await tests('unit');
await check('dist', process.execPath, ['scripts/check-dist.ts']);
await check('examples', process.execPath, ['scripts/examples.ts', '--check']);
await tests('e2e');

console.log('');
if (failures.length > 0) console.log(`Failed: ${failures.join(', ')}`);
console.log(`${tally.passed} passed, ${tally.failed} failed`);
process.exit(tally.failed > 0 ? 1 : 0);
