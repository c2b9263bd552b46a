// Finding a block in a body by its path ('messages[3].content[0]'), and short
// excerpts of two texts around where they first differ: what lint and diff
// show the user.

type Obj = Record<string, unknown>;

/** The JSON value at a prefix path; a string content is returned as its text block. */
export function blockAt(body: Obj, path: string): unknown {
  let cur: unknown = body;
  for (const m of path.matchAll(/([a-z_]+)|\[(\d+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = m[1] !== undefined ? (cur as Obj)[m[1]] : (cur as unknown[])[Number(m[2])];
  }
  return typeof cur === 'string' ? { type: 'text', text: cur } : cur;
}

/** JSON text of a block without its cache_control (what the cache hashes). */
export function blockText(body: Obj, path: string): string {
  return JSON.stringify(blockAt(body, path), (k, v) => (k === 'cache_control' ? undefined : v)) ?? '';
}

/** JSON with object keys sorted: equal for two blocks that differ only in key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

const clip = (s: string, from: number, width: number): string => `${from > 0 ? '…' : ''}${s.slice(from, from + width)}${from + width < s.length ? '…' : ''}`;

/** Excerpts of a and b starting a little before their first differing character. */
export function excerpts(a: string, b: string, width = 60): { at: number; a: string; b: string } {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  const from = Math.max(0, i - 20);
  return { at: i, a: clip(a, from, width), b: clip(b, from, width) };
}
