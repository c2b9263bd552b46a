// The front end's files, read once at start into memory. A request path is
// only ever a key into this map: nothing a client sends reaches the file
// system.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
  /** long-lived caching for content-hashed build outputs */
  immutable: boolean;
}

/** URL path ('/index.html', '/assets/x.js') → asset */
export type AssetMap = ReadonlyMap<string, Asset>;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Where the Vite build lands: dist/ui beside dist/web (this module, compiled). */
export function defaultAssetsDir(): string {
  return fileURLToPath(new URL('../ui/', import.meta.url));
}

/** Reads every file under `dir` (the built front end). Throws when there is no index.html. */
export function loadAssets(dir: string): AssetMap {
  const map = new Map<string, Asset>();
  const walk = (abs: string, rel: string): void => {
    for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
      const childAbs = path.join(abs, ent.name);
      const childRel = `${rel}/${ent.name}`;
      if (ent.isDirectory()) walk(childAbs, childRel);
      else if (ent.isFile()) {
        const ext = path.extname(ent.name).toLowerCase();
        map.set(childRel, { body: fs.readFileSync(childAbs), type: TYPES[ext] ?? 'application/octet-stream', immutable: childRel.startsWith('/assets/') });
      }
    }
  };
  walk(dir, '');
  if (!map.has('/index.html')) throw new Error(`the dashboard's front end is not built (no index.html in ${dir}); run npm run build`);
  return map;
}

/** The asset for a request path: exact keys only ('/' is the page). */
export function findAsset(assets: AssetMap, pathname: string): Asset | null {
  return assets.get(pathname === '/' ? '/index.html' : pathname) ?? null;
}
