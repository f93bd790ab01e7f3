// `npm test` fails when dist/ is not the fresh bundle of src/: proven on a throwaway copy of
// the project, first unchanged (the check passes), then with src/ edited and not rebuilt.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { REPO_ROOT } from '../harness/run-action.ts';

const work = await mkdtemp(join(tmpdir(), 'dist-check-'));
afterAll(() => rm(work, { recursive: true, force: true }));

function sh(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: work, env: process.env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

test(
  'a change to src/ that was not rebuilt fails the dist check',
  { timeout: 120_000 },
  async () => {
    for (const entry of ['src', 'scripts', 'package.json', 'tsconfig.json', '.gitattributes']) {
      await cp(join(REPO_ROOT, entry), join(work, entry), { recursive: true });
    }
    await symlink(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'));
    await writeFile(join(work, '.gitignore'), 'node_modules\n');
    const checkDist = () => sh(process.execPath, ['scripts/check-dist.ts']);
    const git = (...args: string[]) =>
      sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);

    await git('init', '-q');
    expect((await sh('npm', ['run', '--silent', 'build'])).code).toBe(0);
    await git('add', '-A');
    await git('commit', '-qm', 'built');

    const clean = await checkDist();
    expect(clean.output).toContain('dist/ is the fresh bundle of src/');
    expect(clean.code).toBe(0);

    const names = join(work, 'src', 'names.ts');
    await writeFile(
      names,
      (await readFile(names, 'utf8')).replace("'max-drop'", "'max-drop-changed'"),
    );
    const stale = await checkDist();
    expect(stale.code).toBe(1);
    expect(stale.output).toContain('dist/index.js');
    expect(stale.output).toContain('Run `npm run build` and commit dist/');
  },
);
