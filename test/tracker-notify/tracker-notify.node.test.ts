// tracker-notify on the real Node-RED runtime: login and roles over HTTP, a device subscribed through the
// API, an alert pushed to it through a local push service (VAPID checked, payload decrypted), one message
// per person on output 1, history on output 2, acknowledgement from the notification, 410 removing a device.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'fs';
import { Agent } from 'https';
import * as os from 'os';
import * as path from 'path';
import type { EventEmitter } from 'events';
import type { RequestHandler } from 'express';
import type { Node, NodeAPI } from 'node-red';
import { hashSync } from 'bcryptjs';
import type { SinonSpy } from 'sinon';
import trackerNotify = require('../../nodes/tracker-notify/tracker-notify');
import type { AlertState, HistoryEntry } from '../../nodes/tracker-notify/notifier';
import type { HistoryMessage, PersonMessage } from '../../nodes/tracker-notify/notify-service';
import type { PreferencesJson } from '../../nodes/tracker-notify/preferences';
import { usePushAgent } from '../../nodes/tracker-notify/runtime-hooks';
import { helper, nextError, onTab, statusWhere, type FlowNode } from '../support/flow';
import { PushService } from './push-service';
import { TEST_CERT } from './test-cert';

let httpNode: RequestHandler | undefined;
function served(RED: NodeAPI): void {
  httpNode = RED.httpNode;
  trackerNotify(RED);
}

const HASHES = JSON.stringify({ anna: hashSync('anna-password', 4), ben: hashSync('ben-password', 4) });
const PEOPLE = JSON.stringify([
  { login: 'anna', name: 'Anna', role: 'admin', email: 'anna@example.org' },
  { login: 'ben', name: 'Ben', role: 'viewer' },
]);

function flow(extra: Partial<FlowNode> = {}): FlowNode[] {
  return onTab([
    {
      id: 'n1',
      type: 'tracker-notify',
      name: 'the notifier',
      path: '',
      title: 'Yard alerts',
      people: PEOPLE,
      escalation: 'anna',
      escalateAfterS: 300,
      maxEscalations: 3,
      timeZone: 'UTC',
      ttlS: 600,
      vapidSubject: 'mailto:test@example.org',
      wires: [['people'], ['history']],
      ...extra,
    },
    { id: 'people', type: 'helper' },
    { id: 'history', type: 'helper' },
  ]);
}

const API = (): string => `${helper.url()}/dogtracker/api/notify/`;

/** Bodies of the API answers the tests read (routes.ts / notify-api.ts). */
interface ErrorJson {
  error: string;
}
interface AlertJson {
  state: AlertState;
  history: HistoryEntry[];
}

class Client {
  cookie = '';
  /** `T`: the body the route answers with; the tests trust the server's JSON to have that shape. */
  async call<T = unknown>(
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; json: T; headers: Headers }> {
    const res = await fetch(API() + route, {
      method,
      headers: {
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    const json = (text ? JSON.parse(text) : undefined) as T;
    return { status: res.status, json, headers: res.headers };
  }
  static async login(login: string, password: string): Promise<Client> {
    const c = new Client();
    const res = await c.call('POST', 'login', { login, password });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return c;
  }
}

interface Collected<T> extends Array<T> {
  /** Resolves when `test` holds, checked on each message the helper node receives. */
  until(test: (seen: T[]) => boolean, what: string, ms?: number): Promise<void>;
}

/** `T`: what the node sends on the output wired to this helper node. */
function collect<T>(node: Node): Collected<T> {
  const seen = [] as unknown as Collected<T>;
  const checks = new Set<() => void>();
  (node as EventEmitter).on('input', (msg: T) => {
    seen.push(msg);
    for (const check of [...checks]) check();
  });
  seen.until = (test, what, ms = 10000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        checks.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      const check = (): void => {
        if (!test(seen)) return;
        clearTimeout(timer);
        checks.delete(check);
        resolve();
      };
      checks.add(check);
      check();
    });
  return seen;
}

const alert = (ts: number): Record<string, unknown> => ({
  v: 1,
  type: 'alert',
  event: 'exit',
  dog: 'rex',
  zone: 'yard',
  zoneName: 'Yard',
  kind: 'safe',
  severity: 'critical',
  ts,
  x: 21,
  y: 31,
});

describe('tracker-notify node', function () {
  this.timeout(20000);
  const service = new PushService();
  let userDir: string;
  let restoreAgent: () => void;

  before(async () => {
    await service.start();
    restoreAgent = usePushAgent(new Agent({ ca: TEST_CERT }));
    userDir = mkdtempSync(path.join(os.tmpdir(), 'notify-node-'));
    helper.settings({ userDir });
    await helper.startServer();
    const app = (helper as unknown as { _app: { use(h: RequestHandler): void } })._app;
    app.use((req, res, next) => (httpNode ? httpNode(req, res, next) : next()));
  });
  after(async () => {
    await helper.stopServer();
    helper.settings({});
    restoreAgent();
    await service.stop();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    rmSync(path.join(userDir, 'dogtracker-notify'), { recursive: true, force: true });
  });

  it('logs in with the bcrypt hash from the credentials; the cookie is HttpOnly and SameSite=Strict', async () => {
    await helper.load(served, flow(), { n1: { hashes: HASHES } });
    const c = new Client();
    assert.equal((await c.call('GET', 'me')).status, 401);
    const res = await c.call('POST', 'login', { login: 'Ben', password: 'ben-password' });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/dogtracker\//);
    assert.doesNotMatch(cookie, /Secure/, 'plain HTTP here');
    assert.deepEqual((await c.call('GET', 'me')).json, {
      login: 'ben',
      name: 'Ben',
      role: 'viewer',
      devices: [],
    });
    assert.equal((await c.call('POST', 'logout')).status, 204);
    assert.equal((await c.call('GET', 'me')).status, 401);
    const vapid = await new Client().call<{ publicKey: string }>('GET', 'vapid');
    assert.equal(Buffer.from(vapid.json.publicKey, 'base64url').length, 65);
  });

  it('enforces the roles on the server: a viewer keeps to their own settings, an admin manages all', async () => {
    await helper.load(served, flow(), { n1: { hashes: HASHES } });
    const ben = await Client.login('ben', 'ben-password');
    const anna = await Client.login('anna', 'anna-password');
    assert.equal((await ben.call('GET', 'alerts')).status, 200);
    assert.equal((await ben.call('PUT', 'prefs', { minSeverity: 'critical' })).status, 200);
    assert.equal((await ben.call<PreferencesJson>('GET', 'people/ben/prefs')).json.minSeverity, 'critical');
    assert.equal((await ben.call('GET', 'people')).status, 403);
    assert.equal((await ben.call('PUT', 'people/anna/prefs', { paused: true })).status, 403);
    assert.equal((await ben.call('GET', 'people/anna/prefs')).status, 403);
    assert.equal((await ben.call('POST', 'alerts/x/resolve', {})).status, 403);
    assert.equal((await anna.call<unknown[]>('GET', 'people')).json.length, 2);
    assert.equal(
      (await anna.call('PUT', 'people/ben/prefs', { quiet: { start: '22:00', end: '06:30' } })).status,
      200,
    );
    assert.deepEqual((await ben.call<PreferencesJson>('GET', 'prefs')).json.quiet, {
      start: '22:00',
      end: '06:30',
    });
    const bad = await ben.call<ErrorJson>('PUT', 'prefs', { events: ['everything'] });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /events/);
    // JSON only: a cross-site form post is refused before it is read.
    const form = await fetch(API() + 'prefs', {
      method: 'PUT',
      headers: { Cookie: ben.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'paused=true',
    });
    assert.equal(form.status, 415);
  });

  it('delays repeated failed logins (429 with Retry-After)', async () => {
    await helper.load(served, flow(), { n1: { hashes: HASHES } });
    const c = new Client();
    assert.equal((await c.call('POST', 'login', { login: 'ben', password: 'wrong' })).status, 401);
    const again = await c.call('POST', 'login', { login: 'ben', password: 'ben-password' });
    assert.equal(again.status, 429);
    assert.ok(Number(again.headers.get('retry-after')) >= 1);
    assert.equal(
      (await c.call('POST', 'login', { login: 'nobody', password: 'x' })).status,
      429,
      'per address too',
    );
  });

  it('pushes an alert to the subscribed device, sends one message per person, and takes "I\'m on it"', async () => {
    await helper.load(served, flow(), { n1: { hashes: HASHES } });
    const people = collect<PersonMessage>(helper.getNode('people'));
    const history = collect<HistoryMessage>(helper.getNode('history'));
    const ben = await Client.login('ben', 'ben-password');
    const sub = service.subscribe('bens-phone');
    const added = await ben.call<{ id: string }>('POST', 'push/subscribe', {
      subscription: sub,
      label: 'Ben phone',
    });
    assert.equal(added.status, 201);
    helper.getNode('n1').receive({ payload: alert(Date.UTC(2026, 0, 10, 14, 5)) });
    await people.until((seen) => seen.length === 2, 'two people messages');
    assert.deepEqual(
      people.map((m) => [m.notification.login, m.topic, m.payload, m.to]),
      [
        ['anna', 'rex left Yard', 'CRITICAL: rex left Yard at 14:05 near (21 m, 31 m).', 'anna@example.org'],
        ['ben', 'rex left Yard', 'CRITICAL: rex left Yard at 14:05 near (21 m, 31 m).', undefined],
      ],
    );
    await service.until(() => service.received.some((r) => r.device === 'bens-phone'));
    const push = service.received.find((r) => r.device === 'bens-phone');
    assert.ok(push);
    assert.equal(push.payload.title, 'rex left Yard');
    assert.equal(push.payload.login, 'ben');
    assert.equal(push.payload.ackUrl, `/dogtracker/api/notify/alerts/${people[0].notification.alert}/ack`);
    assert.equal(push.payload.mapUrl, '/dogtracker/');
    assert.equal(push.vapidPublicKey, (await ben.call<{ publicKey: string }>('GET', 'vapid')).json.publicKey);
    await history.until(
      (seen) => seen.some((h) => h.payload.what === 'delivered'),
      'delivered in the history',
    );
    // "I'm on it" from the notification: no cookie, the token in the push.
    const ack = await new Client().call<AlertJson>('POST', `alerts/${push.payload.alert}/ack`, {
      login: 'ben',
      token: push.payload.ackToken,
    });
    assert.equal(ack.status, 200, JSON.stringify(ack.json));
    assert.equal(ack.json.state, 'acknowledged');
    const forged = await new Client().call('POST', `alerts/${push.payload.alert}/ack`, {
      login: 'anna',
      token: push.payload.ackToken,
    });
    assert.equal(forged.status, 401);
    await history.until(
      (seen) => seen.some((h) => h.payload.what === 'acknowledged'),
      'acknowledged in the history',
    );
    const list = (await ben.call<AlertJson[]>('GET', 'alerts')).json;
    assert.equal(list.length, 1);
    assert.deepEqual(
      list[0].history.map((h) => [h.what, h.login, h.channel]),
      [
        ['opened', undefined, undefined],
        ['notified', 'anna', 'output'],
        ['notified', 'ben', 'output'],
        ['delivered', 'ben', 'push'],
        ['acknowledged', 'ben', 'notification'],
      ],
    );
    const h = history.find((m) => m.payload.what === 'delivered');
    assert.equal(h?.topic, 'dogtracker/v1/notification/rex');
    assert.equal(h?.payload.device, added.json.id);
  });

  it('removes a device whose push service answers 410', async () => {
    await helper.load(served, flow(), { n1: { hashes: HASHES } });
    const history = collect<HistoryMessage>(helper.getNode('history'));
    const ben = await Client.login('ben', 'ben-password');
    const sub = service.subscribe('old-phone');
    service.script('old-phone', { status: 410 });
    await ben.call('POST', 'push/subscribe', { subscription: sub, label: 'old' });
    helper.getNode('n1').receive({ payload: alert(Date.UTC(2026, 0, 10, 15, 0)) });
    await history.until((seen) => seen.some((m) => m.payload.what === 'gone'), 'gone in the history');
    assert.deepEqual((await ben.call<{ devices: unknown[] }>('GET', 'me')).json.devices, []);
  });

  it('reports a malformed alert through done(err), naming the field, and keeps working', async () => {
    await helper.load(served, flow(), { n1: { hashes: HASHES } });
    const n1 = helper.getNode('n1');
    const error = nextError(n1);
    n1.receive({ payload: { type: 'alert', event: 'exit', dog: 'rex', ts: 'later' } });
    assert.match(String(await error), /alert\.ts must be a finite number/);
    const people = collect<PersonMessage>(helper.getNode('people'));
    n1.receive({ payload: JSON.stringify(alert(Date.UTC(2026, 0, 10, 16, 0))) });
    await people.until((seen) => seen.length === 2, 'people messages after the bad one');
  });

  it('shows people, devices and push state in its status', async () => {
    await helper.load(served, flow(), { n1: { hashes: HASHES } });
    const shown = statusWhere(helper.getNode('n1'), (s) => s.text === '2 people · 1 device · push ok');
    const ben = await Client.login('ben', 'ben-password');
    await ben.call('POST', 'push/subscribe', { subscription: service.subscribe('status-phone'), label: 'x' });
    assert.equal((await shown).fill, 'green');
  });

  it('hashes a new password for the editor with bcrypt, and the hash logs in', async () => {
    await helper.load(served, flow(), { n1: { hashes: HASHES } });
    const res = await helper
      .request()
      .post('/tracker-notify/hash')
      .set('Content-Type', 'application/json')
      .send({ password: 'correct horse' });
    assert.equal(res.status, 200);
    const hash = (res.body as { hash: string }).hash;
    assert.match(hash, /^\$2[aby]\$10\$/);
    assert.equal(
      (await helper.request().post('/tracker-notify/hash').send({ password: 'short' })).status,
      400,
    );
    await helper.unload();
    await helper.load(served, flow(), { n1: { hashes: JSON.stringify({ ben: hash }) } });
    await Client.login('ben', 'correct horse');
  });

  it('refuses a bad people list with an error naming the entry, and serves nothing', async () => {
    await helper.load(served, flow({ people: '[{"login": "A B"}]' }), { n1: { hashes: HASHES } });
    // The helper's log spy is called with Node-RED's log event objects.
    const logSpy = helper.log() as SinonSpy<[{ level: number; msg: unknown }]>;
    const logged = logSpy.args
      .map(([e]) => e)
      .filter((e) => e.level === 20)
      .map((e) => String(e.msg));
    assert.ok(
      logged.some((m) => /people\[0\]\.login/.test(m)),
      logged.join('\n'),
    );
    assert.equal((await fetch(API() + 'vapid')).status, 404);
  });
});
