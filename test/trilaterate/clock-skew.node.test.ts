// What a user hits when a Pi's clock is wrong, a Pi speaks for another, or names flood in: rssi-filter
// and trilaterate on the real Node-RED runtime, fed by the shared site simulator.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'events';
import * as v8 from 'v8';
import * as vm from 'vm';
import type { Node } from 'node-red';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import rssiFilter = require('../../nodes/rssi-filter/rssi-filter');
import trilaterate = require('../../nodes/trilaterate/trilaterate');
import { registry } from '../../nodes/common/metrics';
import { SiteSimulator } from '../../nodes/kernel/simulation';
import { parseSite } from '../../nodes/kernel/site-document';
import { helper, onTab, statusWhere, type FlowNode } from '../support/flow';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as (red: unknown) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode = require('@node-red/nodes/core/common/24-complete.js') as (red: unknown) => void;

const NODES = [trackerSite, rssiFilter, trilaterate, catchNode, completeNode];
const T0 = 1_763_800_000_000;
const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;

const SITE = JSON.stringify({
  name: 'Yard',
  scanners: [
    [0, 0],
    [20, 0],
    [20, 15],
    [20, 30],
    [0, 30],
    [0, 15],
  ].map(([x, y], i) => ({ id: `pi-${i}`, x, y, z: 1.5 })),
  dogs: [
    { id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' },
    { id: 'bella', name: 'Bella', beacon: 'ac:23:3f:a3:80:4c' },
  ],
});

interface Reading {
  v: 1;
  type: 'rssi';
  scanner: string;
  seq: number;
  ts: number;
  mac: string;
  rssi: number;
  [key: string]: unknown;
}

/** `seconds` of simulated readings from `from`, each scanner numbering its own. */
function simulated(from: number, seconds: number): Reading[] {
  const parsed = parseSite(SITE);
  assert.ok(parsed.ok);
  const sim = new SiteSimulator(parsed.site, { startTs: from, seed: 7 });
  const seq = new Map<string, number>();
  return sim.advance(from + seconds * 1000).map((a) => {
    const n = (seq.get(a.scanner) ?? 0) + 1;
    seq.set(a.scanner, n);
    return { v: 1, type: 'rssi', scanner: a.scanner, seq: n, ts: a.ts, mac: a.mac, rssi: a.rssi };
  });
}

function flow(filterExtra: Record<string, unknown> = {}, triExtra: Record<string, unknown> = {}): FlowNode[] {
  return onTab([
    { id: 'site1', type: 'tracker-site', name: 'the yard', config: SITE },
    { id: 'f1', type: 'rssi-filter', name: 'smooth', wires: [['t1']], ...filterExtra },
    { id: 't1', type: 'trilaterate', name: 'locate', site: 'site1', wires: [['out']], ...triExtra },
    { id: 'out', type: 'helper' },
    { id: 'c1', type: 'catch', scope: ['f1', 't1'], wires: [['caught']] },
    { id: 'caught', type: 'helper' },
    { id: 'd1', type: 'complete', scope: ['t1'], wires: [['completed']] },
    { id: 'completed', type: 'helper' },
  ]);
}

/** Every message a helper node receives from now on. */
function record(node: Node): Array<{ payload: Record<string, unknown>; [k: string]: unknown }> {
  const got: Array<{ payload: Record<string, unknown> }> = [];
  (node as EventEmitter).on('input', (msg: { payload: Record<string, unknown> }) => got.push(msg));
  return got;
}

/** Resolves when `node` has received `count` messages in all (counting from the call), within 20 s. */
function received(node: Node, count: number): Promise<void> {
  let n = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${n} of ${count} messages arrived`)), 20000);
    const listener = (): void => {
      if (++n === count) {
        clearTimeout(timer);
        (node as EventEmitter).off('input', listener);
        resolve();
      }
    };
    (node as EventEmitter).on('input', listener);
  });
}

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(value?.value ?? 0);
}

/** Seconds (since `from`) at which each dog got a position. */
function secondsByDog(
  msgs: Array<{ payload: Record<string, unknown> }>,
  from: number,
): Record<string, number[]> {
  const by: Record<string, number[]> = {};
  for (const m of msgs) (by[m.payload.dog as string] ??= []).push(((m.payload.ts as number) - from) / 1000);
  return by;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** Heap in use after a full collection, bytes; recorded spy calls of the test helper are dropped first. */
function heapAfterGc(): number {
  (helper as unknown as { _sandbox: { resetHistory(): void } })._sandbox.resetHistory();
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('clock skew, scanner identity and floods (rssi-filter -> trilaterate)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('a scanner an hour ahead: every dog still gets a position each second; the scanner is counted and named', async () => {
    await helper.load(NODES, flow());
    const f1 = helper.getNode('f1');
    const positions = record(helper.getNode('out'));
    const before = await counter('dogtracker_clock_skew_total', { scanner: 'pi-2' });
    const named = statusWhere(f1, (s) => /pi-2 clock (60 min|1 h) ahead/.test(s.text ?? ''));
    const readings = simulated(T0, 20.5).map((r) => (r.scanner === 'pi-2' ? { ...r, ts: r.ts + HOUR } : r));
    const skewed = readings.filter((r) => r.scanner === 'pi-2').length;
    const closing = received(helper.getNode('out'), 40);
    for (const r of readings) f1.receive({ topic: `dogtracker/v1/rssi/${r.scanner}`, payload: r });
    await closing;
    await named;
    const by = secondsByDog(positions, T0);
    assert.deepEqual(by.rex, range(1, 20));
    assert.deepEqual(by.bella, range(1, 20));
    assert.ok(
      positions.every((m) => (m.payload.scanners as number) <= 5),
      'pi-2 contributes nothing',
    );
    assert.equal((await counter('dogtracker_clock_skew_total', { scanner: 'pi-2' })) - before, skewed);
  });

  it('a Pi whose clock jumps 3 days ahead and back: positions keep coming in the next 10 s', async () => {
    // Straight into trilaterate (no filter): its own clock must hold too.
    await helper.load(NODES, flow());
    const t1 = helper.getNode('t1');
    const positions = record(helper.getNode('out'));
    const named = statusWhere(t1, (s) => /pi-4 clock 3 d ahead/.test(s.text ?? ''));
    const readings = simulated(T0, 20.5).map((r) =>
      r.scanner === 'pi-4' && r.ts >= T0 + 5000 && r.ts < T0 + 8000 ? { ...r, ts: r.ts + 3 * 24 * HOUR } : r,
    );
    const closing = received(helper.getNode('out'), 40);
    for (const r of readings) t1.receive({ topic: `dogtracker/v1/rssi/${r.scanner}`, payload: r });
    await closing;
    await named;
    const by = secondsByDog(positions, T0);
    assert.deepEqual(by.rex, range(1, 20));
    assert.deepEqual(by.bella, range(1, 20));
    // Back in step after the jump: pi-4 counts again.
    const late = positions.filter((m) => (m.payload.ts as number) >= T0 + 10000);
    assert.ok(late.some((m) => m.payload.scanners === 6));
  });

  it('a replay of a capture a year old gives the same positions as today', async () => {
    const run = async (from: number): Promise<unknown[]> => {
      await helper.load(NODES, flow());
      const f1 = helper.getNode('f1');
      const positions = record(helper.getNode('out'));
      const closing = received(helper.getNode('out'), 18);
      for (const r of simulated(from, 9.5)) f1.receive({ payload: r });
      await closing;
      const out = positions.map((m) => ({ ...m.payload, ts: (m.payload.ts as number) - from }));
      await helper.unload();
      return out;
    };
    // "Today": live, stamped by the wall clock; and the same capture a year earlier (not live).
    const today = Math.floor((Date.now() - 10_000) / 1000) * 1000;
    const live = await run(today);
    const yearOld = await run(today - YEAR);
    assert.equal(live.length, 18);
    assert.deepEqual(yearOld, live);
  });

  it('a spoofed scanner (topic rssi/pi-1, payload pi-3) is dropped and counted, in both nodes', async () => {
    await helper.load(NODES, flow());
    const before = await counter('dogtracker_readings_dropped_total', {
      reason: 'scanner-mismatch',
      scanner: 'pi-1',
    });
    const readings = simulated(T0, 0.5);
    const spoof = { ...readings[0], scanner: 'pi-3' };
    for (const id of ['f1', 't1']) {
      const node = helper.getNode(id);
      const warned = new Promise<string>((resolve) =>
        (node as EventEmitter).once('call:warn', (call: { args: unknown[] }) =>
          resolve(String(call.args[0])),
        ),
      );
      const status = statusWhere(node, (s) => s.text === 'pi-1 sent readings of pi-3');
      node.receive({ topic: 'dogtracker/v1/rssi/pi-1', payload: spoof });
      assert.match(await warned, /dogtracker\/v1\/rssi\/pi-1.*name scanner "pi-3": dropped/);
      await status;
    }
    const after = await counter('dogtracker_readings_dropped_total', {
      reason: 'scanner-mismatch',
      scanner: 'pi-1',
    });
    assert.equal(after - before, 2);
  });

  it('one bad reading in a batch costs only itself: every window the batch closed is still sent', async () => {
    await helper.load(NODES, flow({}, { trackAll: true }));
    const t1 = helper.getNode('t1');
    const positions = record(helper.getNode('out'));
    const readings: unknown[] = simulated(T0, 3.5);
    // An unknown beacon with a numeric id (the contract says a string): it used to throw in the locator.
    readings.splice(40, 0, { v: 1, type: 'rssi', scanner: 'pi-0', ts: T0 + 400, mac: 'x', id: 5, rssi: -70 });
    readings.splice(10, 0, { v: 1, type: 'rssi', scanner: 'pi-0', ts: T0 + 100, mac: 'y', rssi: 'loud' });
    const caught = received(helper.getNode('caught'), 1);
    const closing = received(helper.getNode('out'), 6);
    t1.receive({ payload: readings });
    await closing;
    await caught;
    const by = secondsByDog(positions, T0);
    assert.deepEqual(by.rex, [1, 2, 3]);
    assert.deepEqual(by.bella, [1, 2, 3]);
  });

  it('100 000 unknown MACs and 100 000 scanner names: heap flat, metrics page small', async function () {
    this.timeout(120_000);
    await helper.load(NODES, flow());
    const f1 = helper.getNode('f1');
    const completed = helper.getNode('completed');
    const page0 = (await registry.metrics()).length;
    const flood = async (from: number, count: number, name: (i: number) => string): Promise<void> => {
      const batches = count / 1000;
      const handled = received(completed, batches);
      for (let b = 0; b < batches; b++) {
        const payload = Array.from({ length: 1000 }, (_, k) => {
          const i = from + b * 1000 + k;
          return { v: 1, type: 'rssi', scanner: name(i), seq: i, ts: T0 + i, mac: macOf(i), rssi: -80 };
        });
        f1.receive({ payload });
        // Let the batch through before the next, as a broker would pace it.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await handled;
    };
    const macOf = (i: number): string =>
      `02:00:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((n) => n.toString(16).padStart(2, '0')).join(':')}`;
    // Unknown MACs heard by the site's scanners.
    await flood(0, 50_000, (i) => `pi-${i % 6}`);
    const heap1 = heapAfterGc();
    await flood(50_000, 50_000, (i) => `pi-${i % 6}`);
    const heap2 = heapAfterGc();
    assert.ok(heap2 - heap1 < 5e6, `the second 50 000 MACs added ${((heap2 - heap1) / 1e6).toFixed(1)} MB`);
    // Scanner names nobody configured.
    await flood(100_000, 50_000, (i) => `rogue-${i}`);
    const heap3 = heapAfterGc();
    await flood(150_000, 50_000, (i) => `rogue-${i}`);
    const heap4 = heapAfterGc();
    assert.ok(heap4 - heap3 < 5e6, `the second 50 000 names added ${((heap4 - heap3) / 1e6).toFixed(1)} MB`);
    const page = (await registry.metrics()).length;
    assert.ok(page - page0 < 50_000, `the metrics page grew by ${page - page0} characters`);
    assert.ok(await counter('dogtracker_readings_total', { scanner: 'other' }), 'counted under other');
    if (process.env.SHOW_FIGURES)
      console.log(
        `heap +${((heap2 - heap1) / 1e6).toFixed(2)} MB (MACs), +${((heap4 - heap3) / 1e6).toFixed(2)} MB (names); metrics page +${page - page0} chars`,
      );
  });
});
