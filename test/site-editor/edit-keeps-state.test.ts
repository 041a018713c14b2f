// A site edit keeps tracks and zone states (issue 14), on the real Node-RED runtime: readings -> trilaterate
// -> geofence-alert, then the site is edited (a zone edge moved, a zone added, the scanners kept), either
// live (the app admin's save, replaceInline) or by a deploy from the editor (the runtime's setFlows, which
// recreates the config node and the nodes using it). The dog's track goes on, unchanged zones stay quiet,
// and a zone that now excludes the dog gives exactly one exit. A deploy that moves a scanner, changes the
// node's settings, or a fresh start of the flows starts the tracks afresh.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'events';
import type { Alert, Position } from '../../nodes/kernel/contract';
import { handover } from '../../nodes/common/handover';
import { useWallClock } from '../../nodes/geofence-alert/wall-clock';
import { Locator } from '../../nodes/trilaterate/locator';
import { NO_NOISE, SiteSimulator } from '../../nodes/kernel/simulation';
import { parseSite } from '../../nodes/kernel/site-document';
import { SiteView } from '../../nodes/kernel/site-view';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import trilaterate = require('../../nodes/trilaterate/trilaterate');
import geofenceAlert = require('../../nodes/geofence-alert/geofence-alert');
import type { TrackerSiteNode } from '../../nodes/tracker-site/tracker-site-node';
import type { Node } from 'node-red';
import { helper, nextMessage, onTab, statusWhere, type FlowNode, type Status } from '../support/flow';
import { FakeClock } from '../geofence-alert/fake-clock';

const T0 = 1_763_800_000_000;
const REX = { id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' };
const SCANNERS = [
  [0, 0],
  [20, 0],
  [20, 15],
  [20, 30],
  [0, 30],
  [0, 15],
].map(([x, y], i) => ({ id: `pi-${i}`, x, y, z: 1.5 }));
/** Where rex rests: inside the yard and the lawn. */
const AT = { x: 8, y: 15 };

const rect = (x0: number, y0: number, x1: number, y1: number): number[][] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
];

interface SiteEdit {
  name?: string;
  scanners?: typeof SCANNERS;
  zones?: unknown[];
}

const FIRST_ZONES = [
  { id: 'yard', name: 'Yard', kind: 'safe', polygon: rect(0, 0, 20, 30) },
  { id: 'lawn', name: 'Lawn', kind: 'safe', polygon: rect(0, 0, 14, 30) },
];
/** The edit: the yard's east edge moved out, a porch added, the lawn shrunk to exclude rex; scanners kept. */
const EDITED_ZONES = [
  { id: 'yard', name: 'Yard', kind: 'safe', polygon: rect(0, 0, 24, 30) },
  { id: 'lawn', name: 'Lawn', kind: 'safe', polygon: rect(0, 0, 3, 30) },
  { id: 'porch', name: 'Porch', kind: 'info', circle: { x: 16, y: 4, r: 2 } },
];

function siteText(edit: SiteEdit = {}): string {
  return JSON.stringify({
    name: edit.name ?? 'First',
    scanners: edit.scanners ?? SCANNERS,
    dogs: [REX],
    zones: edit.zones ?? FIRST_ZONES,
  });
}

/** Noise-free readings of rex resting at AT from `from` for `seconds`. */
function readings(from: number, seconds: number, scanners = SCANNERS): Record<string, unknown>[] {
  const parsed = parseSite(siteText({ scanners }));
  assert.ok(parsed.ok);
  const sim = new SiteSimulator(parsed.site, {
    startTs: from,
    seed: 1,
    noise: NO_NOISE,
    motion: { maxSprintMps: 0 },
    start: { rex: [AT.x, AT.y] },
  });
  return sim.advance(from + seconds * 1000).map((a, i) => ({
    v: 1,
    type: 'rssi',
    scanner: a.scanner,
    seq: i + 1,
    ts: a.ts,
    mac: a.mac,
    rssi: a.rssi,
  }));
}

function flow(text: string, trilaterateExtra: Record<string, unknown> = {}): FlowNode[] {
  return onTab([
    { id: 'site1', type: 'tracker-site', name: 'the site', config: text },
    {
      id: 't1',
      type: 'trilaterate',
      name: 'locate',
      site: 'site1',
      wires: [['fence', 'pos']],
      ...trilaterateExtra,
    },
    {
      id: 'fence',
      type: 'geofence-alert',
      name: 'the fence',
      site: 'site1',
      confidence: 90,
      holdS: 3,
      missingS: 600,
      wires: [['alerts'], []],
    },
    { id: 'pos', type: 'helper' },
    { id: 'alerts', type: 'helper' },
  ]);
}

const NODES = [trackerSite, trilaterate, geofenceAlert];

/**
 * Resolves once `node` shows the status `text`: now, if it already did (a node a deploy created shows it
 * while it starts, before the test can listen), or when it does.
 */
async function shown(node: Node, text: string): Promise<void> {
  // The helper's spy is on Node.prototype: it records every node's calls.
  const spy = (node as unknown as { status: { getCalls(): Array<{ thisValue: unknown; args: Status[] }> } })
    .status;
  if (spy.getCalls().some((c) => c.thisValue === node && c.args[0]?.text === text)) return;
  await statusWhere(node, (s) => s.text === text);
}

/** Records positions and alerts for the whole test (the helper nodes survive a 'nodes' deploy). */
class Recorder {
  readonly positions: Position[] = [];
  readonly alerts: Alert[] = [];
  private waiting: { ts: number; resolve: () => void } | undefined;

  constructor() {
    (helper.getNode('pos') as EventEmitter).on('input', (m: { payload: Position }) => {
      this.positions.push(m.payload);
      if (this.waiting && m.payload.ts >= this.waiting.ts) {
        const { resolve } = this.waiting;
        this.waiting = undefined;
        resolve();
      }
    });
    (helper.getNode('alerts') as EventEmitter).on('input', (m: { payload: Alert }) =>
      this.alerts.push(m.payload),
    );
  }

  /**
   * Feeds rex's readings from `from` for `seconds` to the current trilaterate; resolves once the position
   * of the last closed window came out (and, geofence-alert being downstream of the same send, reached it).
   */
  async feed(from: number, seconds: number, scanners = SCANNERS): Promise<Position[]> {
    const before = this.positions.length;
    const batch = readings(from, seconds, scanners);
    // The newest reading closes every window that ended at or before its time.
    const lastEnd = Math.floor(Number(batch.at(-1)?.ts) / 1000) * 1000;
    const got = new Promise<void>((resolve) => (this.waiting = { ts: lastEnd, resolve }));
    const t1 = helper.getNode('t1');
    for (const payload of batch) t1.receive({ payload });
    await got;
    // The fence's alerts for the last position are sent in the same tick as it was handled: one more
    // round trip through the flow makes sure they arrived.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.positions.slice(before);
  }
}

/** A site edit deployed from the editor: the runtime's deploy of the changed nodes. */
async function deploy(text: string, trilaterateExtra: Record<string, unknown> = {}): Promise<void> {
  await helper.setFlows(flow(text, trilaterateExtra), 'nodes');
}

function editLive(text: string): void {
  const site = helper.getNode('site1') as TrackerSiteNode;
  const result = site.replaceInline(text);
  assert.ok(result.ok, result.errors.join('; '));
}

const events = (alerts: Alert[]): string[][] => alerts.map((a) => [a.event, a.zone ?? '']);

describe('a site edit keeps tracks and zone states', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  for (const how of ['live', 'deployed'] as const) {
    it(`${how}: the track goes on, unchanged zones stay quiet, the shrunk zone gives one exit`, async () => {
      await helper.load(NODES, flow(siteText()));
      const rec = new Recorder();
      const settled = await rec.feed(T0, 30);
      const first = settled[0];
      const last = settled.at(-1);
      assert.ok(first && last);
      assert.ok(Math.hypot(last.x - AT.x, last.y - AT.y) < 1, `${last.x}, ${last.y}`);
      // The tracker converged: what "no reset" is told from.
      assert.ok(last.accuracy < first.accuracy * 0.8, `${first.accuracy} -> ${last.accuracy}`);
      const alertsBefore = rec.alerts.length;

      const edited = siteText({ name: 'Edited', zones: EDITED_ZONES });
      if (how === 'live') editLive(edited);
      else await deploy(edited);
      await shown(helper.getNode('t1'), 'Edited: 6 scanners');

      const after = await rec.feed(T0 + 30_000, 30);
      // Same track: one position per second straight on, where it was, as precise as before.
      assert.equal(after[0].ts, last.ts + 1000);
      assert.ok(Math.hypot(after[0].x - last.x, after[0].y - last.y) < 0.3, `${after[0].x}, ${after[0].y}`);
      assert.ok(after[0].accuracy <= last.accuracy * 1.05, `${last.accuracy} -> ${after[0].accuracy}`);
      // The yard (edge moved) and the new porch are silent; the lawn that now excludes rex exits once.
      assert.deepEqual(events(rec.alerts.slice(alertsBefore)), [['exit', 'lawn']]);
    });
  }

  it('deployed with a scanner moved: the tracks start afresh', async () => {
    await helper.load(NODES, flow(siteText()));
    const rec = new Recorder();
    const settled = await rec.feed(T0, 30);
    const moved = SCANNERS.map((s, i) => (i === 0 ? { ...s, x: -2, y: -2 } : s));
    await deploy(siteText({ name: 'Moved', scanners: moved }));
    await shown(helper.getNode('t1'), 'Moved: 6 scanners');
    const after = await rec.feed(T0 + 30_000, 5, moved);
    // A fresh track is as (im)precise as the very first position was.
    assert.ok(Math.abs(after[0].accuracy - settled[0].accuracy) < 0.05 * settled[0].accuracy);
    assert.deepEqual(rec.alerts, [], 'the zone states are kept all the same');
  });

  it('deployed with other trilaterate settings: no handover, the track starts afresh', async () => {
    await helper.load(NODES, flow(siteText()));
    const rec = new Recorder();
    const settled = await rec.feed(T0, 30);
    await deploy(siteText({ name: 'Edited', zones: EDITED_ZONES }), { modelSigma: 6 });
    await shown(helper.getNode('t1'), 'Edited: 6 scanners');
    const after = await rec.feed(T0 + 30_000, 5);
    const last = settled.at(-1);
    assert.ok(last && after[0].accuracy > last.accuracy * 1.2, `${last?.accuracy} -> ${after[0].accuracy}`);
  });

  it('a fresh start of the flows (a restart, the next test) takes nothing over', async () => {
    await helper.load(NODES, flow(siteText()));
    const settled = await new Recorder().feed(T0, 30);
    await helper.unload();
    await helper.load(NODES, flow(siteText()));
    const after = await new Recorder().feed(T0 + 30_000, 5);
    assert.ok(Math.abs(after[0].accuracy - settled[0].accuracy) < 0.05 * settled[0].accuracy);
  });
});

describe('a site edit deployed while a dog is silent', () => {
  let restoreClock: () => void = () => undefined;
  let clock: FakeClock;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(() => {
    clock = new FakeClock(T0 + 60_000);
    restoreClock = useWallClock(clock);
  });
  afterEach(async () => {
    await helper.unload();
    restoreClock();
  });

  const fenceFlow = (text: string): FlowNode[] =>
    onTab([
      { id: 'site1', type: 'tracker-site', name: 'the site', config: text },
      {
        id: 'fence',
        type: 'geofence-alert',
        name: 'the fence',
        site: 'site1',
        holdS: 3,
        missingS: 60,
        wires: [['alerts'], ['states']],
      },
      { id: 'alerts', type: 'helper' },
      { id: 'states', type: 'helper' },
    ]);

  it('reports the dog missing when it would have without the edit: the silence is not restarted', async () => {
    await helper.load(NODES, fenceFlow(siteText()));
    const positions = Array.from({ length: 6 }, (_, i) => ({
      v: 1,
      type: 'position',
      dog: 'rex',
      ts: T0 + i * 1000,
      ...AT,
      accuracy: 1,
      scanners: 6,
      method: 'test',
    }));
    const state = nextMessage(helper.getNode('states'));
    helper.getNode('fence').receive({ payload: positions });
    await state;
    const alerts: Alert[] = [];
    (helper.getNode('alerts') as EventEmitter).on('input', (m: { payload: Alert }) => alerts.push(m.payload));
    clock.advance(50_000);
    await helper.setFlows(fenceFlow(siteText({ name: 'Edited', zones: EDITED_ZONES })), 'nodes');
    await shown(helper.getNode('fence'), '1 dog');
    assert.deepEqual(alerts, []);
    // 65 s of silence in all, 15 s of it after the deploy: missing (60 s) is due.
    const missing = nextMessage<{ payload: Alert }>(helper.getNode('alerts'));
    clock.advance(15_000);
    assert.equal((await missing).payload.event, 'missing');
  });
});

describe('handover store', () => {
  it('gives a state once, only to the same settings, and drops it when its time is up', async () => {
    const expired: string[] = [];
    let onExpire: () => void = () => undefined;
    const store = handover<{ n: number }>({
      ttlMs: 20,
      onExpire: (id) => {
        expired.push(id);
        onExpire();
      },
    });
    store.leave('a', 'k1', { n: 1 });
    assert.equal(store.take('a', 'k2'), undefined, 'other settings');
    assert.equal(store.take('a', 'k1'), undefined, 'a refused state is gone');
    store.leave('a', 'k1', { n: 2 });
    assert.deepEqual(store.take('a', 'k1'), { n: 2 });
    assert.equal(store.take('a', 'k1'), undefined, 'taken once');
    store.leave('b', 'k1', { n: 3 });
    await new Promise<void>((resolve) => (onExpire = resolve));
    assert.deepEqual(expired, ['b']);
    assert.equal(store.size, 0);
    assert.equal(store.take('b', 'k1'), undefined);
  });

  it('keeps at most 256 states', () => {
    const store = handover<number>();
    for (let i = 0; i < 300; i++) store.leave(`n${i}`, 'k', i);
    assert.equal(store.size, 256);
    assert.equal(store.take('n0', 'k'), undefined);
    assert.equal(store.take('n299', 'k'), 299);
    for (let i = 0; i < 300; i++) store.take(`n${i}`, 'k');
    assert.equal(store.size, 0);
  });
});

describe('locator site edit', () => {
  const site = (scanners = SCANNERS): SiteView => SiteView.fromJson(siteText({ scanners }));
  /** Scanner-to-scanner calibration links: each scanner's own beacon heard by every other. */
  function hearEachOther(locator: Locator, ts: number): void {
    let seq = 0;
    for (let round = 0; round < 6; round++)
      for (const tx of SCANNERS)
        for (const rx of SCANNERS)
          if (tx !== rx)
            locator.add({
              v: 1,
              type: 'rssi',
              scanner: rx.id,
              seq: ++seq,
              ts: ts + round * 100,
              mac: 'aa:bb:cc:dd:ee:ff',
              id: `scanner:${tx.id}`,
              rssi: -59 - 22 * Math.log10(Math.hypot(tx.x - rx.x, tx.y - rx.y)),
            });
  }
  const linkPairs = (locator: Locator): string[] =>
    locator
      .calibrationState()
      .links.map(([tx, rx]) => `${tx}>${rx}`)
      .sort();

  it('keeps the links when no scanner moved, forgets only the moved scanner links when one did', () => {
    const locator = new Locator(site(), { live: false });
    hearEachOther(locator, T0);
    assert.equal(linkPairs(locator).length, 30);
    locator.setSite(SiteView.fromJson(siteText({ zones: EDITED_ZONES })));
    assert.equal(linkPairs(locator).length, 30);
    locator.setSite(site(SCANNERS.map((s, i) => (i === 0 ? { ...s, x: 3 } : s))));
    const left = linkPairs(locator);
    assert.equal(left.length, 20);
    assert.ok(left.every((pair) => !pair.split('>').includes('pi-0')));
  });
});
