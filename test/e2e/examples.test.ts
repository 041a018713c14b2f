// The demo that `npm start` opens and the replay example, each in a fresh Node-RED with only this package:
// they run on their own (the demo through the embedded broker) and produce positions, alerts and a map.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../support/services';
import { login, type Probe } from '../deploy/mqtt-probe';
import { root } from '../deploy/shipped-broker';
import { metricSamples, startNodeRed, waitUntil, type NodeRedRuntime } from './harness';

const packageHas = (type: string): boolean =>
  type in
  (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: object } })[
    'node-red'
  ].nodes;

const count = async (
  runtime: NodeRedRuntime,
  metric: string,
  label: string,
  value: string,
): Promise<number> =>
  (await metricSamples(runtime, metric))
    .filter((s) => s.labels[label] === value)
    .reduce((a, s) => a + s.value, 0);

describe('examples/demo.json through npm start (embedded broker, no InfluxDB)', function () {
  this.timeout(90000);
  let child: ChildProcess;
  let userDir: string;
  let base: string;
  let mqttPort: number;
  let log = '';
  let phone: Probe | undefined;

  before(async () => {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-demo-'));
    const port = await freePort();
    mqttPort = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [path.join(root, 'dist', 'scripts', 'start.js')], {
      env: {
        ...process.env,
        MQTT_URL: '',
        PORT: String(port),
        DOGTRACKER_MQTT_PORT: String(mqttPort),
        DOGTRACKER_USER_DIR: userDir,
        DOGTRACKER_CREDENTIAL_SECRET: 'test',
        // No InfluxDB listens here: the demo must run anyway, buffering.
        INFLUX_URL: `http://127.0.0.1:${await freePort()}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        log += d.toString();
        if (log.includes('Started flows')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${log}`)));
    });
  });

  after(async () => {
    await phone?.end();
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(userDir, { recursive: true, force: true });
  });

  it('starts with no errors, from the demo copied into the fresh user directory', () => {
    assert.ok(existsSync(path.join(userDir, 'flows.json')));
    assert.doesNotMatch(log, /\[error\]/, log);
  });

  it('publishes positions of both dogs on the embedded broker, as a phone sees them', async () => {
    phone = await login(`mqtt://127.0.0.1:${mqttPort}`, '', '', { protocolVersion: 4 });
    await phone.subscribe('dogtracker/v1/position/#');
    for (const dog of ['rex', 'bella']) {
      // The first interval may have heard the dog from a scanner or two; a full fix follows.
      const m = await phone.next(
        (m) =>
          m.topic === `dogtracker/v1/position/${dog}` &&
          (JSON.parse(m.text) as { scanners: number }).scanners >= 3,
        30000,
        `a position of ${dog} from three scanners or more\n${log}`,
      );
      assert.equal((JSON.parse(m.text) as { type: string }).type, 'position');
    }
  });

  it('serves the live map', async function () {
    if (!packageHas('tracker-map')) this.skip();
    const res = await fetch(`${base}/dogtracker/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<html/i);
  });

  it('keeps what InfluxDB cannot take and says so, without stopping the demo', async () => {
    await waitUntil(
      async () => {
        const queued = (await fetchMetrics(base)).find((l) =>
          l.startsWith('dogtracker_influx_queue_points '),
        );
        return queued && Number(queued.split(' ')[1]) > 0 ? true : undefined;
      },
      'points queued for InfluxDB',
      20000,
      () => log,
    );
  });
});

async function fetchMetrics(base: string): Promise<string[]> {
  const res = await fetch(`${base}/dogtracker/metrics`);
  return (await res.text()).split('\n');
}

describe('examples/replay.json', function () {
  this.timeout(90000);
  let runtime: NodeRedRuntime;

  before(async () => {
    runtime = await startNodeRed({ name: 'replay', flow: path.join(root, 'examples', 'replay.json') });
  });
  after(async () => {
    await runtime?.dispose();
    rmSync('/tmp/dogtracker-demo-yard.jsonl', { force: true });
  });

  it('writes the capture it carries and replays it: positions of both dogs and Rex leaving the yard', async () => {
    const res = await fetch(`${runtime.url}/inject/dt-replay-go`, { method: 'POST' });
    assert.equal(res.status, 200);
    await waitUntil(
      async () =>
        (await count(runtime, 'dogtracker_alerts_total', 'event', 'exit')) >= 1 ? true : undefined,
      'an exit alert from the replay',
      30000,
      () => runtime.log().slice(-3000),
    );
    assert.ok(existsSync('/tmp/dogtracker-demo-yard.jsonl'));
    for (const dog of ['rex', 'bella']) {
      // One minute of capture at one position per second.
      assert.ok((await count(runtime, 'dogtracker_positions_total', 'dog', dog)) >= 50, dog);
    }
  });
});
