import { terminalText } from './terminal-escape.ts';

/**
 * Text from reports and users, made inert for Markdown (GitHub-flavoured, as CI job summaries
 * render it) (pure). What is escaped is every character that can open a construct, so the text
 * renders as itself and nothing else: no link, image, autolink, raw HTML, entity, code span,
 * emphasis, math or table cell boundary, and (through {@link terminalText}) no line break or
 * control character.
 */

/** Characters that open inline constructs, escaped with a backslash (CommonMark allows it for all ASCII punctuation). */
const backslashed = /[\\`*_~[\]|$@#]/g;
/** GFM autolink literals: `http://`, `https://` and `www.` are links without brackets. */
const autolinkLiterals = /:(?=\/\/)|(?<=\bwww)\./gi;
const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Text safe in a Markdown table cell and anywhere inline (headings, list items, quotes): it
 * renders exactly as the text (line breaks as spaces, control characters as stand-ins).
 */
export function markdownCell(text: string): string {
  return terminalText(text)
    .replace(/[&<>]/g, (char) => entities[char] ?? char)
    .replace(backslashed, '\\$&')
    .replace(autolinkLiterals, '\\$&');
}

/**
 * Text as inline code, safe in a table cell and anywhere inline: a fence longer than any run of
 * backticks in the text, padded where the text starts or ends with one. Text with a pipe (which
 * ends a table cell even inside code) or only blanks is written as {@link markdownCell} instead.
 */
export function markdownCode(text: string): string {
  const plain = terminalText(text);
  if (plain.includes('|') || plain.trim() === '') return markdownCell(text);
  const longestRun = Math.max(0, ...(plain.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = /^[` ]|[` ]$/.test(plain) ? ' ' : '';
  return `${fence}${pad}${plain}${pad}${fence}`;
}
