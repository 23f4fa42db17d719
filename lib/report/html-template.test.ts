import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Html, html, joinHtml, trustedHtml } from './html-template.ts';

const text = (value: unknown) => String(value);

describe('html', () => {
  it.each([
    ['<script>alert("x")</script>', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
    ["a & b's", 'a &amp; b&#39;s'],
    ['plain ×20 → ✓', 'plain ×20 → ✓'],
    ['\u001b[31mred\u001b]8;;http://x\u0007', '␛[31mred␛]8;;http://x␇'],
    ['nul\0 del\u007f csi\u009b', 'nul␀ del␡ csi\ufffd'],
    ['tab\tlf\ncr\rff\f', 'tab\tlf\ncr\rff\f'],
  ])('escapes the text %j as %j, in content and in quoted attributes', (value, escaped) => {
    expect(text(html`<p title="${value}">${value}</p>`)).toBe(`<p title="${escaped}">${escaped}</p>`);
    expect(text(html`<p title='${value}'>${value}</p>`)).toBe(`<p title='${escaped}'>${escaped}</p>`);
  });

  it('keeps markup built with html, concatenates arrays, and writes numbers as they are', () => {
    const item = (name: string) => html`<li>${name}</li>`;
    expect(text(html`<ul>${['a<b', 'c'].map(item)}</ul>`)).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
    expect(text(html`<td${html` class="num"`}>${12.5}</td>`)).toBe('<td class="num">12.5</td>');
    expect(text(html`${[['<', html`<br>`], []]}`)).toBe('&lt;<br>');
    expect(text(joinHtml([html`<b>1</b>`, '2 & 3'], ', '))).toBe('<b>1</b>, 2 &amp; 3');
    expect(text(joinHtml([]))).toBe('');
  });

  it('refuses a string where escaping would not protect it', () => {
    const hostile = 'onmouseover=alert(1)';
    expect(() => html`<td ${hostile}>`).toThrow(/in a tag outside a quoted attribute value/);
    expect(() => html`<td title=${hostile}>`).toThrow(/unquoted attribute value/);
    expect(() => html`<${'script'}>`).toThrow(/tag name/);
    expect(() => html`</${'script'}>`).toThrow(/tag name/);
    expect(() => html`<script>${hostile}</script>`).toThrow(/in a script, style or comment/);
    expect(() => html`<STYLE media="all">${hostile}</STYLE>`).toThrow(/in a script, style or comment/);
    expect(() => html`<!-- ${hostile} -->`).toThrow(/in a script, style or comment/);
    expect(() => html`<p class=${html`x`}>`).toThrow(/unquoted attribute value/);
    expect(() => html` title=${hostile}`).toThrow(/unquoted attribute value/);
    expect(text(html`a = ${'<b>'}`)).toBe('a = &lt;b&gt;');
  });

  it('knows where a script, a style, a comment and an attribute end', () => {
    expect(text(html`<style>p{}</style><p>${'<'}</p>`)).toBe('<style>p{}</style><p>&lt;</p>');
    expect(text(html`<script>${trustedHtml('a<b')}</script>${'<'}`)).toBe('<script>a<b</script>&lt;');
    expect(text(html`<!-- x -->${'<'}`)).toBe('<!-- x -->&lt;');
    expect(text(html`<a title="a > b" href="#${'x"'}">${'<'}</a>`)).toBe(
      '<a title="a > b" href="#x&quot;">&lt;</a>',
    );
    expect(text(html`1 < 2 and ${'<'}`)).toBe('1 < 2 and &lt;');
  });
});

describe('trustedHtml', () => {
  it('takes literal text only: a string computed at run time does not compile', () => {
    const checked = (): unknown[] => [
      // @ts-expect-error text a run recorded is never trusted markup
      trustedHtml(String(Math.random())),
      // @ts-expect-error nor text built from it
      trustedHtml(`<b>${Math.random()}</b>`),
      // @ts-expect-error a plain string is not Html
      ((): Html => '<b>')(),
      // @ts-expect-error booleans, undefined and objects are not interpolated
      html`${true}${undefined}${{}}`,
    ];
    expect(checked).toBeTypeOf('function');
    expect(text(trustedHtml('<b>bold</b>'))).toBe('<b>bold</b>');
  });

  it('is called on literal text everywhere in lib/', () => {
    const library = join(import.meta.dirname, '..');
    const sources = readdirSync(library, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => readFileSync(join(library, file), 'utf8'));
    const calls = sources.flatMap((source) =>
      [...source.matchAll(/\btrustedHtml\(/g)].map((match) => source.slice(match.index + match[0].length)),
    );
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const quote = call.charAt(0);
      expect(['`', "'", '"']).toContain(quote);
      const literal = call.slice(1, call.indexOf(quote, 1));
      expect(literal).not.toContain('${');
      expect(
        call
          .slice(literal.length + 2)
          .trimStart()
          .charAt(0),
      ).toMatch(/[),]/);
    }
  });
});

describe('the HTML writers', () => {
  it('leave markup to html templates: no writer spells a tag in a plain string', () => {
    const writers = readdirSync(import.meta.dirname)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'html-template.ts')
      .map((file) => [file, readFileSync(join(import.meta.dirname, file), 'utf8')] as const)
      .filter(([, source]) => source.includes("from './html-template.ts'"));
    expect(writers.map(([file]) => file)).toEqual(
      expect.arrayContaining([
        'bench-html.ts',
        'evidence-html.ts',
        'html-report.ts',
        'html-styles.ts',
        'svg-charts.ts',
      ]),
    );
    for (const [file, source] of writers) {
      const plain = source.split('\n').filter((line) => /(?<!html)`<[a-zA-Z/!]|['"]<[a-zA-Z/!]/.test(line));
      expect(plain, file).toEqual([]);
      // Nor escapes by hand: escaping is the tag's alone.
      expect(source, file).not.toMatch(/&(?:lt|gt|amp|quot|#\d+);/);
    }
  });
});
