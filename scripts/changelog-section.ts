// `node scripts/changelog-section.ts X.Y.Z [CHANGELOG.md]` prints the version's section of the
// changelog: release.yml makes the GitHub release's notes with it (./changelog.ts).
import { readFile } from 'node:fs/promises';
import { releaseNotes } from './changelog.ts';

const [version = '', file = 'CHANGELOG.md'] = process.argv.slice(2);
const text = await readFile(file, 'utf8').catch((error: unknown) => {
  console.error(`changelog-section: cannot read ${file}: ${String(error)}`);
  process.exit(1);
});
const result = releaseNotes(text, version, file);
if ('error' in result) {
  console.error(`changelog-section: ${result.error}`);
  process.exit(1);
}
console.log(result.notes);
