// tracker-homeassistant on the real Node-RED runtime with Node-RED's own mqtt nodes and a real Mosquitto
// (test/support/services.ts): what Home Assistant would find on the broker. No Home Assistant server can be
// installed here, so a plain MQTT client stands in for it: it reads the retained discovery configs (checked
// against the schema written from Home Assistant's documentation, ha-schema.ts), follows the states, sends
// HA's birth message `online` on homeassistant/status, and sees entities removed when the site changes.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Node } from 'node-red';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import trackerHomeAssistant = require('../../nodes/tracker-homeassistant/tracker-homeassistant');
import { helper, onTab, type FlowNode } from '../support/flow';
import { brokerNode, coreNodes, exampleFlow, useBrokerAndRuntime } from '../support/broker-suite';
import { requireBinary, startMosquitto, type RunningService } from '../support/services';
import { login, type Probe, type Received } from '../deploy/mqtt-probe';
import { discoveryProblems } from './ha-schema';
import { exitAlert, position, SITE, T0, zoneState } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js') as (red: unknown) => void;
const NODES = [trackerSite, trackerHomeAssistant, mqttNodes];

const REX_TRACKER = 'homeassistant/device_tracker/dogtracker/dog_rex_tracker/config';
const BELLA_TRACKER = 'homeassistant/device_tracker/dogtracker/dog_bella_tracker/config';
/** The last config the node publishes for a site (scanners come after the dogs). */
const LAST_CONFIG = 'homeassistant/binary_sensor/dogtracker/scanner_esp-kitchen_online/config';
const dogConfigs = (dog: string): string[] => [
  `homeassistant/device_tracker/dogtracker/dog_${dog}_tracker/config`,
  ...['battery', 'last_seen', 'speed', 'alert'].map(
    (s) => `homeassistant/sensor/dogtracker/dog_${dog}_${s}/config`,
  ),
];
/** 2 dogs x 5 entities + 3 scanners x 1 (no health reported in this test). */
const CONFIGS = 13;

function flow(port: number, file: string): FlowNode[] {
  return onTab([
    // An inline site loads at once, before the broker connects: the birth message brings the configs out.
    { id: 'site', type: 'tracker-site', name: 'Home site', source: 'file', path: file, config: '' },
    brokerNode(port, {
      birthTopic: 'dogtracker/v1/status/hub',
      birthQos: '1',
      birthRetain: 'true',
      birthPayload: 'online',
      birthMsg: {},
    }),
    { id: 'ha', type: 'tracker-homeassistant', name: 'to home assistant', site: 'site', wires: [['out']] },
    // As the help says: topic, QoS and retain left blank, so each message's own are used.
    {
      id: 'out',
      type: 'mqtt out',
      name: 'discovery out',
      broker: 'broker',
      topic: '',
      qos: '',
      retain: '',
      wires: [],
    },
    {
      id: 'birth',
      type: 'mqtt in',
      name: 'ha status',
      broker: 'broker',
      topic: 'homeassistant/status',
      qos: '1',
      datatype: 'utf8',
      wires: [['ha']],
    },
    // The broker node's birth message on the hub status: announce once the connection is up.
    {
      id: 'hubstatus',
      type: 'mqtt in',
      name: 'status',
      broker: 'broker',
      topic: 'dogtracker/v1/status/+',
      qos: '1',
      datatype: 'utf8',
      wires: [['ha']],
    },
    {
      id: 'ours',
      type: 'mqtt in',
      name: 'our retained configs',
      broker: 'broker',
      topic: 'homeassistant/+/dogtracker/+/config',
      qos: '1',
      datatype: 'utf8',
      wires: [['ha']],
    },
  ]);
}

const isConfig = (m: Received): boolean => m.topic.endsWith('/config') && m.text !== '';

/**
 * Every retained config a client connecting now gets. Mosquitto sends the retained messages when it takes
 * the subscription, before anything published later: a marker published after the SUBACK ends them.
 */
async function retainedConfigs(url: string): Promise<Received[]> {
  const late = await login(url, '', '');
  try {
    await late.subscribe(['homeassistant/#']);
    const marker = `homeassistant/test-marker/${Date.now()}`;
    await late.client.publishAsync(marker, 'end', { qos: 1 });
    await late.next((m) => m.topic === marker, 10000, 'the marker');
    // Only what the broker holds: a config republished live meanwhile arrives without the retain flag.
    return late.received.filter((m) => isConfig(m) && m.retain);
  } finally {
    await late.end();
  }
}

describe('tracker-homeassistant with Mosquitto (no Home Assistant server: an MQTT client stands in)', function () {
  this.timeout(30000);
  let mosquitto: RunningService;
  let url: string;
  let dir: string;
  let file: string;
  let ha: Probe;

  const writeSite = (site: object): void => {
    writeFileSync(`${file}.tmp`, JSON.stringify(site));
    renameSync(`${file}.tmp`, file);
  };
  /** Waits for a message received after index `from`. */
  const seen = (from: number, match: (m: Received) => boolean, what: string): Promise<Received> =>
    ha.next((m) => ha.received.indexOf(m) >= from && match(m), 10000, what);

  before(async function () {
    const bin = requireBinary(this, 'mosquitto', 'mosquitto');
    mosquitto = await startMosquitto(bin);
    url = `mqtt://127.0.0.1:${mosquitto.port}`;
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await mosquitto?.dispose();
  });
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-ha-'));
    file = path.join(dir, 'site.json');
    writeSite(SITE);
    ha = await login(url, '', '');
    await ha.subscribe(['homeassistant/#', 'dogtracker/v1/ha/#']);
  });
  afterEach(async () => {
    await helper.unload();
    // Clear what this test left retained, for the next one.
    for (const m of (await retainedConfigs(url)).concat())
      await ha.client.publishAsync(m.topic, '', { retain: true, qos: 1 });
    await ha.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes retained configs with the documented fields, and states that follow positions and alerts', async () => {
    await helper.load(NODES, flow(mosquitto.port, file));
    await seen(0, (m) => m.topic === LAST_CONFIG, 'the last config');
    const configs = await retainedConfigs(url);
    assert.equal(configs.length, CONFIGS);
    for (const m of configs) {
      assert.equal(m.retain, true, `${m.topic} is retained`);
      assert.deepEqual(discoveryProblems(m.topic, m.text), []);
    }

    const node = helper.getNode('ha') as Node & { receive(msg: object): void };
    const from = ha.received.length;
    node.receive({
      topic: 'dogtracker/v1/position/rex',
      payload: JSON.stringify(position('rex', T0, 10, 15)),
    });
    node.receive({
      topic: 'dogtracker/v1/zone-state/rex',
      payload: zoneState('rex', T0, 'inside', 'outside'),
    });
    const attributes = await seen(
      from,
      (m) => m.topic === 'dogtracker/v1/ha/dog/rex/attributes',
      'attributes',
    );
    const gps = JSON.parse(attributes.text) as Record<string, number>;
    assert.ok(
      Math.abs(gps.latitude - 52.09083) < 1e-4 && Math.abs(gps.longitude - 5.12155) < 1e-4,
      attributes.text,
    );
    assert.equal(gps.gps_accuracy, 1.8);
    assert.equal(
      (await seen(from, (m) => m.topic === 'dogtracker/v1/ha/dog/rex/state', 'state')).text,
      'Yard',
    );

    const left = ha.received.length;
    node.receive({
      topic: 't',
      payload: [zoneState('rex', T0 + 9000, 'outside', 'outside'), exitAlert('rex', T0 + 9000)],
    });
    assert.equal(
      (await seen(left, (m) => m.topic === 'dogtracker/v1/ha/dog/rex/state', 'not_home')).text,
      'not_home',
    );
    assert.equal(
      (await seen(left, (m) => m.topic === 'dogtracker/v1/ha/dog/rex/alert', 'alert')).text,
      'exit Yard',
    );
  });

  it('republishes everything when Home Assistant says online on homeassistant/status', async () => {
    await helper.load(NODES, flow(mosquitto.port, file));
    await seen(0, (m) => m.topic === REX_TRACKER, 'the first config');
    (helper.getNode('ha') as Node & { receive(msg: object): void }).receive({
      topic: 't',
      payload: position('rex', T0, 3, 4),
    });
    await seen(0, (m) => m.topic === 'dogtracker/v1/ha/dog/rex/attributes', 'a state');
    const from = ha.received.length;
    await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await seen(from, (m) => m.topic === REX_TRACKER && m.text !== '', 'the config again');
    await seen(from, (m) => m.topic === 'dogtracker/v1/ha/dog/rex/attributes', 'the state again');
    const again = ha.received.slice(from).filter((m) => m.topic.endsWith('/config'));
    assert.ok(again.length >= 1);
  });

  it('removes a dog that leaves the site (empty retained config), live and after a restart', async () => {
    await helper.load(NODES, flow(mosquitto.port, file));
    await seen(0, (m) => m.topic === BELLA_TRACKER, 'bella announced');
    let from = ha.received.length;
    writeSite({ ...SITE, dogs: SITE.dogs.filter((d) => d.id !== 'bella') });
    for (const topic of dogConfigs('bella'))
      await seen(from, (m) => m.topic === topic && m.text === '', `${topic} removed`);
    let retained = (await retainedConfigs(url)).map((m) => m.topic);
    assert.ok(!retained.some((t) => t.includes('bella')), 'no bella config left on the broker');
    assert.ok(retained.includes(REX_TRACKER));

    // Node-RED stopped; rex leaves the site meanwhile; on start the node sees its old retained configs.
    await helper.unload();
    writeSite({ ...SITE, dogs: [] });
    from = ha.received.length;
    await helper.load(NODES, flow(mosquitto.port, file));
    for (const topic of dogConfigs('rex'))
      await seen(from, (m) => m.topic === topic && m.text === '', `${topic} removed after the restart`);
    retained = (await retainedConfigs(url)).map((m) => m.topic);
    assert.ok(!retained.some((t) => t.includes('dog_')), retained.join(', '));
  });
});

describe('examples/homeassistant.json with Mosquitto', function () {
  this.timeout(30000);
  const broker = useBrokerAndRuntime();

  it('runs as shipped: the hub status is the availability, configs are retained and valid', async () => {
    const url = `mqtt://127.0.0.1:${broker().port}`;
    // The tab's MQTT_URL default, pointed at this test's broker (the other settings keep their defaults).
    const example = exampleFlow('homeassistant', { DT_MQTT_URL: `'${url}'` });
    await helper.load(
      [...NODES, ...coreNodes('common/25-catch.js', 'common/21-debug.js', 'common/90-comment.js')] as never,
      example,
    );
    const ha = await login(url, '', '');
    try {
      await ha.subscribe(['homeassistant/#', 'dogtracker/v1/status/#']);
      const hub = await ha.next((m) => m.topic === 'dogtracker/v1/status/hub', 10000, 'the hub status');
      assert.equal(hub.text, 'online');
      const tracker = await ha.next((m) => m.topic === REX_TRACKER && m.text !== '', 10000, 'rex');
      assert.deepEqual(discoveryProblems(tracker.topic, tracker.text), []);
      const retained = await retainedConfigs(url);
      assert.equal(retained.length, 2 * 5 + 6, 'the demo yard: 2 dogs, 6 scanners');
      assert.ok(retained.every((m) => m.retain && discoveryProblems(m.topic, m.text).length === 0));
      assert.deepEqual(JSON.parse(tracker.text).availability, [{ topic: 'dogtracker/v1/status/hub' }]);
      // Clear the retained messages for other suites.
      for (const m of [...retained, hub]) await ha.client.publishAsync(m.topic, '', { retain: true, qos: 1 });
    } finally {
      await ha.end();
    }
  });
});
