// dog-activity on the real Node-RED runtime: frames in, activity on output 1 and alerts on output 2 with
// their contract topics, bad payloads through done(err) while the node keeps working, bad settings.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'events';
import type { Node } from 'node-red';
import dogActivity = require('../../nodes/dog-activity/dog-activity');
import type { Activity } from '../../nodes/dog-activity/activity-core';
import type { Alert } from '../../nodes/kernel/contract';
import { helper, nextMessage, onTab, statusWhere, type FlowNode } from '../support/flow';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as (red: unknown) => void;

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

function frames(from: number, seconds: number, g: number): Record<string, unknown>[] {
  return Array.from({ length: seconds }, (_, i) => ({
    v: 1,
    type: 'rssi',
    scanner: 'pi-a',
    ts: from + i * 1000,
    mac: 'ac:23:3f:a3:80:4b',
    rssi: -70,
    frame: 'minew-accel',
    dog: 'rex',
    minew: { accel: [0.01 * Math.sin(i), g * (i % 2 ? 1 : -1), 1] },
  }));
}

function flow(extra: Record<string, unknown> = {}): FlowNode[] {
  return onTab([
    {
      id: 'a1',
      type: 'dog-activity',
      name: 'activity',
      timeZone: 'UTC',
      wires: [['act'], ['alerts']],
      ...extra,
    },
    { id: 'act', type: 'helper' },
    { id: 'alerts', type: 'helper' },
    { id: 'c1', type: 'catch', scope: ['a1'], wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

describe('dog-activity node', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('emits one activity message per minute on output 1 with its topic, keeping the msg', async () => {
    await helper.load([dogActivity], flow());
    const node = helper.getNode('a1');
    const act = helper.getNode('act') as unknown as EventEmitter;
    const got: Activity[] = [];
    const two = new Promise<void>((resolve) =>
      act.on('input', (msg: { payload: Activity; topic: string; trace?: string }) => {
        assert.equal(msg.topic, 'dogtracker/v1/activity/rex');
        assert.equal(msg.trace, 'x');
        got.push(msg.payload);
        if (got.length === 2) resolve();
      }),
    );
    const status = statusWhere(node, (s) => s.fill === 'green');
    node.receive({ payload: [...frames(T0, 60, 0), ...frames(T0 + 60_000, 61, 0.12)], trace: 'x' });
    await two;
    assert.deepEqual(
      got.map((a) => [a.state, a.source, a.ts]),
      [
        ['rest', 'accel', T0],
        ['moving', 'accel', T0 + 60_000],
      ],
    );
    assert.match((await status).text ?? '', /1 dogs · rex moving/);
  });

  it('sends inactive on output 2 with the alert topic', async () => {
    await helper.load([dogActivity], flow({ inactiveMin: 2 }));
    const alert = nextMessage<{ payload: Alert; topic: string }>(helper.getNode('alerts'));
    helper.getNode('a1').receive({ payload: frames(T0, 181, 0) });
    const msg = await alert;
    assert.equal(msg.topic, 'dogtracker/v1/alert/rex');
    assert.equal(msg.payload.event, 'inactive');
    assert.equal(msg.payload.minutes, 2);
  });

  it('reports a bad item through done(err) naming the field and keeps the good ones', async () => {
    await helper.load([dogActivity, catchNode], flow());
    const caught = nextMessage<{ error: { message: string } }>(helper.getNode('caught'));
    const act = nextMessage<{ payload: Activity }>(helper.getNode('act'));
    const bad = { ...frames(T0, 1, 0)[0], minew: { accel: [1, 'x', Infinity] } };
    helper.getNode('a1').receive({ payload: [...frames(T0, 61, 0), bad, ...frames(T0 + 61_000, 1, 0)] });
    assert.match(
      (await caught).error.message,
      /payload\[61\]\.minew\.accel(\[2\])? must be (3 finite numbers|a finite number)/,
    );
    assert.equal((await act).payload.state, 'rest');
  });

  it('refuses a time zone it does not know and says why on every input', async () => {
    await helper.load([dogActivity, catchNode], flow({ timeZone: 'Mars/Olympus' }));
    const node: Node = helper.getNode('a1');
    const caught = nextMessage<{ error: { message: string } }>(helper.getNode('caught'));
    node.receive({ payload: frames(T0, 1, 0) });
    assert.match((await caught).error.message, /timeZone "Mars\/Olympus" is not a known time zone/);
  });
});
