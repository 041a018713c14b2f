// The life of an alert, from the message to the people who hear of it: who is notified (their
// preferences), open -> acknowledged -> resolved, the escalation ladder for critical alerts, the
// devices each person registered, and the history of every step. No Node-RED and no timers: the
// adapter calls `tick(now)` when `nextDue()` comes, with its (injectable) clock; quiet hours are read
// from the alert's `ts`, escalation steps from `now`.
import { createHmac, createHash, timingSafeEqual } from 'crypto';
import type { Alert, Severity } from '../kernel/contract';
import { classifyAlert, type Category, type Classified } from './alert-kinds';
import type { Person } from './people';
import { defaultPreferences, quietAt, verdict, type LocalTime, type Preferences } from './preferences';

export type AlertState = 'open' | 'acknowledged' | 'resolved';

export type HistoryWhat =
  | 'opened'
  | 'repeated'
  | 'notified'
  | 'quiet'
  | 'delivered'
  | 'retry'
  | 'failed'
  | 'gone'
  | 'escalated'
  | 'acknowledged'
  | 'resolved';

export interface HistoryEntry {
  /** Wall-clock time of the step (ms). */
  t: number;
  what: HistoryWhat;
  login?: string;
  /** `push` (a device), `output` (the node's people output: e-mail, ntfy, ...), `app`, `notification`. */
  channel?: string;
  device?: string;
  step?: number;
  status?: number;
  detail?: string;
}

export interface Device {
  /** Short id of the endpoint (SHA-256), shown in the app and the history. */
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  label: string;
  added: number;
}

export interface AlertRecord {
  id: string;
  key: string;
  category: Category;
  subject: string;
  alert: Alert;
  title: string;
  text: string;
  state: AlertState;
  openedAt: number;
  step: number;
  nextEscalation?: number;
  /** Logins that were sent it (at any step). */
  notified: string[];
  ackBy?: string;
  ackAt?: number;
  resolvedAt?: number;
  history: HistoryEntry[];
  /** History entries dropped to keep within the bound. */
  historyDropped: number;
}

/** One person to tell about one alert at one step: the adapter sends it on its output and to each device. */
export interface Delivery {
  record: AlertRecord;
  person: Person;
  step: number;
  devices: Device[];
  ackToken: string;
}

export interface Effects {
  deliveries: Delivery[];
  /** New history entries with their alert, for the history output. */
  history: Array<{ record: AlertRecord; entry: HistoryEntry }>;
}

export interface Names {
  dog(id: string): string | undefined;
  zone(id: string): string | undefined;
}

export interface NotifierOptions {
  people: readonly Person[];
  escalation: readonly string[];
  /** 0: no escalation. */
  escalateAfterMs: number;
  /** How many times an unacknowledged critical alert is sent again. */
  maxEscalations: number;
  clock: LocalTime;
  /** Secret for the acknowledgement tokens in notifications. */
  secret: string;
  maxAlerts?: number;
  maxHistory?: number;
  maxDevices?: number;
  names?: Names;
}

export interface NotifierState {
  alerts: AlertRecord[];
  preferences: Record<string, Preferences>;
  devices: Record<string, Device[]>;
}

const NO_NAMES: Names = { dog: () => undefined, zone: () => undefined };

export function deviceId(endpoint: string): string {
  return createHash('sha256').update(endpoint).digest('base64url').slice(0, 12);
}

export class Notifier {
  private readonly alerts = new Map<string, AlertRecord>();
  private readonly openKeys = new Map<string, string>();
  private readonly prefs = new Map<string, Preferences>();
  private readonly devicesOf = new Map<string, Device[]>();
  private people: readonly Person[];
  private peopleByLogin: Map<string, Person>;
  private readonly maxAlerts: number;
  private readonly maxHistory: number;
  private readonly maxDevices: number;
  names: Names;

  constructor(
    private readonly options: NotifierOptions,
    restored?: Partial<NotifierState>,
  ) {
    this.people = options.people;
    this.peopleByLogin = new Map(options.people.map((p) => [p.login, p]));
    this.maxAlerts = options.maxAlerts ?? 200;
    this.maxHistory = options.maxHistory ?? 500;
    this.maxDevices = options.maxDevices ?? 10;
    this.names = options.names ?? NO_NAMES;
    for (const r of restored?.alerts ?? []) {
      this.alerts.set(r.id, r);
      if (r.state !== 'resolved') this.openKeys.set(r.key, r.id);
    }
    for (const [login, p] of Object.entries(restored?.preferences ?? {}))
      if (this.peopleByLogin.has(login)) this.prefs.set(login, { ...defaultPreferences(), ...p });
    for (const [login, list] of Object.entries(restored?.devices ?? {}))
      if (this.peopleByLogin.has(login)) this.devicesOf.set(login, list.slice(0, this.maxDevices));
  }

  person(login: string): Person | undefined {
    return this.peopleByLogin.get(login);
  }

  get everyone(): readonly Person[] {
    return this.people;
  }

  preferences(login: string): Preferences {
    return this.prefs.get(login) ?? defaultPreferences();
  }

  setPreferences(login: string, p: Preferences): void {
    this.prefs.set(login, p);
  }

  devices(login: string): Device[] {
    return this.devicesOf.get(login) ?? [];
  }

  get deviceCount(): number {
    let n = 0;
    for (const list of this.devicesOf.values()) n += list.length;
    return n;
  }

  /** Adds (or renews) a device; the oldest goes beyond the bound. */
  addDevice(
    login: string,
    sub: { endpoint: string; keys: { p256dh: string; auth: string } },
    label: string,
    now: number,
  ): Device {
    const device: Device = {
      id: deviceId(sub.endpoint),
      endpoint: sub.endpoint,
      keys: sub.keys,
      label,
      added: now,
    };
    // One endpoint belongs to one person: a shared phone moves to whoever subscribed last.
    for (const [other, list] of this.devicesOf)
      this.devicesOf.set(
        other,
        list.filter((d) => d.id !== device.id),
      );
    const list = [...this.devices(login), device].slice(-this.maxDevices);
    this.devicesOf.set(login, list);
    return device;
  }

  removeDevice(login: string, id: string): boolean {
    const list = this.devices(login);
    const left = list.filter((d) => d.id !== id);
    this.devicesOf.set(login, left);
    return left.length !== list.length;
  }

  alert(id: string): AlertRecord | undefined {
    return this.alerts.get(id);
  }

  /** Newest first. */
  list(limit = this.maxAlerts): AlertRecord[] {
    return [...this.alerts.values()].reverse().slice(0, limit);
  }

  get openCount(): number {
    let n = 0;
    for (const r of this.alerts.values()) if (r.state === 'open') n++;
    return n;
  }

  ackToken(alertId: string, login: string): string {
    return createHmac('sha256', this.options.secret)
      .update(`${alertId}|${login}`)
      .digest('base64url')
      .slice(0, 22);
  }

  /** The login a notification's acknowledgement token was made for, or undefined. */
  checkAckToken(alertId: string, login: string, token: unknown): boolean {
    if (typeof token !== 'string' || token.length !== 22) return false;
    const want = Buffer.from(this.ackToken(alertId, login));
    const got = Buffer.from(token);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  /** An incoming alert message. Throws an Error naming the bad field of a malformed one. */
  onAlert(payload: unknown, now: number): Effects {
    const c = classifyAlert(payload);
    const effects: Effects = { deliveries: [], history: [] };
    if (c.role === 'ignore') return effects;
    const openId = this.openKeys.get(c.key);
    if (c.role === 'resolve') {
      const record = openId === undefined ? undefined : this.alerts.get(openId);
      if (record)
        this.resolve(record, now, `${c.alert.event}${c.alert.zone ? ` ${c.alert.zone}` : ''}`, effects);
      return effects;
    }
    const id = alertId(c);
    if (this.alerts.has(id)) return effects; // the same message again (a replay, a second wire)
    if (openId !== undefined) {
      const record = this.alerts.get(openId);
      if (record)
        this.note(record, { t: now, what: 'repeated', detail: excerptText(c.alert.event) }, effects);
      return effects;
    }
    const { title, text } = this.describe(c);
    const record: AlertRecord = {
      id,
      key: c.key,
      category: c.category,
      subject: c.subject,
      alert: c.alert,
      title,
      text,
      state: 'open',
      openedAt: now,
      step: 0,
      notified: [],
      history: [],
      historyDropped: 0,
    };
    this.alerts.set(id, record);
    this.openKeys.set(c.key, id);
    this.bound();
    this.note(record, { t: now, what: 'opened', detail: c.category }, effects);
    const recipients: Person[] = [];
    for (const person of this.people) {
      const v = verdict(this.preferences(person.login), c, this.options.clock);
      if (v === 'notify') recipients.push(person);
      else if (v === 'quiet')
        this.note(record, { t: now, what: 'quiet', login: person.login, step: 0 }, effects);
    }
    if (recipients.length === 0 && c.alert.severity === 'critical') {
      // Nobody subscribed to a critical alert: the first of the escalation order hears of it now.
      const first = this.nextInLadder(record, now);
      if (first) recipients.push(first);
    }
    this.deliver(record, recipients, 0, now, effects);
    if (
      c.alert.severity === 'critical' &&
      this.options.escalateAfterMs > 0 &&
      this.options.maxEscalations > 0
    )
      record.nextEscalation = now + this.options.escalateAfterMs;
    return effects;
  }

  /** When `tick` has something to do next (ms), or undefined. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const r of this.alerts.values())
      if (
        r.state === 'open' &&
        r.nextEscalation !== undefined &&
        (due === undefined || r.nextEscalation < due)
      )
        due = r.nextEscalation;
    return due;
  }

  /** Escalates every open critical alert whose time has come. */
  tick(now: number): Effects {
    const effects: Effects = { deliveries: [], history: [] };
    for (const record of this.alerts.values()) {
      if (record.state !== 'open' || record.nextEscalation === undefined || record.nextEscalation > now)
        continue;
      record.step += 1;
      const recipients = record.notified
        .map((login) => this.peopleByLogin.get(login))
        .filter((p): p is Person => p !== undefined && !this.quiet(p, record.alert.severity, now));
      const next = this.nextInLadder(record, now);
      if (next) recipients.push(next);
      this.note(record, { t: now, what: 'escalated', step: record.step, login: next?.login }, effects);
      this.deliver(record, recipients, record.step, now, effects);
      record.nextEscalation =
        record.step < this.options.maxEscalations ? now + this.options.escalateAfterMs : undefined;
    }
    return effects;
  }

  /** Acknowledges an alert; false when it is not open (already acknowledged or resolved, or unknown). */
  acknowledge(id: string, login: string, via: 'app' | 'notification', now: number): Effects | undefined {
    const record = this.alerts.get(id);
    if (!record || record.state !== 'open') return undefined;
    const effects: Effects = { deliveries: [], history: [] };
    record.state = 'acknowledged';
    record.ackBy = login;
    record.ackAt = now;
    record.nextEscalation = undefined;
    this.note(record, { t: now, what: 'acknowledged', login, channel: via }, effects);
    return effects;
  }

  /** Resolves an alert by hand (an admin in the app). */
  resolveById(id: string, login: string, now: number): Effects | undefined {
    const record = this.alerts.get(id);
    if (!record || record.state === 'resolved') return undefined;
    const effects: Effects = { deliveries: [], history: [] };
    this.resolve(record, now, `by ${login}`, effects, login);
    return effects;
  }

  /** Records what happened to one push (or output message) for the history. */
  record(alertId: string, entry: HistoryEntry): Effects['history'] {
    const record = this.alerts.get(alertId);
    if (!record) return [];
    const effects: Effects = { deliveries: [], history: [] };
    this.note(record, entry, effects);
    return effects.history;
  }

  toJSON(): NotifierState {
    return {
      alerts: [...this.alerts.values()],
      preferences: Object.fromEntries(this.prefs),
      devices: Object.fromEntries(this.devicesOf),
    };
  }

  private quiet(person: Person, severity: Severity, now: number): boolean {
    return quietAt(this.preferences(person.login), severity, this.options.clock.minutes(now));
  }

  private nextInLadder(record: AlertRecord, now: number): Person | undefined {
    for (const login of this.options.escalation) {
      if (record.notified.includes(login)) continue;
      const person = this.peopleByLogin.get(login);
      if (person && !this.quiet(person, record.alert.severity, now)) return person;
    }
    return undefined;
  }

  private deliver(
    record: AlertRecord,
    people: readonly Person[],
    step: number,
    now: number,
    effects: Effects,
  ): void {
    for (const person of people) {
      if (!record.notified.includes(person.login)) record.notified.push(person.login);
      effects.deliveries.push({
        record,
        person,
        step,
        devices: this.devices(person.login),
        ackToken: this.ackToken(record.id, person.login),
      });
      this.note(record, { t: now, what: 'notified', login: person.login, channel: 'output', step }, effects);
    }
  }

  private resolve(record: AlertRecord, now: number, detail: string, effects: Effects, login?: string): void {
    record.state = 'resolved';
    record.resolvedAt = now;
    record.nextEscalation = undefined;
    if (this.openKeys.get(record.key) === record.id) this.openKeys.delete(record.key);
    this.note(record, { t: now, what: 'resolved', detail, ...(login ? { login } : {}) }, effects);
  }

  private note(record: AlertRecord, entry: HistoryEntry, effects: Effects): void {
    record.history.push(entry);
    if (record.history.length > this.maxHistory) {
      // Keep the first entries (opened, the first notifications) and the latest.
      record.history.splice(10, record.history.length - this.maxHistory);
      record.historyDropped += 1;
    }
    effects.history.push({ record, entry });
  }

  private bound(): void {
    while (this.alerts.size > this.maxAlerts) {
      let victim: AlertRecord | undefined;
      for (const r of this.alerts.values()) {
        if (r.state !== 'open') {
          victim = r;
          break;
        }
      }
      victim ??= this.alerts.values().next().value as AlertRecord;
      this.alerts.delete(victim.id);
      if (this.openKeys.get(victim.key) === victim.id) this.openKeys.delete(victim.key);
    }
  }

  private describe(c: Classified): { title: string; text: string } {
    const a = c.alert;
    const dog = a.dog !== undefined ? (this.names.dog(a.dog) ?? a.dog) : undefined;
    const zoneId = a.zone;
    const zone =
      zoneId !== undefined
        ? ((a.zoneName as string | undefined) ?? this.names.zone(zoneId) ?? zoneId)
        : undefined;
    const who = dog ?? `${(a.node as string | undefined) ?? c.subject}`;
    const when = this.options.clock.clock(a.ts);
    let title: string;
    switch (c.category) {
      case 'escape':
        title = `${who} left ${zone ?? 'the safe zone'}`;
        break;
      case 'forbidden':
        title = `${who} entered ${zone ?? 'a forbidden zone'}`;
        break;
      case 'missing':
        title = `${who} is missing`;
        break;
      case 'dwell':
        title = `${who} has stayed in ${zone ?? 'a zone'} too long`;
        break;
      case 'battery':
        title = `${who}: collar battery low`;
        break;
      case 'scanner-offline':
        title = `Scanner ${who} is offline`;
        break;
      case 'zone':
        title = `${who} ${a.event === 'enter' ? 'entered' : 'left'} ${zone ?? 'a zone'}`;
        break;
      default:
        title = `Hub trouble on ${who}: ${a.event}`;
    }
    const where =
      typeof a.x === 'number' && typeof a.y === 'number'
        ? ` near (${a.x.toFixed(0)} m, ${a.y.toFixed(0)} m)`
        : '';
    const text = `${a.severity === 'critical' ? 'CRITICAL: ' : ''}${title} at ${when}${where}.`;
    return { title, text };
  }
}

/** Stable id of an alert message: the same message twice has the same id. */
export function alertId(c: Classified): string {
  const h = createHash('sha256').update(`${c.key}|${c.alert.ts}`).digest('base64url').slice(0, 10);
  return `${Math.trunc(c.alert.ts).toString(36)}-${h}`;
}

function excerptText(value: unknown): string {
  return String(value).slice(0, 64);
}
