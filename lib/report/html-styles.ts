import { createHash } from 'node:crypto';
import { type Html, html, trustedHtml } from './html-template.ts';

/**
 * The stylesheet of meshproof's HTML pages (report.html, bench.html): one inline block, no
 * external resource, readable in a narrow window and printable.
 */
export const reportStyles = trustedHtml(`
:root{--pass:#1f7a3a;--fail:#c4302b;--error:#9a3412;--unsupported:#4b6584;--skipped:#6e7781;--fg:#1f2328;--muted:#59636e;--line:#d8dee4;--soft:#f6f8fa;--warn:#9a5b00}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff;overflow-wrap:break-word}
main{max-width:1080px;margin:0 auto;padding:16px 20px 48px}
h1{font-size:1.5rem;margin:0}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1.05rem;margin:0;overflow-wrap:anywhere}
h4{font-size:.95rem;margin:1rem 0 .35rem}
h5{font-size:.9rem;margin:.6rem 0 .25rem;color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
a{color:#0b5cad}
.title{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem}
.verdict{display:inline-block;font-weight:800;font-size:1.3rem;letter-spacing:.03em;padding:.2rem .8rem;border-radius:6px;color:#fff}
.verdict-PASSED{background:var(--pass)}.verdict-FAILED{background:var(--fail)}
.muted{color:var(--muted)}.ok{color:var(--pass)}.bad{color:var(--fail)}.warn{color:var(--warn)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:1rem 0}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.defects{border:2px solid var(--warn);background:#fff8e6;border-radius:6px;padding:.5rem .75rem}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0;margin:1rem 0}
.count{border:1px solid var(--line);border-top:4px solid var(--skipped);border-radius:6px;padding:.3rem .8rem;min-width:7rem}
.count-number{display:block;font-size:1.4rem;font-weight:700}
.count-FAILED{border-top-color:var(--fail)}.count-ERROR{border-top-color:var(--error)}.count-PASSED{border-top-color:var(--pass)}.count-NOT_SUPPORTED{border-top-color:var(--unsupported)}.count-total{border-top-color:var(--fg)}
.count-zero{opacity:.55}
.attention{border:1px solid var(--fail);border-radius:6px;padding:0 1rem .5rem;background:#fff5f5}
.attention h2{border:0;margin-top:.75rem}
.attention ul{padding-left:0;list-style:none}.attention li{margin:.5rem 0;overflow-wrap:anywhere}
.badge{display:inline-block;font-family:system-ui,sans-serif;font-size:.75rem;font-weight:700;padding:.05rem .45rem;border-radius:4px;color:#fff;vertical-align:.1em;white-space:nowrap}
.badge-PASSED{background:var(--pass)}.badge-FAILED{background:var(--fail)}.badge-ERROR{background:var(--error)}.badge-NOT_SUPPORTED{background:var(--unsupported)}.badge-SKIPPED{background:var(--skipped)}
.dot{display:inline-block;width:1.2em;text-align:center;font-weight:700}
.dot-PASSED{color:var(--pass)}.dot-FAILED{color:var(--fail)}.dot-ERROR{color:var(--error)}.dot-NOT_SUPPORTED{color:var(--unsupported)}.dot-SKIPPED{color:var(--skipped)}
.table-scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9rem}
th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-weight:600;color:var(--muted);border-bottom:2px solid var(--line)}
.capabilities{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:.5rem}
.capability{border:1px solid var(--line);border-radius:6px;padding:.35rem .6rem;font-size:.88rem}
.capability-unsupported{background:var(--soft);border-style:dashed}
.capability-head{font-size:.95rem}
.capability-reason{margin:.1rem 0;color:var(--muted)}
.capability-checks{list-style:none;margin:.15rem 0 0;padding:0}
.capability p{margin:.15rem 0}
.filter{display:none;flex-wrap:wrap;gap:.4rem;position:sticky;top:0;z-index:1;background:#fff;padding:.5rem 0;border-bottom:1px solid var(--line)}
.js .filter{display:flex}
.filter button{font:inherit;font-size:.9rem;border:1px solid var(--line);background:var(--soft);color:var(--fg);border-radius:999px;padding:.15rem .8rem;cursor:pointer}
.filter button[aria-pressed="true"]{background:var(--fg);color:#fff;border-color:var(--fg)}
.check{border:1px solid var(--line);border-left:6px solid var(--skipped);border-radius:6px;padding:.75rem 1rem;margin:1rem 0;scroll-margin-top:3.5rem}
.check-PASSED{border-left-color:var(--pass)}.check-FAILED{border-left-color:var(--fail)}.check-ERROR{border-left-color:var(--error)}.check-NOT_SUPPORTED{border-left-color:var(--unsupported)}
.meta{margin:.15rem 0 0;color:var(--muted);font-size:.85rem}
.description{margin:.5rem 0}
.want-got{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:.5rem 0;padding:.5rem .75rem;background:var(--soft);border-radius:6px}
.want-got dt{font-weight:600}.want-got dd{margin:0;overflow-wrap:anywhere}
.got-bad{color:var(--fail);font-weight:600}
.chart-figure{margin:.5rem 0}
.chart{display:block;max-width:100%;height:auto}
figcaption{font-size:.85rem;color:var(--muted)}
.sampling,.requests-sent{font-size:.85rem;color:var(--muted)}
.evidence-fields{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;font-size:.85rem}
.evidence-fields dd{margin:0;overflow-wrap:anywhere}
.hints{border-left:4px solid var(--warn);background:#fffbf0;padding:.25rem .9rem;margin:.75rem 0}
.hints ul{margin:.25rem 0 .5rem;padding-left:1.2rem}
details{margin:.4rem 0}
summary{cursor:pointer;font-weight:600}
details.block{margin-left:1rem}details.block summary{font-weight:400}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:.5rem;font-size:.78rem;max-height:30rem;overflow:auto}
footer{margin-top:2rem;color:var(--muted);font-size:.85rem}
@media (max-width:640px){main{padding:10px}.facts,.want-got,.evidence-fields{grid-template-columns:1fr}.facts dt,.want-got dt{margin-top:.3rem}.count{min-width:5.5rem}
.capabilities{grid-template-columns:1fr}}
@media print{body{font-size:10.5pt}.filter{display:none!important}main{max-width:none;padding:0}.check{break-inside:avoid-page}pre{max-height:none}a{color:inherit;text-decoration:none}.attention,.hints,.defects{background:none}}
`);

/**
 * Every page meshproof writes, as its text (pure): a Content-Security-Policy that blocks every
 * request and allows only the page's own inline script (by its hash), the generator, the title,
 * the inline styles, and the page's main content. The only place markup becomes a string.
 */
export function htmlPage(page: {
  readonly harnessVersion: string;
  readonly title: string;
  readonly styles: Html;
  readonly main: Html;
  /** The page's inline script, if it has one: run after the content. */
  readonly script?: Html;
}): string {
  const scriptSource = page.script
    ? html` script-src 'sha256-${createHash('sha256').update(page.script.toString()).digest('base64')}';`
    : html``;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';${scriptSource} img-src data:; base-uri 'none'; form-action 'none'">
<meta name="generator" content="meshproof ${page.harnessVersion}">
<title>${page.title}</title>
<style>${page.styles}</style>
</head>
<body>
<main>
${page.main}
</main>
${page.script ? html`<script>${page.script}</script>\n` : ''}</body>
</html>
`.toString();
}
