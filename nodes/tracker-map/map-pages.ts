// URLs of the map pages and the files they load. No Node-RED here: the adapter routes requests with it.
import { existsSync, readdirSync } from 'fs';
import * as path from 'path';

/** Under {httpNodeRoot}/dogtracker/: the shared files (page script, styles, Leaflet). */
export const ASSETS_SEGMENT = 'map-assets';
/** Names a map's own path cannot take: they are the package's other endpoints or a page's sub-paths. */
const RESERVED = new Set([ASSETS_SEGMENT, 'metrics', 'site', 'session', 'ws', 'api', 'history']);
const PATH_RE = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** '' for the default page `/dogtracker/`, else a single lower-case segment; throws on a bad path. */
export function mapPathSegment(value: unknown): string {
  const segment = (typeof value === 'string' ? value : '').trim().replace(/^\/+|\/+$/g, '');
  if (segment === '') return '';
  if (!PATH_RE.test(segment))
    throw new Error(
      `map path "${segment}" must be one segment of lower-case letters, digits, - or _ (up to 40), or empty`,
    );
  if (RESERVED.has(segment)) throw new Error(`map path "${segment}" is reserved; choose another`);
  return segment;
}

/** Node-RED's `httpNodeRoot` as `/…/`, or undefined when it is `false` (HTTP nodes disabled). */
export function nodeRoot(setting: unknown): string | undefined {
  if (setting === false) return undefined;
  const root = typeof setting === 'string' ? setting : '/';
  return `/${root.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
}

/** The page's path below httpNodeRoot (as routed by httpNode), e.g. `/dogtracker/` or `/dogtracker/kennel/`. */
export function pagePath(segment: string): string {
  return segment === '' ? '/dogtracker/' : `/dogtracker/${segment}/`;
}

/** The absolute URL path of the page's WebSocket, as the HTTP server sees it. */
export function socketPath(root: string, segment: string): string {
  return `${root}${pagePath(segment).slice(1)}ws`;
}

/**
 * Files served under `map-assets/`: the page's own (web/ beside the compiled node) and Leaflet's
 * distribution from node_modules, so the page works with no internet. Name -> absolute path.
 */
export function assetTable(webDir: string, leafletDir: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const file of readdirSync(webDir)) {
    if (file !== 'index.html') table.set(file, path.join(webDir, file));
  }
  for (const file of ['leaflet.js', 'leaflet.css']) table.set(`leaflet/${file}`, path.join(leafletDir, file));
  const images = path.join(leafletDir, 'images');
  if (existsSync(images))
    for (const file of readdirSync(images)) table.set(`leaflet/images/${file}`, path.join(images, file));
  return table;
}

export type Route =
  { kind: 'asset'; name: string } | { kind: 'page' | 'session' | 'slashless'; segment: string };

/**
 * What a request below /dogtracker/ asks for, from its path there (`''`, `session`, `kennel/`,
 * `map-assets/map.js`, ...). `slashless`: a page asked for without its trailing slash. Undefined: not ours.
 */
export function routeOf(rel: string): Route | undefined {
  if (rel.startsWith(`${ASSETS_SEGMENT}/`))
    return { kind: 'asset', name: rel.slice(ASSETS_SEGMENT.length + 1) };
  if (rel === '') return { kind: 'page', segment: '' };
  if (rel === 'session') return { kind: 'session', segment: '' };
  const parts = rel.split('/');
  if (!PATH_RE.test(parts[0]) || RESERVED.has(parts[0])) return undefined;
  if (parts.length === 1) return { kind: 'slashless', segment: parts[0] };
  if (parts.length === 2 && parts[1] === '') return { kind: 'page', segment: parts[0] };
  if (parts.length === 2 && parts[1] === 'session') return { kind: 'session', segment: parts[0] };
  return undefined;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
