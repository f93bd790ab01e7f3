const ZWSP = '\u200b';

/** Characters that are never markup, in Markdown or HTML. Everything else is encoded. */
const PLAIN = /[\p{L}\p{M}\p{N} ,.()+=%/…-]/u;
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu; // controls, bidi overrides, zero-width joiners
/** A text of PLAIN characters and intraword underscores only: nothing to encode, char by char. */
const ALL_PLAIN = /^(?:[\p{L}\p{M}\p{N} ,.()+=%/…-]|(?<=[\p{L}\p{N}])_(?=[\p{L}\p{N}]))*$/u;

/**
 * Makes a string from outside (filename, id, error text) safe as Markdown text and as a
 * GFM table cell: it renders as the same letters, never as markup, HTML, a link, a
 * mention, an issue reference or a table delimiter, and it cannot forge our marker.
 *
 * GitHub autolinks and finds mentions on the rendered text, after entities are decoded,
 * so those are broken with a zero-width space, not with an entity.
 */
export function escapeText(value: string, maxLength = 200): string {
  const text = value
    .replace(/[\r\n\t]+/g, ' ')
    .replace(INVISIBLE, '')
    .trim();
  // Most names are short and plain (10,000 rows in a report): no per-character pass for them.
  const fits = text.length <= maxLength; // UTF-16 units: never fewer than characters
  const out = fits && ALL_PLAIN.test(text) ? text : encode(text, maxLength);
  // www. autolinks need the literal "www.": keep the letters, break the pattern.
  return out.replace(/(w{3})\./giu, `$1${ZWSP}.`);
}

/** Cut to `maxLength` characters, each encoded unless PLAIN (or an underscore inside a word). */
function encode(value: string, maxLength: number): string {
  let chars = [...value];
  if (chars.length > maxLength) chars = [...chars.slice(0, maxLength - 1), '…'];
  let out = '';
  for (const [i, char] of chars.entries()) {
    if (PLAIN.test(char) || (char === '_' && intraword(chars, i))) out += char;
    else if (char === '@' || char === '#' || char === ':') out += char + ZWSP;
    else out += `&#${char.codePointAt(0)};`;
  }
  return out;
}

/** GFM never reads an underscore between two letters or digits as emphasis. */
function intraword(chars: string[], i: number): boolean {
  const word = /[\p{L}\p{N}]/u;
  return word.test(chars[i - 1] ?? '') && word.test(chars[i + 1] ?? '');
}

/** An id or a path as inline code when it is plainly one; otherwise escaped text. */
export function code(value: string): string {
  return /^[A-Za-z0-9_./-]{1,128}$/.test(value) ? `\`${value}\`` : escapeText(value);
}
