// Fuzz of the nodes at the end of the pipeline: influx-write (its server a closed local port, so every write
// fails and is retried: no server needed), tracker-map (what it would broadcast to the page) and
// batman-health in monitor mode (health and last wills from every Pi).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import influxWrite = require('../../nodes/influx-write/influx-write');
import trackerInflux = require('../../nodes/tracker-influx/tracker-influx');
import trackerMap = require('../../nodes/tracker-map/tracker-map');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import batmanHealth = require('../../nodes/batman-health/batman-health');
import { BatchError, MapState, type MapUpdate } from '../../nodes/tracker-map/map-state';
import { helper, onTab } from '../support/flow';
import { siteText } from '../tracker-site/fixtures';
import {
  alert as alertFixture,
  health as healthFixture,
  influxNodes,
  position as positionFixture,
  reading as readingFixture,
} from '../influx-write/fixtures';
import { feedGood, fuzzNode } from './fuzz-node';
import type { Probe } from './harness';
import { hostile, hostileTs, inputMsg, someId, T_GOOD, validTs, wrapped } from './generators';

const ts = fc.oneof({ arbitrary: validTs, weight: 20 }, { arbitrary: hostileTs, weight: 1 });
const dog = someId(['rex', 'bella']);
const node = someId(['pi-yard-ne', 'pi-1', 'pi-2']);

/** A contract example with some of its fields drawn afresh. */
function varied<B extends object, R>(
  base: B,
  fields: { [K in keyof R]: fc.Arbitrary<R[K]> },
): fc.Arbitrary<B & R> {
  return fc.record(fields).map((r) => ({ ...base, ...r }));
}

const reading = varied(readingFixture, { ts, dog, scanner: node });
const position = varied(positionFixture, {
  ts,
  dog,
  x: fc.double({ min: -40, max: 40, noNaN: true }),
  y: fc.double({ min: -40, max: 40, noNaN: true }),
});
const alert = varied(alertFixture, {
  ts,
  dog,
  event: fc.constantFrom('enter', 'exit', 'dwell', 'missing', 'found', 'node-offline'),
});
const health = varied(healthFixture, {
  ts,
  node,
  cpu: fc.double({ min: 0, max: 100, noNaN: true }),
  tempC: fc.double({ min: 20, max: 90, noNaN: true }),
});

const contractMessage = fc.oneof(reading, position, alert, health) as fc.Arbitrary<Record<string, unknown>>;

const anyTopic = fc.oneof(
  fc.constant(undefined),
  node.map((n) => `dogtracker/v1/status/${String(n)}`),
  node.map((n) => `dogtracker/v1/health/${String(n)}`),
  dog.map((d) => `dogtracker/v1/position/${String(d)}`),
  fc.constantFrom('dogtracker/v1/status/', 'dogtracker/v1/status/a/b', 42, 'x'.repeat(3000)),
);

/** A port nothing listens on: one the OS just gave us and we closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let userDir = '';
let influxPort = 9;

before(async () => {
  influxPort = await closedPort();
});

fuzzNode({
  target: 'influx-write',
  nodes: [trackerInflux, influxWrite],
  get flow() {
    return onTab(
      influxNodes(
        { name: 'nowhere', url: `http://127.0.0.1:${influxPort}`, database: 'dogs' },
        { wires: [[]] },
      ),
    );
  },
  id: 'w1',
  cases: 8_000,
  salt: 11,
  input: inputMsg(wrapped(hostile(contractMessage))),
  setup: () => {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'fuzz-influx-'));
    helper.settings({ userDir });
  },
  teardown: () => {
    helper.settings({});
    rmSync(userDir, { recursive: true, force: true });
  },
  good: async (probe) => {
    // Nothing to read back (the server is gone): a good batch of every type must be taken without complaint.
    await feedGood(probe, { payload: [readingFixture, positionFixture, alertFixture, healthFixture] });
    await feedGood(probe, { payload: JSON.stringify({ ...positionFixture, ts: T_GOOD }) });
  },
});

// tracker-map sends nothing on a wire: what it would broadcast to the page is what MapState returns.
let restoreMap: (() => void) | undefined;

function watchMapUpdates(probe: Probe): void {
  const original = MapState.prototype.apply;
  const check = (updates: MapUpdate[]): void => {
    for (const u of updates) probe.emitted(u as unknown as Record<string, unknown>, 'map update', u);
  };
  MapState.prototype.apply = function (this: MapState, payload: unknown, topic?: unknown): MapUpdate[] {
    try {
      const updates = original.call(this, payload, topic);
      check(updates); // a JSON text payload is checked twice (apply parses, then applies): harmless
      return updates;
    } catch (err) {
      if (err instanceof BatchError) check(err.updates);
      throw err;
    }
  };
  restoreMap = () => (MapState.prototype.apply = original);
}

fuzzNode({
  target: 'tracker-map',
  nodes: [trackerSite, trackerMap],
  flow: onTab([
    { id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() },
    {
      id: 'map1',
      type: 'tracker-map',
      name: 'the map',
      site: 'site1',
      path: 'fuzz',
      title: 'Fuzz',
      trailMinutes: 5,
      alerts: 50,
      tileUrl: '',
      tileAttribution: '',
      wires: [],
    },
  ]),
  id: 'map1',
  cases: 8_000,
  salt: 12,
  input: inputMsg(
    fc.oneof(
      { arbitrary: wrapped(hostile(contractMessage)), weight: 10 },
      { arbitrary: fc.constantFrom('online', 'offline', ' ONLINE ', '', 'x'.repeat(5000)), weight: 1 },
    ),
    anyTopic,
  ),
  ready: async (probe) => watchMapUpdates(probe),
  teardown: () => restoreMap?.(),
  good: async (probe) => {
    const liveTs = Date.now();
    const sent = await feedGood(probe, {
      // Live (see the rssi-filter case): an epoch-stamped position before it cannot hold it back.
      payload: { ...positionFixture, dog: 'rex', ts: liveTs, x: 3, y: 4 },
    });
    const moved = sent.find((u) => u.kind === 'position') as
      { position?: { dog: string; x: number; y: number; ts: number } } | undefined;
    assert.ok(moved?.position, `a position update for the page, got ${JSON.stringify(sent).slice(0, 300)}`);
    assert.deepEqual(
      [moved.position.dog, moved.position.x, moved.position.y, moved.position.ts],
      ['rex', 3, 4, liveTs],
    );
  },
});

fuzzNode({
  target: 'batman-health (monitor)',
  nodes: [batmanHealth],
  flow: onTab([
    {
      id: 'bh',
      type: 'batman-health',
      name: 'hub health',
      mode: 'monitor',
      silentAfterS: 3600,
      hubAlerts: true,
      tempHighC: 70,
      wires: [[], []],
    },
  ]),
  id: 'bh',
  cases: 8_000,
  salt: 13,
  input: inputMsg(
    fc.oneof(
      { arbitrary: wrapped(hostile(health as fc.Arbitrary<Record<string, unknown>>)), weight: 10 },
      { arbitrary: fc.constantFrom('online', 'offline', 'OFFLINE', '', 'x'.repeat(5000)), weight: 2 },
    ),
    anyTopic,
  ),
  good: async (probe) => {
    const good = { v: 1, type: 'health', node: 'pi-good', ts: T_GOOD, cpu: 12 };
    const sent = await feedGood(probe, {
      topic: 'dogtracker/v1/health/pi-good',
      payload: JSON.stringify(good),
    });
    assert.ok(
      sent.some((m) => JSON.stringify(m.payload) === JSON.stringify(good)),
      `the health passed on, got ${JSON.stringify(sent).slice(0, 300)}`,
    );
    const hot = await feedGood(probe, { payload: { ...good, ts: T_GOOD + 1000, tempC: 81 } });
    const alerts = hot.map((m) => m.payload as Record<string, unknown>).filter((p) => p.type === 'alert');
    assert.deepEqual(
      alerts.map((a) => [a.event, a.node, a.value]),
      [['temp-high', 'pi-good', 81]],
    );
  },
});
