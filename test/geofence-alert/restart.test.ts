// The zone state survives a Node-RED restart, for real: Node-RED runs as a child process with
// dist/settings.js (context on disk), a flow is deployed through the admin API, positions are
// injected through the admin API's inject endpoint, alerts go out over a real Mosquitto, and the
// process is stopped and started again.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Alert } from '../../nodes/kernel/contract';
import { startNodeRed, type NodeRedRuntime } from '../support/node-red-process';
import { requireBinary, startMosquitto, type RunningService } from '../support/services';
import { T0, YARD } from './fixtures';

const SITE = {
  name: 'Home',
  scanners: [
    { id: 's1', x: 0, y: 0 },
    { id: 's2', x: 20, y: 0 },
    { id: 's3', x: 0, y: 30 },
  ],
  dogs: [{ id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' }],
  zones: [
    { id: 'yard', name: 'Yard', kind: 'safe', polygon: YARD },
    { id: 'pool', name: 'Pool', kind: 'forbidden', circle: { x: 5, y: 5, r: 3 } },
  ],
};

function stay(from: number, to: number, x: number, y: number): Record<string, unknown>[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    v: 1,
    type: 'position',
    dog: 'rex',
    ts: T0 + (from + i) * 1000,
    x,
    y,
    accuracy: 1,
    scanners: 3,
    method: 'test',
  }));
}

function injectNode(id: string, positions: unknown[]): Record<string, unknown> {
  return {
    id,
    type: 'inject',
    z: 'tab',
    name: `inject ${id}`,
    props: [{ p: 'payload' }],
    payload: JSON.stringify(positions),
    payloadType: 'json',
    repeat: '',
    once: false,
    wires: [['fence']],
  };
}

function flow(brokerPort: number, holdS = 5): unknown[] {
  return [
    { id: 'tab', type: 'tab', label: 'geofence restart' },
    { id: 'site', type: 'tracker-site', name: 'Home', source: 'inline', config: JSON.stringify(SITE) },
    {
      id: 'broker',
      type: 'mqtt-broker',
      name: 'test broker',
      broker: '127.0.0.1',
      port: String(brokerPort),
      clientid: '',
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
    },
    // Rex settles in the yard, then leaves it.
    injectNode('out', [...stay(0, 10, 10, 15), ...stay(11, 40, 30, 15)]),
    // Still outside: must not be told again after a restart.
    injectNode('stillout', stay(41, 80, 30, 15)),
    // Comes back into the yard and into the pool.
    injectNode('pool', stay(81, 110, 5, 5)),
    {
      id: 'fence',
      type: 'geofence-alert',
      z: 'tab',
      name: 'the geofence',
      site: 'site',
      confidence: 90,
      marginM: 2,
      holdS,
      missingS: 600,
      missingSeverity: 'warning',
      wires: [['alerts-out'], []],
    },
    {
      id: 'alerts-out',
      type: 'mqtt out',
      z: 'tab',
      name: 'alerts',
      broker: 'broker',
      topic: '',
      qos: '1',
      retain: 'false',
      wires: [],
    },
  ];
}

class NodeRed {
  private runtime: NodeRedRuntime | undefined;

  constructor(private readonly userDir: string) {}

  get log(): string {
    return this.runtime?.log() ?? '';
  }

  get base(): string {
    if (!this.runtime) throw new Error('Node-RED is not running');
    return this.runtime.url;
  }

  /** Starts Node-RED in the same user directory and resolves once its flows run and `connections` MQTT connections are up. */
  async start(connections: number): Promise<void> {
    this.runtime = await startNodeRed({
      name: 'geofence-restart',
      userDir: this.userDir,
      env: { DOGTRACKER_NO_DEMO: '1' },
      strict: false,
    });
    await this.waitFor('Started flows', connections);
    // Node-RED starts its flows before its HTTP server listens: wait for both before posting.
    await this.waitFor('Server now running');
  }

  /** Resolves when the log shows `text` and `connections` broker connections; rejects if Node-RED exits. */
  waitFor(text: string, connections = 0): Promise<void> {
    if (!this.runtime) throw new Error('Node-RED is not running');
    const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.runtime.waitForLog(
      new RegExp(`^(?=[\\s\\S]*${escaped})(?:[\\s\\S]*?Connected to broker){${connections}}`),
    );
  }

  /** SIGTERM: Node-RED stops its flows and flushes its context stores to disk. */
  async stop(): Promise<void> {
    await this.runtime?.stop();
  }

  async post(url: string, body?: unknown, headers: Record<string, string> = {}): Promise<void> {
    const res = await fetch(this.base + url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(res.ok, `POST ${url}: ${res.status} ${await res.text()}\n${this.log}`);
  }
}

describe('geofence-alert across a Node-RED restart', function () {
  this.timeout(60000);
  let broker: RunningService;
  let nodeRed: NodeRed;
  let userDir: string;
  let client: MqttClient;
  const alerts: Alert[] = [];
  let arrived: (() => void) | undefined;

  before(async function () {
    broker = await startMosquitto(requireBinary(this, 'mosquitto', 'mosquitto'));
    userDir = mkdtempSync(path.join(os.tmpdir(), 'geofence-restart-'));
    nodeRed = new NodeRed(userDir);
    client = await mqtt.connectAsync(`mqtt://${broker.host}:${broker.port}`);
    await client.subscribeAsync('dogtracker/v1/alert/#', { qos: 1 });
    client.on('message', (_topic, payload) => {
      alerts.push(JSON.parse(payload.toString()) as Alert);
      arrived?.();
    });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed')
      console.log(`Node-RED log:\n${nodeRed.log}\nalerts: ${JSON.stringify(alerts)}`);
  });

  after(async () => {
    await nodeRed?.stop();
    await client?.endAsync();
    await broker?.dispose();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  /** Resolves once `count` alerts have arrived in all. */
  function alertsReach(count: number): Promise<void> {
    return new Promise((resolve) => {
      arrived = () => {
        if (alerts.length >= count) {
          arrived = undefined;
          resolve();
        }
      };
      arrived();
    });
  }

  it('sends no alert twice after a restart or a redeploy, and the next change still fires', async () => {
    await nodeRed.start(0);
    const deployed = nodeRed.waitFor('Connected to broker');
    await nodeRed.post('/flows', flow(broker.port), { 'Node-RED-Deployment-Type': 'full' });
    await deployed;

    await nodeRed.post('/inject/out');
    await alertsReach(1);
    assert.deepEqual(
      alerts.map((a) => [a.event, a.zone, a.severity]),
      [['exit', 'yard', 'critical']],
    );

    await nodeRed.stop();
    // localfilesystem keeps each node's context in context/<flow>/<node>.json.
    const contextDir = path.join(userDir, 'context');
    assert.ok(existsSync(contextDir) && readdirSync(contextDir).length > 0, 'context written to disk');

    await nodeRed.start(1);
    await nodeRed.post('/inject/stillout');

    // Then a "modified nodes" deploy with a new hold time restarts the geofence node alone.
    const redeployed = nodeRed.waitFor('Started modified nodes');
    await nodeRed.post('/flows', flow(broker.port, 6), { 'Node-RED-Deployment-Type': 'nodes' });
    await redeployed;
    await nodeRed.post('/inject/pool');
    await alertsReach(3);
    // Had the restart lost the state, Rex's first positions after it (outside) would have sent a
    // second `exit`; had the redeploy lost it, coming back into the yard would have been a silent
    // first sight, with no `enter yard`. The enter comes 6 s after 81 s: the new hold time.
    assert.deepEqual(
      alerts.map((a) => [a.event, a.zone, a.ts - T0]),
      [
        ['exit', 'yard', 16000],
        ['enter', 'yard', 87000],
        ['enter', 'pool', 87000],
      ],
    );
  });
});
