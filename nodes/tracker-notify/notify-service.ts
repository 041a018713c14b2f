// Everything tracker-notify does, put together without Node-RED: the notifier (who hears of what),
// the push queue, sessions, the API and the state file. The adapter gives it settings and callbacks.
import { randomBytes } from 'crypto';
import { isObject } from '../kernel/checks';
import type { Bcrypt } from './bcrypt';
import {
  Notifier,
  type Delivery,
  type Effects,
  type HistoryEntry,
  type Names,
  type NotifierState,
} from './notifier';
import { NotifyApi } from './notify-api';
import type { Person } from './people';
import type { LocalTime } from './preferences';
import {
  PushQueue,
  type Clock,
  type PushJob,
  type PushSender,
  type SendOutcome,
  type StoredQueue,
} from './push-queue';
import { LoginThrottle, SessionStore, type StoredSession } from './sessions';
import { StateFile } from './state-file';
import { isVapidPair, makeVapidKeys, WebPushSender } from './web-push-sender';
import type { Agent } from 'https';

export interface PersonMessage {
  topic: string;
  payload: string;
  to?: string;
  notification: Record<string, unknown>;
}

export interface HistoryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

export interface ServiceOptions {
  people: readonly Person[];
  escalation: readonly string[];
  escalateAfterMs: number;
  maxEscalations: number;
  clock: LocalTime;
  wall: Clock;
  ttlS: number;
  vapidSubject: string;
  /** Keys from the node's credentials, if it has them. */
  vapid?: { publicKey?: string; privateKey?: string };
  stateFile: string;
  /** URL paths for the notification's links. */
  urls: { api: string; map: string; app: string };
  sessionDays: number;
  maxAlerts: number;
  bcrypt: Bcrypt;
  names?: Names;
  agent?: Agent;
  /** Replaces the Web Push sender (the benchmark). */
  sender?: PushSender;
  emitPerson: (msg: PersonMessage) => void;
  emitHistory: (msg: HistoryMessage) => void;
  /** New keys were made: keep them in the credentials. */
  onNewVapid: (keys: { publicKey: string; privateKey: string }) => void;
  onChange: () => void;
  onError: (err: Error) => void;
}

interface Stored extends Partial<NotifierState> {
  version?: number;
  secret?: string;
  vapid?: { publicKey: string; privateKey: string };
  queue?: StoredQueue;
  sessions?: StoredSession[];
}

export class NotifyService {
  readonly notifier: Notifier;
  readonly queue: PushQueue;
  readonly sessions: SessionStore;
  readonly api: NotifyApi;
  readonly vapid: { publicKey: string; privateKey: string };
  private readonly file: StateFile<Stored>;
  private readonly secret: string;
  private escalationTimer: unknown;
  private closed = false;

  constructor(private readonly o: ServiceOptions) {
    const stored = readState(o.stateFile, o.onError);
    this.secret = typeof stored.secret === 'string' ? stored.secret : randomBytes(32).toString('base64url');
    if (isVapidPair(o.vapid?.publicKey, o.vapid?.privateKey)) {
      this.vapid = { publicKey: o.vapid?.publicKey as string, privateKey: o.vapid?.privateKey as string };
    } else if (stored.vapid && isVapidPair(stored.vapid.publicKey, stored.vapid.privateKey)) {
      this.vapid = stored.vapid;
    } else {
      this.vapid = makeVapidKeys();
      o.onNewVapid(this.vapid);
    }
    this.notifier = new Notifier(
      {
        people: o.people,
        escalation: o.escalation,
        escalateAfterMs: o.escalateAfterMs,
        maxEscalations: o.maxEscalations,
        clock: o.clock,
        secret: this.secret,
        maxAlerts: o.maxAlerts,
        names: o.names,
      },
      stored,
    );
    this.sessions = new SessionStore(o.sessionDays * 86_400_000, stored.sessions ?? []);
    this.sessions.retain((login) => this.notifier.person(login)?.hash !== undefined);
    const sender =
      o.sender ??
      new WebPushSender({
        vapid: { subject: o.vapidSubject, ...this.vapid },
        ttlS: o.ttlS,
        ...(o.agent ? { agent: o.agent } : {}),
      });
    this.queue = new PushQueue(
      {
        sender,
        clock: o.wall,
        onOutcome: (job, outcome, final) => this.outcome(job, outcome, final),
        onChange: () => this.changed(),
      },
      stored.queue,
    );
    this.api = new NotifyApi({
      notifier: this.notifier,
      sessions: this.sessions,
      throttle: new LoginThrottle(),
      bcrypt: o.bcrypt,
      vapidPublicKey: () => this.vapid.publicKey,
      pushStatus: () => this.pushStatus(),
      onChange: (effects) => {
        if (effects) this.apply(effects);
        this.changed();
      },
      onDeviceRemoved: (_login, deviceId) => void this.queue.cancelDevice(deviceId),
    });
    this.file = new StateFile<Stored>(o.stateFile, () => this.snapshot(), o.onError);
    // Keys made now, the secret: on disk before anything depends on them.
    this.file.touch();
    this.queue.start();
    this.schedule();
  }

  /** One alert message (or a batch). Throws an Error naming the bad field; the rest of a batch still counts. */
  input(payload: unknown): void {
    const items = Array.isArray(payload) ? payload : [payload];
    const problems: string[] = [];
    items.forEach((item, i) => {
      try {
        this.apply(this.notifier.onAlert(item, this.o.wall.now()));
      } catch (err) {
        problems.push(
          Array.isArray(payload) ? `payload[${i}]: ${(err as Error).message}` : (err as Error).message,
        );
      }
    });
    this.changed();
    this.schedule();
    if (problems.length > 0) throw new Error(problems.slice(0, 3).join('; '));
  }

  pushStatus(): { state: 'ok' | 'unreachable'; problem?: string; pending: number } {
    const problem = this.queue.unreachable;
    return problem
      ? { state: 'unreachable', problem, pending: this.queue.pending }
      : { state: 'ok', pending: this.queue.pending };
  }

  /** Writes the state now and stops every timer. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.escalationTimer !== undefined) this.o.wall.clearTimeout(this.escalationTimer);
    this.queue.stop();
    this.file.touch();
    await this.file.flush();
  }

  flush(): Promise<void> {
    this.file.touch();
    return this.file.flush();
  }

  private changed(): void {
    if (this.closed) return;
    this.file.touch();
    this.o.onChange();
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.escalationTimer !== undefined) this.o.wall.clearTimeout(this.escalationTimer);
    this.escalationTimer = undefined;
    const due = this.notifier.nextDue();
    if (due === undefined) return;
    this.escalationTimer = this.o.wall.setTimeout(
      () => {
        this.escalationTimer = undefined;
        try {
          this.apply(this.notifier.tick(this.o.wall.now()));
          this.changed();
        } catch (err) {
          this.o.onError(err as Error);
        }
        this.schedule();
      },
      Math.max(0, due - this.o.wall.now()),
    );
  }

  private apply(effects: Effects): void {
    for (const d of effects.deliveries) this.deliver(d);
    for (const { record, entry } of effects.history) this.o.emitHistory(historyMessage(record, entry));
    for (const { record, entry } of effects.history)
      if (entry.what === 'acknowledged' || entry.what === 'resolved') this.queue.cancel(record.id);
    if (effects.history.some((h) => h.entry.what === 'acknowledged' || h.entry.what === 'resolved'))
      this.schedule();
  }

  private deliver(d: Delivery): void {
    const r = d.record;
    const now = this.o.wall.now();
    const notification = {
      v: 1,
      type: 'notification',
      alert: r.id,
      step: d.step,
      login: d.person.login,
      name: d.person.name,
      role: d.person.role,
      title: r.title,
      text: r.text,
      category: r.category,
      event: r.alert.event,
      severity: r.alert.severity,
      dog: r.alert.dog,
      node: r.alert.node,
      zone: r.alert.zone,
      ts: r.alert.ts,
      x: r.alert.x,
      y: r.alert.y,
      url: this.o.urls.app,
    };
    this.o.emitPerson({
      topic: d.step > 0 ? `Reminder: ${r.title}` : r.title,
      payload: r.text,
      ...(d.person.email ? { to: d.person.email } : {}),
      notification,
    });
    const payload = JSON.stringify({
      title: d.step > 0 ? `Reminder: ${r.title}` : r.title,
      body: r.text,
      tag: r.id,
      alert: r.id,
      severity: r.alert.severity,
      ts: r.alert.ts,
      login: d.person.login,
      ackToken: d.ackToken,
      ackUrl: `${this.o.urls.api}alerts/${encodeURIComponent(r.id)}/ack`,
      mapUrl: this.o.urls.map,
      appUrl: this.o.urls.app,
    });
    for (const device of d.devices) {
      this.queue.add({
        key: `${r.id}/${d.step}/${device.id}`,
        alertId: r.id,
        login: d.person.login,
        deviceId: device.id,
        endpoint: device.endpoint,
        keys: device.keys,
        payload,
        urgency: r.alert.severity === 'critical' ? 'high' : 'normal',
        topic: r.id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32),
        step: d.step,
        attempts: 0,
        notBefore: now,
        expires: now + this.o.ttlS * 1000,
      });
    }
  }

  private outcome(job: PushJob, outcome: SendOutcome | { kind: 'expired' }, final: boolean): void {
    const what: HistoryEntry['what'] =
      outcome.kind === 'delivered'
        ? 'delivered'
        : outcome.kind === 'gone'
          ? 'gone'
          : final
            ? 'failed'
            : 'retry';
    const entry: HistoryEntry = {
      t: this.o.wall.now(),
      what,
      login: job.login,
      channel: 'push',
      device: job.deviceId,
      step: job.step,
      ...('status' in outcome && outcome.status !== undefined ? { status: outcome.status } : {}),
      ...('reason' in outcome ? { detail: outcome.reason.slice(0, 120) } : {}),
      ...(outcome.kind === 'expired' ? { detail: 'expired before it could be sent' } : {}),
    };
    if (outcome.kind === 'gone') this.notifier.removeDevice(job.login, job.deviceId);
    const history = this.notifier.record(job.alertId, entry);
    for (const { record, entry: e } of history) this.o.emitHistory(historyMessage(record, e));
  }

  private snapshot(): Stored {
    return {
      version: 1,
      secret: this.secret,
      vapid: this.vapid,
      ...this.notifier.toJSON(),
      queue: this.queue.toJSON(),
      sessions: this.sessions.toJSON(),
    };
  }
}

function readState(file: string, onError: (err: Error) => void): Stored {
  try {
    const value = StateFile.read(file);
    return isObject(value) ? value : {};
  } catch (err) {
    onError(new Error(`cannot read ${file} (starting afresh): ${(err as Error).message}`));
    return {};
  }
}

export function historyMessage(
  record: {
    id: string;
    category: string;
    subject: string;
    alert: { dog?: string; node?: unknown; zone?: string; event: string; severity: string };
  },
  entry: HistoryEntry,
): HistoryMessage {
  const a = record.alert;
  return {
    topic: `dogtracker/v1/notification/${record.subject.replace(/[/+#]/g, '_')}`,
    payload: {
      v: 1,
      type: 'notification',
      ts: entry.t,
      alert: record.id,
      what: entry.what,
      category: record.category,
      event: a.event,
      severity: a.severity,
      ...(a.dog !== undefined ? { dog: a.dog } : {}),
      ...(typeof a.node === 'string' ? { node: a.node } : {}),
      ...(a.zone !== undefined ? { zone: a.zone } : {}),
      ...(entry.login !== undefined ? { login: entry.login } : {}),
      ...(entry.channel !== undefined ? { channel: entry.channel } : {}),
      ...(entry.device !== undefined ? { device: entry.device } : {}),
      ...(entry.step !== undefined ? { step: entry.step } : {}),
      ...(entry.status !== undefined ? { status: entry.status } : {}),
      ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
    },
  };
}
