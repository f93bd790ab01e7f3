// `npm run release -- X.Y.Z [--push]`: checks, commits the version, tags vX.Y.Z and moves vX
// (scripts/release-steps.ts); pushes only when given --push. README, "Releasing".
import { NPM_BUILD } from './dist-diff.ts';
import { release } from './release-steps.ts';

const args = process.argv.slice(2);
const versions = args.filter((arg) => arg !== '--push');
try {
  release({
    cwd: process.cwd(),
    version: versions.join(' '),
    build: NPM_BUILD,
    push: args.includes('--push'),
    log: (line) => console.log(line),
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
