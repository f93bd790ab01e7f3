// The work of `npm run release -- X.Y.Z` (scripts/release.ts is its command line). First the
// checks, cheapest first and the build last, each refusing before anything changes; then the
// version commit, the tags and, when asked, the push. The pure parts are in semver.ts and
// changelog.ts; the build is a parameter, so a test runs all of it on a throwaway repository.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { changelogSection } from './changelog.ts';
import { distAfterBuild } from './dist-diff.ts';
import { compareVersions, formatVersion, newestReleaseTag, parseVersion } from './semver.ts';

/** A release refused before anything changed: the message names the problem and what is accepted. */
export class ReleaseRefused extends Error {
  override name = 'ReleaseRefused';
}

export interface ReleaseOptions {
  /** The repository's top folder. */
  cwd: string;
  /** The version as the releaser typed it. */
  version: string;
  /** The command that rebuilds dist/ (the project's: `npm run build`). */
  build: readonly string[];
  /** Push the branch and both tags to origin; otherwise only print how. */
  push: boolean;
  log: (line: string) => void;
}

export interface Released {
  tag: string;
  majorTag: string;
  commit: string;
  /** Whether package.json had to change (then in a commit of its own). */
  bumped: boolean;
  pushCommands: string[][];
}

/** The files that hold the project's own version. */
const VERSION_FILES = ['package.json', 'package-lock.json'];

export function release(options: ReleaseOptions): Released {
  const { cwd, log } = options;
  const git = gitIn(cwd);
  const version = checkVersion(options.version, git('tag', '--list'));
  const text = formatVersion(version);
  checkChangelog(cwd, text);
  const dirty = git('status', '--porcelain');
  if (dirty !== '') {
    throw new ReleaseRefused(
      `release: the working tree is not clean:\n${dirty}\n` +
        'Commit or stash these changes and run again: a release tags what is committed.',
    );
  }
  const stale = distAfterBuild(cwd, options.build);
  if (stale !== undefined) {
    restoreDist(git);
    throw new ReleaseRefused(`release: dist/ is not a fresh build; nothing was changed.\n${stale}`);
  }

  const bumped = commitVersion(cwd, git, text);
  const commit = git('rev-parse', 'HEAD');
  const tag = `v${text}`;
  const majorTag = `v${version.major}`;
  git('tag', '--annotate', '--message', tag, tag, commit);
  // A plain tag, as GitHub's own actions keep theirs: a pointer that moves, with no release of its
  // own (so GitHub's immutable releases can be on), and that `git describe` passes over.
  git('update-ref', `refs/tags/${majorTag}`, commit);
  log(
    `release: ${tag} is an annotated tag on ${commit.slice(0, 7)}` +
      (bumped ? ` (“Release ${text}”: package.json set to ${text})` : '') +
      `; ${majorTag} moved to it (a plain tag).`,
  );

  const branch = gitIn(cwd, { mayFail: true })('symbolic-ref', '--quiet', '--short', 'HEAD');
  const pushCommands = [
    ...(branch === '' ? [] : [['git', 'push', 'origin', branch]]),
    ['git', 'push', 'origin', tag],
    ['git', 'push', '--force', 'origin', majorTag],
  ];
  if (options.push) pushAll(cwd, pushCommands, log);
  else {
    log('Nothing is pushed. To publish (the tag starts the release workflow):');
    for (const command of pushCommands) log(`  ${command.join(' ')}`);
  }
  return { tag, majorTag, commit, bumped, pushCommands };
}

function checkVersion(
  given: string,
  tags: string,
): { major: number; minor: number; patch: number } {
  const version = parseVersion(given);
  if (!version) {
    throw new ReleaseRefused(
      `release: ${given === '' ? 'no version given' : `“${given}” is not a release version`}. ` +
        'Give X.Y.Z, three numbers without a v or a suffix: npm run release -- 1.2.0 [--push]',
    );
  }
  const newest = newestReleaseTag(tags.split('\n'));
  if (newest && compareVersions(version, newest) <= 0) {
    const next = formatVersion({ ...newest, patch: newest.patch + 1 });
    throw new ReleaseRefused(
      `release: ${given} is not greater than the newest release tag, v${formatVersion(newest)}. ` +
        `Give a version after it, e.g. ${next}.`,
    );
  }
  return version;
}

function checkChangelog(cwd: string, version: string): void {
  const path = join(cwd, 'CHANGELOG.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const section = changelogSection(text, version);
  if (section === undefined) {
    throw new ReleaseRefused(
      `release: CHANGELOG.md has no section for ${version}. Add one headed ` +
        `“## [${version}] - YYYY-MM-DD” (its notes become the release's), commit it and run again.`,
    );
  }
  // release.yml refuses an empty section (./changelog.ts releaseNotes): refused here first, before
  // a tag is made that its workflow would fail on.
  if (section === '') {
    throw new ReleaseRefused(
      `release: CHANGELOG.md's section for ${version} is empty. Write what changed under it ` +
        "(its notes become the release's), commit it and run again.",
    );
  }
}

/** Puts dist/ back as committed after a build that did not match, so a refusal changes nothing. */
function restoreDist(git: Git): void {
  if (git('ls-files', '--', 'dist') !== '') git('checkout', 'HEAD', '--', 'dist');
  git('clean', '-fdq', '--', 'dist');
}

/** Sets the version in package.json (and the lock's own fields); commits it when it changed. */
function commitVersion(cwd: string, git: Git, version: string): boolean {
  const changed = VERSION_FILES.filter((file) => {
    const path = join(cwd, file);
    if (git('ls-files', '--', file) === '') return false; // absent, or ignored: not the project's
    const before = readFileSync(path, 'utf8');
    const after = withOwnVersion(before, version);
    if (after === before) return false;
    writeFileSync(path, after);
    return true;
  });
  if (changed.length === 0) return false;
  try {
    git('commit', '--quiet', '--message', `Release ${version}`, '--', ...changed);
  } catch (error) {
    git('checkout', 'HEAD', '--', ...changed);
    throw error;
  }
  return true;
}

/**
 * package.json or package-lock.json with the project's own version set: the top level's and, in a
 * lock, the root package's (`packages[""]`), so `npm ci` agrees. Written as npm writes both.
 */
function withOwnVersion(text: string, version: string): string {
  const json = JSON.parse(text) as {
    version?: string;
    packages?: Record<string, { version?: string }>;
  };
  if (json.version === version && (json.packages?.['']?.version ?? version) === version)
    return text;
  json.version = version;
  const root = json.packages?.[''];
  if (root) root.version = version;
  return `${JSON.stringify(json, null, 2)}\n`;
}

function pushAll(cwd: string, commands: string[][], log: (line: string) => void): void {
  for (const [index, [command = '', ...args]] of commands.entries()) {
    log(`$ ${[command, ...args].join(' ')}`);
    const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
    if (result.stdout) log(result.stdout.trimEnd());
    if (result.stderr) log(result.stderr.trimEnd());
    if (result.status !== 0) {
      const rest = commands.slice(index).map((c) => `  ${c.join(' ')}`);
      throw new Error(
        `release: ${[command, ...args].join(' ')} failed. The commit and tags are made here; ` +
          `push what is left by hand:\n${rest.join('\n')}`,
      );
    }
  }
}

type Git = (...args: string[]) => string;

/** Runs git in `cwd` and returns its output without the final newline; a failure throws unless `mayFail`. */
export function gitIn(cwd: string, { mayFail = false } = {}): Git {
  return (...args) => {
    const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
    if (result.status !== 0 && !mayFail) {
      throw new Error(`release: git ${args.join(' ')} failed: ${result.stderr.trim()}`);
    }
    return result.status === 0 ? result.stdout.trimEnd() : '';
  };
}
