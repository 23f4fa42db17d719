/**
 * HTML safe by construction. The page writers build markup only with the {@link html} tag,
 * which escapes every interpolated string and number, so text a run recorded (a server's
 * response, an error, a diagnostic, a rendered resource) can never become an element, an
 * attribute or a script. Markup passes unescaped only as an {@link Html} value: the result of
 * another `html` template, or {@link trustedHtml} around literal text of this repository (the
 * page's own stylesheet and script). The tag also refuses a string where escaping would not
 * protect it: in a tag outside a quoted attribute value, in an unquoted attribute value, and in
 * a script, style or comment.
 */

class Markup {
  readonly #markup: string;
  constructor(markup: string) {
    this.#markup = markup;
  }
  toString(): string {
    return this.#markup;
  }
}

/** Markup meshproof built itself; nothing else is put on a page unescaped. */
export type Html = Markup;

/** What a template interpolates: text (escaped), markup, or a list of them (concatenated). */
export type HtmlValue = string | number | Html | readonly HtmlValue[];

const escapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text as HTML content or quoted attribute value. Control characters, which HTML forbids and
 * terminals obey (ANSI and OSC sequences), are shown as their Unicode pictures (␛, ␀) or �.
 */
function escapeText(text: string): string {
  return text
    .replace(/[&<>"']/g, (char) => escapes[char] ?? char)
    .replace(/\p{Cc}/gu, (char) => {
      const code = char.charCodeAt(0);
      if ('\t\n\f\r'.includes(char)) return char;
      return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? '\u2421' : '\ufffd';
    });
}

/** Where an interpolation stands: what the literal text before it leaves open. */
type Context = 'text' | 'tag' | 'unquoted' | 'quoted' | 'raw';

/** The context of each interpolation of a template, from its literal text only. */
function contextsOf(strings: readonly string[]): Context[] {
  let state: 'text' | 'tag' | '"' | "'" | 'raw' = 'text';
  let element = '';
  let rawEnd = '';
  return strings.slice(0, -1).map((literal): Context => {
    const lower = literal.toLowerCase();
    for (let at = 0; at < literal.length; at++) {
      const char = literal.charAt(at);
      if (state === 'text' && lower.startsWith('<!--', at)) {
        [state, rawEnd, at] = ['raw', '-->', at + 3];
      } else if (state === 'text' && char === '<') {
        const tag = /^(\/?)([a-z][\w-]*)/.exec(lower.slice(at + 1));
        if (tag) [state, element] = ['tag', tag[1] ? '' : (tag[2] ?? '')];
      } else if (state === 'tag' && (char === '"' || char === "'")) {
        state = char;
      } else if (state === 'tag' && char === '>') {
        state = element === 'script' || element === 'style' ? 'raw' : 'text';
        rawEnd = `</${element}`;
      } else if (state === 'raw' && lower.startsWith(rawEnd, at)) {
        [state, element, at] = [rawEnd === '-->' ? 'text' : 'tag', '', at + rawEnd.length - 1];
      } else if ((state === '"' || state === "'") && char === state) {
        state = 'tag';
      }
    }
    // `<${…}`, `</${…}`, `name=${…}` (also in an attribute fragment such as html` title=${…}`).
    if (/(?:<\/?|[\w-]=)$/.test(literal) || (state === 'tag' && /=\s*$/.test(literal))) return 'unquoted';
    return state === '"' || state === "'" ? 'quoted' : state;
  });
}

const contextCache = new WeakMap<TemplateStringsArray, Context[]>();

function render(value: HtmlValue, context: Context): string {
  if (value instanceof Markup && context !== 'unquoted') return value.toString();
  if (Array.isArray(value)) return value.map((item: HtmlValue) => render(item, context)).join('');
  if (context === 'text' || context === 'quoted') return escapeText(String(value));
  const where = {
    tag: 'in a tag outside a quoted attribute value',
    unquoted: 'in a tag name or an unquoted attribute value',
    raw: 'in a script, style or comment',
  }[context];
  throw new TypeError(`html\`…\` cannot escape ${JSON.stringify(String(value).slice(0, 40))} ${where}`);
}

/**
 * The tag every page writer builds markup with: strings and numbers are escaped, {@link Html}
 * values are kept, arrays are concatenated.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let contexts = contextCache.get(strings);
  if (!contexts) {
    contexts = contextsOf(strings);
    contextCache.set(strings, contexts);
  }
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += render(value, contexts[index] ?? 'text') + (strings[index + 1] ?? '');
  });
  return new Markup(markup);
}

/** Html values one after another with a separator between them, like `Array.join`. */
export function joinHtml(values: readonly HtmlValue[], separator: HtmlValue = ''): Html {
  return html`${values.flatMap((value, index) => (index === 0 ? [value] : [separator, value]))}`;
}

/** A literal string type; never for `string` or a template with holes (`<b>${string}</b>`). */
type LiteralOnly<Text extends string> = Record<never, never> extends Record<Text, true> ? never : Text;

/**
 * Literal text of this repository taken as markup, e.g. the page's stylesheet and script. The
 * type takes only a literal: a string computed at run time (anything a run recorded) does not
 * compile.
 */
export function trustedHtml<const Literal extends string>(markup: LiteralOnly<Literal>): Html {
  return new Markup(markup);
}
