// The workflows this repository shows or runs: every ```yaml block of README.md (what users copy)
// and every file of .github/workflows. Read by the actionlint test and by the policy test.
import { readdir, readFile } from 'node:fs/promises';

const ROOT = new URL('../../', import.meta.url);
const WORKFLOWS = new URL('.github/workflows/', ROOT);

/** A step that runs this action: as users write it, or as this repository's workflows do. */
export const THIS_ACTION = /^(?:retab\/experiment-gate@|\.\/?$)/;

export interface Workflow {
  /** How a failure names it: "README block 3 (README.md line 120)" or the file's path. */
  name: string;
  /** The file name actionlint is told, which decides nothing but its messages. */
  file: string;
  text: string;
}

/** Every ```yaml (or ```yml) fenced block of the Markdown, in order. */
export function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*ya?ml\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[2] ?? '```';
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !(lines[j] ?? '').trim().startsWith(fence); j++) {
      body.push(lines[j] ?? '');
    }
    blocks.push({ line: i + 2, text: body.join('\n') + '\n' });
    i = j;
  }
  return blocks;
}

export async function readmeWorkflows(): Promise<Workflow[]> {
  const readme = await readFile(new URL('README.md', ROOT), 'utf8');
  return yamlBlocks(readme).map((block, index) => ({
    name: `README block ${index + 1} (README.md line ${block.line})`,
    file: `README-block-${index + 1}.yml`,
    text: block.text,
  }));
}

export async function repositoryWorkflows(): Promise<Workflow[]> {
  const files = (await readdir(WORKFLOWS)).filter((f) => /\.ya?ml$/.test(f)).sort();
  return Promise.all(
    files.map(async (f) => ({
      name: `.github/workflows/${f}`,
      file: `.github/workflows/${f}`,
      text: await readFile(new URL(f, WORKFLOWS), 'utf8'),
    })),
  );
}
