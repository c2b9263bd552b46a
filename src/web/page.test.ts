import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { escapeHtml, firstViewRest, FIRST_VIEW_ID, LOADER, LOADER_SOURCE, plainRest, preparePage, scriptJson } from './page.js';

const BUILT = `<!doctype html>
<html lang="en">
<head>
<title>cachelens dashboard</title>
  <script type="module" crossorigin src="./assets/index-abc.js"></script>
  <link rel="stylesheet" crossorigin href="./assets/index-def.css">
</head>
<body>
<header class="top"><h1>cachelens</h1></header>
<main id="view" tabindex="-1"></main>
</body>
</html>
`;

const HOSTILE = ['</script><script>window.__pwned=1</script>', '<!--', '<img src=x onerror=1>', "$' $& $` $$", '\u2028\u2029', '"quoted" & \'single\''];

/** A report with only what the cards and the JSON block read, hostile text in its names. */
function report(name: string): Record<string, unknown> {
  const totals = { requests: 1234, sessions: 5, hitRate: 0.5, cacheReadTokens: 2e6, wastedUSD: 1.25, rebuilds: 3 };
  return {
    demo: false,
    totals,
    costs: { withCacheUSD: 10.5, noCacheUSD: 20, savingsUSD: 9.5, savingsRate: 0.475, plan: null },
    projects: [{ project: name }],
    models: [{ model: name }],
  };
}

describe('preparePage', () => {
  it('cuts the built page at its empty <main> and preloads the module in the head', () => {
    const page = preparePage(BUILT);
    expect(page.head.endsWith('<main id="view" tabindex="-1">')).toBe(true);
    expect(page.head).toContain('<link rel="modulepreload" crossorigin href="./assets/index-abc.js">');
    expect(page.head).not.toContain('<script');
    // the plain page: the document as built, 'Loading…' in <main> and the script tag moved to the end of the body
    expect(page.head + plainRest(page)).toContain(
      '<main id="view" tabindex="-1"><p class="muted" data-testid="loading">Loading…</p></main>\n<script type="module" crossorigin src="./assets/index-abc.js"></script>\n</body>',
    );
  });

  it('refuses a page without the empty <main> or the module script', () => {
    expect(() => preparePage(BUILT.replace('<main id="view" tabindex="-1"></main>', ''))).toThrow(/npm run build/);
    expect(() => preparePage(BUILT.replace(/<script[^\n]*\n/, ''))).toThrow(/npm run build/);
  });
});

describe('escaping', () => {
  it('scriptJson: no < > & or line separators survive, JSON.parse reads the same value', () => {
    for (const s of HOSTILE) {
      const out = scriptJson(JSON.stringify({ s }));
      expect(out).not.toMatch(/[<>&\u2028\u2029]/);
      expect(JSON.parse(out)).toEqual({ s });
    }
  });

  it('escapeHtml', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('firstViewRest', () => {
  const page = preparePage(BUILT);
  const config = JSON.stringify({ generation: 1, intervalMs: 1000, defaults: {} });

  it('holds the cards, the report as given and the loader; hostile names stay inside the JSON block', () => {
    for (const name of HOSTILE) {
      const json = JSON.stringify(report(name));
      const rest = firstViewRest(page, './api/report', json, config);
      // exactly the two script elements it adds, closed where they should be
      expect(rest.match(/<script/g)).toHaveLength(2);
      expect(rest.match(/<\/script>/g)).toHaveLength(2);
      const block = new RegExp(`<script type="application/json" id="${FIRST_VIEW_ID}">([^<]*)</script>`).exec(rest);
      expect(block).not.toBeNull();
      const boot = JSON.parse(block![1]!) as { api: string; config: unknown; report: unknown };
      expect(boot).toEqual({ api: './api/report', config: JSON.parse(config), report: JSON.parse(json) });
      expect(rest).toContain(`<script>${LOADER}</script>`);
      expect(rest).toContain('<div class="card" data-testid="total-requests" data-value="1234"><span class="card-label">Requests</span><strong class="card-value">1,234</strong><span class="card-note">5 sessions</span></div>');
      expect(rest.endsWith('</body>\n</html>\n')).toBe(true);
    }
  });

  it('the CSP source is the hash of exactly the loader', () => {
    expect(LOADER_SOURCE).toBe(`'sha256-${createHash('sha256').update(LOADER).digest('base64')}'`);
  });
});
