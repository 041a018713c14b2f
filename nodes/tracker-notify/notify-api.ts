// The app's HTTP API, without Express or Node-RED: the adapter hands each request to `handle` and
// writes the answer. Every route checks the session's role here, on the server.
//
//   POST login {login, password}      -> 200 {me} + session cookie; 401; 429 (brute-force delay)
//   POST logout                       -> 204, cookie cleared
//   GET  me                           -> {login, name, role, email}
//   GET  vapid                        -> {publicKey}                       (no session needed)
//   GET  status                       -> {push, pending, people, devices}
//   GET  prefs | PUT prefs            -> own preferences
//   GET  people                       -> everyone, with devices (admin)
//   GET|PUT people/<login>/prefs      -> someone's preferences (admin, or oneself)
//   POST push/subscribe {subscription, label}   -> 201 {device}
//   POST push/unsubscribe {endpoint | id}       -> 204
//   GET  alerts                       -> newest first, with history
//   POST alerts/<id>/ack {token?, login?}       -> 200; a notification's token stands in for a session
//   POST alerts/<id>/resolve          -> 200 (admin)
import { excerpt, isObject } from '../kernel/checks';
import type { Bcrypt } from './bcrypt';
import type { AlertRecord, Device, Effects, Notifier } from './notifier';
import { may, type Action, type Person } from './people';
import { parsePreferences, preferencesToJson } from './preferences';
import type { LoginThrottle, SessionStore } from './sessions';

export interface ApiRequest {
  method: string;
  /** Path below the API's base, without a leading slash: `login`, `alerts/abc/ack`. */
  path: string;
  body: unknown;
  /** The session cookie's value. */
  token: string | undefined;
  address: string;
  now: number;
}

export interface ApiResponse {
  status: number;
  json?: unknown;
  /** A new session token (set the cookie), or null (clear it). */
  session?: { token: string; expires: number } | null;
  retryAfterS?: number;
}

export interface ApiContext {
  notifier: Notifier;
  sessions: SessionStore;
  throttle: LoginThrottle;
  bcrypt: Bcrypt;
  vapidPublicKey: () => string | undefined;
  pushStatus: () => { state: 'ok' | 'unreachable' | 'off'; problem?: string; pending: number };
  /** State changed (persist) and history to emit. */
  onChange: (effects?: Effects) => void;
  /** Some devices changed: e.g. cancel queued pushes of a removed device. */
  onDeviceRemoved?: (login: string, deviceId: string) => void;
}

// A valid bcrypt hash of nothing anyone types: an unknown login costs as long as a wrong password.
const DUMMY_HASH = '$2b$10$CwTycUXWue0Thq9StjUM0uJ8.XKVbC1JpGrS1pmlfzRBmTbx0Qxz6';
const MAX_PASSWORD = 200;

const fail = (status: number, message: string): ApiResponse => ({ status, json: { error: message } });

export function deviceJson(d: Device): { id: string; label: string; added: number } {
  return { id: d.id, label: d.label, added: d.added };
}

export function personJson(p: Person): { login: string; name: string; role: string; email?: string } {
  return { login: p.login, name: p.name, role: p.role, ...(p.email ? { email: p.email } : {}) };
}

export function alertJson(r: AlertRecord): Record<string, unknown> {
  return {
    id: r.id,
    state: r.state,
    category: r.category,
    title: r.title,
    text: r.text,
    alert: r.alert,
    openedAt: r.openedAt,
    step: r.step,
    notified: r.notified,
    ackBy: r.ackBy,
    ackAt: r.ackAt,
    resolvedAt: r.resolvedAt,
    history: r.history,
    historyDropped: r.historyDropped,
  };
}

export class NotifyApi {
  constructor(private readonly ctx: ApiContext) {}

  async handle(req: ApiRequest): Promise<ApiResponse> {
    const parts = req.path.split('/').filter((p) => p !== '');
    const route = `${req.method} ${parts.join('/')}`;
    if (route === 'POST login') return this.login(req);
    if (route === 'GET vapid') {
      const key = this.ctx.vapidPublicKey();
      return key ? { status: 200, json: { publicKey: key } } : fail(503, 'push is not set up');
    }
    if (req.method === 'POST' && parts[0] === 'alerts' && parts.length === 3 && parts[2] === 'ack')
      return this.acknowledge(req, parts[1]);

    const session = this.ctx.sessions.get(req.token, req.now);
    const me = session && this.ctx.notifier.person(session.login);
    if (route === 'POST logout') {
      this.ctx.sessions.delete(req.token);
      this.ctx.onChange();
      return { status: 204, session: null };
    }
    if (!me) return fail(401, 'log in first');
    const need = (action: Action): ApiResponse | undefined =>
      may(me.role, action) ? undefined : fail(403, `a ${me.role} may not do this`);

    switch (route) {
      case 'GET me':
        return {
          status: 200,
          json: { ...personJson(me), devices: this.ctx.notifier.devices(me.login).map(deviceJson) },
        };
      case 'GET status': {
        const push = this.ctx.pushStatus();
        return {
          status: 200,
          json: {
            ...push,
            people: this.ctx.notifier.everyone.length,
            devices: this.ctx.notifier.deviceCount,
          },
        };
      }
      case 'GET prefs':
        return { status: 200, json: preferencesToJson(this.ctx.notifier.preferences(me.login)) };
      case 'PUT prefs':
        return need('own-settings') ?? this.putPrefs(me.login, req.body);
      case 'GET people':
        return (
          need('manage') ?? {
            status: 200,
            json: this.ctx.notifier.everyone.map((p) => ({
              ...personJson(p),
              devices: this.ctx.notifier.devices(p.login).map(deviceJson),
              prefs: preferencesToJson(this.ctx.notifier.preferences(p.login)),
            })),
          }
        );
      case 'POST push/subscribe':
        return need('own-settings') ?? this.subscribe(me, req);
      case 'POST push/unsubscribe':
        return need('own-settings') ?? this.unsubscribe(me, req.body);
      case 'GET alerts':
        return need('read') ?? { status: 200, json: this.ctx.notifier.list().map(alertJson) };
    }
    if (parts[0] === 'people' && parts.length === 3 && parts[2] === 'prefs') {
      const login = parts[1];
      const denied = login === me.login ? need('own-settings') : need('manage');
      if (denied) return denied;
      if (!this.ctx.notifier.person(login)) return fail(404, `no person with login ${excerpt(login)}`);
      if (req.method === 'GET')
        return { status: 200, json: preferencesToJson(this.ctx.notifier.preferences(login)) };
      if (req.method === 'PUT') return this.putPrefs(login, req.body);
    }
    if (req.method === 'POST' && parts[0] === 'alerts' && parts.length === 3 && parts[2] === 'resolve') {
      const denied = need('manage');
      if (denied) return denied;
      const effects = this.ctx.notifier.resolveById(parts[1], me.login, req.now);
      if (!effects) return fail(409, 'no such alert, or already resolved');
      this.ctx.onChange(effects);
      return { status: 200, json: alertJson(this.ctx.notifier.alert(parts[1]) as AlertRecord) };
    }
    return fail(404, `no route ${excerpt(route)}`);
  }

  private async login(req: ApiRequest): Promise<ApiResponse> {
    const body = req.body;
    if (!isObject(body) || typeof body.login !== 'string' || typeof body.password !== 'string')
      return fail(400, 'send {"login": "...", "password": "..."}');
    const login = body.login.trim().toLowerCase().slice(0, 64);
    const wait = this.ctx.throttle.waitMs(login, req.address, req.now);
    if (wait > 0)
      return {
        ...fail(429, 'too many failed logins: wait and try again'),
        retryAfterS: Math.ceil(wait / 1000),
      };
    const person = this.ctx.notifier.person(login);
    const password = body.password.slice(0, MAX_PASSWORD);
    const ok = await this.ctx.bcrypt.compare(password, person?.hash ?? DUMMY_HASH);
    if (!ok || !person?.hash) {
      this.ctx.throttle.failed(login, req.address, req.now);
      return fail(401, 'wrong login or password');
    }
    this.ctx.throttle.succeeded(login, req.address);
    const session = this.ctx.sessions.create(person.login, req.now);
    this.ctx.onChange();
    return { status: 200, json: personJson(person), session };
  }

  private acknowledge(req: ApiRequest, id: string): ApiResponse {
    const record = this.ctx.notifier.alert(id);
    if (!record) return fail(404, `no alert ${excerpt(id)}`);
    const session = this.ctx.sessions.get(req.token, req.now);
    let login: string | undefined;
    let via: 'app' | 'notification' = 'app';
    if (session && this.ctx.notifier.person(session.login)) login = session.login;
    else if (isObject(req.body) && typeof req.body.login === 'string') {
      // From a notification's "I'm on it": the token made for this alert and person.
      if (!this.ctx.notifier.checkAckToken(id, req.body.login, req.body.token))
        return fail(401, 'log in, or acknowledge from the notification');
      login = req.body.login;
      via = 'notification';
    }
    const person = login === undefined ? undefined : this.ctx.notifier.person(login);
    if (!person) return fail(401, 'log in first');
    if (!may(person.role, 'acknowledge')) return fail(403, `a ${person.role} may not acknowledge`);
    const effects = this.ctx.notifier.acknowledge(id, person.login, via, req.now);
    if (!effects) return { status: 409, json: { error: `already ${record.state}`, ...alertJson(record) } };
    this.ctx.onChange(effects);
    return { status: 200, json: alertJson(record) };
  }

  private putPrefs(login: string, body: unknown): ApiResponse {
    try {
      const prefs = parsePreferences(body, this.ctx.notifier.preferences(login));
      this.ctx.notifier.setPreferences(login, prefs);
      this.ctx.onChange();
      return { status: 200, json: preferencesToJson(prefs) };
    } catch (err) {
      return fail(400, (err as Error).message);
    }
  }

  private subscribe(me: Person, req: ApiRequest): ApiResponse {
    const body = req.body;
    const sub = isObject(body) ? body.subscription : undefined;
    if (!isObject(sub) || typeof sub.endpoint !== 'string' || !isObject(sub.keys))
      return fail(400, 'send {"subscription": PushSubscription.toJSON(), "label": "..."}');
    let url: URL;
    try {
      url = new URL(sub.endpoint);
    } catch {
      return fail(400, `subscription.endpoint is not a URL: ${excerpt(sub.endpoint)}`);
    }
    // web-push sends over HTTPS only; an endpoint elsewhere is not a push service.
    if (url.protocol !== 'https:' || sub.endpoint.length > 1000)
      return fail(400, 'subscription.endpoint must be an https URL (a push service)');
    const { p256dh, auth } = sub.keys;
    const b64 = (v: unknown, bytes: number): boolean =>
      typeof v === 'string' && /^[A-Za-z0-9_-]+=*$/.test(v) && Buffer.from(v, 'base64url').length === bytes;
    if (!b64(p256dh, 65)) return fail(400, 'subscription.keys.p256dh must be a base64url P-256 public key');
    if (!b64(auth, 16)) return fail(400, 'subscription.keys.auth must be 16 bytes, base64url');
    const label =
      isObject(body) && typeof body.label === 'string' && body.label.trim() !== ''
        ? body.label.trim().slice(0, 60)
        : 'device';
    const device = this.ctx.notifier.addDevice(
      me.login,
      { endpoint: sub.endpoint, keys: { p256dh: p256dh as string, auth: auth as string } },
      label,
      req.now,
    );
    this.ctx.onChange();
    return { status: 201, json: deviceJson(device) };
  }

  private unsubscribe(me: Person, body: unknown): ApiResponse {
    if (!isObject(body)) return fail(400, 'send {"endpoint": "..."} or {"id": "..."}');
    const device = this.ctx.notifier
      .devices(me.login)
      .find((d) => d.endpoint === body.endpoint || d.id === body.id);
    if (!device) return fail(404, 'no such device of yours');
    this.ctx.notifier.removeDevice(me.login, device.id);
    this.ctx.onDeviceRemoved?.(me.login, device.id);
    this.ctx.onChange();
    return { status: 204 };
  }
}
