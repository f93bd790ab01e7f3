// The notes of one release: the body of CHANGELOG.md's `## [X.Y.Z] - YYYY-MM-DD` section.
// `node scripts/changelog-section.ts X.Y.Z [CHANGELOG.md]` prints it (release.yml makes the
// GitHub release's notes with it); `changelogSection` is the same for a script that imports it.
import { readFile } from 'node:fs/promises';

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** A section's heading: `## [X.Y.Z]`, then ` - date` (or anything) after it. */
const HEADING = /^## \[([^\]]+)\]/;
/** A link reference definition (`[1.0.0]: https://…`), the block Keep a Changelog ends with. */
const LINK_DEFINITION = /^\[[^\]]+\]:\s/;

/**
 * The lines under `## [version]` up to the next `## ` heading or the link definitions at the
 * end, without the blank lines around them; undefined when the changelog has no such heading.
 */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((line) => HEADING.exec(line)?.[1] === version);
  if (start === -1) return undefined;
  let end = start + 1;
  while (end < lines.length) {
    const line = lines[end] ?? '';
    if (line.startsWith('## ') || LINK_DEFINITION.test(line)) break;
    end++;
  }
  return lines
    .slice(start + 1, end)
    .join('\n')
    .trim();
}

/** The versions the changelog has sections for, in its order (`Unreleased` included). */
export function changelogVersions(changelog: string): string[] {
  return changelog.split(/\r?\n/).flatMap((line) => HEADING.exec(line)?.[1] ?? []);
}

/** The section's text, or the one error that says what is wrong, naming the file. */
export function releaseNotes(
  changelog: string,
  version: string,
  file = 'CHANGELOG.md',
): { notes: string } | { error: string } {
  if (!SEMVER.test(version)) {
    return { error: `version '${version}' is not semver: expected X.Y.Z, e.g. 1.2.0` };
  }
  const notes = changelogSection(changelog, version);
  if (notes === undefined) {
    const versions = changelogVersions(changelog);
    return {
      error:
        `${file} has no '## [${version}] - YYYY-MM-DD' section` +
        ` (its sections: ${versions.length > 0 ? versions.join(', ') : 'none'})`,
    };
  }
  if (notes === '') return { error: `${file}'s section '## [${version}]' is empty` };
  return { notes };
}

if (import.meta.main) {
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
}
