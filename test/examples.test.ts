// docs/examples/*.md, rendered as GitHub renders them (micromark + GFM, raw HTML passed
// through): the structure a reader sees must hold for every example comment.
// `npm run examples` writes the files; `node scripts/examples.ts --check` keeps them current.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from './harness/run-action.ts';
import { foreignTags, renderGfm, tableShapes, visibleText } from './report/render.ts';

const DIR = join(REPO_ROOT, 'docs', 'examples');
const MARKER = '<!-- retab-experiment-gate:';
const COMMENT_LIMIT = 65_536;
const DOCUMENT_COLUMNS = ['Document', 'Reference', 'Current', 'Δ', 'Status'];

/** Everything our own markup renders to. Outside text must never add to it. */

interface Expected {
  mark: string;
  /** Sections or phrases the comment must show. */
  shows: string[];
  /** Outside text (filenames, field paths, error texts) that must read as plain text. */
  plainText?: string[];
  mermaid: boolean;
  documents: boolean;
}

const EXPECTED: Record<string, Expected> = {
  'pass.md': {
    mark: '✅',
    shows: ['Baseline', 'improved'],
    mermaid: true,
    documents: true,
  },
  'regression.md': {
    mark: '❌',
    shows: [
      'Why it failed',
      'What fell inside regressed documents',
      '6 fields fell',
      '### Fields',
      '1 field regressed',
      '1 field dropped by more than `max-field-drop` 0.05: total_amount.',
      'Values (reference → current)',
      '| total_amount | 1.000 | 0.400 | 1,240.00 → 1,420.00 | 1,420.00 ×3 · 142.00 ×2 |',
    ],
    plainText: ['line_items.*.unit_price', '[12.5,8,14] → [12.5,8,140]'],
    mermaid: true,
    documents: true,
  },
  'classifier.md': {
    mark: '❌',
    shows: [
      '### Labels',
      '1 label dropped by more than `max-field-drop` 0.10: receipt.',
      '### Confusions',
      '| receipt | invoice | 0.030 | 0.240 | +21.0 pts | 📈 grew |',
      '| receipt | credit_note | — | 0.030 | — | 🆕 new |',
      '| invoice | credit_note | 0.010 | — | — | ➖ gone |',
      '<summary>2 unchanged flows</summary>',
    ],
    plainText: ['receipt_cafe_nero_2026-03-14.jpg'],
    mermaid: true,
    documents: true,
  },
  'error.md': {
    mark: '⚠️',
    shows: ['Why it could not be judged'],
    plainText: ['<upstream connect error>'],
    mermaid: false,
    documents: false,
  },
  'first-run.md': {
    mark: '✅',
    shows: ['First run of this experiment', '`min-score`'],
    mermaid: false,
    documents: true,
  },
  'noisy-drop.md': {
    mark: '✅',
    shows: ['Drop within noise', 'Run-to-run noise'],
    mermaid: true,
    documents: true,
  },
  'configuration-change.md': {
    mark: '✅',
    shows: [
      'Configuration change',
      'config.model',
      '(sensitive)',
      'config.json_schema: 7 values changed inside',
    ],
    plainText: ['{"type":"object","properties":{"total_amount":{"type":"numb… (132 chars)'],
    mermaid: true,
    documents: true,
  },
  'reused.md': {
    mark: '✅',
    shows: ['(reused:', 'shown, not judged again', 'No change: the workflow'],
    mermaid: true,
    documents: true,
  },
  'cost.md': {
    mark: '❌',
    shows: [
      'credits/document +20.00 (+200 %)',
      '| Credits per document | 10.00 | 30.00 | +20.00 (+200 %) |',
      '| Time per document | 3.1 s | 6.3 s | +3.1 s (+100 %) |',
      'Credits per document rose from 10.00 to 30.00; `max-cost-increase` 50% allows +5.00.',
    ],
    mermaid: true,
    documents: true,
  },
  'large.md': {
    mark: '❌',
    shows: ['10,000 documents', 'left out to fit'],
    plainText: [
      'INV|2026|0017.pdf',
      '@billing-team invoice 99.pdf',
      'invoice_*final*_v2 #78.pdf',
      '<draft> invoice 42.pdf',
      'Page 3 could not be read: the PDF stream is truncated',
    ],
    mermaid: true,
    documents: true,
  },
};

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.md'))
  .sort();

/** The comment: everything after the first `---` line, as the action posted it. */
function commentOf(text: string): string {
  const lines = text.split('\n');
  const rule = lines.indexOf('---');
  if (rule < 0) throw new Error('no --- line between the description and the comment');
  return lines
    .slice(rule + 1)
    .join('\n')
    .replace(/^\n+/, '');
}

interface Table {
  header: string[];
  rows: number;
}

function tables(html: string): Table[] {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((table) => {
    const rows = [...table[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)];
    const header = [...(rows[0]?.[1] ?? '').matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) =>
      m[1]!.trim(),
    );
    return { header, rows: rows.length - 1 };
  });
}

/** The comment of several experiments: a set's own shape, checked on its own below. */
const SEVERAL = 'several.md';

test('the examples exist, and no others', () => {
  expect(files).toEqual([...Object.keys(EXPECTED), SEVERAL].sort());
});

describe.each(files.filter((f) => f !== SEVERAL))('docs/examples/%s', (file) => {
  const text = readFileSync(join(DIR, file), 'utf8');
  const body = commentOf(text);
  const html = renderGfm(body);
  const expected = EXPECTED[file];

  test('a title, one sentence or two, a rule, then the comment', () => {
    expect(text).toMatch(/^# Example: .+\n\n[^\n]+\n\n(?:[^\n]+\n\n)?---\n\n/);
  });

  test('starts with the marker, once, and fits a comment', () => {
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body.split(MARKER)).toHaveLength(2);
    expect([...body].length).toBeLessThanOrEqual(COMMENT_LIMIT);
    // Only our two hidden lines (marker, run data) are HTML comments.
    expect(body.match(/<!--/g)?.length).toBeLessThanOrEqual(2);
    expect(html.match(/<!--/g)?.length).toBeLessThanOrEqual(2);
  });

  test('every table row has as many cells as its header', () => {
    const shapes = tableShapes(html);
    expect(shapes.length).toBeGreaterThan(0);
    for (const shape of shapes) {
      expect(shape.length).toBeGreaterThan(0);
      expect(new Set(shape)).toEqual(new Set([shape[0]]));
    }
    // GFM drops the cells past the header's count, so a stray pipe would not show above: count
    // the delimiters of each source row (a pipe in a cell must be an entity, never a delimiter).
    const cells = (line: string) => line.split(/(?<!\\)\|/).length;
    let header: number | undefined;
    for (const line of body.split('\n')) {
      if (!line.startsWith('|')) header = undefined;
      else if (header === undefined) header = cells(line);
      else expect(cells(line), line).toBe(header);
    }
  });

  test('document rows and the "N more" line add up to the documents of the headline', () => {
    const documentTables = tables(html).filter((t) => t.header[0] === 'Document');
    for (const t of documentTables) expect(t.header).toEqual(DOCUMENT_COLUMNS);
    expect(body.includes('### Documents')).toBe(expected?.documents);
    if (!expected?.documents) {
      expect(documentTables).toEqual([]);
      return;
    }
    // The line under the headline: "… · run `exprun_…` · 12 documents · …".
    const about = body.split('\n').find((line, i, all) => all[i - 2]?.startsWith('## '));
    const stated = count(/ · ([\d,]+) documents? · /.exec(about ?? '')?.[1]);
    expect(stated).toBeGreaterThan(0);
    const more = /…and ([\d,]+) more documents?, left out to fit/.exec(body);
    const shown = documentTables.reduce((sum, t) => sum + t.rows, 0);
    expect(shown + count(more?.[1] ?? '0')).toBe(stated);
  });

  test('only our own markup renders as elements', () => {
    expect(foreignTags(html)).toEqual([]);
    expect(html).not.toMatch(/<[a-z][^>]*\s(?:href|src|style|on\w+)\s*=/i);
    // The footer is the only <sub>, the last paragraph.
    expect(html.match(/<sub>/g)?.length ?? 0).toBeLessThanOrEqual(1);
    if (html.includes('<sub>'))
      expect(html.trimEnd()).toMatch(/<p><sub>[^<]*(?:<code>[^<]*<\/code>[^<]*)*<\/sub><\/p>$/);
    const seen = visibleText(html);
    for (const plain of expected?.plainText ?? []) expect(seen).toContain(plain);
  });

  test('collapsed blocks open and close in turn, outside tables, each with its summary', () => {
    let depth = 0;
    for (const match of html.matchAll(/<(\/?)details\b[^>]*>/g)) {
      depth += match[1] === '/' ? -1 : 1;
      expect(depth === 0 || depth === 1).toBe(true);
      if (match[1] !== '/') {
        expect(html.slice((match.index ?? 0) + match[0].length)).toMatch(
          /^<summary>[^<\n]*<\/summary>\n/,
        );
      }
    }
    expect(depth).toBe(0);
    for (const table of html.matchAll(/<table>[\s\S]*?<\/table>/g)) {
      expect(table[0]).not.toMatch(/<\/?(?:details|summary)\b/);
    }
  });

  test('the trend chart is a mermaid code block', () => {
    const fences = body.split('\n').filter((line) => line.startsWith('```mermaid')).length;
    const blocks = html.match(/<pre><code class="language-mermaid">/g)?.length ?? 0;
    expect(blocks).toBe(fences);
    expect(blocks > 0).toBe(expected?.mermaid);
    if (blocks > 0) expect(html).toContain('<pre><code class="language-mermaid">xychart-beta\n');
  });

  test('shows what this situation is about', () => {
    expect(body.split('\n').find((line) => line.startsWith('## '))).toContain(expected?.mark);
    for (const phrase of expected?.shows ?? []) expect(body).toContain(phrase);
  });
});

describe(`docs/examples/${SEVERAL}`, () => {
  const body = commentOf(readFileSync(join(DIR, SEVERAL), 'utf8'));
  const html = renderGfm(body);

  test('one marker, keyed `experiments`, within the limit', () => {
    expect(body.split('\n', 1)[0]).toBe(`${MARKER}experiments -->`);
    expect(body.split(MARKER)).toHaveLength(2);
    expect([...body].length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.match(/<!--/g)).toHaveLength(2);
  });

  test('a first line for the set, then one row per experiment, the regression first', () => {
    expect(body.split('\n').find((line) => line.startsWith('## '))).toBe(
      '## ❌ Experiment gate: regression · 3 experiments: 2 passed, 1 regressed, 0 errored · 1 regressed document',
    );
    const [set] = tables(html);
    expect(set).toEqual({
      header: [
        'Experiment',
        'Verdict',
        'Score',
        'Change',
        'Regressed documents',
        'Credits per document',
      ],
      rows: 3,
    });
    expect(body).toContain(
      '| `exp_receipts` | ❌ regression | 0.889 | −2.5 pts vs previous run | 1 | 10.00 |',
    );
  });

  test("each experiment's report folded below its row, the regression open", () => {
    const folded = [...body.matchAll(/^<details( open)?><summary>((?:✅|❌).*)<\/summary>$/gm)];
    expect(folded.map((m) => [m[1] === ' open', m[2]])).toEqual([
      [true, '❌ exp_receipts: regression'],
      [false, '✅ exp_invoices: passed'],
      [false, '✅ exp_contracts: passed'],
    ]);
    let depth = 0;
    for (const match of html.matchAll(/<(\/?)details\b[^>]*>/g)) {
      depth += match[1] === '/' ? -1 : 1;
      expect(depth).toBeGreaterThanOrEqual(0);
      expect(depth).toBeLessThanOrEqual(2);
    }
    expect(depth).toBe(0);
  });

  test('every table row has as many cells as its header; only our own markup', () => {
    for (const shape of tableShapes(html)) expect(new Set(shape)).toEqual(new Set([shape[0]]));
    expect(foreignTags(html).filter((tag) => tag !== 'h4')).toEqual([]);
    expect(html).not.toMatch(/<[a-z][^>]*\s(?:href|src|style|on\w+)\s*=/i);
  });
});

/** A count as the comment prints it ("10,000"), as a number. */
function count(text: string | undefined): number {
  return /^\d{1,3}(,\d{3})*$/.test(text ?? '') ? Number(text!.replaceAll(',', '')) : NaN;
}
