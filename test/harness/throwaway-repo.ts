// A git repository in a temp folder, for the scripts that work on git (the dist check, the
// release): made with the given files in one commit on `main`, removed when the test ends.
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'vitest';
import { gitIn } from '../../scripts/release-steps.ts';

/** The throwaway repository's build, a one-line script instead of ncc: dist/index.js logs src.txt. */
export const BUILD = [
  process.execPath,
  '-e',
  `const fs = require('node:fs');
   fs.mkdirSync('dist', { recursive: true });
   fs.writeFileSync('dist/index.js', 'console.log("' + fs.readFileSync('src.txt', 'utf8') + '");\\n');`,
];

export interface ThrowawayRepo {
  dir: string;
  /** Runs git in the repository; returns its output without the final newline, throws on failure. */
  git: (...args: string[]) => string;
  /** Writes files (paths relative to the repository), making their folders. */
  write: (files: Record<string, string>) => Promise<void>;
}

export async function throwawayRepo(
  ctx: TestContext,
  files: Record<string, string>,
): Promise<ThrowawayRepo> {
  const repo = await repoIn(ctx, 'throwaway-repo-');
  repo.git('init', '--quiet', '--initial-branch=main');
  // The machine's own git settings stay out: an identity of its own, nothing signed (written
  // directly: four `git config` processes cost more than the rest of a small test).
  await appendFile(
    join(repo.dir, '.git', 'config'),
    '[user]\n\tname = Test\n\temail = test@example.com\n' +
      '[commit]\n\tgpgSign = false\n[tag]\n\tgpgSign = false\n',
  );
  await repo.write(files);
  repo.git('add', '--all');
  repo.git('commit', '--quiet', '--message', 'first');
  return repo;
}

/** A bare repository in a temp folder, set as `repo`'s origin. */
export async function withOrigin(ctx: TestContext, repo: ThrowawayRepo): Promise<ThrowawayRepo> {
  const origin = await repoIn(ctx, 'throwaway-origin-');
  origin.git('init', '--quiet', '--bare');
  repo.git('remote', 'add', 'origin', origin.dir);
  return origin;
}

/** A new temp folder, removed when the test ends, with git and writing at hand. */
async function repoIn(ctx: TestContext, prefix: string): Promise<ThrowawayRepo> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return { dir, git: gitIn(dir), write: (files) => writeAll(dir, files) };
}

async function writeAll(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}
