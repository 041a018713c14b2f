// Fuzz of the hub's pipeline nodes: rssi-filter, trilaterate and geofence-alert, each fed hostile readings
// or positions and garbage, then a known good input that must still give the right answer.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import rssiFilter = require('../../nodes/rssi-filter/rssi-filter');
import trilaterate = require('../../nodes/trilaterate/trilaterate');
import geofenceAlert = require('../../nodes/geofence-alert/geofence-alert');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { useWallClock } from '../../nodes/geofence-alert/wall-clock';
import { NO_NOISE, SiteSimulator } from '../../nodes/kernel/simulation';
import { parseSite } from '../../nodes/kernel/site-document';
import { onTab } from '../support/flow';
import { yardAndPoolZones } from '../support/sites';
import { FakeClock } from '../geofence-alert/fake-clock';
import { feedGood, fuzzNode } from './fuzz-node';
import {
  hostile,
  hostileTs,
  inputMsg,
  MAC_BELLA,
  MAC_REX,
  someId,
  T_GOOD,
  validTs,
  wrapped,
} from './generators';

const SCANNERS = ['pi-0', 'pi-1', 'pi-2', 'pi-3', 'pi-4', 'pi-5'];

const YARD_SITE = JSON.stringify({
  name: 'Yard',
  origin: { lat: 52.0907, lon: 5.1214, rotationDeg: 0 },
  scanners: [
    [0, 0],
    [20, 0],
    [20, 15],
    [20, 30],
    [0, 30],
    [0, 15],
  ].map(([x, y], i) => ({ id: `pi-${i}`, x, y, z: 1.5 })),
  dogs: [
    { id: 'rex', name: 'Rex', beacon: MAC_REX },
    { id: 'bella', name: 'Bella', beacon: MAC_BELLA },
  ],
  zones: yardAndPoolZones(),
});

const SITE_NODE = { id: 'site1', type: 'tracker-site', name: 'the yard', config: YARD_SITE };

/** A contract reading, sometimes with the optional fields, from known or unknown scanners and beacons. */
const reading = fc.record(
  {
    v: fc.constant(1),
    type: fc.constant('rssi'),
    scanner: someId(SCANNERS),
    seq: fc.nat({ max: 1_000_000 }),
    ts: fc.oneof({ arbitrary: validTs, weight: 20 }, { arbitrary: hostileTs, weight: 1 }),
    mac: fc.constantFrom(MAC_REX, MAC_BELLA, 'aa:bb:cc:dd:ee:ff', 'AC-23-3F-A3-80-4B', 'not-a-mac'),
    rssi: fc.integer({ min: -105, max: -25 }),
    txPower: fc.integer({ min: -70, max: -50 }),
    id: fc.constantFrom(`mac:${MAC_REX}`, 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2'),
    frame: fc.constantFrom('ibeacon', 'unknown', 'eddystone-uid'),
    dog: someId(['rex', 'bella']),
    battery: fc.integer({ min: 0, max: 100 }),
  },
  { requiredKeys: ['v', 'type', 'scanner', 'seq', 'ts', 'mac', 'rssi'] },
);

const readingInput = inputMsg(
  wrapped(hostile(reading)),
  fc.constantFrom(undefined, 'dogtracker/v1/rssi/pi-0', 42),
);

/** Noise-free readings of rex resting at (x, y) for `seconds` from `from` (as the trilaterate tests make them). */
function readingsAt(x: number, y: number, from: number, seconds: number): Record<string, unknown>[] {
  const result = parseSite(YARD_SITE);
  assert.ok(result.ok);
  const sim = new SiteSimulator(result.site, {
    startTs: from,
    seed: 1,
    noise: NO_NOISE,
    motion: { maxSprintMps: 0 },
    start: { rex: [x, y], bella: [x, y] },
  });
  let seq = 2_000_000;
  return sim
    .advance(from + seconds * 1000)
    .filter((a) => a.mac === MAC_REX)
    .map((a) => ({ v: 1, type: 'rssi', scanner: a.scanner, seq: ++seq, ts: a.ts, mac: a.mac, rssi: a.rssi }));
}

fuzzNode({
  target: 'rssi-filter',
  nodes: [rssiFilter],
  flow: onTab([{ id: 'f1', type: 'rssi-filter', name: 'smooth', wires: [[]] }]),
  id: 'f1',
  cases: 10_000,
  salt: 1,
  input: readingInput,
  good: async (probe) => {
    // The pair the fuzz hammered most (pi-0, rex): smoothing must still work on it.
    const r = (seq: number, ts: number, rssi: number): Record<string, unknown> => ({
      v: 1,
      type: 'rssi',
      scanner: 'pi-0',
      seq,
      ts,
      mac: MAC_REX,
      rssi,
    });
    // Live, as a Pi with a right clock sends after others sent epoch or year-old stamps: the event clock
    // judges live readings by the hub's clock, so theirs cannot hold this one back.
    const live = Date.now();
    const [a] = await feedGood(probe, { payload: r(3_000_000, live, -70) });
    assert.ok(a, 'a filtered reading comes out');
    const pa = a.payload as Record<string, number>;
    assert.equal(a.topic, 'dogtracker/v1/rssi/pi-0');
    assert.equal(pa.rssiRaw, -70);
    assert.ok(
      Math.abs(pa.rssi + 70) <= 3,
      `first reading after a long gap stays near its raw value, got ${pa.rssi}`,
    );
    const [b] = await feedGood(probe, { payload: r(3_000_001, live + 200, -74) });
    assert.ok(b, 'a second filtered reading comes out');
    const pb = b.payload as Record<string, number>;
    assert.ok(pb.rssi < pa.rssi + 0.01 && pb.rssi > -74.01, `smoothed between the two: ${pb.rssi}`);
    assert.ok(Number.isFinite(pb.rssiVar) && pb.rssiVar > 0, `rssiVar ${pb.rssiVar}`);
  },
});

fuzzNode({
  target: 'trilaterate',
  nodes: [trackerSite, trilaterate],
  flow: onTab([SITE_NODE, { id: 't1', type: 'trilaterate', name: 'locate', site: 'site1', wires: [[]] }]),
  id: 't1',
  cases: 10_000,
  salt: 2,
  input: readingInput,
  good: async (probe) => {
    const sent = await feedGood(probe, { payload: readingsAt(15, 20, T_GOOD, 3.5) });
    const rex = sent.map((m) => m.payload as Record<string, number | string>).filter((p) => p.dog === 'rex');
    assert.ok(
      rex.length >= 2,
      `positions of rex for the good readings, got ${rex.length} of ${sent.length} messages`,
    );
    const last = rex[rex.length - 1];
    assert.ok(Number(last.ts) >= T_GOOD, `position in the good stream's time, got ts ${last.ts}`);
    const off = Math.hypot(Number(last.x) - 15, Number(last.y) - 20);
    assert.ok(
      off < 2.5,
      `position near the truth (15, 20): got (${last.x}, ${last.y}), ${off.toFixed(2)} m off`,
    );
  },
});

/** A contract position, sometimes with cov and velocity, for known and unknown dogs. */
const position = fc.record(
  {
    v: fc.constant(1),
    type: fc.constant('position'),
    dog: someId(['rex', 'bella']),
    ts: fc.oneof({ arbitrary: validTs, weight: 20 }, { arbitrary: hostileTs, weight: 1 }),
    x: fc.double({ min: -60, max: 60, noNaN: true }),
    y: fc.double({ min: -60, max: 60, noNaN: true }),
    accuracy: fc.double({ min: 0.1, max: 15, noNaN: true }),
    cov: fc.constant([
      [2.1, 0.3],
      [0.3, 1.4],
    ]),
    vx: fc.double({ min: -5, max: 5, noNaN: true }),
    vy: fc.double({ min: -5, max: 5, noNaN: true }),
    scanners: fc.integer({ min: 0, max: 6 }),
    method: fc.constantFrom('tracker', 'test'),
    lat: fc.constant(52.0908),
    lon: fc.constant(5.1215),
  },
  { requiredKeys: ['v', 'type', 'dog', 'ts', 'x', 'y', 'accuracy'] },
);

let restoreClock: (() => void) | undefined;

fuzzNode({
  target: 'geofence-alert',
  nodes: [trackerSite, geofenceAlert],
  flow: onTab([
    SITE_NODE,
    {
      id: 'fence',
      type: 'geofence-alert',
      name: 'the fence',
      site: 'site1',
      confidence: 90,
      marginM: 2,
      holdS: 5,
      missingS: 120,
      wires: [[], []],
    },
  ]),
  id: 'fence',
  cases: 10_000,
  salt: 3,
  input: inputMsg(wrapped(hostile(position)), fc.constantFrom(undefined, 'dogtracker/v1/position/rex')),
  // The silence timer runs on an injected clock that never moves: only event time matters here.
  setup: () => (restoreClock = useWallClock(new FakeClock(T_GOOD))),
  teardown: () => restoreClock?.(),
  good: async (probe) => {
    const pos = (s: number, x: number, y: number): Record<string, unknown> => ({
      v: 1,
      type: 'position',
      dog: 'rex',
      ts: T_GOOD + s * 1000,
      x,
      y,
      accuracy: 1,
      scanners: 3,
      method: 'test',
    });
    const stay = (from: number, to: number, x: number, y: number): Record<string, unknown>[] =>
      Array.from({ length: to - from + 1 }, (_, i) => pos(from + i, x, y));
    await feedGood(probe, { payload: stay(0, 10, 10, 15) });
    const sent = await feedGood(probe, { payload: [...stay(11, 12, 17, 15), ...stay(13, 40, 26, 15)] });
    const exits = sent
      .map((m) => m.payload as Record<string, unknown>)
      .filter((p) => p.type === 'alert' && p.event === 'exit' && p.dog === 'rex' && p.zone === 'yard');
    assert.equal(
      exits.length,
      1,
      `one exit alert for rex leaving the yard, got ${JSON.stringify(sent.map((m) => m.payload)).slice(0, 400)}`,
    );
    assert.equal(exits[0].ts, T_GOOD + 18_000);
    assert.equal(exits[0].since, T_GOOD + 13_000);
  },
});
