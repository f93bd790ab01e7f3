// The dist check (`npm test` builds dist/, then compares it with git): the compare half, proven
// on a throwaway repository with a committed dist/, without a build.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type TestContext } from 'vitest';
import { staleDist } from '../scripts/dist-diff.ts';

/** A repository whose one commit holds dist/index.js; removed when the test ends. */
async function repoWithDist(ctx: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dist-check-'));
  ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
    });
  git('init', '-q');
  await mkdir(join(dir, 'dist'));
  await writeFile(join(dir, 'dist', 'index.js'), 'console.log("built");\n');
  git('add', '-A');
  git('commit', '-qm', 'built');
  return dir;
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
