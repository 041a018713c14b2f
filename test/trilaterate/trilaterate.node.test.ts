// trilaterate on the real Node-RED runtime, fed by rssi-filter: readings in, positions out in event time,
// batches, bad payloads through Catch, a new site applied without a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EventEmitter } from 'events';
import type { Node } from 'node-red';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import rssiFilter = require('../../nodes/rssi-filter/rssi-filter');
import trilaterate = require('../../nodes/trilaterate/trilaterate');
import { registry } from '../../nodes/common/metrics';
import type { Position } from '../../nodes/kernel/contract';
import { NO_NOISE, SiteSimulator } from '../../nodes/kernel/simulation';
import { parseSite } from '../../nodes/kernel/site-document';
import { helper, nextMessage, onTab, statusWhere, type FlowNode } from '../support/flow';

// Plain JS without types, so required rather than imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as (red: unknown) => void;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const injectNode = require('@node-red/nodes/core/common/20-inject.js') as (red: unknown) => void;

const T0 = 1_763_800_000_000;

function yardSite(name = 'Yard', shift = 0): string {
  return JSON.stringify({
    name,
    origin: { lat: 52.0907, lon: 5.1214, rotationDeg: 0 },
    scanners: [
      [0, 0],
      [20, 0],
      [20, 15],
      [20, 30],
      [0, 30],
      [0, 15],
    ].map(([x, y], i) => ({ id: `pi-${i}`, x: x + shift, y: y + shift, z: 1.5 })),
    dogs: [{ id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' }],
  });
}

/** Noise-free readings of rex resting at (x, y) for `seconds` from `from`. */
function readingsAt(
  x: number,
  y: number,
  from: number,
  seconds: number,
  siteText = yardSite(),
): Record<string, unknown>[] {
  const result = parseSite(siteText);
  assert.ok(result.ok);
  const sim = new SiteSimulator(result.site, {
    startTs: from,
    seed: 1,
    noise: NO_NOISE,
    motion: { maxSprintMps: 0 },
    start: { rex: [x, y] },
  });
  let seq = 0;
  return sim
    .advance(from + seconds * 1000)
    .map((a) => ({ v: 1, type: 'rssi', scanner: a.scanner, seq: ++seq, ts: a.ts, mac: a.mac, rssi: a.rssi }));
}

function flow(site: FlowNode, extra: Record<string, unknown> = {}): FlowNode[] {
  return onTab([
    site,
    { id: 'f1', type: 'rssi-filter', name: 'smooth', wires: [['t1']] },
    { id: 't1', type: 'trilaterate', name: 'locate', site: 'site1', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'c1', type: 'catch', scope: ['t1'], wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

const inlineSite = (text = yardSite()): FlowNode => ({
  id: 'site1',
  type: 'tracker-site',
  name: 'the yard',
  config: text,
});

/** A position message on trilaterate's output; other properties of the input message travel along. */
interface PositionMsg {
  topic: string;
  payload: Position;
  from?: unknown;
}

/** What a Catch node sends on for an error. */
interface Caught {
  error: { message: string };
}

/** Collects every message a helper node receives until `count` have arrived. */
function collect(node: Node, count: number): Promise<PositionMsg[]> {
  const got: PositionMsg[] = [];
  return new Promise((resolve) => {
    const listener = (msg: PositionMsg): void => {
      got.push(msg);
      if (got.length === count) {
        (node as EventEmitter).off('input', listener);
        resolve(got);
      }
    };
    (node as EventEmitter).on('input', listener);
  });
}

async function positionsCounted(dog: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'dogtracker_positions_total');
  return Number(metric?.values.find((v) => v.labels.dog === dog)?.value ?? 0);
}

describe('trilaterate node', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('turns readings into one position per second of event time, where the dog is, with lat/lon', async () => {
    await helper.load([trackerSite, rssiFilter, trilaterate, catchNode], flow(inlineSite()));
    const f1 = helper.getNode('f1');
    const out = helper.getNode('out');
    const counted = await positionsCounted('rex');
    const positions = collect(out, 4);
    // Five seconds of readings, replayed as fast as they go: event time, not the clock, paces the output.
    for (const payload of readingsAt(8, 12, T0, 5)) f1.receive({ payload, from: 'test' });
    const msgs = await positions;
    assert.deepEqual(
      msgs.map((m) => m.payload.ts),
      [T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000],
    );
    for (const m of msgs) {
      assert.equal(m.topic, 'dogtracker/v1/position/rex');
      assert.equal(m.from, 'test');
      const p = m.payload;
      assert.equal(p.v, 1);
      assert.equal(p.type, 'position');
      assert.equal(p.dog, 'rex');
      assert.equal(p.method, 'tracker');
      assert.equal(p.scanners, 6);
      assert.ok(p.lat !== undefined && p.lon !== undefined && p.cov !== undefined, 'lat, lon and cov');
      assert.ok(p.lat > 52.09 && p.lat < 52.092 && p.lon > 5.121 && p.lon < 5.122, `${p.lat} ${p.lon}`);
      assert.ok(p.accuracy > 0 && p.cov[0][0] > 0 && p.cov[1][1] > 0);
    }
    assert.equal((await positionsCounted('rex')) - counted, 4, 'dogtracker_positions_total');
    const last = msgs[3].payload;
    assert.ok(Math.hypot(last.x - 8, last.y - 12) < 1.5, `${last.x}, ${last.y}`);
  });

  it('takes a batch of readings and sends the positions of every window it closed', async () => {
    await helper.load([trackerSite, rssiFilter, trilaterate, catchNode], flow(inlineSite()));
    const t1 = helper.getNode('t1');
    const out = helper.getNode('out');
    const positions = collect(out, 3);
    t1.receive({ payload: readingsAt(15, 20, T0, 3.5) });
    const msgs = await positions;
    assert.deepEqual(
      msgs.map((m) => m.payload.ts),
      [T0 + 1000, T0 + 2000, T0 + 3000],
    );
    assert.ok(Math.hypot(msgs[2].payload.x - 15, msgs[2].payload.y - 20) < 2);
  });

  it('reports bad payloads through Catch, naming the field, and keeps working', async () => {
    await helper.load([trackerSite, rssiFilter, trilaterate, catchNode], flow(inlineSite()));
    const t1 = helper.getNode('t1');
    const out = helper.getNode('out');
    const caught = helper.getNode('caught');
    for (const [payload, expected] of [
      [42, /payload must be an rssi reading object.*not 42/],
      [
        { v: 1, type: 'rssi', scanner: 'pi-0', ts: T0, mac: 'ac:23:3f:a3:80:4b', rssi: null },
        /payload\.rssi must be a finite number/,
      ],
      [{ v: 1, type: 'health', node: 'pi-0', ts: T0 }, /payload\.type must be "rssi", not "health"/],
      [[{ scanner: '' }], /1 of 1 readings refused|payload\[0\]\.scanner must be a non-empty string/],
    ] as Array<[unknown, RegExp]>) {
      const error = nextMessage<Caught>(caught);
      t1.receive({ payload });
      assert.match(String((await error).error.message), expected);
    }
    const positions = collect(out, 2);
    for (const payload of readingsAt(5, 5, T0, 2.5)) t1.receive({ payload });
    assert.equal((await positions).length, 2);
  });

  it('applies a new site from the tracker-site node without a restart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trilaterate-site-'));
    try {
      const file = path.join(dir, 'site.json');
      writeFileSync(file, yardSite('First'));
      await helper.load(
        [trackerSite, rssiFilter, trilaterate, catchNode],
        flow({ id: 'site1', type: 'tracker-site', name: 'the yard', source: 'file', path: file }),
      );
      const t1 = helper.getNode('t1');
      const out = helper.getNode('out');
      await statusWhere(t1, (s) => s.text === 'First: 6 scanners');
      const first = collect(out, 1);
      for (const payload of readingsAt(10, 10, T0, 1.5)) t1.receive({ payload });
      assert.ok((await first)[0].payload.x < 20);

      // The scanners move 100 m: the same readings now place the dog near the new scanners.
      writeFileSync(path.join(dir, 'next.json'), yardSite('Second', 100));
      renameSync(path.join(dir, 'next.json'), file);
      await statusWhere(t1, (s) => s.text === 'Second: 6 scanners');
      const second = collect(out, 1);
      for (const payload of readingsAt(110, 110, T0 + 60_000, 1.5, yardSite('Second', 100)))
        t1.receive({ payload });
      const p = (await second)[0].payload;
      assert.ok(Math.hypot(p.x - 110, p.y - 110) < 2, `${p.x}, ${p.y}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with a bad setting, logs it and gives it for each message', async () => {
    await helper.load([trackerSite, rssiFilter, trilaterate, catchNode], flow(inlineSite(), { interval: 0 }));
    const t1 = helper.getNode('t1') as Node & { error: { args: unknown[][] } };
    assert.match(String(t1.error.args[0][0]), /invalid settings: interval must be at least 0.05 s, not 0/);
    const error = nextMessage<Caught>(helper.getNode('caught'));
    t1.receive({ payload: readingsAt(5, 5, T0, 0.3)[0] });
    assert.match(
      String((await error).error.message),
      /trilaterate not started: invalid settings: interval must be/,
    );
  });

  it('without a site, says so for each message', async () => {
    await helper.load(
      [trackerSite, trilaterate, catchNode],
      onTab([
        { id: 't1', type: 'trilaterate', name: 'locate', site: '', wires: [[]] },
        { id: 'c1', type: 'catch', scope: ['t1'], wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]),
    );
    const error = nextMessage<Caught>(helper.getNode('caught'));
    helper.getNode('t1').receive({ payload: readingsAt(5, 5, T0, 0.3)[0] });
    assert.match(String((await error).error.message), /no site: no tracker-site configured/);
  });

  it('runs the shipped example: an inject of 2.1 s of readings gives two positions of Rex near (8, 12)', async () => {
    const example = JSON.parse(
      readFileSync(path.join(__dirname, '../../../examples/trilaterate.json'), 'utf8'),
    ) as FlowNode[];
    // The debug nodes become helpers so the test can see what they would show; comments are left out.
    const nodes = example
      .filter((n) => n.type !== 'comment')
      .map((n) => (n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper' } : n));
    await helper.load([trackerSite, rssiFilter, trilaterate, catchNode, injectNode], nodes);
    const positions = collect(helper.getNode('tri-debug'), 2);
    helper.getNode('tri-in').receive({});
    const msgs = await positions;
    for (const m of msgs) {
      assert.equal(m.payload.dog, 'rex');
      assert.ok(Math.hypot(m.payload.x - 8, m.payload.y - 12) < 2, JSON.stringify(m.payload));
    }
  });
});
