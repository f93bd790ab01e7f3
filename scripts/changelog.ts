// A version's section of CHANGELOG.md (Keep a Changelog): the release refuses a version that has
// none, and the release workflow uses the section as the GitHub release's notes.
import { parseVersion } from './semver.ts';

/**
 * The text under `## [version]` (with or without ` - YYYY-MM-DD` after it) up to the next `## `
 * heading, trimmed, without the link definitions (`[1.0.0]: https://…`) that Keep a Changelog
 * puts at the end of the file; undefined when there is no such heading. An empty section is ''.
 */
export function changelogSection(text: string, version: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const heading = `## [${version}]`;
  const start = lines.findIndex((line) => line === heading || line.startsWith(`${heading} `));
  if (start === -1) return undefined;
  const after = lines.slice(start + 1);
  const next = after.findIndex((line) => line.startsWith('## '));
  const body = next === -1 ? after : after.slice(0, next);
  while (body.length > 0 && /^(\s*|\[[^\]]+\]:\s*\S.*)$/.test(body.at(-1) ?? '')) body.pop();
  while (body.length > 0 && body[0]?.trim() === '') body.shift();
  return body.join('\n');
}

/** The versions the changelog has sections for, in its order (`Unreleased` included). */
function changelogVersions(text: string): string[] {
  return text.split(/\r?\n/).flatMap((line) => /^## \[([^\]]+)\]/.exec(line)?.[1] ?? []);
}

/**
 * A release's notes (release.yml): the version's section, or the one error that says what is
 * wrong, naming the file. A release is plain X.Y.Z (./semver.ts), as `npm run release` makes it.
 */
export function releaseNotes(
  text: string,
  version: string,
  file = 'CHANGELOG.md',
): { notes: string } | { error: string } {
  if (!parseVersion(version)) {
    return { error: `version '${version}' is not semver: expected X.Y.Z, e.g. 1.2.0` };
  }
  const notes = changelogSection(text, version);
  if (notes === undefined) {
    const versions = changelogVersions(text);
    return {
      error:
        `${file} has no '## [${version}] - YYYY-MM-DD' section` +
        ` (its sections: ${versions.length > 0 ? versions.join(', ') : 'none'})`,
    };
  }
  if (notes === '') return { error: `${file}'s section '## [${version}]' is empty` };
  return { notes };
}
