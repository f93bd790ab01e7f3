// A version's section of CHANGELOG.md: what the release looks for, and the release notes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { changelogSection } from '../scripts/changelog.ts';
import { REPO_ROOT } from './harness/run-action.ts';

const CHANGELOG = `# Changelog

## [Unreleased]

### Fixed

- Something not yet released.

## [1.1.0] - 2027-01-05

### Added

- A new input.

## [1.0.10]

- The tenth patch.

## [1.0.0] - 2026-12-07

The first release.

[unreleased]: https://github.com/retab/experiment-gate/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/retab/experiment-gate/compare/v1.0.0...v1.1.0
`;

test('the section of a version, from under its heading to the next one', () => {
  expect(changelogSection(CHANGELOG, '1.1.0')).toBe('### Added\n\n- A new input.');
});

test('a heading without a date counts, and 1.0.1 is not 1.0.10', () => {
  expect(changelogSection(CHANGELOG, '1.0.10')).toBe('- The tenth patch.');
  expect(changelogSection(CHANGELOG, '1.0.1')).toBeUndefined();
});

test('the last section ends before the link definitions at the foot of the file', () => {
  expect(changelogSection(CHANGELOG, '1.0.0')).toBe('The first release.');
});

test('no heading for the version: none; a heading with nothing under it: empty', () => {
  expect(changelogSection(CHANGELOG, '2.0.0')).toBeUndefined();
  expect(changelogSection('## [2.0.0] - 2027-02-01\n## [1.0.0]\n', '2.0.0')).toBe('');
  expect(changelogSection('- mentions [2.0.0] in passing\n### [2.0.0]\n', '2.0.0')).toBeUndefined();
});

test('Windows line ends are read too', () => {
  expect(changelogSection('## [1.0.0]\r\n\r\n- One.\r\n## [0.9.0]\r\n', '1.0.0')).toBe('- One.');
});

test('the repository’s own CHANGELOG.md has a section for the version in package.json', () => {
  const version = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const section = changelogSection(readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8'), version);
  expect(section).toContain('### Added');
});
