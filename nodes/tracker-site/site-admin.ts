// The site admin screen of the phone app, under each live map's path: `{root}dogtracker/{map}/site/`.
// The same Plan editor as the tracker-site dialog, for the map's site. Who may: with a tracker-notify for
// the map, its app login (an admin edits; a viewer may only fetch the backdrop the map draws); without one,
// Node-RED's editor auth (tracker-site.write), as the dialog's routes. Saves go through the same checks:
// a file site is written atomically with one .bak; an inline site is refused (the editor's next deploy
// would undo it) with a message to switch to a file site.
import type { IncomingMessage } from 'http';
import * as path from 'path';
import type { NodeAPI } from 'node-red';
import type { NextFunction, Request, Response } from 'express';
import { errorMessage } from '../kernel/checks';
import { coverage } from '../kernel/coverage';
import { appPerson, roleAllows, type AppRole } from '../common/app-access';
import { heardNow } from '../common/heard-beacons';
import { mapPathSegment, nodeRoot } from '../tracker-map/map-pages';
import { checkPlan, SENSITIVITY_DBM } from './site-plan-checks';
import { assetTable, MAX_SITE_BYTES, suggestInSlices, writeAtomically } from './site-save';
import type { TrackerSiteNode } from './tracker-site-node';
import { handleWalk } from './walk-routes';

/** `site/…` of the default map, or `{map}/site/…`. */
const ADMIN_PATH = /^\/(?:([a-z0-9][a-z0-9_-]{0,39})\/)?site\/(.*)$/;

/** The page and its own script, beside the Plan editor's files. */
const PAGE_FILES = new Set(['site-admin.html', 'site-admin.js', 'site-admin.css', 'walk.js', 'walk.css']);

const WEB_DIR = path.join(__dirname, 'web');

type Reply = { status: number; body: unknown };

/** The request body, up to `max` bytes (then undefined: the caller answers 413). */
export function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Why the app does not save an inline site: the editor holds its own copy of the flow, and its next deploy
 * would put the old site back without a word. A file site is written here and read by the node live.
 */
export const INLINE_REFUSED =
  'this site is kept inside the flow, so the next deploy from the Node-RED editor would undo a change made here. Switch it to a file site: in the Node-RED editor open the tracker-site node, set "Site from" to a file, deploy; then save here.';

/** Checks, then saves `text` as the site of `site` (a file site, written atomically; an inline site is refused). */
export async function saveSiteText(site: TrackerSiteNode, text: string): Promise<Reply> {
  if (text.length > MAX_SITE_BYTES)
    return { status: 413, body: { ok: false, errors: [`site is larger than ${MAX_SITE_BYTES} bytes`] } };
  if (site.origin.kind !== 'file')
    return { status: 409, body: { ok: false, errors: [INLINE_REFUSED], warnings: [], problems: [] } };
  const check = checkPlan(text);
  const { site: _checked, ...report } = check;
  if (!check.ok) return { status: 422, body: { ...report, ok: false } };
  const file = site.origin.file;
  try {
    await writeAtomically(file, text);
  } catch (err) {
    // The phone is told what failed, not where the hub keeps its files.
    site.error(`cannot write ${file}: ${errorMessage(err)}`);
    return {
      status: 500,
      body: {
        ok: false,
        errors: [`cannot write the site file: ${errorMessage(err).replace(file, 'site file')}`],
      },
    };
  }
  return { status: 200, body: { ...report, ok: true } };
}

export function registerSiteAdmin(RED: NodeAPI): void {
  const root = nodeRoot((RED.settings as { httpNodeRoot?: unknown }).httpNodeRoot);
  if (root === undefined) return;
  let assets = new Map<string, string>();
  try {
    assets = assetTable();
  } catch (err) {
    RED.log.warn(`tracker-site: the site admin screen's files are missing (${errorMessage(err)})`);
  }
  const editorAuth: Record<AppRole, ReturnType<typeof RED.auth.needsPermission>> = {
    viewer: RED.auth.needsPermission('tracker-site.read'),
    admin: RED.auth.needsPermission('tracker-site.write'),
  };

  /** The tracker-site of the map at `segment`, or undefined when no deployed map has that path. */
  function siteOfMap(segment: string): TrackerSiteNode | undefined {
    let siteId: string | undefined;
    RED.nodes.eachNode((n) => {
      const def = n as { type: string; path?: unknown; site?: unknown };
      if (siteId !== undefined || def.type !== 'tracker-map' || typeof def.site !== 'string') return;
      try {
        if (mapPathSegment(def.path) === segment) siteId = def.site;
      } catch {
        // A map with a bad path serves nothing.
      }
    });
    const node = siteId === undefined ? undefined : RED.nodes.getNode(siteId);
    return node && (node as { type?: string }).type === 'tracker-site'
      ? (node as TrackerSiteNode)
      : undefined;
  }

  /** Lets `next` run when the request may do what needs `role`; else answers 401 or 403. */
  function allow(req: Request, res: Response, mapPath: string, role: AppRole, next: () => void): void {
    const person = appPerson(mapPath, req.headers.cookie, Date.now());
    if (person === 'no-app-login') {
      // The map's viewers passed httpNodeAuth already; editing needs the editor's permission.
      if (role === 'viewer') return next();
      editorAuth.admin(req, res, next);
      return;
    }
    if (!person) {
      res.status(401).json({ error: `log in to the app first: ${mapPath}api/notify/app/` });
      return;
    }
    if (!roleAllows(person.role, role)) {
      res.status(403).json({ error: `${person.login} is a viewer: the site needs an admin` });
      return;
    }
    next();
  }

  RED.httpNode.use('/dogtracker', (req: Request, res: Response, next: NextFunction) => {
    const m = ADMIN_PATH.exec(req.path);
    if (!m) return next();
    const segment = m[1] ?? '';
    const rest = m[2] ?? '';
    const mapPath = `${root}dogtracker/${segment === '' ? '' : `${segment}/`}`;
    const site = siteOfMap(segment);
    if (!site) return next();
    const get = req.method === 'GET' || req.method === 'HEAD';

    if (get && rest.startsWith('assets/')) {
      const name = rest.slice('assets/'.length);
      const file = PAGE_FILES.has(name) ? undefined : assets.get(name);
      if (!file) return next();
      res.sendFile(file, { maxAge: '1h' }, (err) => {
        if (err && !res.headersSent) res.sendStatus(404);
      });
      return;
    }
    if (get && rest === 'backdrop') {
      // What the live map draws under the plan: viewers may see it.
      allow(req, res, mapPath, 'viewer', () => {
        const backdrop = site.view?.site.backdrop;
        res.set('Cache-Control', 'no-cache');
        if (!backdrop) res.status(204).end();
        else res.json(backdrop);
      });
      return;
    }
    // The calibration walk's page is the site screen's sibling: `{map}site/walk`.
    if (get && (rest === '' || rest === 'walk' || PAGE_FILES.has(rest))) {
      // The page is the same for everyone; what it fetches is checked. A logged-out app user is sent to log in.
      const person = appPerson(mapPath, req.headers.cookie, Date.now());
      const screen = rest === '' || rest === 'walk';
      if (screen && person === undefined) {
        res.status(401).type('html').send(loginPage(mapPath));
        return;
      }
      if (screen && person !== 'no-app-login' && person && !roleAllows(person.role, 'admin')) {
        res.status(403).type('html').send(refusedPage(person.name));
        return;
      }
      res.set('Cache-Control', 'no-cache');
      const file = rest === '' ? 'site-admin.html' : rest === 'walk' ? 'walk.html' : rest;
      res.sendFile(path.join(WEB_DIR, file), (err) => {
        if (err && !res.headersSent) res.sendStatus(404);
      });
      return;
    }
    allow(req, res, mapPath, 'admin', () => {
      if (get && rest === 'document') {
        res.set('Cache-Control', 'no-store');
        res.json({
          config: site.text ?? '',
          kind: site.origin.kind,
          problem: site.problem,
          name: site.view?.name,
        });
      } else if (get && rest === 'heard') res.json({ beacons: heardNow() });
      else if (rest.startsWith('walk/')) {
        if (!handleWalk(site, rest.slice('walk/'.length), req, res, { readBody, save: saveSiteText })) next();
      } else if (req.method === 'POST' && (rest === 'check' || rest === 'save')) {
        // A JSON body only: a cross-site form cannot send one without the browser asking first.
        if (!/^application\/json\b/.test(String(req.headers['content-type']))) {
          res.status(415).json({ ok: false, errors: ['send application/json'] });
          return;
        }
        readBody(req, MAX_SITE_BYTES + 1000).then(
          (raw) => {
            if (raw === undefined) {
              res.status(413).json({ ok: false, errors: [`site is larger than ${MAX_SITE_BYTES} bytes`] });
              return;
            }
            let body: { config?: unknown; coverage?: unknown; suggest?: unknown };
            try {
              body = JSON.parse(raw) as typeof body;
            } catch {
              res.status(400).json({ ok: false, errors: ['the request is not JSON'] });
              return;
            }
            const text = typeof body?.config === 'string' ? body.config : '';
            if (rest === 'save') {
              void saveSiteText(site, text).then((reply) => res.status(reply.status).json(reply.body));
              return;
            }
            const { site: checked, ...report } = checkPlan(text);
            const reply: Record<string, unknown> = { ...report };
            if (checked && body.coverage === true)
              reply.coverage = coverage(checked, { sensitivityDbm: SENSITIVITY_DBM });
            if (checked && body.suggest === true)
              suggestInSlices(checked).then(
                (next) => res.json({ ...reply, suggestion: next }),
                (err: unknown) => res.status(500).json({ ...reply, errors: [errorMessage(err)] }),
              );
            else res.json(reply);
          },
          (err: unknown) => res.status(400).json({ ok: false, errors: [errorMessage(err)] }),
        );
      } else next();
    });
  });
}

function loginPage(mapPath: string): string {
  return page(
    'Log in first',
    `<p>The site screen is for the app's admins.</p><p><a href="${mapPath}api/notify/app/">Log in to the app</a>, then come back.</p>`,
  );
}

function refusedPage(name: string): string {
  const safe = name.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return page('Admins only', `<p>${safe}, you are a viewer: only the app's admins may change the site.</p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;padding:16px"><h1>${title}</h1>${body}</body></html>`;
}
