// Writes the README's generated tables (inputs and outputs from action.yml, the noise simulation
// from bench/NOISE-TABLE.md); `--check` fails when they differ.
import { readFile, writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const ROOT = new URL('..', import.meta.url);
const README = new URL('README.md', ROOT);

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
}

export function renderTables(action: ActionYml): { inputs: string; outputs: string } {
  const inputs = [
    '| input | required | default | description |',
    '| --- | --- | --- | --- |',
    ...Object.entries(action.inputs).map(([name, input]) => {
      const fallback =
        input.default === undefined || input.default === '' ? '' : `\`${input.default}\``;
      return `| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${cell(fallback)} | ${cell(input.description)} |`;
    }),
  ].join('\n');
  const outputs = [
    '| output | description |',
    '| --- | --- |',
    ...Object.entries(action.outputs).map(
      ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`,
    ),
  ].join('\n');
  return { inputs, outputs };
}

function replaceBlock(text: string, name: string, body: string): string {
  const source = name === 'noise-table' ? 'bench/NOISE-TABLE.md' : 'action.yml';
  const start = `<!-- ${name}:start (generated from ${source} by npm run docs) -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} block`);
  return `${text.slice(0, from + start.length)}\n\n${body}\n\n${text.slice(to)}`;
}

const action = parse(await readFile(new URL('action.yml', ROOT), 'utf8')) as ActionYml;
const tables = renderTables(action);
const current = await readFile(README, 'utf8');
const noiseTable = (await readFile(new URL('bench/NOISE-TABLE.md', ROOT), 'utf8')).trim();
const replaced = replaceBlock(
  replaceBlock(replaceBlock(current, 'inputs', tables.inputs), 'outputs', tables.outputs),
  'noise-table',
  noiseTable,
);
// Formatted as `npm run format` would, so the two never disagree.
const next = await format(replaced, {
  ...(await resolveConfig(README.pathname)),
  filepath: README.pathname,
});

if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error(
      'README.md inputs/outputs tables differ from action.yml: run `npm run docs` and commit.',
    );
    process.exit(1);
  }
  console.log('README.md tables match action.yml.');
} else if (next !== current) {
  await writeFile(README, next);
  console.log('README.md tables updated from action.yml.');
}
