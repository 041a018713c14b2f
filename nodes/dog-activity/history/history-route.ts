// The history page's routing below httpNode's /dogtracker, Node-RED-free: `[<map path>/]history/` (the page),
// its script and styles, and `…/history/api/…` (answerHistory). One handler serves every dog-activity
// node with a history, found by the map path segment; anything else goes on to the next route.
import { readFileSync } from 'fs';
import * as path from 'path';
import type { NextFunction, Request, Response } from 'express';
import { errorMessage } from '../../kernel/checks';
import type { SiteView } from '../../kernel/site-view';
import { answerHistory, type HistoryDeps } from './history-http';

/** The map segment and the path below `history/` of a request path below /dogtracker/, or undefined. */
export function historyRoute(rel: string): { segment: string; rest: string | undefined } | undefined {
  const m = /^(?:([a-z0-9][a-z0-9_-]{0,39})\/)?history(?:\/(.*))?$/.exec(rel);
  if (!m) return undefined;
  return { segment: m[1] ?? '', rest: m[2] };
}

/** The map's path from the server's root, as tracker-notify registers its app login (`/dogtracker/kennel/`). */
export function mapPathOf(root: string, segment: string): string {
  return `${root}dogtracker/${segment === '' ? '' : `${segment}/`}`;
}

/** The plan's bounds (m) around every scanner and zone, padded, for the page and the heatmap. */
export function siteBox(view: Pick<SiteView, 'scanners' | 'zones'>): {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
} {
  const xs: number[] = [];
  const ys: number[] = [];
  const add = (x: number, y: number): void => {
    xs.push(x);
    ys.push(y);
  };
  for (const s of view.scanners) add(s.x, s.y);
  for (const z of view.zones) {
    if (z.shape === 'circle') {
      add(z.circle.x - z.circle.r, z.circle.y - z.circle.r);
      add(z.circle.x + z.circle.r, z.circle.y + z.circle.r);
    } else for (const [x, y] of z.polygon) add(x, y);
  }
  if (xs.length === 0) return { minX: -10, minY: -10, maxX: 10, maxY: 10 };
  const pad = 5;
  return {
    minX: Math.floor(Math.min(...xs) - pad),
    minY: Math.floor(Math.min(...ys) - pad),
    maxX: Math.ceil(Math.max(...xs) + pad),
    maxY: Math.ceil(Math.max(...ys) + pad),
  };
}

const FILES: Readonly<Record<string, [string, string]>> = {
  'history.js': ['history.js', 'application/javascript'],
  'history.css': ['history.css', 'text/css'],
};

/** One Express handler for every history in `served` (keyed by map segment). */
export function historyHandler(
  served: ReadonlyMap<string, HistoryDeps>,
  webDir: string,
): (req: Request, res: Response, next: NextFunction) => void {
  const page = readFileSync(path.join(webDir, 'history.html'), 'utf8');
  return (req, res, next) => void serve(req, res, next);

  async function serve(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const route = historyRoute(req.path.replace(/^\/+/, ''));
    const deps = route && served.get(route.segment);
    if (!route || !deps) return next();
    try {
      if (route.rest === undefined) return res.redirect(301, `${req.originalUrl.split('?')[0]}/`);
      if (route.rest === '') {
        // tracker-map serves Leaflet for every map at /dogtracker/map-assets/; reached relative to the page.
        const assets = route.segment === '' ? '../map-assets/' : '../../map-assets/';
        res
          .set('Cache-Control', 'no-cache')
          .type('html')
          .send(page.replace(/%ASSETS%/g, assets));
        return;
      }
      const file = FILES[route.rest];
      if (file) {
        res.set('Cache-Control', 'no-cache').type(file[1]).sendFile(path.join(webDir, file[0]));
        return;
      }
      const answer = await answerHistory(
        { path: route.rest, query: req.query as Record<string, unknown>, cookie: req.headers.cookie },
        deps,
      );
      res.set('Cache-Control', 'no-store').status(answer.status);
      if (answer.type === 'csv') {
        res.set('Content-Disposition', 'attachment; filename="time-in-zones.csv"');
        res.type('text/csv').send(answer.body);
      } else if (answer.type === 'json') res.type('application/json').send(answer.body);
      else res.type('text/plain').send(answer.body);
    } catch (err) {
      if (!res.headersSent) res.status(500).type('text/plain').send(errorMessage(err).slice(0, 200));
    }
  }
}
