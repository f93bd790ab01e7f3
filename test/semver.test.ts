// The versions a release accepts (plain X.Y.Z) and the newest release among git's tags.
import { describe, expect, test } from 'vitest';
import { compareVersions, newestReleaseTag, parseVersion } from '../scripts/semver.ts';

describe('parseVersion: X.Y.Z, three numbers without leading zeros', () => {
  test.each([
    ['1.0.0', { major: 1, minor: 0, patch: 0 }],
    ['0.1.0', { major: 0, minor: 1, patch: 0 }],
    ['10.20.300', { major: 10, minor: 20, patch: 300 }],
  ])('%s is a release version', (text, version) => {
    expect(parseVersion(text)).toEqual(version);
  });

  test.each([
    ['v1.0.0', 'the tag, not the version'],
    ['1.0', 'two numbers'],
    ['1.0.0.0', 'four numbers'],
    ['01.0.0', 'a leading zero'],
    ['1.0.0-rc.1', 'a pre-release: vX would move to it'],
    ['1.0.0+build.5', 'build metadata'],
    [' 1.0.0', 'a space'],
    ['1.x.0', 'a wildcard'],
    ['99999999999999999999.0.0', 'a number past what is exact'],
    ['', 'nothing'],
  ])('%s is refused (%s)', (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });
});

test('compareVersions orders by number, major first, not by text', () => {
  const sorted = ['1.10.0', '1.2.0', '2.0.0', '1.2.10', '1.2.9', '0.9.9']
    .map((text) => parseVersion(text)!)
    .sort(compareVersions)
    .map((v) => `${v.major}.${v.minor}.${v.patch}`);
  expect(sorted).toEqual(['0.9.9', '1.2.0', '1.2.9', '1.2.10', '1.10.0', '2.0.0']);
  expect(compareVersions(parseVersion('1.2.3')!, parseVersion('1.2.3')!)).toBe(0);
});

describe('newestReleaseTag: only vX.Y.Z tags count', () => {
  test('the newest by number, whatever the order git lists them in', () => {
    expect(newestReleaseTag(['v1.10.0', 'v1.9.0', 'v1.2.0'])).toEqual(parseVersion('1.10.0'));
  });

  test('major tags, pre-releases and other names are passed over', () => {
    expect(newestReleaseTag(['v1', 'v9', 'v3.0.0-rc.1', 'nightly', '4.0.0', 'v1.1.0', ''])).toEqual(
      parseVersion('1.1.0'),
    );
  });

  test('no release tag yet: none', () => {
    expect(newestReleaseTag(['v1', 'nightly'])).toBeUndefined();
    expect(newestReleaseTag([])).toBeUndefined();
  });
});
