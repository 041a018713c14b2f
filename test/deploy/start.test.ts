// `npm start` (dist/scripts/start.js): without MQTT_URL an embedded broker serves the flows; with it, the
// given broker does and nothing else listens.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePort, requireBinary, startMosquitto, type RunningService } from '../support/services';
import { login, type Probe } from './mqtt-probe';
import { root } from './shipped-broker';

/** A flow that publishes "hello" (retained) to demo/hello through the broker `${MQTT_URL}`, with no login. */
const helloFlow = [
  { id: 'tab', type: 'tab', label: 'hello flow' },
  {
    id: 'broker',
    type: 'mqtt-broker',
    name: 'demo broker',
    broker: '${MQTT_URL}',
    port: '',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '60',
    cleansession: true,
  },
  {
    id: 'hello-inject',
    type: 'inject',
    z: 'tab',
    name: 'say hello',
    props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
    topic: 'demo/hello',
    payload: 'hello',
    payloadType: 'str',
    repeat: '0.5',
    once: true,
    onceDelay: '0.1',
    wires: [['out']],
  },
  {
    id: 'out',
    type: 'mqtt out',
    z: 'tab',
    name: 'publish',
    topic: '',
    qos: '1',
    retain: 'true',
    broker: 'broker',
    wires: [],
  },
];

interface Started {
  child: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

async function start(env: Record<string, string>, dir: string): Promise<Started> {
  const flow = path.join(dir, 'hello.json');
  writeFileSync(flow, JSON.stringify(helloFlow));
  let log = '';
  const child = spawn(process.execPath, [path.join(root, 'dist', 'scripts', 'start.js')], {
    env: {
      ...process.env,
      MQTT_URL: '',
      PORT: String(await freePort()),
      DOGTRACKER_USER_DIR: path.join(dir, 'user'),
      DOGTRACKER_DEMO_FLOW: flow,
      DOGTRACKER_CREDENTIAL_SECRET: 'test',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (!log.includes('Started flows')) return;
      if (/^Error: .*|\[error\]/m.test(log)) reject(new Error(`start.js started with errors:\n${log}`));
      else resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`start.js exited with ${code}:\n${log}`)));
  });
  return {
    child,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start (scripts/start.ts)', function () {
  this.timeout(60000);
  let dir: string;
  let started: Started | undefined;
  let client: Probe | undefined;
  let mosquitto: RunningService | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-start-'));
  });
  afterEach(async () => {
    await client?.end();
    await started?.stop();
    await mosquitto?.dispose();
    client = started = mosquitto = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs an embedded MQTT broker on DOGTRACKER_MQTT_PORT that the flows reach as ${MQTT_URL}', async () => {
    const port = await freePort();
    started = await start({ DOGTRACKER_MQTT_PORT: String(port) }, dir);
    assert.match(started.log(), new RegExp(`embedded MQTT broker .*mqtt://127\\.0\\.0\\.1:${port}`));
    client = await login(`mqtt://127.0.0.1:${port}`, '', '', { protocolVersion: 4 });
    await client.subscribe('demo/hello');
    const hello = await client.next((m) => m.topic === 'demo/hello');
    assert.equal(hello.text, 'hello');
  });

  it('prints a banner with the editor URL on the port Node-RED took (PORT=0), without demo lines for another flow', async () => {
    started = await start({ PORT: '0' }, dir);
    const current = started;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!current.log().includes('stop with Ctrl-C')) return;
        current.child.stdout?.off('data', check);
        resolve();
      };
      current.child.stdout?.on('data', () => setImmediate(check));
      current.child.once('exit', () => reject(new Error(`no banner:\n${current.log()}`)));
      check();
    });
    const editor = /editor\s+(http:\/\/127\.0\.0\.1:(\d+)\/)\n/.exec(current.log());
    assert.ok(editor && Number(editor[2]) > 0, current.log());
    assert.equal((await fetch(editor[1])).status, 200);
    assert.doesNotMatch(
      current.log(),
      /phone app|live map|InfluxDB/,
      'the hello flow has no app, map or InfluxDB',
    );
  });

  it('takes a free port, and says which, when the wanted one is in use', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      started = await start({ DOGTRACKER_MQTT_PORT: String(port) }, dir);
      const used = /listens on (\d+) instead/.exec(started.log());
      assert.ok(used, started.log());
      client = await login(`mqtt://127.0.0.1:${used[1]}`, '', '', { protocolVersion: 4 });
      await client.subscribe('demo/hello');
      await client.next((m) => m.topic === 'demo/hello');
    } finally {
      blocker.close();
    }
  });

  it('uses the broker in MQTT_URL and starts none of its own', async function () {
    mosquitto = await startMosquitto(requireBinary(this, 'mosquitto', 'mosquitto'));
    const unused = await freePort();
    started = await start(
      { MQTT_URL: `mqtt://127.0.0.1:${mosquitto.port}`, DOGTRACKER_MQTT_PORT: String(unused) },
      dir,
    );
    assert.match(started.log(), /MQTT broker: mqtt:\/\/127\.0\.0\.1:\d+ \(from MQTT_URL\)/);
    assert.equal(await listening(unused), false);
    client = await login(`mqtt://127.0.0.1:${mosquitto.port}`, '', '');
    await client.subscribe('demo/hello');
    await client.next((m) => m.topic === 'demo/hello', 10000, `demo/hello; start.js said:\n${started.log()}`);
  });

  it('refuses a DOGTRACKER_MQTT_PORT that is not a port', async () => {
    await assert.rejects(start({ DOGTRACKER_MQTT_PORT: 'eighteen' }, dir), /must be a port number/);
  });
});
