// Rebuilds dist/ and fails when the fresh bundle differs from what git has (committed or staged):
// a change to src/ that was not rebuilt and committed would otherwise ship stale code.
import { spawnSync } from 'node:child_process';

function run(command: string, args: string[]) {
  return spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const build = run('npm', ['run', '--silent', 'build']);
if (build.status !== 0) {
  console.error(build.stdout, build.stderr);
  console.error('dist check: the build failed.');
  process.exit(1);
}
const diff = run('git', ['diff', '--stat', '--exit-code', '--', 'dist']);
const untracked = run('git', ['ls-files', '--others', '--exclude-standard', '--', 'dist']);
if (diff.status !== 0 || untracked.stdout.trim() !== '') {
  console.error(diff.stdout + untracked.stdout);
  console.error(
    'dist check: dist/ differs from the fresh bundle of src/. Run `npm run build` and commit dist/.',
  );
  process.exit(1);
}
console.log('dist check: dist/ is the fresh bundle of src/.');
