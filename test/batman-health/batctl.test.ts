// The batctl parsers on recorded JSON and text output, BATMAN_IV and BATMAN_V, and batctl's errors.
import assert from 'node:assert/strict';
import {
  classifyFailure,
  meshSample,
  parseGatewaysJson,
  parseGatewaysText,
  parseMeshJson,
  parseNeighborsJson,
  parseNeighborsText,
  parseOriginatorsJson,
  parseOriginatorsText,
  parseTableHeader,
} from '../../nodes/batman-health/batctl';
import * as f from './fixtures';

describe('batctl parsers', () => {
  describe('JSON (batctl >= 2020)', () => {
    it('reads the recorded oj row: originator, next hop, interface, TQ, best', () => {
      const [row] = parseOriginatorsJson(JSON.stringify([f.RECORDED_OJ_ROW]));
      assert.deepEqual(row, {
        orig: '02:95:39:46:28:95',
        neigh: '02:ab:46:46:28:95',
        iface: 'wlan1-mesh_250',
        lastSeenMs: 20,
        best: true,
        tq: 222,
      });
    });

    it('reads mj: mesh interface and routing algorithm', () => {
      assert.deepEqual(parseMeshJson(f.V_MJ), { iface: 'bat0', algo: 'BATMAN_V' });
    });

    it('reads BATMAN_V neighbours with their throughput in kbit/s', () => {
      const n = parseNeighborsJson(f.V_NJ);
      assert.equal(n.length, 3);
      assert.deepEqual(n[1], {
        mac: '02:c0:ca:b6:5c:58',
        iface: 'phy1-mesh0',
        lastSeenMs: 90,
        throughputKbps: 16100,
      });
    });

    it('reads gwj: the selected gateway is the one marked best', () => {
      assert.deepEqual(parseGatewaysJson(f.IV_GWJ), [{ orig: '02:95:39:46:28:95', best: true }]);
      assert.deepEqual(parseGatewaysJson('[]'), []);
    });

    it('builds the BATMAN_IV mesh: neighbours from nj with the TQ of their direct route', () => {
      const mesh = meshSample(
        {
          info: parseMeshJson(f.IV_MJ),
          originators: parseOriginatorsJson(f.IV_OJ),
          neighbors: parseNeighborsJson(f.IV_NJ),
          gateways: parseGatewaysJson(f.IV_GWJ),
        },
        'bat0',
      );
      assert.deepEqual(mesh, {
        iface: 'bat0',
        algo: 'BATMAN_IV',
        originators: 3,
        neighbors: [
          { mac: '02:ab:46:46:28:95', iface: 'wlan1-mesh_250', lastSeenMs: 450, tq: 251 },
          { mac: '02:58:47:da:4e:aa', iface: 'wlan0-mesh_250', lastSeenMs: 1040, tq: 87 },
        ],
        gateway: '02:95:39:46:28:95',
      });
    });

    it('builds the BATMAN_V mesh: throughput per neighbour, no gateway when gwj is empty', () => {
      const mesh = meshSample(
        {
          info: parseMeshJson(f.V_MJ),
          originators: parseOriginatorsJson(f.V_OJ),
          neighbors: parseNeighborsJson(f.V_NJ),
          gateways: parseGatewaysJson(f.V_GWJ),
        },
        'bat0',
      );
      assert.equal(mesh.algo, 'BATMAN_V');
      assert.equal(mesh.originators, 4);
      assert.deepEqual(
        mesh.neighbors?.map((n) => [n.mac, n.throughputKbps, n.tq]),
        [
          ['9c:ef:d5:f9:80:4d', 2400, undefined],
          ['02:c0:ca:b6:5c:58', 16100, undefined],
          ['bc:2a:33:96:b1:84', 7100, undefined],
        ],
      );
      assert.equal(mesh.gateway, undefined);
    });

    it('rejects output that is not JSON, naming the query', () => {
      assert.throws(() => parseOriginatorsJson('Error - no valid command'), /oj: not JSON/);
      assert.throws(() => parseOriginatorsJson(''), /oj: batctl printed nothing/);
      assert.throws(() => parseMeshJson('[]'), /mj: expected a JSON object/);
      assert.throws(() => parseNeighborsJson('{}'), /nj: expected a JSON array/);
    });

    it('skips rows without the mandatory fields instead of failing the whole table', () => {
      const rows = parseOriginatorsJson(
        JSON.stringify([
          { orig_address: 'garbage', neigh_address: '02:00:00:00:00:01', last_seen_msecs: 1 },
          f.RECORDED_OJ_ROW,
          7,
        ]),
      );
      assert.equal(rows.length, 1);
    });
  });

  describe('text tables (older batctl)', () => {
    it('reads the table header: mesh interface and algorithm, with or without the mesh MAC', () => {
      assert.deepEqual(parseTableHeader(f.IV_O_TEXT), { iface: 'bat0', algo: 'BATMAN_IV' });
      assert.deepEqual(parseTableHeader(f.DEBUGFS_O_TEXT), { iface: 'bat0', algo: 'BATMAN_IV' });
      assert.deepEqual(parseTableHeader('garbage'), {});
    });

    it('reads BATMAN_IV originators: TQ in brackets, * for the best route', () => {
      const rows = parseOriginatorsText(f.IV_O_TEXT);
      assert.equal(rows.length, 4);
      assert.deepEqual(rows[0], {
        orig: 'b8:27:eb:00:00:02',
        neigh: 'b8:27:eb:00:00:02',
        iface: 'wlan0',
        lastSeenMs: 410,
        best: true,
        tq: 251,
      });
      assert.equal(rows[1].best, false);
    });

    it('reads BATMAN_V originators: Mbit/s in brackets becomes kbit/s', () => {
      const rows = parseOriginatorsText(f.V_O_TEXT);
      assert.deepEqual(
        rows.map((r) => [r.orig, r.throughputKbps, r.tq]),
        [
          ['b8:27:eb:00:00:02', 54000, undefined],
          ['b8:27:eb:00:00:04', 11500, undefined],
        ],
      );
    });

    it('reads the debugfs-era originator table with potential next hops', () => {
      const rows = parseOriginatorsText(f.DEBUGFS_O_TEXT);
      assert.deepEqual(
        rows.map((r) => [r.orig, r.neigh, r.iface, r.tq, r.lastSeenMs]),
        [
          ['02:42:0a:22:00:03', '02:42:0a:22:00:03', 'mesh-vpn', 250, 7150],
          ['02:42:0a:22:00:01', '02:42:0a:22:00:01', 'mesh-vpn', 250, 8590],
          ['02:42:0a:22:00:04', '02:42:0a:22:00:03', 'mesh-vpn', 150, 2120],
        ],
      );
    });

    it('reads neighbour tables of both algorithms', () => {
      assert.deepEqual(parseNeighborsText(f.IV_N_TEXT), [
        { mac: 'b8:27:eb:00:00:02', iface: 'wlan0', lastSeenMs: 410 },
        { mac: 'b8:27:eb:00:00:03', iface: 'wlan0', lastSeenMs: 1120 },
      ]);
      assert.deepEqual(parseNeighborsText(f.V_N_TEXT), [
        { mac: 'b8:27:eb:00:00:02', lastSeenMs: 410, throughputKbps: 54000, iface: 'wlan0' },
      ]);
    });

    it('reads gateway lists: * (netlink) or => (debugfs) marks the selected one', () => {
      assert.deepEqual(parseGatewaysText(f.IV_GWL_TEXT), [{ orig: 'b8:27:eb:00:00:05', best: true }]);
      assert.deepEqual(parseGatewaysText(f.DEBUGFS_GWL_TEXT), [
        { orig: '02:42:0a:22:00:04', best: true },
        { orig: '02:42:0a:22:00:01', best: false },
      ]);
    });

    it('builds the mesh from text tables; without a neighbour table, from the direct routes', () => {
      const withN = meshSample(
        {
          info: parseTableHeader(f.IV_O_TEXT),
          originators: parseOriginatorsText(f.IV_O_TEXT),
          neighbors: parseNeighborsText(f.IV_N_TEXT),
          gateways: parseGatewaysText(f.IV_GWL_TEXT),
        },
        'bat0',
      );
      assert.deepEqual(
        withN.neighbors?.map((n) => [n.mac, n.tq]),
        [
          ['b8:27:eb:00:00:02', 251],
          ['b8:27:eb:00:00:03', 201],
        ],
      );
      assert.equal(withN.originators, 3);
      assert.equal(withN.gateway, 'b8:27:eb:00:00:05');
      const withoutN = meshSample({ info: {}, originators: parseOriginatorsText(f.DEBUGFS_O_TEXT) }, 'bat0');
      assert.equal(withoutN.algo, 'BATMAN_IV');
      assert.deepEqual(
        withoutN.neighbors?.map((n) => [n.mac, n.tq, n.lastSeenMs]),
        [
          ['02:42:0a:22:00:03', 250, 7150],
          ['02:42:0a:22:00:01', 250, 8590],
        ],
      );
    });
  });

  describe('failures', () => {
    const classify = (stderr: string, extra: object = {}) =>
      classifyFailure({ stderr, code: 1, ...extra }, 'batctl', 'bat0').kind;

    it('tells missing, not root, no interface, time-out, unsupported and other failures apart', () => {
      assert.equal(classify('', { code: 'ENOENT' }), 'missing');
      assert.equal(classify(f.NOT_ROOT_ERROR), 'not-root');
      assert.equal(classify('sudo: a password is required'), 'not-root');
      assert.equal(classify(f.NO_BAT0_ERROR), 'no-interface');
      assert.equal(classify('', { killed: true, code: null }), 'timeout');
      assert.equal(classify('Error - no valid command or debug table specified: oj'), 'unsupported');
      assert.equal(classify('Error received: Invalid argument'), 'failed');
    });

    it('says what to do in the message', () => {
      const notRoot = classifyFailure({ stderr: f.NOT_ROOT_ERROR, code: 1 }, 'batctl', 'bat0');
      assert.match(notRoot.message, /needs root.*sudoers.*cap_net_admin/);
      const missing = classifyFailure({ stderr: '', code: 'ENOENT' }, 'batctl', 'bat0');
      assert.match(missing.message, /apt-get install batctl/);
      const other = classifyFailure(
        { stderr: 'Error received: Invalid argument\nmore', code: 1 },
        'batctl',
        'bat0',
      );
      assert.equal(other.message, 'Error received: Invalid argument');
    });
  });
});
