// The import direction of src/ (README, "Layout"): entry and orchestration on top, then the
// adapters, then the report, then the pure gate. A file imports its own room and what lies
// below it, never above and never sideways into another adapter. Type-only imports count.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** Helpers everyone uses: importable from anywhere, importing only each other. */
export const LEAVES = ['src/names.ts', 'src/retry.ts', 'src/errors.ts', 'src/random.ts'];

/** The rooms, top to bottom by `level`; rooms of one level do not import each other. */
export const ROOMS: Array<{ room: string; level: number; files: (path: string) => boolean }> = [
  { room: 'gate', level: 3, files: (p) => p.startsWith('src/gate/') },
  { room: 'report', level: 2, files: (p) => p.startsWith('src/report/') },
  { room: 'retab', level: 1, files: (p) => p.startsWith('src/retab/') },
  { room: 'github', level: 1, files: (p) => p.startsWith('src/github/') },
  {
    room: 'inputs',
    level: 1,
    files: (p) =>
      ['src/inputs.ts', 'src/baseline-file.ts', 'src/spec-file.ts', 'src/report-files.ts'].includes(
        p,
      ),
  },
  // Everything else at the top of src/: index.ts, head-start.ts, main.ts and what splits out.
  { room: 'entry', level: 0, files: (p) => /^src\/[^/]+\.ts$/.test(p) },
];

function roomOf(path: string): { room: string; level: number } | 'leaf' | undefined {
  if (LEAVES.includes(path)) return 'leaf';
  return ROOMS.find((r) => r.files(path));
}

/** Relative specifiers of every import, export-from and dynamic import, type-only ones too. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      if (match[1]?.startsWith('.')) found.push(match[1]);
    }
  }
  return found;
}

/** One line per import that points the wrong way: `from -> to (why)`. */
export function wrongImports(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [from, source] of files) {
    const fromRoom = roomOf(from);
    for (const specifier of importsOf(source)) {
      const to = normalize(join(dirname(from), specifier)).replace(/\.js$/, '.ts');
      const toRoom = roomOf(to);
      if (toRoom === undefined || to === from) continue;
      if (toRoom === 'leaf') continue;
      if (fromRoom === 'leaf') {
        problems.push(`${from} -> ${to} (a leaf helper imports only other leaves)`);
      } else if (fromRoom === undefined || fromRoom.room === toRoom.room) {
        continue;
      } else if (toRoom.level < fromRoom.level) {
        problems.push(`${from} -> ${to} (${fromRoom.room} imports ${toRoom.room}, above it)`);
      } else if (toRoom.level === fromRoom.level) {
        problems.push(`${from} -> ${to} (${fromRoom.room} imports ${toRoom.room}, beside it)`);
      }
    }
  }
  return problems;
}

/** src/ as it is on disk: path (relative to the repository) → source. */
export function readSources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
        files.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  walk(join(root, 'src'));
  return files;
}
