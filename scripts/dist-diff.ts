// The dist check, shared by `npm test` (scripts/check-dist.ts) and the release (scripts/release.ts):
// build, then ask whether dist/ holds what git has, committed or staged. The build command is a
// parameter, so that a test can prove both halves on a throwaway repository without ncc.
import { spawnSync } from 'node:child_process';

/** The project's own build: ncc, then the chunks minified. */
export const NPM_BUILD = ['npm', 'run', '--silent', 'build'] as const;

/** Runs `build` (a command and its arguments) in `cwd`, then says why dist/ is not what git has. */
export function distAfterBuild(cwd: string, build: readonly string[]): string | undefined {
  const [command = '', ...args] = build;
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    const output = [result.stdout, result.stderr, result.error?.message].filter(Boolean).join('\n');
    return `${output}\ndist check: the build (${build.join(' ')}) failed.`;
  }
  return staleDist(cwd);
}

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
