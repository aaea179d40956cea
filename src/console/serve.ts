// Serves the web console under /ui: its own browser code (src/console/web) and the three libraries
// it runs on (Preact, htm, uPlot), read from the installed packages, so that the console needs no
// build step, no CDN and no network. Any /ui path that is not a file is the console's page shell: the
// browser code reads the path and query string (shareable URLs) and draws the page.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

export interface StaticAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** A file of an installed package, by its export (Preact's exports map hides the dist paths). */
const lib = (specifier: string) => readFileSync(new URL(import.meta.resolve(specifier)), 'utf8');
/** uPlot exports its CommonJS build; its ES module and stylesheet sit beside it. */
const uplot = (file: string) => readFileSync(new URL(file, import.meta.resolve('uplot')), 'utf8');
const web = new URL('./web/', import.meta.url);

/** The libraries, each as the ES module the browser imports; hooks import "preact" by its bare name. */
const vendor: Record<string, () => string> = {
  'preact.js': () => lib('preact'),
  'hooks.js': () => lib('preact/hooks').replaceAll('from"preact"', 'from"./preact.js"'),
  'htm.js': () => lib('htm'),
  'uplot.js': () => uplot('uPlot.esm.js'),
  'uplot.css': () => uplot('uPlot.min.css'),
};

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * Only the console's own files run: no inline script or style, no other origin. uPlot and Preact
 * set styles through the DOM (element.style), which style-src does not restrict.
 */
export const consoleCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface File {
  body: Buffer;
  type: string;
  etag: string;
}
// Files are read once: they ship with the package and do not change while it runs.
const files = new Map<string, File | null>();

function load(rel: string): File | null {
  if (files.has(rel)) return files.get(rel)!;
  let file: File | null = null;
  try {
    const body = rel.startsWith('vendor/')
      ? Buffer.from(vendor[rel.slice(7)]?.() ?? '')
      : readFileSync(new URL(rel, web));
    if (body.length > 0 || !rel.startsWith('vendor/')) {
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      file = { body, type: types[extname(rel)] ?? 'application/octet-stream', etag };
    }
  } catch {
    file = null;
  }
  files.set(rel, file);
  return file;
}

const safePath = /^[a-z0-9][\w.-]*(?:\/[a-z0-9][\w.-]*)*$/i;

/** The answer to a GET or HEAD of `path` (which starts with /ui). */
export function serveConsole(path: string, ifNoneMatch: string | undefined): StaticAnswer {
  const rel = path === '/ui' || path === '/ui/' ? '' : path.slice(4);
  const isAsset = extname(rel) !== '';
  if (isAsset && (!safePath.test(rel) || rel.includes('..'))) return notFound();
  const file = isAsset ? load(rel) : load('index.html');
  if (!file) return notFound();
  const headers: Record<string, string> = {
    'content-type': file.type,
    etag: file.etag,
    'content-security-policy': consoleCsp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    // The libraries change only with the package; the console's own files are revalidated on each
    // load (a cheap 304), so an upgrade is seen at once without fingerprinted names.
    'cache-control': rel.startsWith('vendor/') ? 'public, max-age=86400' : 'no-cache',
  };
  if (ifNoneMatch === file.etag) return { status: 304, headers, body: '' };
  return { status: 200, headers: { ...headers, 'content-length': String(file.body.length) }, body: file.body };
}

function notFound(): StaticAnswer {
  return {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body: 'Not found\n',
  };
}
