// Where rssi-filter's defaults come from: a sweep of the Kalman process noise (and the windowed modes)
// over the shared simulator's radio, scored two ways: the RMS error of the smoothed RSSI against the
// noise-free path-loss model at the dog's true range (what the filter can remove: fading, outliers), and
// the position RMSE of the whole rssi-filter -> trilaterate pipeline (what matters). Plus throughput.
// `npm run bench -- rssi-filter`. Not a timed test: it prints figures.
import type { RssiReading } from '../nodes/kernel/contract';
import { distance3d, expectedRssi } from '../nodes/kernel/path-loss';
import { SiteSimulator } from '../nodes/kernel/simulation';
import { RssiSmoother, type RssiFilterOptions } from '../nodes/rssi-filter/rssi-smoother';
import { Locator } from '../nodes/trilaterate/locator';
import { SiteView } from '../nodes/kernel/site-view';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { BENCH_NOISE, CASES, START_TS, summarize } from './trilaterate-cases';
import type { RuntimeThroughput } from './runtime-throughput';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 900);
const STEP_MS = 50;
/** Runs of each runtime / cores child (medians are printed). */
const RUNTIME_RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Labelled {
  reading: RssiReading;
  /** RSSI the model gives at the dog's true range with the true exponent and scanner gain, no shadowing. */
  model: number;
  truth: { x: number; y: number } | undefined;
}

function simulateLabelled(seed: number): {
  labelled: Labelled[];
  truthAt: Map<number, Map<string, { x: number; y: number }>>;
} {
  const c = CASES[0];
  const sim = new SiteSimulator(c.site, { startTs: START_TS, seed, noise: BENCH_NOISE });
  const labelled: Labelled[] = [];
  const truthAt = new Map<number, Map<string, { x: number; y: number }>>();
  const seq = new Map<string, number>();
  for (let t = START_TS + STEP_MS; t <= START_TS + SECONDS * 1000; t += STEP_MS) {
    const adverts = sim.advance(t);
    const truth = new Map(sim.truth().map((d) => [d.dog, d]));
    if (t % 1000 === 0) truthAt.set(t, truth);
    for (const a of adverts) {
      const scanner = c.site.scanners.find((s) => s.id === a.scanner)!;
      const dog = c.site.dogs.find((d) => d.id === a.dog)!;
      const at = truth.get(a.dog)!;
      const range = distance3d(at.x, at.y, dog.tagHeight, scanner.x, scanner.y, scanner.z);
      const model = expectedRssi(range, {
        rssiAt1m: dog.rssiAt1m,
        pathLossExponent: scanner.pathLossExponent + BENCH_NOISE.exponentError,
        rssiOffset: sim.scannerOffsets.get(scanner.id) ?? 0,
      });
      const n = (seq.get(a.scanner) ?? 0) + 1;
      seq.set(a.scanner, n);
      labelled.push({
        reading: { v: 1, type: 'rssi', scanner: a.scanner, seq: n, ts: a.ts, mac: a.mac, rssi: a.rssi },
        model,
        truth: at,
      });
    }
  }
  return { labelled, truthAt };
}

function score(
  data: ReturnType<typeof simulateLabelled>,
  options: Partial<RssiFilterOptions> | undefined,
): { rssiRms: number; positionRmse: number; kept: number } {
  const smoother = options ? new RssiSmoother(options) : undefined;
  const locator = new Locator(new SiteView(CASES[0].site));
  let sq = 0;
  let n = 0;
  const errors: number[] = [];
  for (const { reading, model } of data.labelled) {
    const out = smoother ? smoother.accept(reading).reading : reading;
    if (!out) continue;
    sq += (out.rssi - model) ** 2;
    n++;
    for (const p of locator.add(out)) {
      const t = data.truthAt.get(p.ts)?.get(p.dog);
      if (t) errors.push(Math.hypot(p.x - t.x, p.y - t.y));
    }
  }
  return { rssiRms: Math.sqrt(sq / n), positionRmse: summarize(errors).rmse, kept: n / data.labelled.length };
}

export async function run(): Promise<void> {
  console.log(
    `yard, 6 scanners, 2 dogs, ${SECONDS} s, seed 1; radio as the trilaterate bench (exponent wrong by 0.3)`,
  );
  const data = simulateLabelled(1);
  console.log('| smoothing | RSSI error vs model, dB RMS | readings kept | position RMSE m |');
  console.log('|---|---|---|---|');
  const row = (label: string, o: Partial<RssiFilterOptions> | undefined): void => {
    const s = score(data, o);
    console.log(
      `| ${label} | ${s.rssiRms.toFixed(2)} | ${(100 * s.kept).toFixed(1)} % | ${s.positionRmse.toFixed(2)} |`,
    );
  };
  row('none (raw readings)', undefined);
  for (const q of [0.5, 2, 4, 8, 16, 32])
    row(`Kalman q ${q} dB²/s, R 9 dB²`, { processNoise: q, measurementNoise: 9 });
  row('Kalman q 8, R 9, no gate', { processNoise: 8, measurementNoise: 9, gateSigmas: 0 });
  row('median of 5', { mode: 'median', windowSize: 5 });
  row('trimmed mean of 5', { mode: 'trimmed-mean', windowSize: 5 });

  const smoother = new RssiSmoother();
  const readings = data.labelled.map((l) => l.reading);
  const t0 = process.hrtime.bigint();
  for (let rep = 0; rep < 5; rep++)
    for (const r of readings) smoother.accept({ ...r, seq: (r.seq ?? 0) + rep * 1e6 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const perSecond = ((readings.length * 5) / ms) * 1000;
  console.log(
    `\nrssi-filter core alone: ${Math.round(perSecond)} readings/s on one core (shared, loaded machine); ` +
      `a Pi Zero W (~15x slower) about ${Math.round(perSecond / 15)} readings/s`,
  );
  // Through the real Node-RED runtime, and the same readings through the cores alone, each in a child
  // process of its own (its CPU time is the pipeline's), alternating, median of RUNS: on a shared machine
  // the ratio of the two is the figure to compare.
  const child = (dogs: number, seconds: number, cores: boolean): RuntimeThroughput => {
    const args = [path.join(__dirname, 'runtime-throughput.js'), String(dogs), String(seconds)];
    const line = execFileSync(process.execPath, cores ? [...args, 'cores'] : args, { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
    return JSON.parse(line ?? '{}') as RuntimeThroughput;
  };
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const [dogs, seconds] of [
    [20, 300],
    [200, 30],
  ]) {
    const runtime: number[] = [];
    const cores: number[] = [];
    let readings = 0;
    for (let run = 0; run < RUNTIME_RUNS; run++) {
      const r = child(dogs, seconds, false);
      readings = r.readings;
      runtime.push(r.perCpuSecond);
      cores.push(child(dogs, seconds, true).perCpuSecond);
    }
    const ratios = runtime.map((r, i) => r / cores[i]);
    console.log(
      `rssi-filter -> trilaterate, ${dogs} dogs, ${readings} readings in batches per scanner per second, ` +
        `median of ${RUNTIME_RUNS}: through Node-RED ${Math.round(median(runtime))} readings per CPU-second, ` +
        `cores alone ${Math.round(median(cores))}; runtime / cores ${median(ratios).toFixed(2)}`,
    );
  }
}

if (require.main === module) void run();
