// A version's section of CHANGELOG.md (Keep a Changelog): the release refuses a version that has
// none, and the release workflow uses the section as the GitHub release's notes.

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
