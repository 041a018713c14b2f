// beacon-scan on the real Node-RED runtime: live scanning through the real noble with test bindings,
// the machine's own missing Bluetooth, the watchdog on an injected clock, commands, simulate, replay, and
// recording with Node-RED's own file node.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Node } from 'node-red';
import beaconScan = require('../../nodes/beacon-scan/beacon-scan');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import type { BleStackFactory, Clock, CommandRunner } from '../../nodes/beacon-scan/ble-scanner';
import type { RssiReading } from '../../nodes/kernel/contract';
import { helper, nextError, onTab, statusWhere, type FlowNode, type Status } from '../support/flow';
import { siteText } from '../tracker-site/fixtures';
import { FakeClock, settle, testStackFactory } from './test-bindings';
import { advertisingData, vector, VECTORS } from './vectors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fileNodes = require('@node-red/nodes/core/storage/10-file.js') as (RED: unknown) => void;

interface Msg {
  topic: string;
  payload: RssiReading | RssiReading[];
}

const SITE: FlowNode = { id: 'site1', type: 'tracker-site', name: 'yard site', config: siteText() };

function scanNode(extra: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'scan1',
    type: 'beacon-scan',
    name: 'the scanner',
    scanner: 'pi-test',
    wires: [['out1']],
    ...extra,
  };
}

const OUT: FlowNode = { id: 'out1', type: 'helper' };

/** The test seams beacon-scan reads from `settings.beaconScan` (its own interface is not exported). */
interface BeaconScanSeams {
  createStack?: BleStackFactory;
  clock?: Clock;
  runCommand?: CommandRunner;
}

/** Runtime settings with the seams; Node-RED's LocalSettings type does not list node-specific keys. */
function useSeams(beaconScan: BeaconScanSeams): void {
  const settings: Parameters<typeof helper.settings>[0] & { beaconScan: BeaconScanSeams } = { beaconScan };
  helper.settings(settings);
}

/** The sinon spies node-red-node-test-helper puts on a node's status, error and warn. */
interface Spied {
  status: { args: Status[][] };
  error: { args: unknown[][] };
  warn: { args: unknown[][] };
}

function spied(node: Node): Spied {
  return node as unknown as Spied;
}

function on(node: Node, listener: (msg: Msg) => void): void {
  (node as EventEmitter).on('input', listener);
}

/** Resolves with the first `node.error` text that matches. */
function errorWhere(node: Node, re: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const listener = (call: { args: unknown[] }): void => {
      const text = String(call.args[0]);
      if (re.test(text)) {
        (node as EventEmitter).off('call:error', listener);
        resolve(text);
      }
    };
    (node as EventEmitter).on('call:error', listener);
  });
}

/** Collects `count` messages from a helper node. */
function messages(node: Node, count: number): Promise<Msg[]> {
  const got: Msg[] = [];
  return new Promise((resolve) => {
    on(node, (msg: Msg) => {
      got.push(msg);
      if (got.length === count) resolve(got);
    });
  });
}

/** Resolves with the number of messages sent, once the node shows it is done. */
async function untilDone(node: Node): Promise<number> {
  const status = await statusWhere(node, (s) => /done/.test(s.text ?? ''));
  return Number(/(\d+) sent/.exec(status.text ?? '')?.[1]);
}

/** Waits until `check` holds (messages are delivered asynchronously). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await settle();
}

function readingsOf(msgs: Msg[]): RssiReading[] {
  return msgs.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload]));
}

describe('beacon-scan node', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  describe('scan mode', () => {
    it('emits one contract reading per advertisement, from the real noble fed the shared vectors', async () => {
      const stacks = testStackFactory();
      useSeams({ createStack: stacks.create });
      await helper.load([beaconScan, trackerSite], onTab([SITE, scanNode({ site: 'site1' }), OUT]));
      const scan = helper.getNode('scan1');
      await statusWhere(scan, (s) => /^scanning hci0/.test(s.text ?? ''));
      const got = messages(helper.getNode('out1'), VECTORS.length);
      VECTORS.forEach((v, i) =>
        stacks.made[0].bindings.advertise(
          i === 0 ? 'AC:23:3F:A3:80:4B' : `c3:00:00:00:00:0${i}`,
          advertisingData(v),
          -60 - i,
        ),
      );
      const msgs = await got;
      msgs.forEach((m, i) => {
        const r = m.payload as RssiReading;
        assert.equal(m.topic, 'dogtracker/v1/rssi/pi-test');
        assert.equal(r.v, 1);
        assert.equal(r.type, 'rssi');
        assert.equal(r.scanner, 'pi-test');
        assert.equal(r.seq, i + 1);
        assert.equal(r.rssi, -60 - i);
        assert.ok(Math.abs(r.ts - Date.now()) < 5000);
        const fields: Record<string, unknown> = { ...r };
        for (const [key, value] of Object.entries(VECTORS[i].expect))
          assert.deepEqual(fields[key], value, `${VECTORS[i].name}.${key}`);
      });
      assert.equal((msgs[0].payload as RssiReading).mac, 'ac:23:3f:a3:80:4b');
      assert.equal((msgs[0].payload as RssiReading).dog, 'rex', 'the site knows this beacon');
      assert.equal((msgs[1].payload as RssiReading).dog, undefined);
      assert.equal(stacks.made[0].deviceId, 0);
    });

    it('uses the chosen adapter and the host name as scanner id by default', async () => {
      const stacks = testStackFactory();
      useSeams({ createStack: stacks.create });
      await helper.load([beaconScan], onTab([scanNode({ scanner: '', adapter: 'hci1' }), OUT]));
      await statusWhere(helper.getNode('scan1'), (s) => /^scanning hci1/.test(s.text ?? ''));
      assert.equal(stacks.made[0].deviceId, 1);
      const got = messages(helper.getNode('out1'), 1);
      stacks.made[0].bindings.advertise('aa:bb:cc:dd:ee:ff', advertisingData(vector('eddystone-tlm')), -70);
      const [m] = await got;
      assert.equal((m.payload as RssiReading).scanner, os.hostname());
    });

    it('on this machine (no Bluetooth) shows what is wrong and what to do, and keeps working', async () => {
      // No injected stack: the real @abandonware/noble, which has no Bluetooth to use here.
      await helper.load([beaconScan], onTab([scanNode(), OUT]));
      const scan = helper.getNode('scan1');
      const status = await statusWhere(scan, (s) => s.fill === 'red');
      assert.match(
        status.text!,
        /no Bluetooth on this machine \(EAFNOSUPPORT\)|noble is not installed|ENODEV|permission/,
      );
      const errors = spied(scan).error.args.map((a) => String(a[0]));
      assert.equal(errors.length, 1);
      assert.match(errors[0], /To fix: /);
      const err = nextError(scan);
      scan.receive({ payload: { cmd: 'rescan' } });
      scan.receive({ payload: { cmd: 'dance' } });
      assert.match(String(await err), /unknown command "dance": use start, stop or rescan/);
    });

    it('restarts a stalled scan, resets the adapter after repeated stalls, and shows it', async () => {
      const stacks = testStackFactory();
      const clock = new FakeClock();
      const commands: string[] = [];
      const runCommand: CommandRunner = (file, args, _t, done) => {
        commands.push([file, ...args].join(' '));
        setImmediate(() => done(new Error('Command failed'), 'Operation not permitted'));
      };
      useSeams({ createStack: stacks.create, clock, runCommand });
      await helper.load(
        [beaconScan],
        onTab([scanNode({ stallS: 10, resetAfter: 2, resetCommand: 'hciconfig hci0 reset' }), OUT]),
      );
      const scan = helper.getNode('scan1');
      await statusWhere(scan, (s) => /^scanning/.test(s.text ?? ''));
      const restarting = statusWhere(scan, (s) =>
        /^stalled, restarting scan · 0 adv · 1 stalls/.test(s.text ?? ''),
      );
      clock.advance(10_000);
      assert.equal((await restarting).fill, 'yellow');
      await settle();
      const resetting = statusWhere(scan, (s) =>
        /^stalled, resetting adapter · 0 adv · 2 stalls · 1 resets/.test(s.text ?? ''),
      );
      clock.advance(10_000);
      await resetting;
      const failed = nextError(scan);
      assert.match(
        String(await failed),
        /adapter reset "hciconfig hci0 reset" failed .*Operation not permitted/,
      );
      assert.deepEqual(commands, ['hciconfig hci0 reset']);
      await settle();
      const recovered = statusWhere(
        scan,
        (s) => s.fill === 'green' && /1 adv · 2 stalls · 1 resets/.test(s.text ?? ''),
      );
      stacks.made[0].bindings.advertise('aa:bb:cc:dd:ee:ff', advertisingData(vector('minew-accel-e8')), -70);
      await recovered;
    });

    it('rate-limits live readings per beacon on the arrival clock, keeping the strongest', async () => {
      const stacks = testStackFactory();
      const clock = new FakeClock();
      useSeams({ createStack: stacks.create, clock });
      await helper.load([beaconScan], onTab([scanNode({ maxPerSecond: 1, batchMs: 0 }), OUT]));
      await statusWhere(helper.getNode('scan1'), (s) => /^scanning/.test(s.text ?? ''));
      const all: Msg[] = [];
      on(helper.getNode('out1'), (m) => all.push(m));
      const b = stacks.made[0].bindings;
      const t0 = clock.now();
      for (const rssi of [-80, -60, -70]) {
        b.advertise('aa:bb:cc:dd:ee:ff', advertisingData(vector('ibeacon-bluecharm')), rssi);
        clock.advance(200);
      }
      await settle();
      assert.equal(all.length, 0, 'held for the rest of the second');
      clock.advance(500);
      await until(() => all.length === 1);
      const r = all[0].payload as RssiReading;
      assert.deepEqual([r.rssi, r.ts - t0, r.seq], [-60, 200, 1]);
    });

    it('wakes for held readings only when they are due: no timer while it hears nothing', async () => {
      const stacks = testStackFactory();
      const clock = new FakeClock();
      useSeams({ createStack: stacks.create, clock });
      await helper.load([beaconScan], onTab([scanNode({ maxPerSecond: 4, batchMs: 1000 }), OUT]));
      await statusWhere(helper.getNode('scan1'), (s) => /^scanning/.test(s.text ?? ''));
      const idle = clock.pending; // the stall watchdog
      const all: Msg[] = [];
      on(helper.getNode('out1'), (m) => all.push(m));
      clock.advance(5000);
      assert.equal(clock.pending, idle, 'idle: no tick timer');
      const t0 = clock.now();
      stacks.made[0].bindings.advertise(
        'aa:bb:cc:dd:ee:ff',
        advertisingData(vector('ibeacon-bluecharm')),
        -70,
      );
      assert.equal(clock.pending, idle + 1, 'one timer, for when the reading is due');
      clock.advance(999);
      await settle();
      assert.equal(all.length, 0, 'the batch is due a second after its first reading');
      clock.advance(1);
      await until(() => all.length === 1);
      const batch = all[0].payload as RssiReading[];
      assert.deepEqual(
        batch.map((r) => r.ts - t0),
        [0],
      );
      assert.equal(clock.pending, idle, 'nothing held: no timer again');
    });

    it('obeys start, stop and rescan (object or JSON text) and refuses anything else with a clear error', async () => {
      const stacks = testStackFactory();
      useSeams({ createStack: stacks.create });
      await helper.load([beaconScan], onTab([scanNode({ autoStart: false }), OUT]));
      const scan = helper.getNode('scan1');
      const b = (): (typeof stacks.made)[number] => stacks.made[0];
      assert.equal(stacks.made.length, 0, 'autoStart off: noble not even loaded');
      scan.receive({ payload: { cmd: 'start' } });
      await statusWhere(scan, (s) => /^scanning/.test(s.text ?? ''));
      assert.equal(b().bindings.starts, 1);
      scan.receive({ payload: '{"cmd":"stop"}', topic: 'dogtracker/v1/cmd/pi-test' });
      await statusWhere(scan, (s) => /^stopped/.test(s.text ?? ''));
      scan.receive({ payload: 'rescan' });
      await statusWhere(scan, (s) => /^scanning/.test(s.text ?? ''));
      assert.equal(b().bindings.starts, 2);
      for (const payload of [{ cmd: 'launch' }, 42, { command: 'start' }]) {
        const err = nextError(scan);
        scan.receive({ payload });
        assert.match(String(await err), /unknown command|expected a command/);
      }
      // Still working after bad input.
      const got = messages(helper.getNode('out1'), 1);
      b().bindings.advertise('aa:bb:cc:dd:ee:ff', advertisingData(vector('ibeacon-bluecharm')), -50);
      assert.equal(((await got)[0].payload as RssiReading).frame, 'ibeacon');
    });

    it('shows bad settings on the status and refuses commands until fixed', async () => {
      await helper.load([beaconScan], onTab([scanNode({ adapter: 'bluetooth0', stallS: 'soon' }), OUT]));
      const scan = helper.getNode('scan1');
      const status = spied(scan).status.args[0][0];
      assert.equal(status.fill, 'red');
      assert.match(status.text!, /adapter "bluetooth0" must be hci0, hci1/);
      assert.match(status.text!, /stallS must be a number/);
      const err = errorWhere(scan, /not configured/);
      scan.receive({ payload: { cmd: 'start' } });
      assert.match(await err, /beacon-scan is not configured: adapter "bluetooth0"/);
    });
  });

  describe('simulate mode', () => {
    it('simulates every scanner of the site as fast as possible, seq per scanner, batched in event time', async () => {
      await helper.load(
        [beaconScan, trackerSite],
        onTab([
          SITE,
          scanNode({
            mode: 'simulate',
            site: 'site1',
            simScope: 'all',
            simSpeed: 0,
            simDurationS: 30,
            batchMs: 1000,
            simSeed: 4,
            autoStart: false,
          }),
          OUT,
        ]),
      );
      const scan = helper.getNode('scan1');
      const all: Msg[] = [];
      on(helper.getNode('out1'), (m: Msg) => all.push(m));
      const done = untilDone(scan);
      scan.receive({ payload: { cmd: 'start' } });
      const count = await done;
      await until(() => readingsOf(all).length === count);
      assert.ok(
        all.every((m) => Array.isArray(m.payload)),
        'batches',
      );
      const readings = readingsOf(all);
      const scanners = [...new Set(readings.map((r) => r.scanner))].sort();
      assert.deepEqual(scanners, ['pi-yard-ne', 'pi-yard-nw', 'pi-yard-s']);
      for (const s of scanners) {
        const mine = readingsOf(all.filter((m) => m.topic === `dogtracker/v1/rssi/${s}`));
        assert.ok(mine.every((r) => r.scanner === s));
        assert.deepEqual(
          mine.map((r) => r.seq),
          mine.map((_, i) => i + 1),
        );
        const span = mine[mine.length - 1].ts - mine[0].ts;
        assert.ok(span > 28_000 && span <= 30_000, `30 s of event time, got ${span}`);
      }
      assert.deepEqual([...new Set(readings.map((r) => r.dog))].sort(), ['bella', 'rex']);
    });

    it('says when the scanner is not in the site, and when there is no site', async () => {
      await helper.load(
        [beaconScan, trackerSite],
        onTab([SITE, scanNode({ mode: 'simulate', site: 'site1', scanner: 'pi-garage' }), OUT]),
      );
      const s1 = await statusWhere(helper.getNode('scan1'), (s) => s.fill === 'red');
      assert.match(s1.text!, /scanner "pi-garage" is not in site "Home"/);
      await helper.unload();
      await helper.load([beaconScan], onTab([scanNode({ mode: 'simulate' }), OUT]));
      const s2 = spied(helper.getNode('scan1')).status.args.map((a) => a[0].text);
      assert.ok(s2.some((t) => /simulate needs a tracker-site/.test(t ?? '')));
    });
  });

  describe('replay mode and recording', () => {
    let dir: string;
    before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'beacon-scan-node-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('records a stream with the file node and replays it to the same readings', async () => {
      const file = path.join(dir, 'recorded.jsonl');
      const recorder: FlowNode = {
        id: 'rec1',
        type: 'file',
        name: 'record',
        filename: file,
        filenameType: 'str',
        appendNewline: true,
        createDir: true,
        overwriteFile: 'false',
        encoding: 'none',
        wires: [['written1']],
      };
      await helper.load(
        [beaconScan, trackerSite, fileNodes],
        onTab([
          SITE,
          scanNode({
            mode: 'simulate',
            site: 'site1',
            simSpeed: 0,
            simDurationS: 20,
            scanner: 'pi-yard-s',
            autoStart: false,
            wires: [['out1', 'rec1']],
          }),
          OUT,
          recorder,
          { id: 'written1', type: 'helper' },
        ]),
      );
      const sent: Msg[] = [];
      on(helper.getNode('out1'), (m: Msg) => sent.push(m));
      let written = 0;
      on(helper.getNode('written1'), () => written++);
      const recorded = untilDone(helper.getNode('scan1'));
      helper.getNode('scan1').receive({ payload: { cmd: 'start' } });
      const count = await recorded;
      await until(() => sent.length === count && written === count);
      await helper.unload();
      assert.ok(sent.length > 30, `${sent.length} readings recorded`);

      await helper.load(
        [beaconScan],
        onTab([scanNode({ mode: 'replay', replayFile: file, replaySpeed: 0, autoStart: false }), OUT]),
      );
      const replayed: Msg[] = [];
      on(helper.getNode('out1'), (m: Msg) => replayed.push(m));
      const done = untilDone(helper.getNode('scan1'));
      helper.getNode('scan1').receive({ payload: { cmd: 'start' } });
      const replayedCount = await done;
      await until(() => replayed.length === replayedCount);
      assert.deepEqual(
        replayed.map((m) => m.payload),
        sent.map((m) => m.payload),
      );
      assert.deepEqual(
        replayed.map((m) => m.topic),
        sent.map((m) => m.topic),
      );
    });

    it('warns about each bad line with its number and replays the rest', async () => {
      const file = path.join(dir, 'bad.jsonl');
      const good = (ts: number): string =>
        JSON.stringify({ v: 1, type: 'rssi', scanner: 'pi-a', ts, mac: 'aa:bb:cc:dd:ee:ff', rssi: -70 });
      writeFileSync(file, [good(1000), 'not json', good(1100), '{"scanner":"pi-a"}', good(1200)].join('\n'));
      await helper.load(
        [beaconScan],
        onTab([scanNode({ mode: 'replay', replayFile: file, replaySpeed: 0 }), OUT]),
      );
      const scan = helper.getNode('scan1');
      const got = messages(helper.getNode('out1'), 3);
      const status = await statusWhere(scan, (st) => /done/.test(st.text ?? ''));
      assert.match(status.text!, /replay done · 3 sent · 2 bad lines/);
      assert.deepEqual(
        (await got).map((m) => (m.payload as RssiReading).ts),
        [1000, 1100, 1200],
      );
      const warnings = spied(scan).warn.args.map((a) => String(a[0]));
      assert.equal(warnings.length, 2);
      assert.match(warnings[0], /bad\.jsonl line 2 skipped: not JSON/);
      assert.match(warnings[1], /line 4 skipped: ts must be a number/);
    });

    it('replays at 1x in event time, paced by the wall clock', async () => {
      const file = path.join(dir, 'paced.jsonl');
      const lines = [0, 150, 300].map((dt) =>
        JSON.stringify({
          v: 1,
          type: 'rssi',
          scanner: 'pi-a',
          ts: 5000 + dt,
          mac: 'aa:bb:cc:dd:ee:ff',
          rssi: -70,
        }),
      );
      writeFileSync(file, lines.join('\n'));
      await helper.load([beaconScan], onTab([scanNode({ mode: 'replay', replayFile: file }), OUT]));
      const arrivals: number[] = [];
      const got = new Promise<void>((resolve) =>
        on(helper.getNode('out1'), () => {
          arrivals.push(Date.now());
          if (arrivals.length === 3) resolve();
        }),
      );
      await got;
      const spread = arrivals[2] - arrivals[0];
      assert.ok(spread >= 200 && spread < 1500, `300 ms of event time took ${spread} ms`);
    });

    it('says which file it cannot read', async () => {
      await helper.load(
        [beaconScan],
        onTab([scanNode({ mode: 'replay', replayFile: path.join(dir, 'missing.jsonl') }), OUT]),
      );
      const status = await statusWhere(helper.getNode('scan1'), (s) => s.fill === 'red');
      assert.match(status.text!, /replay cannot start: ENOENT.*missing\.jsonl/);
    });
  });
});

describe('beacon-scan examples', () => {
  const root = path.resolve(__dirname, '..', '..', '..');
  const files = readdirSync(path.join(root, 'examples')).filter((f) => f.startsWith('beacon-scan-'));
  const html = readFileSync(path.join(root, 'nodes', 'beacon-scan', 'beacon-scan.html'), 'utf8');
  const defaults = html.slice(html.indexOf('defaults: {'), html.indexOf('label: function'));
  const editorKeys = new Set([...defaults.matchAll(/^ {6}(\w+): \{/gm)].map((m) => m[1]));

  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('ship a Pi flow, a simulation and a record-and-replay flow whose nodes use the editor properties', () => {
    assert.deepEqual(files.sort(), [
      'beacon-scan-pi.json',
      'beacon-scan-record-replay.json',
      'beacon-scan-simulate.json',
    ]);
    for (const file of files) {
      const flow = JSON.parse(readFileSync(path.join(root, 'examples', file), 'utf8')) as FlowNode[];
      const scans = flow.filter((n) => n.type === 'beacon-scan');
      assert.ok(scans.length > 0, file);
      for (const n of scans) {
        const props = Object.keys(n).filter((k) => !['id', 'type', 'z', 'x', 'y', 'wires'].includes(k));
        assert.deepEqual(
          props.filter((k) => !editorKeys.has(k)),
          [],
          `${file} ${n.id}`,
        );
        assert.deepEqual(
          [...editorKeys].filter((k) => !props.includes(k)),
          [],
          `${file} ${n.id} lacks`,
        );
      }
    }
  });

  it('the simulation example runs: readings of the demo yard in real time', async () => {
    const flow = JSON.parse(
      readFileSync(path.join(root, 'examples', 'beacon-scan-simulate.json'), 'utf8'),
    ) as FlowNode[];
    const runnable = flow
      .filter((n) => n.type !== 'inject')
      .map((n) => (n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper' } : n));
    await helper.load([beaconScan, trackerSite], runnable);
    const got = messages(helper.getNode('bs-sim-debug'), 5);
    const readings = readingsOf(await got);
    assert.ok(
      readings.every(
        (r) => r.type === 'rssi' && /^pi-yard-/.test(r.scanner) && ['rex', 'bella'].includes(r.dog!),
      ),
    );
  });
});
