// rssi-filter -> trilaterate through the real Node-RED runtime, as the hub runs them: Node-RED embedded in
// this process (no editor, no HTTP), the package's nodes loaded as a module, and msgs as `mqtt in` gives
// them (one batch of parsed readings per scanner per second, on dogtracker/v1/rssi/{scanner}). Readings per
// CPU-second of this process, so one core. With `cores`, the same readings through the two cores alone
// (RssiSmoother -> Locator with the same settings, no Node-RED), in a process of its own so neither run
// warms the other's code: runtime / cores is the runtime's overhead, which a loaded machine slows alike.
// Run as children by rssi-filter.bench.ts (`npm run bench -- rssi-filter`), which prints the figures;
// alone: `node dist/bench/runtime-throughput.js [dogs] [seconds] [cores]` prints one JSON line.
// BENCH_PACKAGE_ROOT loads the nodes (and the cores) of another build (e.g. main's, for a before).
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RssiReading } from '../nodes/kernel/contract';
import { SiteSimulator } from '../nodes/kernel/simulation';
import { readingFromSimulated } from '../nodes/beacon-scan/playback';
import { ADV_INTERVAL_MS, siteWith } from './bench-site';

export interface RuntimeThroughput {
  dogs: number;
  readings: number;
  positions: number;
  cpuS: number;
  wallS: number;
  /** Readings per CPU-second of the Node-RED process. */
  perCpuSecond: number;
}

/** One msg as `mqtt in` (datatype json) gives it, its payload still the text that came off the socket. */
interface Wire {
  topic: string;
  text: string;
  readings: number;
}

interface Msg {
  topic: string;
  payload: RssiReading[];
  qos: number;
  retain: boolean;
}

interface Hooks {
  add(name: string, hook: (event: { node: { id: string }; msg?: unknown }) => void): void;
}

interface Embedded {
  init(settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  hooks: Hooks;
  nodes: { getNode(id: string): { receive(msg: object): void } | null };
}

/**
 * Per second of event time, one msg per scanner, as JSON text: each is parsed just before it is sent, as
 * `mqtt in` parses a message as it arrives. (Readings made long before, all at once, are not what a node
 * gets on the hub: V8 would migrate each of them to a new hidden class when rssi-filter first writes a
 * smoothed value, and that cost, ten times the filter's own, is the bench's and not the hub's.)
 */
function batchesFor(dogs: number, seconds: number, start: number): Wire[][] {
  const sim = new SiteSimulator(siteWith(dogs), { startTs: start, seed: 1, advIntervalMs: ADV_INTERVAL_MS });
  const seq = new Map<string, number>();
  const out: Wire[][] = [];
  for (let t = start + 1000; t <= start + seconds * 1000; t += 1000) {
    const batches = new Map<string, RssiReading[]>();
    for (const a of sim.advance(t)) {
      const n = (seq.get(a.scanner) ?? 0) + 1;
      seq.set(a.scanner, n);
      const list = batches.get(a.scanner) ?? [];
      list.push({ ...readingFromSimulated(a), seq: n });
      batches.set(a.scanner, list);
    }
    out.push(
      [...batches].map(([scanner, payload]) => ({
        topic: `dogtracker/v1/rssi/${scanner}`,
        text: JSON.stringify(payload),
        readings: payload.length,
      })),
    );
  }
  return out;
}

/** Parses a msg off the "socket"; adds the CPU time that took to `spent.us` (the run does not count it). */
function received(wire: Wire, spent: { us: number }): Msg {
  const c0 = process.cpuUsage();
  const payload = JSON.parse(wire.text) as RssiReading[];
  const c = process.cpuUsage(c0);
  spent.us += c.user + c.system;
  return { topic: wire.topic, payload, qos: 1, retain: false };
}

/**
 * Seconds of readings sent before the clock starts, in both runs: first-use costs (a module loaded on the
 * first metric, the code compiled) are start-up on the hub, not throughput.
 */
const WARMUP_S = 5;

const packageRoot = process.env.BENCH_PACKAGE_ROOT ?? path.resolve(__dirname, '..', '..');

/** The hub's settings (flows/hub.json), as the flow below gives them to both nodes. */
const HUB_FILTER = { processNoise: 8, measurementNoise: 9, gate: 3, window: 5, forgetS: 60, maxPairs: 10000 };
const HUB_LOCATE = { interval: 1, modelSigma: 5, maxSpeed: 12, margin: 2 };

/** The same readings through RssiSmoother -> Locator (of the build under packageRoot) in this process. */
export function measureCores(dogs: number, seconds: number): RuntimeThroughput {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const dist = path.join(packageRoot, 'dist', 'nodes');
  const { RssiSmoother } = require(
    path.join(dist, 'rssi-filter', 'rssi-smoother'),
  ) as typeof import('../nodes/rssi-filter/rssi-smoother');
  const { Locator } = require(
    path.join(dist, 'trilaterate', 'locator'),
  ) as typeof import('../nodes/trilaterate/locator');
  const { SiteView } = require(
    path.join(dist, 'kernel', 'site-view'),
  ) as typeof import('../nodes/kernel/site-view');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const now = (): number => Date.now();
  const smoother = new RssiSmoother({
    processNoise: HUB_FILTER.processNoise,
    measurementNoise: HUB_FILTER.measurementNoise,
    gateSigmas: HUB_FILTER.gate,
    windowSize: HUB_FILTER.window,
    forgetAfterMs: HUB_FILTER.forgetS * 1000,
    maxPairs: HUB_FILTER.maxPairs,
    now,
  });
  const locator = new Locator(new SiteView(siteWith(dogs)), {
    intervalMs: HUB_LOCATE.interval * 1000,
    trackAll: false,
    tracking: true,
    modelSigmaDb: HUB_LOCATE.modelSigma,
    tracker: { maxSpeed: HUB_LOCATE.maxSpeed },
    regionMarginM: HUB_LOCATE.margin,
    now,
  });
  const start = Date.now() - (seconds + WARMUP_S) * 1000 - 5000;
  const batches = batchesFor(dogs, seconds + WARMUP_S, start);
  let readings = 0;
  let positions = 0;
  const parsing = { us: 0 };
  const take = (second: number): void => {
    for (const wire of batches[second])
      for (const r of received(wire, parsing).payload) {
        readings++;
        const out = smoother.accept(r, true).reading;
        if (out) positions += locator.add(out).length;
      }
    batches[second] = []; // let go once used, as the runtime run does
  };
  for (let i = 0; i < WARMUP_S; i++) take(i);
  readings = 0;
  positions = 0;
  parsing.us = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = WARMUP_S; i < batches.length; i++) take(i);
  const c = process.cpuUsage(c0);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuS = (c.user + c.system - parsing.us) / 1e6;
  return { dogs, readings, positions, cpuS, wallS, perCpuSecond: readings / cpuS };
}

export async function measureRuntime(dogs: number, seconds: number): Promise<RuntimeThroughput> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-runtime-bench-'));
  const siteFile = path.join(dir, 'site.json');
  writeFileSync(siteFile, JSON.stringify(siteWith(dogs)));
  const flow = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'site', type: 'tracker-site', z: 'tab', source: 'file', path: siteFile, config: '' },
    // The hub's settings (flows/hub.json); its site labels the metrics as on the hub.
    { id: 'filter', type: 'rssi-filter', z: 'tab', mode: 'kalman', ...HUB_FILTER, wires: [['locate']] },
    {
      id: 'locate',
      type: 'trilaterate',
      z: 'tab',
      site: 'site',
      trackAll: false,
      tracking: true,
      ...HUB_LOCATE,
      wires: [['sink']],
    },
    { id: 'sink', type: 'junction', z: 'tab', wires: [] },
  ];
  writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flow));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as Embedded;
  RED.init({
    userDir: dir,
    flowFile: 'flows.json',
    nodesDir: [packageRoot],
    httpAdminRoot: false,
    httpNodeRoot: false,
    uiPort: 0,
    credentialSecret: false,
    fileWorkingDirectory: dir,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
  });
  let filterDone = 0;
  let filterSent = 0;
  let locateDone = 0;
  let positions = 0;
  let wake: (() => void) | undefined;
  RED.hooks.add('onSend', (events) => {
    for (const e of events as unknown as Array<{ source: { id: string }; msg: unknown }>) {
      if (e.source.id === 'filter') filterSent++;
      else if (e.source.id === 'locate') positions++;
    }
  });
  let errors = 0;
  RED.hooks.add('onComplete', (e) => {
    if ((e as { error?: unknown }).error) {
      if (errors++ === 0) console.error(`first error: ${String((e as { error?: unknown }).error)}`);
    }
    if (e.node.id === 'filter') filterDone++;
    else if (e.node.id === 'locate') locateDone++;
    wake?.();
  });
  try {
    await RED.start();
    // The flows start after start() resolves, and the site is read from its file after that.
    let filter = RED.nodes.getNode('filter');
    for (let i = 0; i < 100 && !filter; i++) {
      await new Promise((r) => setTimeout(r, 100));
      filter = RED.nodes.getNode('filter');
    }
    if (!filter) throw new Error('rssi-filter did not start');
    await new Promise((r) => setTimeout(r, 500));
    const start = Date.now() - (seconds + WARMUP_S) * 1000 - 5000;
    const batches = batchesFor(dogs, seconds + WARMUP_S, start);
    const readings = batches
      .slice(WARMUP_S)
      .flat()
      .reduce((n, m) => n + m.readings, 0);
    const settled = (sent: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (filterDone >= sent && locateDone >= filterSent) {
            wake = undefined;
            resolve();
          }
        };
        wake = check;
        check();
      });
    const parsing = { us: 0 };
    let sent = 0;
    // One second's batches at a time, as they arrive on the hub; then wait until both nodes are done.
    // A second's batches are let go once sent, as on the hub (where they come off the socket one by one):
    // a run holding minutes of readings would make the collector mark them over and over.
    const take = async (second: number): Promise<void> => {
      const msgs = batches[second];
      batches[second] = [];
      for (const wire of msgs) filter.receive(received(wire, parsing));
      sent += msgs.length;
      await settled(sent);
    };
    for (let i = 0; i < WARMUP_S; i++) await take(i);
    positions = 0;
    parsing.us = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = WARMUP_S; i < batches.length; i++) await take(i);
    const c = process.cpuUsage(c0);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuS = (c.user + c.system - parsing.us) / 1e6;
    return { dogs, readings, positions, cpuS, wallS, perCpuSecond: readings / cpuS };
  } finally {
    await RED.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const dogs = Number(process.argv[2] ?? 20);
  const seconds = Number(process.argv[3] ?? 120);
  const measured =
    process.argv[4] === 'cores'
      ? Promise.resolve(measureCores(dogs, seconds))
      : measureRuntime(dogs, seconds);
  measured.then(
    (r) => {
      console.log(JSON.stringify(r));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
