// `npm test`: every check a contributor and CI run, each followed by its time, then one line that
// counts them: each vitest test counts as one, each other check (format, lint, types, docs, dist,
// examples) as one.
//
// Two stages, each running its checks side by side (their output is printed whole as each ends,
// never interleaved): first what needs only the sources (format, lint, types, docs, the unit
// tests, and the dist check, which builds afresh and compares with the committed dist/); then
// what runs dist/, once the first stage has shown it to be the fresh bundle: the examples and the
// end-to-end tests. Those mostly wait on child processes and local servers, so side by side they
// fill the CPUs that one of them alone leaves idle.
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

/** Runs one step, its output kept; prints the output and the step's time when it ends. */
function run(name: string, command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Colours as on a terminal, though the output goes through a pipe.
      env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : process.env.FORCE_COLOR },
    });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('close', (code) => {
      process.stdout.write(`\n── ${name}\n`);
      process.stdout.write(Buffer.concat(output));
      console.log(`── ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      resolve(code ?? 1);
    });
  });
}

async function check(name: string, command: string, args: string[]): Promise<void> {
  const code = await run(name, command, args);
  if (code === 0) tally.passed++;
  else {
    tally.failed++;
    failures.push(name);
  }
}

async function tests(project: 'unit' | 'e2e'): Promise<void> {
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

const started = performance.now();
await Promise.all([
  check('format', process.execPath, [bin('prettier'), '--check', '.']),
  check('lint', process.execPath, [bin('eslint'), '.']),
  check('types', process.execPath, [bin('tsc'), '--noEmit', '-p', '.']),
  check('docs', process.execPath, ['scripts/gen-docs.ts', '--check']),
  check('dist', process.execPath, ['scripts/check-dist.ts']),
  tests('unit'),
]);
await Promise.all([
  check('examples', process.execPath, ['scripts/examples.ts', '--check']),
  tests('e2e'),
]);

console.log('');
console.log(`── all: ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failures.length > 0) console.log(`Failed: ${failures.join(', ')}`);
console.log(`${tally.passed} passed, ${tally.failed} failed`);
process.exit(tally.failed > 0 ? 1 : 0);
