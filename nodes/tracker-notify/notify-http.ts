// The HTTP side of tracker-notify over Express (Node-RED's httpNode): the app's files, the manifest and
// the JSON API, for every tracker-notify node, found by the path segment of the request. No Node-RED here.
import { readFileSync } from 'fs';
import * as path from 'path';
import type { NextFunction, Request, Response } from 'express';
import { errorMessage } from '../kernel/checks';
import type { NotifyService } from './notify-service';
import { COOKIE, manifest, notifyRoute, parseCookies, sessionCookie, STATIC_FILES } from './routes';

export interface Served {
  service: NotifyService;
  title: string;
  urls: { api: string; app: string; map: string };
}

const MAX_BODY = 16 * 1024;

export function readBody(req: Request): Promise<unknown> {
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined && typeof parsed === 'object' && !Buffer.isBuffer(parsed))
    return Promise.resolve(parsed);
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? undefined : (JSON.parse(text) as unknown));
      } catch {
        reject(new Error('body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** One Express handler for every node in `served`; anything not theirs goes on to `next`. */
export function notifyHandler(
  served: ReadonlyMap<string, Served>,
  webDir: string,
  now: () => number,
): (req: Request, res: Response, next: NextFunction) => void {
  const files = new Map(
    Object.entries(STATIC_FILES).map(([route, file]) => [route, path.join(webDir, file)]),
  );
  return (req, res, next) => void serve(req, res, next);

  async function serve(req: Request, res: Response, next: NextFunction): Promise<void> {
    const route = notifyRoute(req.path.replace(/^\/+/, ''));
    const site = route && served.get(route.segment);
    if (!route || !site) return next();
    try {
      res.set('Cache-Control', 'no-store');
      const file = files.get(route.rest);
      if (file && (req.method === 'GET' || req.method === 'HEAD')) {
        if (route.rest === 'sw.js') res.set('Service-Worker-Allowed', site.urls.map);
        if (route.rest === 'app/') {
          const html = readFileSync(file, 'utf8').replace(
            /%TITLE%/g,
            site.title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
          );
          res.type('html').send(html);
          return;
        }
        res.sendFile(file);
        return;
      }
      if (route.rest === 'app') return res.redirect(301, `${req.originalUrl.split('?')[0]}/`);
      if (route.rest === 'manifest.webmanifest' && req.method === 'GET') {
        res.type('application/manifest+json').send(JSON.stringify(manifest(site.title, site.urls)));
        return;
      }
      let body: unknown;
      const hasBody =
        Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if ((req.method === 'POST' || req.method === 'PUT') && hasBody) {
        // JSON only: a cross-site form cannot send it without CORS, a second guard beside SameSite.
        if (!req.is('application/json')) {
          res.status(415).json({ error: 'send application/json' });
          return;
        }
        body = await readBody(req);
      }
      const token = parseCookies(req.headers.cookie).get(COOKIE);
      const answer = await site.service.api.handle({
        method: req.method,
        path: route.rest,
        body,
        token,
        address: req.ip ?? req.socket.remoteAddress ?? '',
        now: now(),
      });
      const secure = req.secure || req.headers['x-forwarded-proto'] === 'https';
      if (answer.session === null) res.append('Set-Cookie', sessionCookie('', site.urls.map, 0, secure));
      else if (answer.session)
        res.append(
          'Set-Cookie',
          sessionCookie(answer.session.token, site.urls.map, (answer.session.expires - now()) / 1000, secure),
        );
      if (answer.retryAfterS !== undefined) res.set('Retry-After', String(answer.retryAfterS));
      if (answer.json === undefined) res.status(answer.status).end();
      else res.status(answer.status).json(answer.json);
    } catch (err) {
      if (!res.headersSent) res.status(400).json({ error: errorMessage(err) });
    }
  }
}
