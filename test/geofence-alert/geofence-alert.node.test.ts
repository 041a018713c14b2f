// geofence-alert on the real Node-RED runtime: messages and topics, bad input, the silence timer on
// an injected wall clock, a site edited while running, and metrics.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'events';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Node } from 'node-red';
import type { Alert } from '../../nodes/kernel/contract';
import { registry } from '../../nodes/common/metrics';
import type { DogZoneState } from '../../nodes/geofence-alert/geofence';
import geofenceAlert = require('../../nodes/geofence-alert/geofence-alert');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { helper, statusWhere, type FlowNode, type Status } from '../support/flow';
import { useRuntimeWithFakeClock } from './fake-clock';
import { fenceFlow, T0, YARD } from './fixtures';

// Node-RED's own Complete and Catch nodes tell the test when the node has finished with a message.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode: unknown = require('@node-red/nodes/core/common/24-complete.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode: unknown = require('@node-red/nodes/core/common/25-catch.js');

interface Msg<T> {
  topic: string;
  payload: T;
  [key: string]: unknown;
}

const SITE = {
  name: 'Home',
  scanners: [
    { id: 's1', x: 0, y: 0 },
    { id: 's2', x: 20, y: 0 },
    { id: 's3', x: 0, y: 30 },
  ],
  dogs: [
    { id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' },
    { id: 'bella', name: 'Bella', beacon: 'ac:23:3f:a3:80:4c' },
  ],
  zones: [
    { id: 'yard', name: 'Yard', kind: 'safe', polygon: YARD },
    { id: 'pool', name: 'Pool', kind: 'forbidden', circle: { x: 5, y: 5, r: 3 } },
  ],
};

function pos(dog: string, seconds: number, x: number, y: number, accuracy = 1): Record<string, unknown> {
  return {
    v: 1,
    type: 'position',
    dog,
    ts: T0 + seconds * 1000,
    x,
    y,
    accuracy,
    scanners: 3,
    method: 'test',
  };
}

/** Positions every second from `from` to `to` (inclusive) at one place. */
function stay(dog: string, from: number, to: number, x: number, y: number): Record<string, unknown>[] {
  return Array.from({ length: to - from + 1 }, (_, i) => pos(dog, from + i, x, y));
}

const flow = (fence: Record<string, unknown> = {}, site: Record<string, unknown> = {}): FlowNode[] =>
  fenceFlow(SITE, { confidence: 90, marginM: 2, holdS: 5, missingS: 120, ...fence }, site);

interface Fed {
  alerts: Msg<Alert>[];
  states: Msg<DogZoneState>[];
  error?: string;
}

/** Records what the two outputs send, and sends messages in, resolving once each is handled. */
class Harness {
  readonly alerts: Msg<Alert>[] = [];
  readonly states: Msg<DogZoneState>[] = [];
  readonly fence: Node;
  private waiter: ((error: string | undefined) => void) | undefined;

  constructor() {
    this.fence = helper.getNode('fence');
    // Listeners stay for the whole test: Node-RED nodes do not support removing an input listener.
    const settle = (error: string | undefined): void => {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.(error);
    };
    (helper.getNode('completed') as EventEmitter).on('input', () => settle(undefined));
    (helper.getNode('errors') as EventEmitter).on('input', (m: { error: { message: string } }) =>
      settle(m.error.message.replace(/^Error: /, '')),
    );
    (helper.getNode('alerts') as EventEmitter).on('input', (m: Msg<Alert>) => this.alerts.push(m));
    (helper.getNode('states') as EventEmitter).on('input', (m: Msg<DogZoneState>) => this.states.push(m));
  }

  /** Sends one message; resolves with what came out for it (its Complete or Catch arrives after its outputs). */
  async feed(payload: unknown, extra: Record<string, unknown> = {}): Promise<Fed> {
    const a = this.alerts.length;
    const s = this.states.length;
    const finished = new Promise<string | undefined>((resolve) => (this.waiter = resolve));
    this.fence.receive({ payload, ...extra });
    const error = await finished;
    const fed: Fed = { alerts: this.alerts.slice(a), states: this.states.slice(s) };
    if (error !== undefined) fed.error = error;
    return fed;
  }
}

/** The last status the node showed (the test helper records every call). */
function lastStatus(node: Node): Status | undefined {
  const calls = (node as unknown as { status: { args: Status[][] } }).status.args;
  return calls.at(-1)?.[0];
}

async function alertCount(event: string, severity: string): Promise<number> {
  const metric = await registry.getSingleMetric('dogtracker_alerts_total')?.get();
  const value = metric?.values.find((v) => v.labels.event === event && v.labels.severity === severity);
  return value?.value ?? 0;
}

const NODES = [geofenceAlert, trackerSite, completeNode, catchNode];

describe('geofence-alert node', () => {
  const clock = useRuntimeWithFakeClock(T0);

  it('sends one contract alert per change, on the alert topic, keeping the message, and counts it', async () => {
    await helper.load(NODES as never, flow());
    const h = new Harness();
    const before = await alertCount('exit', 'critical');

    const settle = await h.feed(stay('rex', 0, 10, 10, 15), { correlation: 'walk-1' });
    assert.deepEqual(settle.alerts, []);
    assert.equal(settle.error, undefined);

    const out = await h.feed([...stay('rex', 11, 12, 17, 15), ...stay('rex', 13, 40, 26, 15)], {
      correlation: 'walk-2',
    });
    assert.equal(out.alerts.length, 1);
    const [alert] = out.alerts;
    assert.equal(alert.topic, 'dogtracker/v1/alert/rex');
    assert.equal(alert.correlation, 'walk-2');
    assert.deepEqual(alert.payload, {
      v: 1,
      type: 'alert',
      event: 'exit',
      dog: 'rex',
      zone: 'yard',
      kind: 'safe',
      zoneName: 'Yard',
      severity: 'critical',
      ts: T0 + 18000,
      since: T0 + 13000,
      x: 26,
      y: 15,
    });
    assert.equal(await alertCount('exit', 'critical'), before + 1);

    const more = await h.feed(stay('rex', 41, 60, 26, 15));
    assert.deepEqual(more.alerts, [], 'no second exit while the dog stays out');
    assert.deepEqual(lastStatus(h.fence), { fill: 'red', shape: 'dot', text: '2 dogs, 1 out of bounds' });
  });

  it('sends the full zone state of each changed dog on the second output', async () => {
    await helper.load(NODES as never, flow());
    const h = new Harness();
    const first = await h.feed(pos('rex', 0, 10, 15));
    assert.equal(first.states.length, 1);
    assert.equal(first.states[0].topic, 'dogtracker/v1/zone-state/rex');
    assert.deepEqual(first.states[0].payload, {
      v: 1,
      type: 'zone-state',
      dog: 'rex',
      ts: T0,
      lastSeen: T0,
      x: 10,
      y: 15,
      missing: false,
      inside: [],
      zones: [
        {
          zone: 'yard',
          name: 'Yard',
          kind: 'safe',
          state: 'unknown',
          dwell: false,
          pending: { state: 'inside', since: T0 },
        },
        {
          zone: 'pool',
          name: 'Pool',
          kind: 'forbidden',
          state: 'unknown',
          dwell: false,
          pending: { state: 'outside', since: T0 },
        },
      ],
    });
    const same = await h.feed(pos('rex', 1, 10, 15.2));
    assert.deepEqual(same.states, [], 'no state message when nothing changed');
    const settled = await h.feed(stay('rex', 2, 6, 10, 15));
    assert.deepEqual(settled.states.at(-1)?.payload.inside, ['yard']);
  });

  it('rejects bad input with a clear error and keeps working', async () => {
    await helper.load(NODES as never, flow());
    const h = new Harness();
    const garbage = await h.feed('garbage');
    assert.equal(garbage.error, '1 of 1 position(s) rejected: payload is text but not valid JSON: "garbage"');
    const reading = await h.feed({
      v: 1,
      type: 'rssi',
      scanner: 's1',
      ts: T0,
      mac: 'aa:bb:cc:dd:ee:ff',
      rssi: -70,
    });
    assert.match(reading.error ?? '', /payload\.type must be "position", not "rssi"/);

    const mixed = await h.feed([...stay('rex', 0, 10, 40, 15), { ...pos('rex', 11, 40, 15), x: null }]);
    assert.match(
      mixed.error ?? '',
      /^1 of 12 position\(s\) rejected: payload\[11\]\.x must be a finite number \(m\), not .*$/,
    );
    assert.deepEqual(
      mixed.alerts.map((a) => a.payload.event),
      ['exit'],
      'the good positions of the batch were used',
    );
    const after = await h.feed(stay('rex', 12, 30, 10, 15));
    assert.deepEqual(
      after.alerts.map((a) => a.payload.event),
      ['enter'],
    );
  });

  it('says what to do when no site is configured', async () => {
    await helper.load(NODES as never, flow({ site: '' }));
    const h = new Harness();
    const out = await h.feed(pos('rex', 0, 10, 15));
    assert.match(out.error ?? '', /no tracker-site configured/);
  });

  it('refuses invalid settings on every message, naming them', async () => {
    await helper.load(NODES as never, flow({ confidence: 120 }));
    const h = new Harness();
    const out = await h.feed(pos('rex', 0, 10, 15));
    assert.equal(out.error, 'invalid settings: confidence must be less than 100 %, not 120');
  });

  it('reports every dog missing on the wall clock when the input goes silent, and clears its timer on close', async () => {
    await helper.load(NODES as never, flow());
    const h = new Harness();
    await h.feed([pos('rex', 0, 10, 15), pos('bella', 2, 10, 16)]);

    clock().advance(100000);
    assert.equal(h.alerts.length, 0, 'silent for less than the missing time');
    const missing = new Promise<void>((resolve) => {
      const alerts = helper.getNode('alerts') as EventEmitter;
      const check = (): void => {
        if (h.alerts.length === 2) {
          alerts.off('input', check);
          resolve();
        }
      };
      alerts.on('input', check);
    });
    clock().advance(25000);
    await missing;
    assert.deepEqual(
      h.alerts.map((m) => [m.topic, m.payload.event, m.payload.severity, m.payload.since]),
      [
        ['dogtracker/v1/alert/rex', 'missing', 'warning', T0],
        ['dogtracker/v1/alert/bella', 'missing', 'warning', T0 + 2000],
      ],
    );
    // Event time of the alerts: the last input's time plus the silent wall time, at the 5 s checks
    // after each dog's absence passed 120 s (rex at 0 s, seen missing at 122 s; bella at 2 s, at 127 s).
    assert.deepEqual(
      h.alerts.map((m) => m.payload.ts - T0),
      [122000, 127000],
    );
    assert.deepEqual(lastStatus(h.fence), { fill: 'yellow', shape: 'ring', text: 'no positions for 2 min' });

    clock().advance(600000);
    assert.equal(h.alerts.length, 2, 'each dog once');
    // Stamped before the wall clock (now T0 + 725 s), as a live position is.
    const found = await h.feed(pos('rex', 720, 10, 15));
    assert.deepEqual(
      found.alerts.map((m) => [m.payload.event, m.payload.since]),
      [['found', T0]],
    );

    assert.equal(clock().active, 1);
    await helper.unload();
    assert.equal(clock().active, 0);
    assert.equal(clock().cleared.length, 1);
  });

  describe('site edited while running', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'geofence-site-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('re-evaluates: an unchanged yard gives no alert, a removed pool only a new state', async () => {
      const file = path.join(dir, 'site.json');
      writeFileSync(file, JSON.stringify(SITE));
      await helper.load(NODES as never, flow({}, { source: 'file', path: file, config: '' }));
      const h = new Harness();
      await statusWhere(h.fence, (st) => st.text === 'waiting for positions');
      const settle = await h.feed(stay('rex', 0, 10, 4, 4));
      assert.deepEqual(
        settle.alerts.map((a) => [a.payload.event, a.payload.zone]),
        [['enter', 'pool']],
      );

      const newState = new Promise<Msg<DogZoneState>>((resolve) =>
        (helper.getNode('states') as EventEmitter).once('input', resolve),
      );
      writeFileSync(file, JSON.stringify({ ...SITE, name: 'Edited', zones: [SITE.zones[0]] }));
      const state = await newState;
      assert.deepEqual(
        state.payload.zones.map((z) => [z.zone, z.state]),
        [['yard', 'inside']],
      );
      assert.equal(h.alerts.length, 1, 'no alert from the edit');
      const more = await h.feed(stay('rex', 11, 30, 4, 4));
      assert.deepEqual(more.alerts, []);
    });
  });
});
