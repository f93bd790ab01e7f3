// The dist check (`npm test` builds dist/, then compares it with git), proven on a throwaway
// repository with a committed dist/: the compare half without a build, then both halves with a
// build that is a one-line script instead of ncc.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type TestContext } from 'vitest';
import { distAfterBuild, staleDist } from '../scripts/dist-diff.ts';
import { BUILD, throwawayRepo } from './harness/throwaway-repo.ts';

/** A repository whose one commit holds src.txt and dist/index.js, its build. */
async function repoWithDist(ctx: TestContext): Promise<string> {
  const repo = await throwawayRepo(ctx, {
    'src.txt': 'built',
    'dist/index.js': 'console.log("built");\n',
  });
  return repo.dir;
}

test('a dist/ that is what git has passes', async (ctx) => {
  const dir = await repoWithDist(ctx);
  expect(staleDist(dir)).toBeUndefined();
});

test('a dist/ file that differs from the committed one fails, naming it and the fix', async (ctx) => {
  const dir = await repoWithDist(ctx);
  await writeFile(join(dir, 'dist', 'index.js'), 'console.log("rebuilt");\n');
  const stale = staleDist(dir);
  expect(stale).toContain('dist/index.js');
  expect(stale).toContain('Run `npm run build` and commit dist/.');
});

test('a dist/ file git does not know fails, naming it', async (ctx) => {
  const dir = await repoWithDist(ctx);
  await writeFile(join(dir, 'dist', 'chunk.js'), 'export {};\n');
  expect(staleDist(dir)).toContain('dist/chunk.js');
});

test('a change outside dist/ is not the dist check’s business', async (ctx) => {
  const dir = await repoWithDist(ctx);
  await writeFile(join(dir, 'notes.md'), 'not built\n');
  expect(staleDist(dir)).toBeUndefined();
});

test('outside a git repository the check fails rather than pass', async (ctx) => {
  const dir = await mkdtemp(join(tmpdir(), 'dist-check-'));
  ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  expect(() => staleDist(dir)).toThrow(/dist check: git diff/);
});

test('build then compare: a source changed without a rebuild fails, a fresh build passes', async (ctx) => {
  const dir = await repoWithDist(ctx);
  expect(distAfterBuild(dir, BUILD)).toBeUndefined();
  await writeFile(join(dir, 'src.txt'), 'changed');
  expect(distAfterBuild(dir, BUILD)).toContain('dist/index.js');
});

test('a build that fails fails the check, naming the build', async (ctx) => {
  const dir = await repoWithDist(ctx);
  const problem = distAfterBuild(dir, [
    process.execPath,
    '-e',
    'console.error("no ncc"); process.exit(2)',
  ]);
  expect(problem).toContain('no ncc');
  expect(problem).toMatch(/dist check: the build \(.+\) failed\./);
});
