// tracker-map: a live map page served under {httpNodeRoot}/dogtracker/, fed by the node's input and
// pushed to browsers over a WebSocket. Node-RED adapter only: state in map-state.ts, socket in
// live-channel.ts, URLs in map-pages.ts.
import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import type { Server } from 'http';
import * as path from 'path';
import type { NextFunction, Request, Response } from 'express';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage, excerpt } from '../kernel/checks';
import { formatSkew } from '../kernel/event-clock';
import { appPerson, hasAppLogin } from '../common/app-access';
import { pipelineMetrics, SiteLabels } from '../common/metrics';
import { linkSite } from '../common/site-link';
import { readSettings } from '../kernel/settings';
import { TRACKER_MAP_SETTINGS } from '../kernel/settings/tracker-map';
import { COOKIE, parseCookies } from '../tracker-notify/routes';
import { notifyClock } from '../tracker-notify/runtime-hooks';
import { influxQueues, type InfluxUpdate } from '../influx-write/queue-board';
import { LiveChannel } from './live-channel';
import { credentialBinding, MapTokens } from './map-token';
import {
  ASSETS_SEGMENT,
  assetTable,
  escapeHtml,
  mapPathSegment,
  nodeRoot,
  pagePath,
  routeOf,
  socketPath,
} from './map-pages';
import { BatchError, MapState } from './map-state';

interface TrackerMapDef extends NodeDef {
  site: string;
  /** '' serves /dogtracker/, `kennel` serves /dogtracker/kennel/. */
  path: string;
  title: string;
  trailMinutes: number | string;
  alerts: number | string;
  /** Browsers served at once (WebSocket clients). */
  maxClients?: number | string;
  /** Map tiles, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty: the site plan only. */
  tileUrl: string;
  tileAttribution: string;
  /** Clock skew limit, s: a position more than this ahead of the other dogs' is refused. */
  maxSkew?: number | string;
}

interface MapPage {
  title: string;
  /** The page's URL path from the server's root, e.g. `/dogtracker/`: what the app login is keyed by. */
  url: string;
  /** What this node instance's tokens open: its socket path and a nonce (a redeploy ends old tokens). */
  scope: string;
  tiles: { url: string; attribution: string };
}

const WEB_DIR = path.join(__dirname, 'web');
/** The InfluxDB queues change up to twice a second per influx-write node: pages get them at most this often. */
const INFLUX_UPDATE_MS = 1000;

// Where a tracker-notify serves this map, the page is its phone app: the manifest, the icons and the
// service worker come from tracker-notify, relative to the page.
const APP_HEAD = [
  '<link rel="manifest" href="api/notify/manifest.webmanifest" />',
  '<link rel="icon" href="api/notify/icon.svg" />',
  '<link rel="apple-touch-icon" href="api/notify/apple-touch-icon.png" />',
  '<meta name="apple-mobile-web-app-capable" content="yes" />',
  '<meta name="mobile-web-app-capable" content="yes" />',
].join('\n    ');

/**
 * Who may open a map's data: `'no-app-login'` leaves it to Node-RED's httpNodeAuth (already checked
 * for HTTP; the WebSocket token carries it), otherwise the app's logged-in person, or undefined.
 */
function appAccess(mapUrl: string, cookie: string | undefined): ReturnType<typeof appPerson> {
  return appPerson(mapUrl, cookie, notifyClock().now());
}

/** The token binding of a request: its Authorization header and, with an app login, its session. */
function bindingOf(headers: { authorization?: string; cookie?: string }, app: boolean): string {
  const session = app ? (parseCookies(headers.cookie).get(COOKIE) ?? '') : undefined;
  return credentialBinding(headers.authorization, session);
}

export = (RED: NodeAPI): void => {
  const pages = new Map<string, MapPage>();
  const tokens = new MapTokens();
  const assets = assetTable(WEB_DIR, path.dirname(require.resolve('leaflet/dist/leaflet.js')));
  const pageTemplate = readFileSync(path.join(WEB_DIR, 'index.html'), 'utf8');
  const root = nodeRoot((RED.settings as { httpNodeRoot?: unknown }).httpNodeRoot);

  // One handler for every map, registered once: nodes come and go in `pages` on deploy, so nothing is
  // left behind in Express. Anything not ours (e.g. /dogtracker/metrics) goes on to the next route.
  if (root !== undefined) RED.httpNode.use('/dogtracker', serve);

  function serve(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const route = routeOf(req.path.replace(/^\/+/, ''));
    if (route?.kind === 'asset') {
      const file = assets.get(route.name);
      if (!file) return next();
      res.sendFile(file, { maxAge: '1h' }, (err) => {
        if (err && !res.headersSent) next();
      });
      return;
    }
    const page = route && pages.get(route.segment);
    if (!route || !page) return next();
    const url = req.originalUrl.split('?')[0];
    // The page loads its files relative to its own URL, so it must end in a slash
    // (`/dogtracker` reaches here as the default page, `/dogtracker/kennel` as slashless).
    if (route.kind === 'slashless' || (route.kind === 'page' && !url.endsWith('/'))) {
      res.redirect(301, `${url}/`);
    } else if (route.kind === 'session') {
      res.set('Cache-Control', 'no-store');
      const person = appAccess(page.url, req.headers.cookie);
      if (person === undefined) {
        res.status(401).json({ error: 'log in to the app first', appLogin: true });
        return;
      }
      // A fresh token per request, bound to the credentials this request carried (httpNodeAuth checked
      // them, or the app login did).
      const app = person !== 'no-app-login';
      const { token, expiresAt } = tokens.issue(page.scope, bindingOf(req.headers, app));
      res.json({
        token,
        expiresAt,
        tiles: page.tiles,
        title: page.title,
        ...(app ? { person } : {}),
      });
    } else {
      // The page itself is the app's shell: no map data in it (that needs the session above), so the
      // service worker can keep it for opening with no network, and it shows the login form.
      const assetsUrl = route.segment === '' ? `${ASSETS_SEGMENT}/` : `../${ASSETS_SEGMENT}/`;
      const app = hasAppLogin(page.url);
      res
        .set('Cache-Control', 'no-cache')
        .type('html')
        .send(
          pageTemplate
            .replace(/%ASSETS%/g, assetsUrl)
            .replace(/%TITLE%/g, escapeHtml(page.title))
            .replace('%APP_HEAD%', app ? APP_HEAD : '')
            .replace('%APP%', app ? 'app' : 'map'),
        );
    }
  }

  function TrackerMap(this: Node, def: TrackerMapDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const read = readSettings(TRACKER_MAP_SETTINGS, def);
    const table = TRACKER_MAP_SETTINGS;
    const settings = read.ok
      ? read.values
      : {
          trailMinutes: table.trailMinutes.default,
          alerts: table.alerts.default,
          maxClients: table.maxClients.default,
          maxSkew: table.maxSkew.default,
        };
    const dogLabels = new SiteLabels();
    const state = new MapState({
      trailS: settings.trailMinutes * 60,
      alertsKept: settings.alerts,
      maxAheadMs: settings.maxSkew * 1000,
      now: () => Date.now(),
      onRefused: (position, v) => {
        pipelineMetrics.clockSkew.inc({ dog: dogLabels.label(position.dog) });
        if (v.first)
          node.warn(
            `dog ${excerpt(position.dog)}: position stamped ${formatSkew(v.aheadMs)} ahead of the ${v.reference}; not shown until its times are back in step`,
          );
      },
    });
    let segment: string;
    let problem: string | undefined = read.ok ? undefined : `invalid settings: ${read.problems.join('; ')}`;
    try {
      segment = mapPathSegment(def.path);
      if (problem === undefined && root === undefined)
        problem = 'httpNodeRoot is false in the settings: Node-RED serves no node pages';
      else if (problem === undefined && pages.has(segment))
        problem = `another tracker-map already serves ${pagePath(segment)}`;
    } catch (err) {
      segment = '';
      problem = errorMessage(err);
    }
    if (problem !== undefined) {
      node.error(problem);
      node.status({ fill: 'red', shape: 'ring', text: 'not served' });
    }

    let channel: LiveChannel | undefined;
    let server: Server | undefined;
    let viewers = 0;
    let siteLoaded = false;
    const showStatus = (): void => {
      if (problem !== undefined) return;
      if (!siteLoaded) return; // linkSite shows why
      const worst = state.clock.ahead()[0];
      if (worst) {
        node.status({
          fill: 'yellow',
          shape: 'ring',
          text: `${worst.source.slice(0, 40)}: position ${formatSkew(worst.aheadMs)} ahead, not shown`,
        });
        return;
      }
      node.status({
        fill: 'green',
        shape: viewers > 0 ? 'dot' : 'ring',
        text: `${root ?? '/'}${pagePath(segment).slice(1)} · ${viewers} viewer${viewers === 1 ? '' : 's'}`,
      });
    };
    const broadcast = (update: unknown): void => channel?.broadcast(JSON.stringify(update));
    // The health screen's InfluxDB queues (influx-write/queue-board.ts) go with every snapshot; an empty
    // list is "off".
    const withInflux = <T extends object>(snapshot: T): T & { influx: InfluxUpdate['influx'] } => ({
      ...snapshot,
      influx: influxQueues.list(),
    });
    let influxTimer: NodeJS.Timeout | undefined;
    let unsubscribeInflux = (): void => undefined;

    linkSite(RED, node, def.site, (view) => {
      siteLoaded = true;
      dogLabels.setListed(view.dogs.map((d) => d.id));
      broadcast(withInflux(state.setSite(view)));
      showStatus();
    });

    if (problem === undefined && root !== undefined) {
      const page: MapPage = {
        title: def.title || 'Dog tracker',
        url: `${root}${pagePath(segment).slice(1)}`,
        scope: `${socketPath(root, segment)}\n${randomBytes(12).toString('base64url')}`,
        tiles: { url: def.tileUrl ?? '', attribution: def.tileAttribution ?? '' },
      };
      pages.set(segment, page);
      const live = new LiveChannel({
        path: socketPath(root, segment),
        authorize: (request, token) => {
          const person = appAccess(page.url, request.headers.cookie);
          if (person === undefined) return 'log in to the app first';
          return tokens.check(token, page.scope, bindingOf(request.headers, person !== 'no-app-login'));
        },
        maxClients: settings.maxClients,
        greeting: () => JSON.stringify(withInflux(state.snapshot())),
        onClientsChanged: (count) => {
          viewers = count;
          showStatus();
        },
        onError: (err) => node.warn(`map socket: ${err.message}`),
      });
      channel = live;
      unsubscribeInflux = influxQueues.subscribe(() => {
        influxTimer ??= setTimeout(() => {
          influxTimer = undefined;
          const update: InfluxUpdate = { kind: 'influx', influx: influxQueues.list() };
          broadcast(update);
        }, INFLUX_UPDATE_MS);
      });
      server = RED.server;
      if (server) server.on('upgrade', live.onUpgrade);
      else node.warn('no HTTP server: the map page gets no live updates');
      showStatus();
    }

    node.on('input', (msg: NodeMessageInFlow, _send, done) => {
      const aheadBefore = state.clock.ahead().length;
      try {
        for (const update of state.apply(msg.payload, msg.topic)) broadcast(update);
        if (state.clock.ahead().length !== aheadBefore) showStatus();
        done();
      } catch (err) {
        if (err instanceof BatchError) for (const update of err.updates) broadcast(update);
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (problem === undefined) pages.delete(segment);
      unsubscribeInflux();
      if (influxTimer) clearTimeout(influxTimer);
      influxTimer = undefined;
      if (channel && server) server.off('upgrade', channel.onUpgrade);
      const closing = channel?.close() ?? Promise.resolve();
      closing.then(done, done);
    });
  }

  RED.nodes.registerType('tracker-map', TrackerMap);
};
