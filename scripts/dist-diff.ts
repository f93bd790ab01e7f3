// The compare half of the dist check (scripts/check-dist.ts builds, then asks this): does dist/
// hold what git has, committed or staged? Kept apart so that a test can prove it without a build.
import { spawnSync } from 'node:child_process';

/** Why dist/ in `cwd` is not what git has (the files that differ), or undefined when it is. */
export function staleDist(cwd: string): string | undefined {
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
    if (result.status !== 0 && result.status !== 1) {
      throw new Error(`dist check: git ${args.join(' ')} failed: ${result.stderr}`);
    }
    return result;
  };
  const diff = git('diff', '--stat', '--exit-code', '--', 'dist');
  const untracked = git('ls-files', '--others', '--exclude-standard', '--', 'dist');
  if (diff.status === 0 && untracked.stdout.trim() === '') return undefined;
  return (
    diff.stdout +
    untracked.stdout +
    'dist check: dist/ differs from the fresh bundle of src/. Run `npm run build` and commit dist/.'
  );
}
