// The versions a release accepts and how they order: pure, so the release's refusals are tested
// without git. A release is plain X.Y.Z: `vX` moves to every release, so a pre-release
// (1.1.0-rc.1) would reach everyone who pins `@vX`; build metadata (+…) orders nothing.

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** Three numbers without leading zeros (semver's core), e.g. 1.2.0; undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const match = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text);
  if (!match) return undefined;
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  return Number.isSafeInteger(major) && Number.isSafeInteger(minor) && Number.isSafeInteger(patch)
    ? { major, minor, patch }
    : undefined;
}

/** Negative when `a` comes before `b`, 0 when equal, positive after. */
export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function formatVersion(version: Version): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

/**
 * The newest release among git's tags: only `vX.Y.Z` counts, so the moving major tags (`v1`)
 * and anything else (`v1.2.0-rc.1`, `nightly`) are passed over.
 */
export function newestReleaseTag(tags: readonly string[]): Version | undefined {
  let newest: Version | undefined;
  for (const tag of tags) {
    const version = tag.startsWith('v') ? parseVersion(tag.slice(1)) : undefined;
    if (version && (!newest || compareVersions(version, newest) > 0)) newest = version;
  }
  return newest;
}
