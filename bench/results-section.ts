// A section of bench/RESULTS.md that a bench script other than `npm run bench` writes, between
// `<!-- bench:name -->` and `<!-- /bench:name -->`: replaced in place, or added at the end.
// `npm run bench` keeps these sections as they are (bench/main.ts, keptSections).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/harness/run-action.ts';

export async function writeResultsSection(name: string, body: string): Promise<void> {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n${body}\n${end}`;
  const path = join(REPO_ROOT, 'bench', 'RESULTS.md');
  const text = await readFile(path, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + section + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(path, next);
}
