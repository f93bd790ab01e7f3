// Global setup of the e2e project: the tests run dist/index.js, so when a file of src/ is newer
// than it, build first and say so, rather than test a stale bundle. `npm test` builds in its dist
// step just before, so there the bundle is fresh and nothing is built twice.
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DEFAULT_ENTRY, REPO_ROOT } from '../harness/run-action.ts';

/** The newest file under `dir`, with its modification time. */
async function newestFile(dir: string): Promise<{ path: string; mtimeMs: number }> {
  let newest = { path: dir, mtimeMs: 0 };
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const { mtimeMs } = await stat(path);
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}

export default async function buildIfStale(): Promise<void> {
  const bundle = await stat(DEFAULT_ENTRY).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const source = await newestFile(join(REPO_ROOT, 'src'));
  if (source.mtimeMs <= bundle) return;
  const why =
    bundle === 0
      ? 'there is no dist/index.js'
      : `${relative(REPO_ROOT, source.path)} is newer than dist/index.js`;
  console.log(`e2e: ${why}: building dist/ first (npm run build).`);
  const build = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    console.error(build.stdout, build.stderr);
    throw new Error('e2e: the build failed; the e2e tests need a fresh dist/.');
  }
}
