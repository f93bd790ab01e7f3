// Rebuilds dist/ and fails when the fresh bundle differs from what git has (committed or staged):
// a change to src/ that was not rebuilt and committed would otherwise ship stale code.
import { spawnSync } from 'node:child_process';
import { staleDist } from './dist-diff.ts';

const build = spawnSync('npm', ['run', '--silent', 'build'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
if (build.status !== 0) {
  console.error(build.stdout, build.stderr);
  console.error('dist check: the build failed.');
  process.exit(1);
}
const stale = staleDist(process.cwd());
if (stale !== undefined) {
  console.error(stale);
  process.exit(1);
}
console.log('dist check: dist/ is the fresh bundle of src/.');
