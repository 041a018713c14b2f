// batman-health on the real Node-RED runtime: the Pi mode with a stand-in batctl (samples on input and on
// its timer, mesh problems as status, alerts on the second output), the hub's monitor mode (offline,
// silent, back, bad input), and the metrics endpoint on the runtime's httpNode.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'events';
import { mkdtempSync, rmSync } from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI } from 'node-red';
import batmanHealth = require('../../nodes/batman-health/batman-health');
import type { Alert, Health } from '../../nodes/kernel/contract';
import { helper, nextMessage, onTab, statusWhere, type FlowNode } from '../support/flow';
import * as f from './fixtures';

// The core Catch node, to see done(err) reach a flow. (Untyped JavaScript module.)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as (RED: NodeAPI) => void;

interface Msg<T = unknown> {
  topic?: string;
  payload: T;
  [key: string]: unknown;
}

function flow(props: Record<string, unknown>): FlowNode[] {
  return onTab([
    { id: 'bh', type: 'batman-health', name: 'health under test', wires: [['out'], ['alerts']], ...props },
    { id: 'out', type: 'helper' },
    { id: 'alerts', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['bh'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

/** Collects every message a helper node receives. */
function collect<T>(node: Node): Array<Msg<T>> {
  const all: Array<Msg<T>> = [];
  (node as unknown as EventEmitter).on('input', (msg: Msg<T>) => all.push(msg));
  return all;
}

/** Resolves once a helper node has received `n` messages in all. */
function messages(node: Node, n: number): Promise<void> {
  let count = 0;
  return new Promise((resolve) =>
    (node as unknown as EventEmitter).on('input', () => {
      if (++count === n) resolve();
    }),
  );
}

describe('batman-health node', () => {
  let dir: string;
  let fake: f.FakeBatctl;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bh-node-'));
    fake = new f.FakeBatctl(dir);
  });
  afterEach(async () => {
    await helper.unload();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('on a Pi', () => {
    it('samples on input: a contract health with this machine and the mesh, keeping the message', async () => {
      fake.outputs(f.IV_JSON);
      await helper.load(
        [batmanHealth, catchNode],
        flow({ nodeId: 'pi-yard-ne', batctl: fake.command, intervalS: 3600 }),
      );
      const bh = helper.getNode('bh');
      const green = statusWhere(bh, (s) => s.fill === 'green');
      const got = nextMessage<Msg<Health>>(helper.getNode('out'));
      const before = Date.now();
      bh.receive({ payload: 'go', _correlation: 42 });
      const msg = await got;
      assert.equal(msg.topic, 'dogtracker/v1/health/pi-yard-ne');
      assert.equal(msg._correlation, 42);
      const h = msg.payload;
      assert.equal(h.v, 1);
      assert.equal(h.type, 'health');
      assert.equal(h.node, 'pi-yard-ne');
      assert.ok(h.ts >= before && h.ts <= Date.now());
      assert.ok(h.memUsedPct! > 0 && h.uptimeS! > 0 && h.load1! >= 0);
      assert.deepEqual(
        h.mesh?.neighbors?.map((n) => n.tq),
        [251, 87],
      );
      assert.equal(h.mesh?.gateway, '02:95:39:46:28:95');
      assert.match((await green).text ?? '', /bat0: 2 neighbours/);
    });

    it('samples on its own timer (the node is a source)', async () => {
      fake.outputs(f.V_JSON);
      await helper.load(
        [batmanHealth, catchNode],
        flow({ nodeId: 'pi-t', batctl: fake.command, intervalS: 1 }),
      );
      const msg = await nextMessage<Msg<Health>>(helper.getNode('out'));
      assert.equal(msg.payload.node, 'pi-t');
      assert.equal(msg.payload.mesh?.algo, 'BATMAN_V');
    });

    for (const [label, setup, status] of [
      ['batctl is not installed', () => path.join(dir, 'missing-batctl'), 'batctl not installed'],
      ['batctl is not run as root', () => fake.fail(f.NOT_ROOT_ERROR).command, 'batctl needs root'],
      ['there is no bat0', () => fake.fail(f.NO_BAT0_ERROR).command, 'no mesh interface'],
    ] as Array<[string, () => string, string]>) {
      it(`sends health without the mesh, says why and warns once, when ${label}`, async () => {
        await helper.load(
          [batmanHealth, catchNode],
          flow({ nodeId: 'pi-x', batctl: setup(), intervalS: 3600 }),
        );
        const bh = helper.getNode('bh');
        const yellow = statusWhere(bh, (s) => s.fill === 'yellow');
        for (let i = 0; i < 2; i++) {
          const got = nextMessage<Msg<Health>>(helper.getNode('out'));
          bh.receive({ payload: i });
          const h = (await got).payload;
          assert.equal('mesh' in h, false);
          assert.ok(h.uptimeS! > 0);
        }
        assert.match((await yellow).text ?? '', new RegExp(`^${status}`));
        const warnings = (bh as unknown as { warn: { args: unknown[][] } }).warn.args.map((a) =>
          String(a[0]),
        );
        assert.equal(warnings.length, 1, warnings.join('\n'));
        assert.match(warnings[0], /^mesh left out: /);
      });
    }

    it('sends no mesh and no warning when the batctl command is empty (a node without a mesh)', async () => {
      await helper.load([batmanHealth, catchNode], flow({ nodeId: 'hub', batctl: '', intervalS: 3600 }));
      const bh = helper.getNode('bh');
      const got = nextMessage<Msg<Health>>(helper.getNode('out'));
      bh.receive({ payload: 1 });
      assert.equal('mesh' in (await got).payload, false);
      assert.equal((bh as unknown as { warn: { callCount: number } }).warn.callCount, 0);
    });

    it('sends a neighbour-lost alert on the second output, once, and neighbour-back when it returns', async () => {
      fake.outputs(f.IV_JSON);
      await helper.load(
        [batmanHealth, catchNode],
        flow({ nodeId: 'pi-a', batctl: fake.command, intervalS: 3600 }),
      );
      const bh = helper.getNode('bh');
      const out = helper.getNode('out');
      const alerts = collect<Alert>(helper.getNode('alerts'));
      const fourAlerts = messages(helper.getNode('alerts'), 4);
      const sample = async (): Promise<void> => {
        const got = nextMessage(out);
        bh.receive({ payload: 'tick' });
        await got;
      };
      await sample();
      const lostOne = JSON.parse(f.IV_NJ).slice(0, 1);
      fake.outputs({ ...f.IV_JSON, nj: JSON.stringify(lostOne) });
      await sample();
      await sample();
      fake.outputs(f.IV_JSON);
      await sample();
      await fourAlerts;
      // the poor link (TQ 87 < 100) shows from the first sample; it is reported once and not again.
      assert.deepEqual(
        alerts.map((m) => [m.topic, m.payload.event, m.payload.neighbor ?? null]),
        [
          ['dogtracker/v1/alert/pi-a', 'link-poor', '02:58:47:da:4e:aa'],
          ['dogtracker/v1/alert/pi-a', 'neighbor-lost', '02:58:47:da:4e:aa'],
          ['dogtracker/v1/alert/pi-a', 'neighbor-back', '02:58:47:da:4e:aa'],
          ['dogtracker/v1/alert/pi-a', 'link-poor', '02:58:47:da:4e:aa'],
        ],
      );
      assert.ok(alerts.every((m) => m.payload.node === 'pi-a' && m.payload.type === 'alert'));
    });
  });

  describe('on the hub (monitor mode)', () => {
    const monitorFlow = (extra: Record<string, unknown> = {}): FlowNode[] =>
      flow({ mode: 'monitor', silentAfterS: 3600, ...extra });
    const health = (node: string, ts: number): Health => ({ v: 1, type: 'health', node, ts, cpu: 12 });

    it('passes health on, reports the last will, and the node back when its health returns', async () => {
      await helper.load([batmanHealth, catchNode], monitorFlow());
      const bh = helper.getNode('bh');
      const out = collect<Health>(helper.getNode('out'));
      const alerts = helper.getNode('alerts');
      const passed = nextMessage<Msg<Health>>(helper.getNode('out'));
      bh.receive({
        topic: 'dogtracker/v1/health/pi-1',
        payload: JSON.stringify(health('pi-1', 1000)),
      });
      assert.deepEqual((await passed).payload, health('pi-1', 1000));

      const offline = nextMessage<Msg<Alert>>(alerts);
      bh.receive({ topic: 'dogtracker/v1/status/pi-1', payload: 'offline' });
      const off = (await offline).payload;
      assert.equal(off.event, 'node-offline');
      assert.equal(off.node, 'pi-1');
      assert.equal(off.lastHealthTs, 1000);

      const back = nextMessage<Msg<Alert>>(alerts);
      bh.receive({ topic: 'dogtracker/v1/health/pi-1', payload: health('pi-1', 2000) });
      assert.equal((await back).payload.event, 'node-back');
      assert.equal(out.length, 2);
    });

    it('reports a scanner whose health stops arriving (hub wall clock) and not the others', async () => {
      await helper.load([batmanHealth, catchNode], monitorFlow({ silentAfterS: 0.3 }));
      const bh = helper.getNode('bh');
      const silent = nextMessage<Msg<Alert>>(helper.getNode('alerts'));
      const down = statusWhere(bh, (s) => s.text === '0 up, 1 down');
      bh.receive({ topic: 'dogtracker/v1/health/pi-quiet', payload: health('pi-quiet', 5) });
      const a = (await silent).payload;
      assert.equal(a.event, 'node-silent');
      assert.equal(a.node, 'pi-quiet');
      assert.equal(a.lastHealthTs, 5);
      await down;
    });

    it('raises hardware and mesh alerts from the health it receives when asked to', async () => {
      await helper.load([batmanHealth, catchNode], monitorFlow({ hubAlerts: true, tempHighC: 70 }));
      const bh = helper.getNode('bh');
      const alert = nextMessage<Msg<Alert>>(helper.getNode('alerts'));
      bh.receive({ payload: { ...health('pi-hot', 10), tempC: 81 } });
      const a = (await alert).payload;
      assert.deepEqual([a.event, a.node, a.ts, a.value], ['temp-high', 'pi-hot', 10, 81]);
    });

    it('rejects a bad payload with done(err), naming the problem, and keeps working', async () => {
      await helper.load([batmanHealth, catchNode], monitorFlow());
      const bh = helper.getNode('bh');
      const caught = nextMessage<Msg & { error: { message: string } }>(helper.getNode('caught'));
      bh.receive({ topic: 'dogtracker/v1/health/pi-1', payload: { type: 'health', node: 'pi-1' } });
      assert.match(
        (await caught).error.message,
        /payload\.ts is required \(a finite number, ms since the epoch\)/,
      );
      const caught2 = nextMessage<Msg & { error: { message: string } }>(helper.getNode('caught'));
      bh.receive({ topic: 'dogtracker/v1/status/pi-1', payload: 'gone fishing' });
      assert.match((await caught2).error.message, /must be "online" or "offline"/);
      const passed = nextMessage<Msg<Health>>(helper.getNode('out'));
      bh.receive({ payload: health('pi-1', 1) });
      assert.equal((await passed).payload.node, 'pi-1');
    });
  });

  describe('metrics endpoint', () => {
    let server: http.Server | undefined;
    afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    /** Captures the runtime's httpNode app (Node-RED mounts it at httpNodeRoot) and serves it on a free port. */
    async function scrape(): Promise<string> {
      let app: http.RequestListener | undefined;
      const probe = (RED: NodeAPI): void => {
        app = RED.httpNode;
      };
      await helper.load([batmanHealth, probe], flow({ mode: 'monitor' }));
      server = http.createServer(app);
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const res = await fetch(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/dogtracker/metrics`,
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain.*version=0\.0\.4/);
      return res.text();
    }

    it('serves the health of every node heard of, and removes a link when its neighbour is gone', async () => {
      const text0 = await scrape();
      assert.match(text0, /# TYPE dogtracker_node_up gauge/);
      const bh = helper.getNode('bh');
      const out = helper.getNode('out');
      const send = async (payload: Health): Promise<void> => {
        const got = nextMessage(out);
        bh.receive({ payload });
        await got;
      };
      const mesh = (neighbors: Health['mesh']): Health => ({
        v: 1,
        type: 'health',
        node: 'pi-m',
        ts: 1763800000000,
        cpu: 23.5,
        tempC: 51.2,
        throttled: 0x50005,
        mesh: neighbors,
      });
      await send(
        mesh({
          iface: 'bat0',
          originators: 5,
          gateway: '02:00:00:00:00:09',
          neighbors: [
            { mac: '02:00:00:00:00:01', tq: 251, lastSeenMs: 410 },
            { mac: '02:00:00:00:00:02', tq: 90, lastSeenMs: 1200 },
          ],
        }),
      );
      const port = (server!.address() as AddressInfo).port;
      const get = async (): Promise<string> =>
        (await fetch(`http://127.0.0.1:${port}/dogtracker/metrics`)).text();
      let text = await get();
      for (const line of [
        'dogtracker_node_up{node="pi-m"} 1',
        'dogtracker_node_last_health_timestamp_seconds{node="pi-m"} 1763800000',
        'dogtracker_node_cpu_percent{node="pi-m"} 23.5',
        'dogtracker_node_temperature_celsius{node="pi-m"} 51.2',
        `dogtracker_node_throttled{node="pi-m"} ${0x50005}`,
        'dogtracker_node_undervoltage{node="pi-m"} 1',
        'dogtracker_mesh_originators{node="pi-m"} 5',
        'dogtracker_mesh_neighbors{node="pi-m"} 2',
        'dogtracker_mesh_gateway_present{node="pi-m"} 1',
        'dogtracker_mesh_link_tq{node="pi-m",neighbor="02:00:00:00:00:02"} 90',
        'dogtracker_mesh_link_last_seen_seconds{node="pi-m",neighbor="02:00:00:00:00:01"} 0.41',
      ])
        assert.ok(text.includes(`\n${line}\n`), `missing ${line} in\n${text}`);
      assert.doesNotMatch(text, /dogtracker_node_load1\{node="pi-m"\}/); // not reported: no series, no fake 0

      await send(mesh({ iface: 'bat0', originators: 4, neighbors: [{ mac: '02:00:00:00:00:01', tq: 250 }] }));
      text = await get();
      assert.doesNotMatch(text, /neighbor="02:00:00:00:00:02"/);
      assert.match(text, /\ndogtracker_mesh_gateway_present\{node="pi-m"\} 0\n/);
      assert.doesNotMatch(
        text,
        /dogtracker_mesh_link_last_seen_seconds\{node="pi-m",neighbor="02:00:00:00:00:01"\}/,
      );

      const alert = nextMessage(helper.getNode('alerts'));
      bh.receive({ topic: 'dogtracker/v1/status/pi-m', payload: 'offline' });
      await alert;
      assert.match(await get(), /\ndogtracker_node_up\{node="pi-m"\} 0\n/);
      // the pipeline's own counters are served too
      assert.match(text, /# TYPE dogtracker_readings_total counter/);
    });
  });
});
