// rssi-filter -> trilaterate through the real Node-RED runtime, as the hub runs them: Node-RED embedded in
// this process (no editor, no HTTP), the package's nodes loaded as a module, and msgs as `mqtt in` gives
// them (one batch of parsed readings per scanner per second, on dogtracker/v1/rssi/{scanner}). Readings per
// CPU-second of this process, so one core. Run as a child by rssi-filter.bench.ts (`npm run bench --
// rssi-filter`), which prints the figures; alone: `node dist/bench/runtime-throughput.js [dogs] [seconds]`
// prints one JSON line. BENCH_PACKAGE_ROOT loads the nodes of another build (e.g. main's, for a before).
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

/** Per second of event time, one msg per scanner. */
function batchesFor(dogs: number, seconds: number, start: number): Msg[][] {
  const sim = new SiteSimulator(siteWith(dogs), { startTs: start, seed: 1, advIntervalMs: ADV_INTERVAL_MS });
  const seq = new Map<string, number>();
  const out: Msg[][] = [];
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
        payload,
        qos: 1,
        retain: false,
      })),
    );
  }
  return out;
}

export async function measureRuntime(dogs: number, seconds: number): Promise<RuntimeThroughput> {
  const packageRoot = process.env.BENCH_PACKAGE_ROOT ?? path.resolve(__dirname, '..', '..');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-runtime-bench-'));
  const siteFile = path.join(dir, 'site.json');
  writeFileSync(siteFile, JSON.stringify(siteWith(dogs)));
  const flow = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'site', type: 'tracker-site', z: 'tab', source: 'file', path: siteFile, config: '' },
    // The hub's settings (flows/hub.json); its site labels the metrics as on the hub.
    {
      id: 'filter',
      type: 'rssi-filter',
      z: 'tab',
      mode: 'kalman',
      processNoise: 8,
      measurementNoise: 9,
      gate: 3,
      window: 5,
      forgetS: 60,
      maxPairs: 10000,
      wires: [['locate']],
    },
    {
      id: 'locate',
      type: 'trilaterate',
      z: 'tab',
      site: 'site',
      interval: 1,
      trackAll: false,
      tracking: true,
      modelSigma: 5,
      maxSpeed: 12,
      margin: 2,
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
    const start = Date.now() - seconds * 1000 - 5000;
    const batches = batchesFor(dogs, seconds, start);
    const readings = batches.flat().reduce((n, m) => n + m.payload.length, 0);
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
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let sent = 0;
    // One second's batches at a time, as they arrive on the hub; then wait until both nodes are done.
    // A second's batches are let go once sent, as on the hub (where they come off the socket one by one):
    // a run holding minutes of readings would make the collector mark them over and over.
    for (let i = 0; i < batches.length; i++) {
      const msgs = batches[i];
      batches[i] = [];
      for (const msg of msgs) filter.receive(msg);
      sent += msgs.length;
      await settled(sent);
    }
    const c = process.cpuUsage(c0);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuS = (c.user + c.system) / 1e6;
    return { dogs, readings, positions, cpuS, wallS, perCpuSecond: readings / cpuS };
  } finally {
    await RED.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const dogs = Number(process.argv[2] ?? 20);
  const seconds = Number(process.argv[3] ?? 120);
  measureRuntime(dogs, seconds).then(
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
