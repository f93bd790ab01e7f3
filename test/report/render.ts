// Renders Markdown as GitHub does (CommonMark + GFM), with raw HTML passed through so
// that anything our escaping lets slip would show up as an element.
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

export function renderGfm(markdown: string): string {
  return micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  });
}

export function tagsIn(html: string): Set<string> {
  return new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase()));
}

/** Every table as rows of cell counts. */
export function tableShapes(html: string): number[][] {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((table) =>
    [...table[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(
      (row) => [...row[1]!.matchAll(/<t[dh][ >]/g)].length,
    ),
  );
}

/** Elements our own Markdown renders to. Anything else came from outside data: a hole. */
export const ALLOWED_TAGS = new Set([
  'h2',
  'h3',
  'p',
  'strong',
  'em',
  'code',
  'pre',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'details',
  'summary',
  'sub',
  'ul',
  'li',
]);

export function foreignTags(html: string): string[] {
  return [...tagsIn(html)].filter((tag) => !ALLOWED_TAGS.has(tag));
}

/** What a reader sees of rendered HTML: tags dropped, entities decoded, zero-width spaces removed. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\u200b/g, '');
}
