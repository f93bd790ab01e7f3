// Rebuilds dist/ and fails when the fresh bundle differs from what git has (committed or staged):
// a change to src/ that was not rebuilt and committed would otherwise ship stale code.
import { distAfterBuild, NPM_BUILD } from './dist-diff.ts';

const problem = distAfterBuild(process.cwd(), NPM_BUILD);
if (problem !== undefined) {
  console.error(problem);
  process.exit(1);
}
console.log('dist check: dist/ is the fresh bundle of src/.');
