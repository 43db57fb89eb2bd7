/**
 * The one HTML page of the web app, as a string: used by `smd serve` (scripts linked, data
 * fetched) and by `smd report` (script, style and data inlined: opens offline from file://).
 */

/** Inputs of {@link htmlPage}. */
export interface HtmlPageOptions {
  title: string;
  /** Inline CSS text, or a URL to link. */
  css: { inline: string } | { href: string };
  /** Inline JS bundle text, or a URL to load. */
  js: { inline: string } | { src: string };
  /** JSON text of { runs: RunData[] } to embed (static report); omit for the dashboard. */
  dataJson?: string;
  /** Header subtitle. */
  subtitle?: string;
  /** Content-Security-Policy to use instead of the default (e.g. the explorer's blob: workers). */
  csp?: string;
}

/** The default policy: the page's own scripts and styles, nothing from elsewhere. */
export const DEFAULT_CSP =
  "default-src 'none'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'; img-src data:; connect-src 'self'";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Makes text safe inside <script>…</script> (no '</script', no '<!--'). */
export function scriptSafe(s: string): string {
  return s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON.stringify with `<` escaped (safe to embed in a script element). */
export function jsonForScript(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(/</g, '\\u003c');
}

/** Builds the page. */
export function htmlPage(o: HtmlPageOptions): string {
  const css =
    'inline' in o.css
      ? `<style>\n${o.css.inline.replace(/<\/style/gi, '<\\/style')}\n</style>`
      : `<link rel="stylesheet" href="${escapeHtml(o.css.href)}">`;
  const js =
    'inline' in o.js
      ? `<script>\n${scriptSafe(o.js.inline)}\n</script>`
      : `<script src="${escapeHtml(o.js.src)}" defer></script>`;
  const data =
    o.dataJson === undefined
      ? ''
      : `<script id="smd-data" type="application/json">${o.dataJson.replace(/</g, '\\u003c')}</script>\n`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(o.csp ?? DEFAULT_CSP)}">
<title>${escapeHtml(o.title)}</title>
${css}
</head>
<body>
<header class="top">smd — Spherical Motion Dynamics<span>${escapeHtml(o.subtitle ?? '')}</span></header>
<main id="app"></main>
${data}${js}
</body>
</html>
`;
}
