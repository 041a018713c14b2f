// URLs of tracker-notify, below httpNode's /dogtracker: `api/notify/...` for the default site (the map
// at /dogtracker/), `<path>/api/notify/...` beside the map at /dogtracker/<path>/. The map page reaches
// them relative to its own URL; `api` is a name the map never takes, so the two never collide.
const PATH_RE = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** '' or one lower-case segment (as tracker-map's path); throws on anything else. */
export function notifySegment(value: unknown): string {
  const segment = (typeof value === 'string' ? value : '').trim().replace(/^\/+|\/+$/g, '');
  if (segment === '') return '';
  if (!PATH_RE.test(segment) || segment === 'api')
    throw new Error(
      `path "${segment.slice(0, 40)}" must be one segment of lower-case letters, digits, - or _, or empty`,
    );
  return segment;
}

/** The segment and the path below `api/notify/` of a request path below /dogtracker/, or undefined. */
export function notifyRoute(rel: string): { segment: string; rest: string } | undefined {
  const m = /^(?:([a-z0-9][a-z0-9_-]{0,39})\/)?api\/notify(?:\/(.*))?$/.exec(rel);
  if (!m) return undefined;
  return { segment: m[1] ?? '', rest: m[2] ?? '' };
}

/** Paths (from the server's root) of one node's API, app and map page. */
export function notifyUrls(root: string, segment: string): { api: string; app: string; map: string } {
  const map = `${root}dogtracker/${segment === '' ? '' : `${segment}/`}`;
  return { map, api: `${map}api/notify/`, app: `${map}api/notify/app/` };
}

/** The files of web/ served below `api/notify/`. */
export const STATIC_FILES: Readonly<Record<string, string>> = {
  'app/': 'index.html',
  'app.js': 'app.js',
  'app.css': 'app.css',
  'sw.js': 'sw.js',
  'icon.svg': 'icon.svg',
  // Made once from icon.svg with Chromium: Android wants 192 and 512 PNGs (and a maskable one for its
  // round and squircle masks), iOS a 180 px apple-touch-icon (it ignores the manifest's icons).
  'icon-192.png': 'icon-192.png',
  'icon-512.png': 'icon-512.png',
  'icon-maskable-512.png': 'icon-maskable-512.png',
  'apple-touch-icon.png': 'apple-touch-icon.png',
};

/** The app's colour: the map page's header (theme-color there too). */
export const THEME_COLOR = '#3b5b3a';

/** The web app manifest: the live map is the app (start_url), the alerts and settings are its screens. */
export function manifest(
  title: string,
  urls: { api: string; app: string; map: string },
): Record<string, unknown> {
  return {
    id: urls.map,
    name: title,
    short_name: title.length <= 12 ? title : title.slice(0, 12).trim(),
    description: 'Where the dogs are, and their alerts',
    start_url: urls.map,
    scope: urls.map,
    display: 'standalone',
    orientation: 'portrait',
    background_color: '#f4f5f2',
    theme_color: THEME_COLOR,
    icons: [
      { src: `${urls.api}icon-192.png`, sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: `${urls.api}icon-512.png`, sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: `${urls.api}icon-maskable-512.png`, sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      { src: `${urls.api}icon.svg`, sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
    ],
  };
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';').slice(0, 50)) {
    const i = part.indexOf('=');
    if (i > 0) cookies.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return cookies;
}

export const COOKIE = 'dogtracker_session';

/** Set-Cookie for a session: HttpOnly, SameSite=Strict, Secure over HTTPS, scoped to the node's paths. */
export function sessionCookie(value: string, path: string, maxAgeS: number, secure: boolean): string {
  return `${COOKIE}=${value}; Path=${path}; Max-Age=${Math.max(0, Math.round(maxAgeS))}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
