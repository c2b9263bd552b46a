// The HTML the server sends for the page. The built index.html is cut at its
// empty <main>: the part before it (styles, header, filters) can go out at
// once, and what follows is either the plain end (the page's script fetches
// its view) or the first overview already in place: its totals cards as
// HTML, the report as an inert JSON block the script takes over, and a small
// inline script (allowed by its hash in the CSP) that marks the painted frame
// and only then loads the page's script, so that script's work never holds
// back the first paint.
import { createHash } from 'node:crypto';
import { DEMO_BANNER, overviewCards } from './cards.js';
import type { OverviewReport } from '../report/overview.js';

export interface Page {
  /** everything up to and including `<main …>` */
  head: string;
  /** from `</main>` to the page's script tag */
  between: string;
  /** the module script tag, for a page that loads its view itself */
  script: string;
  /** `</body>` and the end */
  end: string;
}

/** The id of the JSON block the page's script reads its first view from. */
export const FIRST_VIEW_ID = 'cachelens-first';

// Runs before the first frame (the theme, so the cards paint in the right colours), marks the frame after the
// cards were painted (the bench reads the mark), then loads the module preloaded in the head.
export const LOADER =
  "(()=>{try{const t=localStorage.getItem('cachelens-theme');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch{}" +
  "requestAnimationFrame(()=>setTimeout(()=>{performance.mark('cachelens:first-view');const s=document.createElement('script');s.type='module';" +
  "s.src=document.querySelector('link[rel=modulepreload]').href;document.head.append(s)}))})()";

/** The CSP source that allows exactly LOADER. */
export const LOADER_SOURCE = `'sha256-${createHash('sha256').update(LOADER).digest('base64')}'`;

const MAIN = '<main id="view" tabindex="-1">';
const MODULE_SCRIPT = /<script type="module"([^>]*) src="([^"]+)"><\/script>/;

/** Cuts the built index.html; throws when it lacks the empty <main> or the module script (a broken build). */
export function preparePage(indexHtml: string): Page {
  const script = MODULE_SCRIPT.exec(indexHtml);
  const at = indexHtml.indexOf(`${MAIN}</main>`);
  if (!script || at < 0) throw new Error(`the dashboard's index.html lacks ${MAIN}</main> or its module script; run npm run build`);
  // preloaded in the head in either case: fetched while the rest of the page comes, run when the page adds it
  const head = indexHtml.slice(0, at + MAIN.length).replace(script[0], () => `<link rel="modulepreload"${script[1]} href="${script[2]}">`);
  const rest = indexHtml.slice(at + MAIN.length);
  const close = rest.lastIndexOf('</body>');
  return { head, between: rest.slice(0, close), script: `${script[0]}\n`, end: rest.slice(close) };
}

/**
 * What follows `page.head` on a page without data: its script fetches the
 * view the URL asks for. Until it runs (during a first scan the server may
 * be slow to send it) the page says it is loading, as the script then does.
 */
export function plainRest(page: Page): string {
  return `<p class="muted" data-testid="loading">Loading…</p>${page.between}${page.script}${page.end}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON made safe inside a <script> element: every <, > and & becomes a \u
 * escape (so no `</script>` or `<!--` can appear), as do the two line
 * separators. JSON.parse reads the same value back.
 */
export function scriptJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The overview's cards as HTML: the same markup, text and data-value attributes as the page draws (web/src/overview.ts). */
export function cardsHtml(r: OverviewReport): string {
  const cards = overviewCards(r).map(
    (c) =>
      `<div class="card" data-testid="${escapeHtml(c.testId)}" data-value="${c.value === null ? '' : String(c.value)}">` +
      `<span class="card-label">${escapeHtml(c.label)}</span><strong class="card-value">${escapeHtml(c.text)}</strong>` +
      `${c.note ? `<span class="card-note">${escapeHtml(c.note)}</span>` : ''}</div>`,
  );
  const banner = r.demo ? `<p class="banner" role="note">${escapeHtml(DEMO_BANNER)}</p>` : '';
  return `${banner}<div class="overview" data-testid="view-overview"><section class="cards" aria-label="Totals">${cards.join('')}</section></div>`;
}

/**
 * What follows `page.head` on a page with its first overview in place.
 * `reportJson` is the API's body for `api` (the same text), `configJson`
 * what /api/config says.
 */
export function firstViewRest(page: Page, api: string, reportJson: string, configJson: string): string {
  const report = JSON.parse(reportJson) as OverviewReport;
  const boot = `{"api":${JSON.stringify(api)},"config":${configJson},"report":${reportJson}}`;
  // the loader first: the frame it waits for need not wait for the parser to pass the JSON
  return `${cardsHtml(report)}${page.between}<script>${LOADER}</script>\n<script type="application/json" id="${FIRST_VIEW_ID}">${scriptJson(boot)}</script>\n${page.end}`;
}
