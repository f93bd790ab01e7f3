// `npm run release -- X.Y.Z` on a throwaway repository: each refusal leaves everything as it was,
// a first release tags and sets the version, a second moves the major tag. The repository's build
// is a one-line script (dist/index.js logs src.txt), so no ncc runs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test, type TestContext } from 'vitest';
import { release, ReleaseRefused, type ReleaseOptions } from '../scripts/release-steps.ts';
import { BUILD, throwawayRepo, withOrigin, type ThrowawayRepo } from './harness/throwaway-repo.ts';

/** A build that leaves a trace: the checks before the build must refuse without running it. */
const BUILD_NEVER = [
  process.execPath,
  '-e',
  "require('node:fs').writeFileSync('the-build-ran', '')",
];

const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;

/** package.json and its lock, both at `version`. */
function versionFiles(version: string): Record<string, string> {
  return {
    'package.json': json({ name: 'app', version, private: true }),
    'package-lock.json': json({
      name: 'app',
      version,
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'app', version } },
    }),
  };
}

function changelog(...versions: string[]): string {
  const sections = versions.map(
    (v) => `## [${v}] - 2027-01-01\n\n### Added\n\n- Things in ${v}.\n`,
  );
  return ['# Changelog\n', '## [Unreleased]\n', ...sections].join('\n');
}

/** A project at version 0.0.0 with a lock, a changelog up to 1.1.0 and a dist/ freshly built. */
async function project(ctx: TestContext): Promise<ThrowawayRepo> {
  const repo = await throwawayRepo(ctx, {
    ...versionFiles('0.0.0'),
    'CHANGELOG.md': changelog('1.1.0', '1.0.0'),
    'src.txt': 'one',
    'dist/index.js': 'console.log("one");\n',
  });
  return repo;
}

function releaseIn(repo: ThrowawayRepo, version: string, more: Partial<ReleaseOptions> = {}) {
  const log: string[] = [];
  const result = release({
    cwd: repo.dir,
    version,
    build: BUILD,
    push: false,
    log: (line) => log.push(line),
    ...more,
  });
  return { result, log: log.join('\n') };
}

/** What a refusal must leave alone. */
async function state(repo: ThrowawayRepo) {
  return {
    head: repo.git('rev-parse', 'HEAD'),
    tags: repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/tags'),
    packageJson: await readFile(join(repo.dir, 'package.json'), 'utf8'),
    status: repo.git('status', '--porcelain'),
  };
}

function refusal(repo: ThrowawayRepo, version: string, build = BUILD_NEVER): string {
  try {
    releaseIn(repo, version, { build });
  } catch (error) {
    expect(error).toBeInstanceOf(ReleaseRefused);
    return (error as Error).message;
  }
  throw new Error(`release ${version} was not refused`);
}

describe('refusals: one error naming the problem and the accepted form; nothing changed', () => {
  test('a version that is not X.Y.Z: a v, two numbers, a pre-release, nothing, an unknown option', async (ctx) => {
    const repo = await project(ctx);
    const before = await state(repo);
    for (const version of ['v1.0.0', '1.0', '1.0.0-rc.1', '1.0.0 --dry-run']) {
      expect(refusal(repo, version)).toBe(
        `release: “${version}” is not a release version. ` +
          'Give X.Y.Z, three numbers without a v or a suffix: npm run release -- 1.2.0 [--push]',
      );
    }
    expect(refusal(repo, '')).toMatch(/^release: no version given\. Give X\.Y\.Z/);
    expect(await state(repo)).toEqual(before);
  });

  test('a version not greater than the newest vX.Y.Z tag (the major tag vX does not count)', async (ctx) => {
    const repo = await project(ctx);
    repo.git('tag', '--annotate', '--message', 'v1.0.0', 'v1.0.0');
    repo.git('tag', 'v7'); // a major tag, as if moved by hand: not a release
    const before = await state(repo);
    for (const version of ['1.0.0', '0.9.0']) {
      expect(refusal(repo, version)).toBe(
        `release: ${version} is not greater than the newest release tag, v1.0.0. Give a version after it, e.g. 1.0.1.`,
      );
    }
    expect(await state(repo)).toEqual(before);
  });

  test('CHANGELOG.md without a ## [X.Y.Z] section', async (ctx) => {
    const repo = await project(ctx);
    const before = await state(repo);
    expect(refusal(repo, '1.2.0')).toBe(
      'release: CHANGELOG.md has no section for 1.2.0. Add one headed “## [1.2.0] - YYYY-MM-DD” ' +
        "(its notes become the release's), commit it and run again.",
    );
    expect(await state(repo)).toEqual(before);
    repo.git('rm', '--quiet', 'CHANGELOG.md');
    repo.git('commit', '--quiet', '--message', 'no changelog');
    const withoutChangelog = await state(repo);
    expect(refusal(repo, '1.0.0')).toContain('CHANGELOG.md has no section for 1.0.0');
    expect(await state(repo)).toEqual(withoutChangelog);
  });

  test('CHANGELOG.md with an empty ## [X.Y.Z] section: refused, as the release workflow would', async (ctx) => {
    const repo = await project(ctx);
    await repo.write({
      'CHANGELOG.md': changelog('1.1.0', '1.0.0').replace(
        '## [1.1.0]',
        '## [1.2.0] - 2027-02-01\n\n## [1.1.0]',
      ),
    });
    repo.git('commit', '--quiet', '--all', '--message', 'an empty 1.2.0 section');
    const before = await state(repo);
    expect(refusal(repo, '1.2.0')).toBe(
      "release: CHANGELOG.md's section for 1.2.0 is empty. Write what changed under it " +
        "(its notes become the release's), commit it and run again.",
    );
    expect(await state(repo)).toEqual(before);
  });

  test('a working tree that is not clean: a change, a staged file or an untracked one', async (ctx) => {
    const repo = await project(ctx);
    for (const change of ['modified', 'staged', 'untracked'] as const) {
      await repo.write({ [change === 'modified' ? 'src.txt' : `${change}.txt`]: 'work' });
      if (change === 'staged') repo.git('add', 'staged.txt');
      const before = await state(repo);
      const message = refusal(repo, '1.0.0');
      expect(message).toMatch(/^release: the working tree is not clean:\n/);
      expect(message).toContain(change === 'modified' ? 'src.txt' : `${change}.txt`);
      expect(message).toContain('Commit or stash these changes and run again');
      expect(await state(repo)).toEqual(before);
      repo.git('reset', '--quiet', '--hard');
      repo.git('clean', '-fdq');
    }
  });

  test('dist/ that differs from a fresh build: refused after the build, dist/ put back', async (ctx) => {
    const repo = await project(ctx);
    await repo.write({ 'src.txt': 'two' }); // committed without rebuilding
    repo.git('commit', '--quiet', '--all', '--message', 'src without dist');
    const before = await state(repo);
    const message = refusal(repo, '1.0.0', BUILD);
    expect(message).toMatch(/^release: dist\/ is not a fresh build; nothing was changed\.\n/);
    expect(message).toContain('dist/index.js');
    expect(message).toContain('Run `npm run build` and commit dist/.');
    expect(await state(repo)).toEqual(before); // the working tree is clean again
  });

  test('a new dist/ file that git does not know, and a build that fails, are refused too', async (ctx) => {
    const repo = await project(ctx);
    const before = await state(repo);
    const extraFile = [...BUILD.slice(0, 2), `${BUILD[2]} fs.writeFileSync('dist/chunk.js', '');`];
    expect(refusal(repo, '1.0.0', extraFile)).toContain('dist/chunk.js');
    expect(await state(repo)).toEqual(before);
    const failing = [process.execPath, '-e', 'console.error("ncc: cannot build"); process.exit(2)'];
    expect(refusal(repo, '1.0.0', failing)).toMatch(
      /ncc: cannot build\n+dist check: the build \(.+\) failed/,
    );
    expect(await state(repo)).toEqual(before);
  });
});

describe('a release: the version committed, vX.Y.Z annotated, vX plain and moved', () => {
  test('the first release may be any version; package.json and the lock hold it, in a commit of its own', async (ctx) => {
    const repo = await project(ctx);
    const origin = await withOrigin(ctx, repo);
    const first = repo.git('rev-parse', 'HEAD');
    const { result, log } = releaseIn(repo, '1.0.0');

    const head = repo.git('rev-parse', 'HEAD');
    expect(repo.git('rev-parse', 'HEAD^')).toBe(first);
    expect(repo.git('log', '-1', '--format=%s')).toBe('Release 1.0.0');
    expect(repo.git('show', '--name-only', '--format=', 'HEAD').split('\n')).toEqual([
      'package-lock.json',
      'package.json',
    ]);
    const pkg = JSON.parse(await readFile(join(repo.dir, 'package.json'), 'utf8'));
    const lock = JSON.parse(await readFile(join(repo.dir, 'package-lock.json'), 'utf8'));
    expect([pkg.version, lock.version, lock.packages[''].version]).toEqual([
      '1.0.0',
      '1.0.0',
      '1.0.0',
    ]);
    expect(repo.git('status', '--porcelain')).toBe('');

    expect(repo.git('cat-file', '-t', 'v1.0.0')).toBe('tag'); // annotated
    expect(repo.git('rev-parse', 'v1.0.0^{commit}')).toBe(head);
    expect(repo.git('cat-file', '-t', 'v1')).toBe('commit'); // plain
    expect(repo.git('rev-parse', 'v1')).toBe(head);
    expect(repo.git('describe', 'HEAD')).toBe('v1.0.0');

    expect(result).toMatchObject({ tag: 'v1.0.0', majorTag: 'v1', commit: head, bumped: true });
    expect(log).toContain(
      [
        'Nothing is pushed. To publish (the tag starts the release workflow):',
        '  git push origin main',
        '  git push origin v1.0.0',
        '  git push --force origin v1',
      ].join('\n'),
    );
    expect(origin.git('for-each-ref')).toBe(''); // nothing pushed
  });

  test('a second release moves vX and keeps the first tag; --push publishes the branch and both tags', async (ctx) => {
    const repo = await project(ctx);
    const origin = await withOrigin(ctx, repo);
    releaseIn(repo, '1.0.0', { push: true });
    const first = repo.git('rev-parse', 'HEAD');
    expect(origin.git('rev-parse', 'v1')).toBe(first);

    await repo.write({ 'src.txt': 'two', 'dist/index.js': 'console.log("two");\n' });
    repo.git('commit', '--quiet', '--all', '--message', 'two');
    const { result, log } = releaseIn(repo, '1.1.0', { push: true });

    const second = repo.git('rev-parse', 'HEAD');
    expect(repo.git('log', '-1', '--format=%s')).toBe('Release 1.1.0');
    expect(repo.git('rev-parse', 'v1.1.0^{commit}')).toBe(second);
    expect(repo.git('rev-parse', 'v1')).toBe(second);
    expect(repo.git('rev-parse', 'v1.0.0^{commit}')).toBe(first);
    expect(result.pushCommands).toEqual([
      ['git', 'push', 'origin', 'main'],
      ['git', 'push', 'origin', 'v1.1.0'],
      ['git', 'push', '--force', 'origin', 'v1'],
    ]);
    expect(log).toContain('$ git push --force origin v1');
    // The remote has what the release made: the branch, both release tags, v1 moved.
    expect(origin.git('rev-parse', 'main')).toBe(second);
    expect(origin.git('rev-parse', 'v1')).toBe(second);
    expect(origin.git('rev-parse', 'v1.1.0^{commit}')).toBe(second);
    expect(origin.git('rev-parse', 'v1.0.0^{commit}')).toBe(first);
    expect(origin.git('cat-file', '-t', 'v1.1.0')).toBe('tag');
  });

  test('package.json already at the version: no commit, the tags on HEAD; a new major makes vX+1 and leaves vX', async (ctx) => {
    const repo = await project(ctx);
    releaseIn(repo, '1.0.0');
    const v1 = repo.git('rev-parse', 'v1');
    await repo.write({
      'CHANGELOG.md': changelog('2.0.0', '1.1.0', '1.0.0'),
      ...versionFiles('2.0.0'),
    });
    repo.git('commit', '--quiet', '--all', '--message', '2.0.0 notes and version');
    const head = repo.git('rev-parse', 'HEAD');
    const { result, log } = releaseIn(repo, '2.0.0');
    expect(result.bumped).toBe(false);
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(repo.git('rev-parse', 'v2.0.0^{commit}')).toBe(head);
    expect(repo.git('rev-parse', 'v2')).toBe(head);
    expect(repo.git('rev-parse', 'v1')).toBe(v1);
    expect(log).toContain('  git push --force origin v2');
  });
});
