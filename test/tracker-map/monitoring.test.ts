// deploy/: the Prometheus scrape config and alert rules (promtool check + the rules' own unit tests),
// the Alertmanager example (amtool), and the Grafana provisioning and dashboards: every InfluxQL query
// names only measurements, fields and tags of the contract and runs on a real InfluxDB 1.x with contract
// data; every PromQL query uses only the package's metric names and parses.
import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { registry } from '../../nodes/common/metrics';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { activityLine } from '../../nodes/dog-activity/activity-points';
import { requireBinary, startInfluxdb, type InfluxService } from '../support/services';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..', '..');
const deploy = (...p: string[]): string => path.join(root, 'deploy', ...p);

/**
 * The metric names the package exports (nodes/common/metrics.ts: pipeline counters and the health
 * gauges batman-health sets), and Prometheus' own `up`.
 */
const METRICS = new Set(['up', ...registry.getMetricsAsArray().map((m) => m.name)]);

/** The names the lead fixed for rules and dashboards: each must really be exported. */
const AGREED_METRICS = [
  'dogtracker_node_up',
  'dogtracker_node_last_health_timestamp_seconds',
  'dogtracker_node_temperature_celsius',
  'dogtracker_node_throttled',
  'dogtracker_node_undervoltage',
  'dogtracker_node_cpu_percent',
  'dogtracker_mesh_neighbors',
  'dogtracker_mesh_link_tq',
  'dogtracker_mesh_link_throughput_kbps',
  'dogtracker_mesh_gateway_present',
  'dogtracker_readings_total',
  'dogtracker_last_reading_timestamp_seconds',
  'dogtracker_seq_gaps_total',
  'dogtracker_positions_total',
  'dogtracker_alerts_total',
  'dogtracker_influx_queue_points',
  'dogtracker_influx_write_errors_total',
  'dogtracker_influx_points_dropped_total',
];

/**
 * The contract's InfluxDB measurements. Fields beyond the contract's list are the ones influx-write adds
 * (rssiVar, txPower, battery; alert x/y/since/kind/text; health's flattened wifi and mesh fields and the
 * per-neighbour link fields). The queries also run on points made by influx-write's conversion (below).
 */
const INFLUX_SCHEMA: Record<string, { tags: string[]; fields: string[] }> = {
  rssi: { tags: ['scanner', 'dog', 'mac'], fields: ['rssi', 'rssiRaw', 'rssiVar', 'txPower', 'battery'] },
  position: { tags: ['dog'], fields: ['x', 'y', 'lat', 'lon', 'accuracy', 'vx', 'vy', 'scanners', 'method'] },
  alert: { tags: ['dog', 'zone', 'event', 'severity'], fields: ['x', 'y', 'since', 'kind', 'text'] },
  // dog-activity's measurement (docs/CONTRACT-EXTENSIONS.md, nodes/dog-activity/activity-points.ts).
  activity: {
    tags: ['dog', 'state', 'source'],
    fields: [
      'restS',
      'movingS',
      'runningS',
      'level',
      'samples',
      'stillMin',
      'activeMin',
      'restMin',
      'longestRestMin',
      'nightRestlessMin',
      'baselineDays',
      'baselineActiveMin',
      'baselineRestMin',
      'baselineLongestRestMin',
      'baselineNightRestlessMin',
    ],
  },
  health: {
    tags: ['node', 'neighbor', 'iface'],
    fields: [
      'cpu',
      'load1',
      'memUsedPct',
      'tempC',
      'throttled',
      'uptimeS',
      'wifiSignalDbm',
      'meshOriginators',
      'tq',
      'lastSeenMs',
      'throughputKbps',
    ],
  },
};

interface Target {
  datasource?: { uid?: string };
  query?: string;
  expr?: string;
  alias?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: {
    list: Array<{ name: string; datasource: { uid: string }; query: string | { query: string } }>;
  };
  annotations: { list: Array<{ datasource?: { uid?: string }; query?: string }> };
}

function dashboards(): Array<{ file: string; dashboard: Dashboard }> {
  const dir = deploy('grafana', 'dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Dashboard,
    }));
}

/** Every query of every dashboard, with where it is, split by data source. */
function queries(): { influxql: Array<[string, string]>; promql: Array<[string, string]> } {
  const influxql: Array<[string, string]> = [];
  const promql: Array<[string, string]> = [];
  for (const { file, dashboard } of dashboards()) {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const where = `${file} "${panel.title}"`;
        if (target.query !== undefined) influxql.push([where, target.query]);
        if (target.expr !== undefined) promql.push([where, target.expr]);
      }
    }
    for (const v of dashboard.templating.list) {
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      if (v.datasource.uid === 'dogtracker-influxdb') influxql.push([`${file} $${v.name}`, q]);
    }
    for (const a of dashboard.annotations.list)
      if (a.query && a.datasource?.uid === 'dogtracker-influxdb')
        influxql.push([`${file} annotation`, a.query]);
  }
  return { influxql, promql };
}

/** The identifiers an InfluxQL query names: its measurement, the fields it selects, the tags it filters or groups by. */
function influxNames(q: string): { measurement: string; fields: string[]; tags: string[] } {
  const show = /^SHOW TAG VALUES FROM "(\w+)" WITH KEY = "(\w+)"$/.exec(q);
  if (show) return { measurement: show[1], fields: [], tags: [show[2]] };
  const m = /^SELECT (.+) FROM "(\w+)"(?: WHERE (.+?))?(?: GROUP BY (.+?))?(?: ORDER BY .+)?$/.exec(q);
  assert.ok(m, `not the InfluxQL shape this test understands: ${q}`);
  const quoted = (s: string | undefined): string[] => [...(s ?? '').matchAll(/"(\w+)"/g)].map((x) => x[1]);
  const select = m[1].replace(/ AS "[^"]+"/g, '');
  return {
    measurement: m[2],
    fields: select.trim() === '*' ? [] : quoted(select),
    tags: [...quoted(m[3]), ...quoted(m[4])],
  };
}

/** The SELECTs that read a measurement: the query itself, or the innermost of its FROM (subquery), (…). */
function innermostSelects(q: string): string[] {
  const at = q.indexOf(' FROM (');
  if (at < 0) return [q];
  const inner: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = at + 6; i < q.length; i++) {
    if (q[i] === '(') {
      if (depth++ === 0) start = i + 1;
    } else if (q[i] === ')' && --depth === 0) {
      inner.push(q.slice(start, i));
      // Another subquery follows after ", (", else the outer query goes on.
      if (!q.startsWith(', (', i + 1)) break;
    }
  }
  return inner.flatMap(innermostSelects);
}

/** PromQL identifiers that are metric names (not functions, labels, keywords or durations). */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  return [...withoutStrings.matchAll(/\b(dogtracker_\w+|up)\b/g)].map((x) => x[1]);
}

describe('Prometheus config and alert rules', function () {
  this.timeout(30000);
  let promtool: string;
  before(function () {
    promtool = requireBinary(this, 'promtool', 'prometheus');
  });

  it('passes promtool check config (with its rule file)', async () => {
    const { stdout } = await run(promtool, ['check', 'config', deploy('prometheus', 'prometheus.yml')]);
    assert.match(stdout, /SUCCESS: 1 rule files found/);
    assert.match(stdout, /is valid prometheus config/);
  });

  it('the package exports every metric the rules and dashboards were written for', () => {
    for (const name of AGREED_METRICS) assert.ok(METRICS.has(name), `${name} is not in the registry`);
  });

  it('scrapes {httpNodeRoot}/dogtracker/metrics', () => {
    assert.match(
      readFileSync(deploy('prometheus', 'prometheus.yml'), 'utf8'),
      /metrics_path: \/dogtracker\/metrics/,
    );
  });

  it('passes promtool check rules, and the rules pass their unit tests', async () => {
    const check = await run(promtool, ['check', 'rules', deploy('prometheus', 'dogtracker-rules.yml')]);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
    const tests = await run(promtool, ['test', 'rules', 'dogtracker-rules.test.yml'], {
      cwd: deploy('prometheus'),
    });
    assert.match(tests.stdout, /SUCCESS/);
  });

  it('has the alerts the issue asks for, each with a severity and a summary, on the package metrics only', () => {
    const text = readFileSync(deploy('prometheus', 'dogtracker-rules.yml'), 'utf8');
    const alerts = [...text.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    for (const required of [
      'DogtrackerScannerOffline',
      'DogtrackerScannerSilent',
      'DogtrackerMeshLinkLost',
      'DogtrackerInfluxQueueGrowing',
      'DogtrackerPiTooHot',
      'DogtrackerPiUnderVoltage',
    ])
      assert.ok(alerts.includes(required), `${required} is missing`);
    const tests = readFileSync(deploy('prometheus', 'dogtracker-rules.test.yml'), 'utf8');
    const blocks = text.split(/\n\s+- alert: /).slice(1);
    assert.equal(blocks.length, alerts.length);
    for (const block of blocks) {
      const name = block.split('\n')[0];
      assert.match(block, /severity: (warning|critical)\n/, `${name} severity`);
      assert.match(block, /summary: /, `${name} summary`);
      const expr = /expr: ([\s\S]*?)\n\s+(?:for|labels):/.exec(block)?.[1] ?? '';
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${name} uses a metric`);
      for (const metric of names) assert.ok(METRICS.has(metric), `${name} uses unknown metric ${metric}`);
      // The alert tests cover every rule.
      assert.ok(tests.includes(`alertname: ${name}\n`), `${name} has no unit test`);
    }
  });

  it('the dashboards use the package metrics only, in PromQL that parses', async () => {
    const { promql } = queries();
    assert.ok(promql.length > 15);
    for (const [where, expr] of promql)
      for (const metric of metricNames(expr))
        assert.ok(METRICS.has(metric), `${where}: unknown metric ${metric}`);
    // promtool parses each expression as a recording rule, with Grafana's variables filled in.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-promql-'));
    try {
      const rules = promql.map(([, expr], i) => {
        const filled = expr
          .replace(/\$__rate_interval|\$__range|\$__interval/g, '5m')
          .replace(/\$node/g, 'pi-a|pi-b');
        return `      - record: dashboard_query_${i}\n        expr: '${filled.replace(/'/g, "''")}'`;
      });
      const file = path.join(dir, 'dashboard-queries.yml');
      writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join('\n')}\n`);
      const { stdout } = await run(promtool, ['check', 'rules', file]);
      assert.match(stdout, new RegExp(`SUCCESS: ${promql.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Alertmanager example', function () {
  this.timeout(30000);
  let amtool: string;
  before(function () {
    amtool = requireBinary(this, 'amtool', 'prometheus-alertmanager');
  });

  it('passes amtool check-config', async () => {
    const { stdout } = await run(amtool, ['check-config', deploy('alertmanager', 'alertmanager.yml')]);
    assert.match(stdout, /SUCCESS/);
  });

  it('sends critical alerts to the phone and to Node-RED, the rest to Node-RED', async () => {
    const route = async (...labels: string[]): Promise<string> =>
      (
        await run(amtool, [
          'config',
          'routes',
          'test',
          `--config.file=${deploy('alertmanager', 'alertmanager.yml')}`,
          ...labels,
        ])
      ).stdout.trim();
    assert.equal(
      await route('alertname=DogtrackerPiUnderVoltage', 'severity=critical', 'node=pi-a'),
      'phone,node-red',
    );
    assert.equal(await route('alertname=DogtrackerPiTooHot', 'severity=warning', 'node=pi-a'), 'node-red');
  });
});

describe('Grafana provisioning and dashboards', function () {
  this.timeout(60000);

  it('provisions the InfluxDB 1.x dogtracker database and Prometheus under the uids the dashboards use', () => {
    const text = readFileSync(deploy('grafana', 'provisioning', 'datasources', 'dogtracker.yaml'), 'utf8');
    assert.match(text, /uid: dogtracker-influxdb\n\s+type: influxdb\n/);
    assert.match(text, /dbName: dogtracker\n/);
    assert.match(text, /uid: dogtracker-prometheus\n\s+type: prometheus\n/);
    const provider = readFileSync(deploy('grafana', 'provisioning', 'dashboards', 'dogtracker.yaml'), 'utf8');
    assert.match(provider, /type: file/);
    const uids = new Set(['dogtracker-influxdb', 'dogtracker-prometheus', '-- Grafana --']);
    for (const { file, dashboard } of dashboards()) {
      assert.match(dashboard.uid, /^dogtracker-/, file);
      const ids = dashboard.panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`);
      for (const panel of dashboard.panels) {
        assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${file} "${panel.title}" fits the grid`);
        for (const ds of [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)])
          if (panel.type !== 'row')
            assert.ok(ds?.uid && uids.has(ds.uid), `${file} "${panel.title}" data source`);
      }
    }
    const titles = dashboards().flatMap(({ dashboard }) => dashboard.panels.map((p) => p.title));
    for (const needed of [
      'Tracks on the map',
      'Tracks on the site plan (metres)',
      'RSSI per scanner',
      'Alerts',
    ])
      assert.ok(titles.includes(needed), needed);
    assert.ok(
      titles.some((t) => /Link quality/.test(t)),
      'mesh health',
    );
  });

  it('names only measurements, fields and tags of the contract in InfluxQL', () => {
    const { influxql } = queries();
    assert.ok(influxql.length > 10);
    const seen = new Set<string>();
    for (const [where, q] of influxql.flatMap(([w, full]) => innermostSelects(full).map((i) => [w, i]))) {
      const { measurement, fields, tags } = influxNames(q);
      const schema = INFLUX_SCHEMA[measurement];
      assert.ok(schema, `${where}: unknown measurement ${measurement}`);
      seen.add(measurement);
      for (const f of fields)
        assert.ok(schema.fields.includes(f), `${where}: ${measurement} has no field ${f}`);
      for (const t of tags) assert.ok(schema.tags.includes(t), `${where}: ${measurement} has no tag ${t}`);
    }
    assert.deepEqual([...seen].sort(), ['activity', 'alert', 'health', 'position', 'rssi']);
    // Aliases name tags by $tag_<name>.
    for (const { dashboard } of dashboards())
      for (const panel of dashboard.panels)
        for (const target of panel.targets ?? [])
          for (const [, tag] of (target.alias ?? '').matchAll(/\$tag_(\w+)/g)) {
            const { measurement } = influxNames(target.query!);
            assert.ok(INFLUX_SCHEMA[measurement].tags.includes(tag), `${panel.title}: alias tag ${tag}`);
          }
  });

  describe('on a real InfluxDB 1.x', () => {
    let influx: InfluxService;
    const T0 = 1763800000000;

    before(async function () {
      const bin = requireBinary(this, 'influxd', 'influxdb');
      influx = await startInfluxdb(bin);
      await influx.query('CREATE DATABASE dogtracker');
      // Contract messages, turned into points by influx-write's own conversion.
      const messages: unknown[] = [];
      for (let i = 0; i < 20; i++) {
        const ts = T0 + i * 5000;
        for (const [dog, mac] of [
          ['rex', 'ac:23:3f:a3:80:4b'],
          ['bella', 'ac:23:3f:a3:80:4c'],
        ]) {
          messages.push({
            v: 1,
            type: 'position',
            dog,
            ts,
            x: i,
            y: 2 * i,
            lat: 52.09,
            lon: 5.12,
            accuracy: 1.5,
            vx: 0.2,
            vy: 0.4,
            scanners: 3,
            method: 'tracker',
          });
          for (const scanner of ['pi-a', 'pi-b'])
            messages.push({
              v: 1,
              type: 'rssi',
              scanner,
              seq: i,
              ts,
              mac,
              rssi: -70,
              rssiRaw: -73,
              rssiVar: 4,
              dog,
            });
        }
        for (const node of ['pi-a', 'pi-b'])
          messages.push({
            v: 1,
            type: 'health',
            node,
            ts,
            cpu: 20,
            load1: 0.4,
            memUsedPct: 51,
            tempC: 52.5,
            throttled: 0,
            uptimeS: 100,
            wifi: { iface: 'wlan0', signalDbm: -58 },
            mesh: {
              iface: 'bat0',
              algo: 'BATMAN_IV',
              originators: 3,
              neighbors: [{ mac: 'b8:27:eb:00:00:02', iface: 'wlan0', lastSeenMs: 410, tq: 250 }],
            },
          });
      }
      messages.push({
        v: 1,
        type: 'alert',
        event: 'exit',
        dog: 'rex',
        zone: 'yard',
        kind: 'safe',
        severity: 'critical',
        ts: T0 + 9000,
        x: 21,
        y: 31,
        since: T0,
      });
      // And its way in before, for the time-in-zones table's enters.
      messages.push({
        v: 1,
        type: 'alert',
        event: 'enter',
        dog: 'rex',
        zone: 'yard',
        kind: 'safe',
        severity: 'info',
        ts: T0,
      });
      const { lines, errors } = toLineProtocol(messages);
      assert.deepEqual(errors, []);
      for (const dog of ['rex', 'bella'])
        lines.push(
          activityLine({
            v: 1,
            type: 'activity',
            dog,
            ts: T0,
            state: 'rest',
            source: 'accel',
            restS: 60,
            movingS: 0,
            runningS: 0,
            samples: 59,
            level: 0.02,
            stillMin: 5,
            today: {
              day: '2025-11-22',
              activeMin: 30,
              restMin: 400,
              longestRestMin: 90,
              nightRestlessMin: 4,
              observedMin: 430,
            },
            baseline: { days: 3, activeMin: 35, restMin: 380, longestRestMin: 80, nightRestlessMin: 6 },
          }),
        );
      const res = await fetch(`${influx.url}/write?db=dogtracker&precision=ms`, {
        method: 'POST',
        body: lines.join('\n'),
      });
      assert.equal(res.status, 204, await res.text());
    });

    after(() => influx?.dispose());

    it('runs every dashboard query and gets data back', async () => {
      const { influxql } = queries();
      for (const [where, q] of influxql) {
        const filled = q
          .replace(/\$timeFilter/g, `time >= ${T0 - 3600000}ms AND time <= ${T0 + 3600000}ms`)
          .replace(/\$__interval/g, '10s')
          .replace(/\$dog\b/g, '(rex|bella)')
          .replace(/\$scanner\b/g, '(pi-a|pi-b)')
          .replace(/\$node\b/g, '(pi-a|pi-b)');
        const result = (await influx.query(filled, 'dogtracker')).results[0];
        assert.equal(result.error, undefined, `${where}: ${filled}`);
        assert.ok((result.series ?? []).length > 0, `${where} returns no data: ${filled}`);
      }
    });
  });
});
