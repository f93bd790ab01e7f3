/**
 * Configuration values as a reader can take them in: short, on one line, and for long structured
 * values (a JSON schema) the leaves that changed instead of a wall of text. Pure.
 */
import { formatCount } from './format.js';
import { CONFIG_DIFF_LINES, CONFIG_VALUE_CHARS } from './limits.js';

/** A value as compact text (JSON for objects and lists), cut with "…" and its full length. */
export function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const chars = [...text];
  if (chars.length <= CONFIG_VALUE_CHARS) return text;
  return `${chars.slice(0, CONFIG_VALUE_CHARS - 1).join('')}… (${formatCount(chars.length)} chars)`;
}

export interface LeafChange {
  path: string;
  before?: string;
  after?: string;
}

/**
 * The leaves that differ between two long structured values, at most CONFIG_DIFF_LINES of them
 * and how many more; undefined when the values are short or not both structured.
 */
export function compactDiff(
  before: unknown,
  after: unknown,
): { lines: LeafChange[]; more: number } | undefined {
  const long = (value: unknown) => describeValue(value).endsWith(' chars)');
  if (!isStructured(before) || !isStructured(after) || (!long(before) && !long(after))) {
    return undefined;
  }
  const was = leaves(before);
  const now = leaves(after);
  const paths = [...new Set([...was.keys(), ...now.keys()])].sort();
  const changed: LeafChange[] = [];
  for (const path of paths) {
    const a = was.get(path);
    const b = now.get(path);
    if (a === b) continue;
    changed.push({
      path,
      ...(a === undefined ? {} : { before: describeValue(JSON.parse(a)) }),
      ...(b === undefined ? {} : { after: describeValue(JSON.parse(b)) }),
    });
  }
  return {
    lines: changed.slice(0, CONFIG_DIFF_LINES),
    more: Math.max(0, changed.length - CONFIG_DIFF_LINES),
  };
}

function isStructured(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** Every leaf of a value, by its path (`properties.total.type`, `items[0]`), as JSON. */
function leaves(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (isStructured(value)) {
    const entries = Array.isArray(value)
      ? value.map((item, i) => [`${path}[${i}]`, item] as const)
      : Object.entries(value).map(([key, item]) => [path ? `${path}.${key}` : key, item] as const);
    if (entries.length === 0) into.set(path, JSON.stringify(value));
    for (const [at, item] of entries) leaves(item, at, into);
  } else {
    into.set(path, JSON.stringify(value) ?? 'null');
  }
  return into;
}
