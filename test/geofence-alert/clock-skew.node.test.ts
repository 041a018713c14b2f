// geofence-alert on the real runtime when one position is stamped in the future, and when positions of
// dogs the site does not list flood in: no false `missing`, the saved state stays true and small.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'events';
import * as v8 from 'v8';
import * as vm from 'vm';
import geofenceAlert = require('../../nodes/geofence-alert/geofence-alert');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import type { Alert } from '../../nodes/kernel/contract';
import { registry } from '../../nodes/common/metrics';
import { FenceOutput, Geofence, type FenceSnapshot } from '../../nodes/geofence-alert/geofence';
import { DEFAULT_OPTIONS } from '../../nodes/geofence-alert/fence-options';
import { SiteView } from '../../nodes/kernel/site-view';
import { helper, statusWhere, type FlowNode } from '../support/flow';
import { useRuntimeWithFakeClock } from './fake-clock';
import { fenceFlow, T0, YARD } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode: unknown = require('@node-red/nodes/core/common/24-complete.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode: unknown = require('@node-red/nodes/core/common/25-catch.js');

const HOUR = 3_600_000;
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
  zones: [{ id: 'yard', name: 'Yard', kind: 'safe', polygon: YARD }],
};

const pos = (dog: string, ts: number, x = 10, y = 15): Record<string, unknown> => ({
  v: 1,
  type: 'position',
  dog,
  ts,
  x,
  y,
  accuracy: 1,
});

const flow = (fence: Record<string, unknown> = {}): FlowNode[] =>
  fenceFlow(SITE, { holdS: 5, missingS: 60, ...fence });

let waiter: ((error: string | undefined) => void) | undefined;

/** After each load: Node-RED nodes cannot drop an input listener, so these stay and settle the waiter. */
function listen(): void {
  const settle = (error: string | undefined): void => {
    const w = waiter;
    waiter = undefined;
    w?.(error);
  };
  (helper.getNode('completed') as EventEmitter).on('input', () => settle(undefined));
  (helper.getNode('errors') as EventEmitter).on('input', (m: { error: { message: string } }) =>
    settle(m.error.message),
  );
}

/** Sends one message and resolves with its error text (undefined when it completed without one). */
function feed(payload: unknown): Promise<string | undefined> {
  return new Promise((resolve) => {
    waiter = resolve;
    helper.getNode('fence').receive({ payload });
  });
}

function saved(): FenceSnapshot | undefined {
  return helper.getNode('fence').context().get('geofence') as FenceSnapshot | undefined;
}

async function skewCounted(dog: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'dogtracker_clock_skew_total');
  return Number(metric?.values.find((v) => v.labels.dog === dog)?.value ?? 0);
}

function heapAfterGc(): number {
  (helper as unknown as { _sandbox: { resetHistory(): void } })._sandbox.resetHistory();
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('geofence-alert: positions from the future, and dogs the site does not list', () => {
  const clock = useRuntimeWithFakeClock(T0);

  it('one position an hour ahead: no false missing, the real positions count, nothing of it is saved', async () => {
    await helper.load([geofenceAlert, trackerSite, completeNode, catchNode] as never, flow());
    listen();
    const fence = helper.getNode('fence');
    const alerts: Alert[] = [];
    (helper.getNode('alerts') as EventEmitter).on('input', (m: { payload: Alert }) => alerts.push(m.payload));
    const warnings: string[] = [];
    (fence as EventEmitter).on('call:warn', (c: { args: unknown[] }) => warnings.push(String(c.args[0])));
    const before = await skewCounted('rex');
    const named = statusWhere(fence, (s) => s.text === 'rex: position 60 min ahead, ignored');
    for (let t = 0; t <= 300; t++) {
      clock().advance(1000);
      // Rex leaves the yard at 200 s: a real exit, saved at once.
      const batch = [pos('rex', T0 + t * 1000, t < 200 ? 10 : 40), pos('bella', T0 + t * 1000, 12, 15)];
      if (t === 10 || t === 11) batch.push(pos('rex', T0 + t * 1000 + HOUR));
      assert.equal(await feed(batch), undefined);
      if (t === 11) await named;
    }
    assert.deepEqual(
      alerts.map((a) => `${a.dog}/${a.event}@${(a.ts - T0) / 1000}`),
      ['rex/exit@205'],
      'no missing or found, and the exit in real time',
    );
    assert.equal((await skewCounted('rex')) - before, 2);
    assert.equal(warnings.filter((w) => /rex.*60 min ahead/.test(w)).length, 1, 'warned once');
    // Saved at the exit: the real times, nothing of the hour ahead.
    const state = saved();
    assert.ok(state, 'state saved');
    assert.equal(state.clock, T0 + 205_000);
    assert.equal(state.dogs.rex.last?.ts, T0 + 205_000);
    assert.equal(state.dogs.bella.missing, false);
  });

  it('a future clock saved by an older version is dropped on restore', () => {
    const fence = new Geofence({ ...DEFAULT_OPTIONS }, () => T0);
    fence.setSite(SiteView.fromJson(JSON.stringify(SITE)), new FenceOutput());
    const problems = fence.restore({
      v: 1,
      clock: T0 + HOUR,
      dogs: {
        rex: { missing: false, zones: {}, last: { dog: 'rex', ts: T0 + HOUR, x: 10, y: 15, accuracy: 1 } },
        bella: {
          missing: false,
          zones: {},
          last: { dog: 'bella', ts: T0 - 5000, x: 10, y: 15, accuracy: 1 },
        },
      },
    });
    assert.deepEqual(problems, [
      'saved clock is ahead of the wall clock: dropped',
      'saved last position of dog "rex" is from the future: dropped',
    ]);
    assert.equal(fence.clock, undefined);
    const out = new FenceOutput();
    assert.equal(fence.observe({ dog: 'rex', ts: T0, x: 10, y: 15, accuracy: 1 }, out), true);
    assert.equal(fence.snapshot().dogs.bella.last?.ts, T0 - 5000);
  });

  it('100 000 positions of unknown dogs: refused once per message, state and heap flat', async function () {
    this.timeout(60_000);
    await helper.load([geofenceAlert, trackerSite, completeNode, catchNode] as never, flow());
    listen();
    assert.equal(await feed([pos('rex', T0), pos('bella', T0)]), undefined);
    const flood = async (from: number): Promise<void> => {
      for (let b = 0; b < 50; b++) {
        const batch = Array.from({ length: 1000 }, (_, k) => pos(`stray-${from + b * 1000 + k}`, T0 + 1000));
        const error = await feed(batch);
        assert.match(
          error ?? '',
          /^(Error: )?1000 position\(s\) of dogs the site does not list refused \("stray-\d+", /,
        );
      }
    };
    await flood(0);
    const heap1 = heapAfterGc();
    await flood(50_000);
    const heap2 = heapAfterGc();
    assert.ok(heap2 - heap1 < 5e6, `the second 50 000 added ${((heap2 - heap1) / 1e6).toFixed(1)} MB`);
    clock().advance(11_000);
    assert.ok(JSON.stringify(saved() ?? {}).length < 2000, 'saved state holds the site dogs only');
    if (process.env.SHOW_FIGURES)
      console.log(
        `geofence flood: heap +${((heap2 - heap1) / 1e6).toFixed(2)} MB, saved ${JSON.stringify(saved()).length} chars`,
      );
  });

  it('following unknown beacons keeps at most 100 of them', async () => {
    await helper.load(
      [geofenceAlert, trackerSite, completeNode, catchNode] as never,
      flow({ followUnknown: true }),
    );
    listen();
    for (let b = 0; b < 5; b++)
      assert.equal(
        await feed(Array.from({ length: 100 }, (_, k) => pos(`mac:${b}-${k}`, T0 + 1000 * (b + 1)))),
        undefined,
      );
    clock().advance(11_000);
    const dogs = Object.keys(saved()?.dogs ?? {});
    assert.equal(dogs.filter((d) => d.startsWith('mac:')).length, 100);
    assert.ok(dogs.includes('mac:4-99') && !dogs.includes('mac:0-0'), 'the least recently seen went first');
  });
});
