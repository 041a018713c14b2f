// The collar watch: battery low / ok with hysteresis from Minew % and Eddystone TLM mV, collar-silent when
// the other collars' readings move event time on, collar-back, a scanner clock far ahead ignored; and the
// same alerts out of the dog-activity node on the real runtime.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'events';
import dogActivity = require('../../nodes/dog-activity/dog-activity');
import { CollarWatch, type CollarReading } from '../../nodes/dog-activity/collar-watch';
import type { Alert } from '../../nodes/kernel/contract';
import { parseAlert } from '../../nodes/kernel/parse';
import { classifyAlert } from '../../nodes/tracker-notify/alert-kinds';
import { helper, onTab } from '../support/flow';

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const read = (dog: string, s: number, extra: Partial<CollarReading> = {}): CollarReading => ({
  dog,
  scanner: 'pi-a',
  ts: T0 + s * 1000,
  ...extra,
});

describe('collar watch', () => {
  it('says battery-low once per crossing, battery-ok only above the upper threshold', () => {
    const w = new CollarWatch({ collarSilentMin: 0 });
    const events = [50, 19, 18, 25, 19, 31, 15].flatMap((battery, i) =>
      w.reading(read('rex', i, { battery })).map((a) => `${a.event}@${i}`),
    );
    assert.deepEqual(events, ['battery-low@1', 'battery-ok@5', 'battery-low@6']);
  });

  it('reads Eddystone TLM millivolts, ignoring the 0 mV of a tag that cannot measure', () => {
    const w = new CollarWatch({ collarSilentMin: 0 });
    const mv = (batteryMv: number, s: number): string[] =>
      w.reading(read('bella', s, { eddystone: { batteryMv } })).map((a) => String(a.text));
    assert.deepEqual(mv(0, 0), []);
    assert.deepEqual(mv(2950, 1), []);
    assert.deepEqual(mv(2550, 2), ['collar battery 2550 mV']);
    assert.deepEqual(mv(2700, 3), []);
    assert.deepEqual(mv(2850, 4), ['collar battery 2850 mV']);
  });

  it('calls a collar silent when the others move time on without it, and back when heard', () => {
    const w = new CollarWatch({ collarSilentMin: 2 });
    w.reading(read('rex', 0));
    w.reading(read('bella', 0));
    const alerts: Alert[] = [];
    for (let s = 1; s <= 200; s++) alerts.push(...w.reading(read('bella', s)));
    assert.equal(alerts.length, 1);
    const silent = alerts[0]!;
    assert.equal(silent.event, 'collar-silent');
    assert.equal(silent.dog, 'rex');
    assert.equal(silent.since, T0);
    assert.ok(silent.ts >= T0 + 120_000 && silent.ts <= T0 + 126_000, String(silent.ts - T0));
    assert.equal(parseAlert(silent).ok, true);
    assert.equal(classifyAlert(silent).category, 'missing');
    const back = w.reading(read('rex', 201));
    assert.deepEqual(
      back.map((a) => a.event),
      ['collar-back'],
    );
    assert.equal(classifyAlert(back[0]).role, 'resolve');
  });

  it('does not let one scanner stamped an hour ahead make every collar silent', () => {
    const w = new CollarWatch({ collarSilentMin: 2 });
    for (let s = 0; s < 30; s++) {
      w.reading(read('rex', s));
      w.reading(read('bella', s, { scanner: 'pi-b' }));
    }
    const ahead = w.reading(read('bella', 3600, { scanner: 'pi-c' }));
    const next = w.reading(read('rex', 31));
    assert.deepEqual([...ahead, ...next], []);
  });

  it('keeps at most maxDogs collars', () => {
    const w = new CollarWatch({ maxDogs: 10, collarSilentMin: 0 });
    for (let i = 0; i < 1000; i++) w.reading(read(`dog-${i}`, i, { battery: 5 }));
    assert.equal(w.collarCount, 10);
  });
});

describe('dog-activity node: collar alerts', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('sends battery-low on the alerts output with the dog alert topic', async () => {
    await helper.load(
      [dogActivity],
      onTab([
        { id: 'a1', type: 'dog-activity', timeZone: 'UTC', wires: [[], ['alerts']] },
        { id: 'alerts', type: 'helper' },
      ]),
    );
    const alerts = helper.getNode('alerts') as unknown as EventEmitter;
    const got = new Promise<{ topic: string; payload: Alert }>((resolve) => alerts.once('input', resolve));
    const reading = (battery: number, s: number): Record<string, unknown> => ({
      v: 1,
      type: 'rssi',
      scanner: 'pi-a',
      ts: T0 + s * 1000,
      mac: 'ac:23:3f:a3:80:4b',
      rssi: -70,
      frame: 'minew-info',
      dog: 'rex',
      battery,
    });
    helper.getNode('a1').receive({ payload: [reading(80, 0), reading(12, 1)] });
    const msg = await got;
    assert.equal(msg.topic, 'dogtracker/v1/alert/rex');
    assert.equal(msg.payload.event, 'battery-low');
    assert.equal(msg.payload.text, 'collar battery 12 %');
  });
});
