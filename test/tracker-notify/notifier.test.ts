// The notifier core on an injected clock: who is told, quiet hours, acknowledgement, escalation,
// resolution and the bounds of the history.
import assert from 'node:assert/strict';
import { Notifier, type Effects } from '../../nodes/tracker-notify/notifier';
import { classifyAlert } from '../../nodes/tracker-notify/alert-kinds';
import { may, parseEscalation, parsePeople, type Person } from '../../nodes/tracker-notify/people';
import { LocalTime, parsePreferences } from '../../nodes/tracker-notify/preferences';

const UTC = new LocalTime('UTC');
const T0 = Date.UTC(2026, 0, 10, 12, 0); // 12:00 UTC
const at = (hh: number, mm = 0): number => Date.UTC(2026, 0, 10, hh, mm);

const people: Person[] = parsePeople(
  JSON.stringify([
    { login: 'anna', name: 'Anna', role: 'admin', email: 'anna@example.org' },
    { login: 'ben', name: 'Ben' },
    { login: 'cleo', name: 'Cleo' },
    { login: 'dan', name: 'Dan' },
  ]),
  '{}',
);

function notifier(
  options: {
    escalation?: string[];
    after?: number;
    times?: number;
    maxAlerts?: number;
    maxHistory?: number;
  } = {},
): Notifier {
  return new Notifier({
    people,
    escalation: options.escalation ?? [],
    escalateAfterMs: options.after ?? 60000,
    maxEscalations: options.times ?? 2,
    clock: UTC,
    secret: 'test-secret',
    maxAlerts: options.maxAlerts,
    maxHistory: options.maxHistory,
  });
}

const escape = (ts = T0, severity = 'critical'): Record<string, unknown> => ({
  v: 1,
  type: 'alert',
  event: 'exit',
  dog: 'rex',
  zone: 'yard',
  zoneName: 'Yard',
  kind: 'safe',
  severity,
  ts,
  x: 21.3,
  y: 30.8,
});
const back = (ts: number): Record<string, unknown> => ({ ...escape(ts), event: 'enter', severity: 'info' });
const told = (e: Effects): string[] => e.deliveries.map((d) => `${d.person.login}@${d.step}`);

describe('tracker-notify notifier', () => {
  it('tells the people whose preferences match, with the dog, what, where and when', () => {
    const n = notifier();
    n.setPreferences('cleo', parsePreferences({ dogs: ['bella'] }));
    n.setPreferences('dan', parsePreferences({ events: ['missing'] }));
    const e = n.onAlert(escape(), T0);
    assert.deepEqual(told(e), ['anna@0', 'ben@0']);
    const r = e.deliveries[0].record;
    assert.equal(r.title, 'rex left Yard');
    assert.equal(r.text, 'CRITICAL: rex left Yard at 12:00 near (21 m, 31 m).');
    assert.equal(r.state, 'open');
    assert.deepEqual(
      e.history.map((h) => h.entry.what),
      ['opened', 'notified', 'notified'],
    );
  });

  it('minimum severity filters; quiet hours hold non-critical alerts, critical ones unless asked', () => {
    const n = notifier();
    n.setPreferences('anna', parsePreferences({ minSeverity: 'critical' }));
    n.setPreferences('ben', parsePreferences({ quiet: { start: '22:00', end: '07:00' } }));
    n.setPreferences(
      'cleo',
      parsePreferences({ quiet: { start: '22:00', end: '07:00' }, quietCritical: true }),
    );
    n.setPreferences('dan', parsePreferences({ paused: true }));
    const night = at(23, 30);
    const warning = n.onAlert({ ...escape(night, 'warning'), dog: 'bella' }, night);
    assert.deepEqual(told(warning), []);
    assert.deepEqual(
      warning.history.filter((h) => h.entry.what === 'quiet').map((h) => h.entry.login),
      ['ben', 'cleo'],
    );
    const critical = n.onAlert(escape(night), night);
    assert.deepEqual(told(critical), ['anna@0', 'ben@0']);
    // The same at noon: cleo's quiet hours are over.
    const noon = n.onAlert({ ...escape(at(12)), dog: 'max' }, at(12));
    assert.deepEqual(told(noon), ['anna@0', 'ben@0', 'cleo@0']);
  });

  it('quiet hours are read in the configured time zone, at the alert ts', () => {
    const amsterdam = new LocalTime('Europe/Amsterdam');
    assert.equal(amsterdam.minutes(at(22, 30)), 23 * 60 + 30); // UTC+1 in January
    assert.equal(UTC.minutes(at(22, 30)), 22 * 60 + 30);
  });

  it('escalates an unacknowledged critical alert on the clock: again, and to the next person in order', () => {
    const n = notifier({ escalation: ['cleo', 'dan'], after: 60000, times: 3 });
    for (const login of ['anna', 'cleo', 'dan'])
      n.setPreferences(login, parsePreferences({ events: ['missing'] }));
    const first = n.onAlert(escape(), T0);
    assert.deepEqual(told(first), ['ben@0']);
    assert.equal(n.nextDue(), T0 + 60000);
    assert.deepEqual(told(n.tick(T0 + 59999)), []);
    assert.deepEqual(told(n.tick(T0 + 60000)), ['ben@1', 'cleo@1']);
    assert.deepEqual(told(n.tick(T0 + 120000)), ['ben@2', 'cleo@2', 'dan@2']);
    assert.deepEqual(told(n.tick(T0 + 180000)), ['ben@3', 'cleo@3', 'dan@3']);
    assert.equal(n.nextDue(), undefined, 'stops after the configured number of times');
    const r = first.deliveries[0].record;
    assert.deepEqual(
      r.history.filter((h) => h.what === 'escalated').map((h) => [h.step, h.login]),
      [
        [1, 'cleo'],
        [2, 'dan'],
        [3, undefined],
      ],
    );
  });

  it('an acknowledgement stops the escalation; a second one is refused', () => {
    const n = notifier({ escalation: ['cleo'] });
    const e = n.onAlert(escape(), T0);
    const id = e.deliveries[0].record.id;
    const ack = n.acknowledge(id, 'ben', 'notification', T0 + 1000);
    assert.ok(ack);
    assert.equal(n.alert(id)?.state, 'acknowledged');
    assert.equal(n.alert(id)?.ackBy, 'ben');
    assert.equal(n.nextDue(), undefined);
    assert.deepEqual(told(n.tick(T0 + 600000)), []);
    assert.equal(n.acknowledge(id, 'anna', 'app', T0 + 2000), undefined);
  });

  it('resolves itself when the dog is back (enter of the safe zone, found after missing)', () => {
    const n = notifier();
    const e = n.onAlert(escape(), T0);
    const id = e.deliveries[0].record.id;
    n.onAlert(back(T0 + 5000), T0 + 5000);
    assert.equal(n.alert(id)?.state, 'resolved');
    assert.equal(n.nextDue(), undefined);
    const missing = n.onAlert(
      { v: 1, type: 'alert', event: 'missing', dog: 'rex', severity: 'critical', ts: T0 + 6000 },
      T0 + 6000,
    );
    const mid = missing.deliveries[0].record.id;
    n.onAlert(
      { v: 1, type: 'alert', event: 'found', dog: 'rex', severity: 'info', ts: T0 + 9000 },
      T0 + 9000,
    );
    assert.equal(n.alert(mid)?.state, 'resolved');
    // A new escape after that is a new alert.
    assert.equal(told(n.onAlert(escape(T0 + 10000), T0 + 10000)).length, 4);
  });

  it('the same message twice, or a repeat while open, notifies nobody again', () => {
    const n = notifier();
    assert.equal(told(n.onAlert(escape(), T0)).length, 4);
    assert.deepEqual(told(n.onAlert(escape(), T0 + 10)), []);
    assert.deepEqual(told(n.onAlert(escape(T0 + 500), T0 + 500)), []);
  });

  it('nobody subscribed to a critical alert: the first of the escalation order is told at once', () => {
    const n = notifier({ escalation: ['dan'] });
    for (const p of people) n.setPreferences(p.login, parsePreferences({ events: [] }));
    assert.deepEqual(told(n.onAlert(escape(), T0)), ['dan@0']);
  });

  it('keeps a bounded number of alerts and history entries', () => {
    const n = notifier({ maxAlerts: 10, maxHistory: 20 });
    for (let i = 0; i < 30; i++) n.onAlert({ ...escape(T0 + i), dog: `dog${i}` }, T0 + i);
    assert.equal(n.list().length, 10);
    const r = n.list()[0];
    for (let i = 0; i < 50; i++) n.record(r.id, { t: T0 + i, what: 'delivered', channel: 'push' });
    assert.equal(r.history.length, 20);
    assert.equal(r.history[0].what, 'opened');
  });

  it('acknowledgement tokens are per alert and person', () => {
    const n = notifier();
    const id = n.onAlert(escape(), T0).deliveries[0].record.id;
    const token = n.ackToken(id, 'ben');
    assert.equal(n.checkAckToken(id, 'ben', token), true);
    assert.equal(n.checkAckToken(id, 'anna', token), false);
    assert.equal(n.checkAckToken('other', 'ben', token), false);
  });

  it('classifies node alerts and their recovery', () => {
    assert.equal(
      classifyAlert({ type: 'alert', event: 'node-offline', node: 'pi-1', severity: 'critical', ts: 1 })
        .category,
      'scanner-offline',
    );
    const off = classifyAlert({
      type: 'alert',
      event: 'node-silent',
      node: 'pi-1',
      severity: 'warning',
      ts: 1,
    });
    const on = classifyAlert({ type: 'alert', event: 'node-back', node: 'pi-1', severity: 'info', ts: 2 });
    assert.equal(on.role, 'resolve');
    assert.equal(on.key, off.key);
    const hot = classifyAlert({ type: 'alert', event: 'temp-high', node: 'hub', severity: 'warning', ts: 1 });
    assert.equal(hot.category, 'hub');
    assert.equal(
      classifyAlert({ type: 'alert', event: 'temp-ok', node: 'hub', severity: 'info', ts: 2 }).key,
      hot.key,
    );
    assert.throws(() => classifyAlert({ type: 'alert', event: 'exit', dog: 'rex', ts: 'soon' }), /alert\.ts/);
    assert.throws(() => classifyAlert({ type: 'alert', event: 'exit', ts: 1 }), /needs dog/);
  });

  it('roles: a viewer reads, acknowledges and sets their own alerts; only an admin manages', () => {
    assert.equal(may('viewer', 'read'), true);
    assert.equal(may('viewer', 'acknowledge'), true);
    assert.equal(may('viewer', 'own-settings'), true);
    assert.equal(may('viewer', 'manage'), false);
    assert.equal(may('admin', 'manage'), true);
    assert.throws(() => parseEscalation('anna, zoe', people), /zoe/);
    assert.throws(() => parsePeople('[{"login":"A B"}]', '{}'), /people\[0\]\.login/);
    assert.throws(() => parsePeople('[{"login":"ann"}]', '{"ann":"plain"}'), /not a bcrypt hash/);
  });

  it('rejects bad preferences naming the field', () => {
    assert.throws(() => parsePreferences({ events: ['nope'] }), /events: unknown event "nope"/);
    assert.throws(() => parsePreferences({ quiet: { start: '25:00', end: '07:00' } }), /quiet\.start/);
    assert.throws(() => parsePreferences({ minSeverity: 'loud' }), /minSeverity/);
  });
});
