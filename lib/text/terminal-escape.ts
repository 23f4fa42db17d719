/**
 * Text from reports, proxies and users, made inert for a terminal (pure). Every control character
 * goes: C0 (ESC starts ANSI and OSC sequences, CR rewrites the line, BEL, backspace), DEL and C1
 * (0x9b is an 8-bit CSI), and the invisible characters that reorder or split what is shown
 * (bidirectional overrides and isolates, Unicode line and paragraph separators). Line breaks and
 * tabs become a space; the others a visible stand-in (`␛` for ESC), so a reader sees that
 * something was there.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function standIn(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (char === '\t' || char === '\n' || char === '\r') return ' ';
  // Control Pictures: U+2400 + the C0 code, U+2421 for DEL.
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

/** One line of plain text that prints as it reads: no escape sequence, no line break, no reordering. */
export function terminalText(text: string): string {
  return text.replace(unsafe, standIn);
}
