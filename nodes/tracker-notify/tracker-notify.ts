// tracker-notify: gets an alert to a person. Alerts in; Web Push to each person's devices, one message
// per person and alert on output 1 (e-mail, ntfy, Telegram), the notification history on output 2
// (influx-write). Serves the app's API and files under {httpNodeRoot}/dogtracker/[<path>/]api/notify/.
// Node-RED adapter only: the work is in notify-service.ts and the cores beside it.
import * as os from 'os';
import * as path from 'path';
import type { Request, Response } from 'express';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage, payloadText } from '../kernel/checks';
import { registerAppAccess } from '../common/app-access';
import { linkSite } from '../common/site-link';
import type { SiteView } from '../kernel/site-view';
import { loadBcrypt } from './bcrypt';
import { notifyHandler, readBody, type Served } from './notify-http';
import { NotifyService } from './notify-service';
import { parseEscalation, parsePeople } from './people';
import { LocalTime } from './preferences';
import { notifySegment, notifyUrls } from './routes';
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

const WEB_DIR = path.join(__dirname, 'web');

function num(value: unknown, fallback: number, min: number, max: number): number {
  const n = value === '' || value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export = (RED: NodeAPI): void => {
  const served = new Map<string, Served>();
  const setting = (RED.settings as { httpNodeRoot?: unknown }).httpNodeRoot;
  const root =
    setting === false
      ? undefined
      : `/${String(setting ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');

  // One handler for every tracker-notify, registered once (nodes come and go in `served`).
  if (root !== undefined)
    RED.httpNode.use(
      '/dogtracker',
      notifyHandler(served, WEB_DIR, () => notifyClock().now()),
    );

  function TrackerNotify(this: Node, def: NotifyDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const creds = ((node as Node & { credentials?: NotifyCredentials }).credentials ??
      {}) as NotifyCredentials;
    let service: NotifyService | undefined;
    let segment = '';
    let view: SiteView | undefined;
    let unregisterAccess = (): void => undefined;
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
      const sessions = service;
      unregisterAccess = registerAppAccess(urls.map, (token, now) => {
        const login = sessions.sessions.get(token, now)?.login;
        const person = login === undefined ? undefined : sessions.notifier.person(login);
        return person && { login: person.login, name: person.name, role: person.role };
      });
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
      unregisterAccess();
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
