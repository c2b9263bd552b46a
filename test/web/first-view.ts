/**
 * Reading what the server put into a page it served (src/web/page.ts): the
 * first overview's JSON block and the totals cards rendered as HTML.
 */
import { FIRST_VIEW_ID } from '../../src/web/page.js';

export interface FirstView {
  api: string;
  config: Record<string, unknown>;
  report: Record<string, unknown>;
}

/** The JSON block of the first overview, or null when the page has none. */
export function firstViewOf(html: string): FirstView | null {
  const m = new RegExp(`<script type="application/json" id="${FIRST_VIEW_ID}">([^<]*)</script>`).exec(html);
  return m ? (JSON.parse(m[1]!) as FirstView) : null;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

function unescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);
}

/** The cards in the served HTML by test id: data-value, the shown value and the note, as text. */
export function servedCards(html: string): Record<string, { value: string; text: string; note: string }> {
  const out: Record<string, { value: string; text: string; note: string }> = {};
  const card = /<div class="card" data-testid="([^"]+)" data-value="([^"]*)"><span class="card-label">[^<]*<\/span><strong class="card-value">([^<]*)<\/strong>(?:<span class="card-note">([^<]*)<\/span>)?<\/div>/g;
  for (const m of html.matchAll(card)) out[m[1]!] = { value: unescape(m[2]!), text: unescape(m[3]!), note: unescape(m[4] ?? '') };
  return out;
}
