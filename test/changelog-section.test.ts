// A version's section of CHANGELOG.md, what the release looks for, and the release's notes
// (release.yml): the one section of the tagged version, nothing of its neighbours, and one clear
// error when the version or its section is missing.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changelogSection, releaseNotes } from '../scripts/changelog.ts';
import { REPO_ROOT } from './harness/run-action.ts';

const CHANGELOG = [
  '# Changelog',
  '',
  'Intro text.',
  '',
  '## [Unreleased]',
  '',
  '### Fixed',
  '',
  '- Not released yet.',
  '',
  '## [11.0.0] - 2027-03-01',
  '',
  '- Eleven.',
  '',
  '## [1.1.0-rc.1] - 2027-02-01',
  '',
  '- A candidate.',
  '',
  '## [1.1.0] - 2027-02-02',
  '',
  '### Added',
  '',
  '- Something new.',
  '  Over two lines.',
  '',
  '### Changed',
  '',
  '- Something else.',
  '',
  '## [1.0.0] - 2026-12-07',
  '',
  'The first release.',
  '',
  '[Unreleased]: https://github.com/retab/experiment-gate/compare/v1.1.0...HEAD',
  '[1.1.0]: https://github.com/retab/experiment-gate/compare/v1.0.0...v1.1.0',
  '[1.0.0]: https://github.com/retab/experiment-gate/releases/tag/v1.0.0',
  '',
].join('\n');

/** Another changelog: a heading without a date (1.0.10), beside 1.0.0 and 1.1.0. */
const UNDATED_CHANGELOG = `# Changelog

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

describe('changelogSection', () => {
  it.each([
    {
      version: '1.1.0',
      notes: '### Added\n\n- Something new.\n  Over two lines.\n\n### Changed\n\n- Something else.',
      why: 'a middle section, all its subsections, up to the next heading',
    },
    {
      version: '1.0.0',
      notes: 'The first release.',
      why: 'the last section, without the link definitions below it',
    },
    { version: '1.1.0-rc.1', notes: '- A candidate.', why: 'a pre-release, apart from 1.1.0' },
    { version: '11.0.0', notes: '- Eleven.', why: 'not 1.0.0 because it ends the same' },
    { version: '1.0.1', notes: undefined, why: 'no section' },
  ])('$version: $why', ({ version, notes }) => {
    expect(changelogSection(CHANGELOG, version)).toBe(notes);
  });

  it('reads a changelog written with CRLF line ends', () => {
    expect(changelogSection(CHANGELOG.replace(/\n/g, '\r\n'), '1.0.0')).toBe('The first release.');
  });

  it("finds this repository's 1.0.0 section in CHANGELOG.md", async () => {
    const text = await readFile(new URL('../CHANGELOG.md', import.meta.url), 'utf8');
    const notes = changelogSection(text, '1.0.0') ?? '';
    expect(notes).toMatch(/^The first release/);
    expect(notes).toContain('### Added');
    expect(notes).not.toContain('## [');
    expect(notes).not.toContain('[Unreleased]:');
  });

  it('a heading without a date counts, and 1.0.1 is not 1.0.10', () => {
    expect(changelogSection(UNDATED_CHANGELOG, '1.0.10')).toBe('- The tenth patch.');
    expect(changelogSection(UNDATED_CHANGELOG, '1.0.1')).toBeUndefined();
  });

  it('no heading for the version: none; a heading with nothing under it: empty', () => {
    expect(changelogSection(UNDATED_CHANGELOG, '2.0.0')).toBeUndefined();
    expect(changelogSection('## [2.0.0] - 2027-02-01\n## [1.0.0]\n', '2.0.0')).toBe('');
    expect(
      changelogSection('- mentions [2.0.0] in passing\n### [2.0.0]\n', '2.0.0'),
    ).toBeUndefined();
  });

  it('the repository’s own CHANGELOG.md has a section for the version in package.json', () => {
    const version = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
    ).version;
    const section = changelogSection(
      readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8'),
      version,
    );
    expect(section).toContain('### Added');
  });
});

describe('releaseNotes', () => {
  it.each([
    { version: '1.1', error: "version '1.1' is not semver: expected X.Y.Z, e.g. 1.2.0" },
    { version: 'v1.1.0', error: "version 'v1.1.0' is not semver: expected X.Y.Z, e.g. 1.2.0" },
    {
      version: '1.1.0-rc.1',
      error: "version '1.1.0-rc.1' is not semver: expected X.Y.Z, e.g. 1.2.0",
    },
    {
      version: '2.0.0',
      error:
        "CHANGELOG.md has no '## [2.0.0] - YYYY-MM-DD' section" +
        ' (its sections: Unreleased, 11.0.0, 1.1.0-rc.1, 1.1.0, 1.0.0)',
    },
  ])('refuses $version with one error', ({ version, error }) => {
    expect(releaseNotes(CHANGELOG, version)).toEqual({ error });
  });

  it('refuses a section with nothing in it', () => {
    const text = '## [1.2.0] - 2027-01-01\n\n## [1.1.0] - 2026-12-31\n\n- x\n';
    expect(releaseNotes(text, '1.2.0')).toEqual({
      error: "CHANGELOG.md's section '## [1.2.0]' is empty",
    });
  });
});

describe('node scripts/changelog-section.ts', () => {
  const run = async (...args: string[]) => {
    const dir = await mkdtemp(join(tmpdir(), 'changelog-'));
    try {
      await writeFile(join(dir, 'CHANGELOG.md'), CHANGELOG);
      const script = new URL('../scripts/changelog-section.ts', import.meta.url).pathname;
      return spawnSync(process.execPath, [script, ...args], { cwd: dir, encoding: 'utf8' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('prints the section and exits 0', async () => {
    const result = await run('1.0.0');
    expect(result).toMatchObject({ status: 0, stdout: 'The first release.\n', stderr: '' });
  });

  it('exits 1 with the error alone when there is no section', async () => {
    const result = await run('3.0.0');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^changelog-section: CHANGELOG\.md has no '## \[3\.0\.0\]/);
  });
});
