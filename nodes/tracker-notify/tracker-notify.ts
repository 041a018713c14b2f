// tracker-notify: gets an alert to a person. Alerts in; Web Push to each person's devices, one message
// per person and alert on output 1 (e-mail, ntfy, Telegram), the notification history on output 2
// (influx-write). Serves the app's API and files under {httpNodeRoot}/dogtracker/[<path>/]api/notify/.
// Node-RED adapter only: the work is in notify-service.ts and the cores beside it.
import { readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { NextFunction, Request, Response } from 'express';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage, payloadText } from '../kernel/checks';
import { linkSite } from '../common/site-link';
import type { SiteView } from '../kernel/site-view';
import { loadBcrypt } from './bcrypt';
import { NotifyService } from './notify-service';
import { parseEscalation, parsePeople } from './people';
import { LocalTime } from './preferences';
import {
  COOKIE,
  manifest,
  notifyRoute,
  notifySegment,
  notifyUrls,
  parseCookies,
  sessionCookie,
  STATIC_FILES,
} from './routes';
import { notifyClock, pushAgent } from './runtime-hooks';

interface NotifyDef extends NodeDef {
  site: string;
  path: string;
  title: string;
  people: string;
  escalation: string;
  escalateAfterS: number | string;
  maxEscalations: number | string;
  timeZone: string;
  ttlS: number | string;
  vapidSubject: string;
  sessionDays: number | string;
  maxAlerts: number | string;
}

interface NotifyCredentials {
  hashes?: string;
  vapidPublicKey?: string;
  vapidPrivateKey?: string;
}

interface Served {
  service: NotifyService;
  title: string;
  urls: { api: string; app: string; map: string };
}

const WEB_DIR = path.join(__dirname, 'web');
const MAX_BODY = 16 * 1024;

function num(value: unknown, fallback: number, min: number, max: number): number {
  const n = value === '' || value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

function readBody(req: Request): Promise<unknown> {
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

export = (RED: NodeAPI): void => {
  const served = new Map<string, Served>();
  const setting = (RED.settings as { httpNodeRoot?: unknown }).httpNodeRoot;
  const root =
    setting === false
      ? undefined
      : `/${String(setting ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
  const files = new Map(
    Object.entries(STATIC_FILES).map(([route, file]) => [route, path.join(WEB_DIR, file)]),
  );

  // One handler for every tracker-notify, registered once (nodes come and go in `served`).
  if (root !== undefined) RED.httpNode.use('/dogtracker', (req, res, next) => void serve(req, res, next));

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
        now: notifyClock().now(),
      });
      const secure = req.secure || req.headers['x-forwarded-proto'] === 'https';
      if (answer.session === null) res.append('Set-Cookie', sessionCookie('', site.urls.map, 0, secure));
      else if (answer.session)
        res.append(
          'Set-Cookie',
          sessionCookie(
            answer.session.token,
            site.urls.map,
            (answer.session.expires - notifyClock().now()) / 1000,
            secure,
          ),
        );
      if (answer.retryAfterS !== undefined) res.set('Retry-After', String(answer.retryAfterS));
      if (answer.json === undefined) res.status(answer.status).end();
      else res.status(answer.status).json(answer.json);
    } catch (err) {
      if (!res.headersSent) res.status(400).json({ error: errorMessage(err) });
    }
  }

  function TrackerNotify(this: Node, def: NotifyDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const creds = ((node as Node & { credentials?: NotifyCredentials }).credentials ??
      {}) as NotifyCredentials;
    let service: NotifyService | undefined;
    let segment = '';
    let view: SiteView | undefined;
    const clock = notifyClock();

    const showStatus = (): void => {
      if (!service) return;
      const people = service.notifier.everyone.length;
      const devices = service.notifier.deviceCount;
      const push = service.pushStatus();
      const open = service.notifier.openCount;
      const text = `${people} people · ${devices} device${devices === 1 ? '' : 's'} · ${
        push.state === 'ok' ? 'push ok' : 'push service unreachable'
      }${open > 0 ? ` · ${open} open` : ''}`;
      node.status({
        fill: push.state === 'ok' ? 'green' : 'red',
        shape: push.pending > 0 ? 'ring' : 'dot',
        text,
      });
    };

    try {
      if (root === undefined)
        throw new Error('httpNodeRoot is false in the settings: the app cannot be served');
      segment = notifySegment(def.path);
      if (served.has(segment)) throw new Error(`another tracker-notify already serves path "${segment}"`);
      const people = parsePeople(def.people, creds.hashes);
      const userDir = (RED.settings as { userDir?: string }).userDir ?? path.join(os.homedir(), '.node-red');
      const urls = notifyUrls(root, segment);
      service = new NotifyService({
        people,
        escalation: parseEscalation(def.escalation, people),
        escalateAfterMs: num(def.escalateAfterS, 300, 0, 86_400) * 1000,
        maxEscalations: Math.round(num(def.maxEscalations, 3, 0, 20)),
        clock: new LocalTime(def.timeZone || undefined),
        wall: clock,
        ttlS: Math.round(num(def.ttlS, 3600, 60, 2_419_200)),
        vapidSubject: def.vapidSubject || 'mailto:admin@localhost',
        vapid: { publicKey: creds.vapidPublicKey, privateKey: creds.vapidPrivateKey },
        stateFile: path.join(
          userDir,
          'dogtracker-notify',
          `${node.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`,
        ),
        urls,
        sessionDays: num(def.sessionDays, 30, 1, 365),
        maxAlerts: Math.round(num(def.maxAlerts, 200, 10, 5000)),
        bcrypt: loadBcrypt(),
        names: { dog: (id) => view?.dog(id)?.name, zone: (id) => view?.zones.find((z) => z.id === id)?.name },
        agent: pushAgent(),
        emitPerson: (msg) => node.send([msg as unknown as NodeMessageInFlow, null]),
        emitHistory: (msg) => node.send([null, msg as unknown as NodeMessageInFlow]),
        onNewVapid: (keys) => {
          // Kept in the credentials (saved with the next deploy) and meanwhile in the state file.
          void RED.nodes.addCredentials(node.id, {
            ...creds,
            vapidPublicKey: keys.publicKey,
            vapidPrivateKey: keys.privateKey,
          });
          node.log('made a new VAPID key pair for Web Push');
        },
        onChange: showStatus,
        onError: (err) => node.warn(err.message),
      });
      served.set(segment, { service, title: def.title || 'Dog tracker alerts', urls });
      if (def.site) linkSite(RED, node, def.site, (v) => (view = v));
      showStatus();
    } catch (err) {
      node.error(errorMessage(err));
      node.status({ fill: 'red', shape: 'ring', text: errorMessage(err).slice(0, 40) });
    }

    node.on('input', (msg: NodeMessageInFlow, _send, done) => {
      if (!service) return done(new Error('tracker-notify is not set up: see its status and the log'));
      try {
        const text = payloadText(msg.payload);
        service.input(text === undefined ? msg.payload : (JSON.parse(text) as unknown));
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (!service) return done();
      if (served.get(segment)?.service === service) served.delete(segment);
      service.close().then(done, done);
    });
  }

  RED.nodes.registerType('tracker-notify', TrackerNotify, {
    credentials: {
      hashes: { type: 'text' },
      vapidPublicKey: { type: 'text' },
      vapidPrivateKey: { type: 'password' },
    },
  });

  // The editor hashes a new password here, so the plain password never reaches the flow or the credentials.
  RED.httpAdmin.post(
    '/tracker-notify/hash',
    RED.auth.needsPermission('tracker-notify.write'),
    (req, res) => void hashPassword(req, res),
  );
  async function hashPassword(req: Request, res: Response): Promise<void> {
    try {
      const body = (await readBody(req)) as { password?: unknown } | undefined;
      const password = body?.password;
      if (typeof password !== 'string' || password.length < 8 || password.length > 200) {
        res.status(400).json({ error: 'a password of 8 to 200 characters' });
        return;
      }
      res.json({ hash: await loadBcrypt().hash(password, 10) });
    } catch (err) {
      res.status(500).json({ error: errorMessage(err) });
    }
  }
};
