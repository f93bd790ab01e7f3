// What the benches share to write their results, with nothing loaded at import: medians, times,
// Markdown tables, and each bench's own section of bench/RESULTS.md.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/harness/run-action.ts';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function markdownTable(rows: string[][]): string {
  const [header = [], ...body] = rows;
  return [header, header.map(() => '-'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** A section's first words: when it was written, how long it took, how loaded the machine was. */
export function writtenOn(tookMs: number, load: number): string {
  return (
    `Written on ${new Date().toISOString().slice(0, 10)} in ${Math.round(tookMs / 1000)} s, on the machine above ` +
    `(load average ${load.toFixed(1)} at the start).`
  );
}

/** A bench's own section of bench/RESULTS.md (`<!-- bench:name -->`), replaced in place or added. */
export async function writeSection(name: string, lines: readonly string[]): Promise<void> {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = [start, ...lines, end].join('\n');
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
