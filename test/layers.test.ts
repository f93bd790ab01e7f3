import { describe, expect, test } from 'vitest';
import { importsOf, readSources, wrongImports } from './harness/layers.ts';
import { REPO_ROOT } from './harness/run-action.ts';

describe('one import direction: entry → adapters (retab, github, inputs) → report → gate', () => {
  test('src/ has no import that points up or sideways', () => {
    const files = readSources(REPO_ROOT);
    expect(files.size).toBeGreaterThan(20);
    expect(wrongImports(files)).toEqual([]);
  });

  test('a deliberate wrong import is caught, type-only ones included', () => {
    const files = new Map([
      ['src/gate/verdict.ts', "import type { Settings } from '../inputs.js';\n"],
      ['src/report/sections.ts', "import { gatherEvidence } from '../retab/gather.js';\n"],
      ['src/retab/gather.ts', "import { readEvent } from '../github/event.js';\n"],
      ['src/names.ts', "import { judge } from './gate/verdict.js';\n"],
    ]);
    expect(wrongImports(files)).toEqual([
      'src/gate/verdict.ts -> src/inputs.ts (gate imports inputs, above it)',
      'src/report/sections.ts -> src/retab/gather.ts (report imports retab, above it)',
      'src/retab/gather.ts -> src/github/event.ts (retab imports github, beside it)',
      'src/names.ts -> src/gate/verdict.ts (a leaf helper imports only other leaves)',
    ]);
  });

  test('what is allowed: its own room, any room below, and the leaf helpers', () => {
    const files = new Map([
      ['src/main.ts', "import { gatherEvidence } from './retab/gather.js';\n"],
      ['src/retab/gather.ts', "import type { Evidence } from '../gate/evidence.js';\n"],
      ['src/report/sections.ts', "import { escapeText } from './escape.js';\n"],
      ['src/gate/stats.ts', "import { seededRandom } from '../random.js';\n"],
    ]);
    expect(wrongImports(files)).toEqual([]);
  });

  test('every form of import is read', () => {
    const source = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export type { D } from './d.js';",
      "const e = await import('./e.js');",
      "import './f.js';",
      "import {\n  g,\n  type G,\n} from './g.js';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(importsOf(source).sort()).toEqual(
      ['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js', './g.js'].sort(),
    );
  });
});
