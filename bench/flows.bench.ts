// What the shipped flows cost as whole Node-RED processes (flows/scanner-pi.json, flows/hub.json), started
// as systemd starts them, against a real Mosquitto and InfluxDB 1.x on loopback: CPU-seconds per minute
// (utime + stime of the child from /proc), RSS, and reading-to-MQTT latency. The scanner idle (scan mode,
// no collar in range) and simulating 20 collars; the hub at 2, 20 and 200 dogs heard by 6 scanners, fed
// simulated readings over MQTT from this process (one batch per scanner per second, 4 readings per second
// per collar, as a Pi sends them); and the cores alone (rssi-filter -> trilaterate in this process) for the
// ratio hub / cores per dog-second, which does not depend on the machine.
// `npm run bench -- flows` (about 6 minutes); BENCH_QUICK=1 for a smoke run (about 2 minutes).
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { connectAsync, type MqttClient } from 'mqtt';
import type { RssiReading } from '../nodes/kernel/contract';
import { SiteSimulator } from '../nodes/kernel/simulation';
import { SiteView } from '../nodes/kernel/site-view';
import { ADV_INTERVAL_MS, siteWith } from './bench-site';
import { readingFromSimulated } from '../nodes/beacon-scan/playback';
import { RssiSmoother } from '../nodes/rssi-filter/rssi-smoother';
import { Locator } from '../nodes/trilaterate/locator';
import { startNodeRed, packageRoot, type NodeRedRuntime } from '../test/support/node-red-process';
import {
  findBinary,
  startInfluxdb,
  startMosquitto,
  type InfluxService,
  type RunningService,
} from '../test/support/services';

const QUICK = process.env.BENCH_QUICK === '1';
/** Seconds run before measuring (start-up, JIT, first connections) and measured. */
const WARMUP_S = QUICK ? 4 : 10;
const MEASURE_S = QUICK ? 12 : 40;
const CLK_TCK = 100;
/** Only the cases whose name contains this (e.g. `hub, 20`); BENCH_NODE_OPTIONS goes to the Node-RED child. */
const ONLY = process.env.BENCH_ONLY ?? '';
const childOptions: Record<string, string> = process.env.BENCH_NODE_OPTIONS
  ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS }
  : {};

/** CPU seconds (user + system) of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Row {
  what: string;
  cpuPerMin: number;
  rssMb: number;
  latency: number[];
  /** CPU ms per dog-second (hub only). */
  perDogS?: number;
  points?: string;
}

interface Servers {
  broker: RunningService;
  influx: InfluxService;
  mqttUrl: string;
  dir: string;
}

/** Runs `runtime` WARMUP_S + MEASURE_S while `drive` feeds it; returns CPU-s per minute and RSS. */
async function measure(runtime: NodeRedRuntime): Promise<{ cpuPerMin: number; cpuS: number; rssMb: number }> {
  await sleep(WARMUP_S * 1000);
  const c0 = cpuSeconds(runtime.pid);
  const t0 = process.hrtime.bigint();
  await sleep(MEASURE_S * 1000);
  const cpuS = cpuSeconds(runtime.pid) - c0;
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  return { cpuPerMin: (cpuS / wallS) * 60, cpuS: cpuS * (MEASURE_S / wallS), rssMb: rssMb(runtime.pid) };
}

async function subscriber(url: string, topic: string): Promise<MqttClient> {
  const client = await connectAsync(url, { clientId: `bench-${topic.replace(/\W/g, '')}-${process.pid}` });
  await client.subscribeAsync(topic, { qos: 0 });
  return client;
}

async function scannerCase(servers: Servers, what: string, mode: 'scan' | 'simulate'): Promise<Row> {
  const siteFile = path.join(servers.dir, `site-scanner-${mode}.json`);
  writeFileSync(siteFile, JSON.stringify(siteWith(20)));
  const runtime = await startNodeRed({
    name: `scanner-${mode}`,
    flow: path.join(packageRoot, 'flows', 'scanner-pi.json'),
    strict: false,
    env: {
      SCANNER_ID: 'sw',
      MQTT_URL: servers.mqttUrl,
      MQTT_USER: 'sw',
      MQTT_PASSWORD: 'unused',
      DOGTRACKER_SITE_FILE: siteFile,
      SCAN_MODE: mode,
      ...childOptions,
      // batctl is not installed here: health runs without mesh, as on a Pi without batman-adv.
    },
  });
  const latency: number[] = [];
  const client = await subscriber(servers.mqttUrl, 'dogtracker/v1/rssi/sw');
  client.on('message', (_topic, payload) => {
    const now = Date.now();
    const parsed = JSON.parse(payload.toString()) as RssiReading | RssiReading[];
    for (const r of Array.isArray(parsed) ? parsed : [parsed]) latency.push(now - r.ts);
  });
  try {
    const m = await measure(runtime);
    return { what, cpuPerMin: m.cpuPerMin, rssMb: m.rssMb, latency };
  } finally {
    await client.endAsync();
    await runtime.dispose();
  }
}

async function hubCase(servers: Servers, dogs: number): Promise<Row> {
  const site = siteWith(dogs);
  const siteFile = path.join(servers.dir, `site-hub-${dogs}.json`);
  writeFileSync(siteFile, JSON.stringify(site));
  const db = `bench${dogs}`;
  await servers.influx.query(`CREATE DATABASE "${db}"`);
  const runtime = await startNodeRed({
    name: `hub-${dogs}`,
    flow: path.join(packageRoot, 'flows', 'hub.json'),
    strict: false,
    env: {
      SCANNER_ID: 'hub',
      MQTT_URL: servers.mqttUrl,
      MQTT_USER: 'hub',
      MQTT_PASSWORD: 'unused',
      DOGTRACKER_SITE_FILE: siteFile,
      INFLUX_URL: servers.influx.url,
      INFLUX_DB: db,
      ...childOptions,
    },
  });
  const latency: number[] = [];
  const positions = await subscriber(servers.mqttUrl, 'dogtracker/v1/position/+');
  positions.on('message', (_topic, payload) => {
    // A position closes its window at `ts`; its readings reach the hub with the next batch.
    latency.push(Date.now() - (JSON.parse(payload.toString()) as { ts: number }).ts);
  });
  const feed = await connectAsync(servers.mqttUrl, { clientId: `bench-feed-${process.pid}` });
  const startedAt = Date.now();
  let stopped = false;
  let feeding: Promise<void> = Promise.resolve();
  try {
    await runtime.waitForLog(/Connected to broker/, 30000);
    const sim = new SiteSimulator(site, { startTs: Date.now(), seed: 1, advIntervalMs: ADV_INTERVAL_MS });
    const seq = new Map<string, number>();
    // One batch per scanner per second, as beacon-scan sends them (SCAN_BATCH_MS 1000).
    feeding = (async () => {
      while (!stopped) {
        const batches = new Map<string, RssiReading[]>();
        for (const a of sim.advance(Date.now())) {
          const n = (seq.get(a.scanner) ?? 0) + 1;
          seq.set(a.scanner, n);
          const list = batches.get(a.scanner) ?? [];
          list.push({ ...readingFromSimulated(a), seq: n });
          batches.set(a.scanner, list);
        }
        await Promise.all(
          [...batches].map(([scanner, batch]) =>
            feed.publishAsync(`dogtracker/v1/rssi/${scanner}`, JSON.stringify(batch), { qos: 1 }),
          ),
        );
        await sleep(1000 - (Date.now() % 1000) + 5);
      }
    })();
    const m = await measure(runtime);
    stopped = true;
    await feeding;
    const runS = (Date.now() - startedAt) / 1000;
    const counts: string[] = [];
    for (const [measurement, field] of [
      ['rssi', 'rssi'],
      ['position', 'x'],
    ]) {
      const r = await servers.influx.query(`SELECT count("${field}") FROM "${measurement}"`, db);
      const n = Number(r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
      counts.push(`${measurement} ${(n / runS).toFixed(0)}/s`);
    }
    return {
      what: `hub, ${dogs} dogs, 6 scanners`,
      cpuPerMin: m.cpuPerMin,
      rssMb: m.rssMb,
      latency,
      perDogS: (m.cpuS * 1000) / (dogs * MEASURE_S),
      points: counts.join(', '),
    };
  } finally {
    stopped = true;
    await feeding;
    await feed.endAsync();
    await positions.endAsync();
    await runtime.dispose();
  }
}

/** rssi-filter -> trilaterate in this process on the same readings: CPU ms per dog-second. */
function coresAlone(dogs: number, seconds: number): number {
  const site = siteWith(dogs);
  const start = 1_763_800_000_000;
  const sim = new SiteSimulator(site, { startTs: start, seed: 1, advIntervalMs: ADV_INTERVAL_MS });
  const seq = new Map<string, number>();
  const readings: RssiReading[] = [];
  for (let t = start + 1000; t <= start + seconds * 1000; t += 1000) {
    for (const a of sim.advance(t)) {
      const n = (seq.get(a.scanner) ?? 0) + 1;
      seq.set(a.scanner, n);
      readings.push({ ...readingFromSimulated(a), seq: n });
    }
  }
  const smoother = new RssiSmoother({ processNoise: 8, measurementNoise: 9 });
  const locator = new Locator(new SiteView(site));
  const c0 = process.cpuUsage();
  for (const r of readings) {
    const out = smoother.accept(r).reading;
    if (out) locator.add(out);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / (dogs * seconds);
}

const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);

export async function run(): Promise<void> {
  const mosquitto = findBinary('mosquitto');
  const influxd = findBinary('influxd');
  if (!mosquitto || !influxd) {
    console.log('flows bench needs mosquitto and influxd (apt-get install -y mosquitto influxdb): skipped');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-bench-'));
  const broker = await startMosquitto(mosquitto);
  const influx = await startInfluxdb(influxd);
  const servers: Servers = { broker, influx, mqttUrl: `mqtt://127.0.0.1:${broker.port}`, dir };
  const rows: Row[] = [];
  try {
    console.log(
      `${QUICK ? 'quick: ' : ''}each case ${WARMUP_S} s warm-up + ${MEASURE_S} s measured; ` +
        `${os.cpus().length} cores (shared), Node ${process.version}`,
    );
    const wanted = (what: string): boolean => what.includes(ONLY);
    const idle = 'scanner Pi flow, idle (scan mode, no collar heard)';
    const simulating = 'scanner Pi flow, simulating 20 collars';
    if (wanted(idle)) rows.push(await scannerCase(servers, idle, 'scan'));
    if (wanted(simulating)) rows.push(await scannerCase(servers, simulating, 'simulate'));
    for (const dogs of [2, 20, 200])
      if (wanted(`hub, ${dogs} dogs, 6 scanners`)) rows.push(await hubCase(servers, dogs));
  } finally {
    await influx.dispose();
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  const cores = coresAlone(20, QUICK ? 60 : 300);
  console.log(
    '\n| flow | CPU-s / min | RSS MB | latency to MQTT p50 / p95 ms | CPU ms / dog-s | ÷ cores | InfluxDB points |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.what} | ${fmt(r.cpuPerMin)} | ${fmt(r.rssMb, 0)} | ` +
        `${fmt(quantile(r.latency, 0.5), 0)} / ${fmt(quantile(r.latency, 0.95), 0)} | ` +
        `${fmt(r.perDogS, 3)} | ${r.perDogS === undefined ? '–' : fmt(r.perDogS / cores, 1)} | ${r.points ?? '–'} |`,
    );
  }
  console.log(`| cores alone (rssi-filter -> trilaterate, 20 dogs) | | | | ${fmt(cores, 3)} | 1 | |`);
  console.log(
    '\nLatency: scanner, reading ts to its batch on MQTT (includes the 1 s batch); hub, end of a ' +
      "position's window to the position on MQTT (includes the wait for the next 1 s batch).",
  );
}

if (require.main === module) void run();
