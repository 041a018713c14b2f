// Accuracy and throughput of rssi-filter -> trilaterate on simulated dogs, against the per-second
// Cramér-Rao bound of each layout and a clipped linear-least-squares baseline fed the same filtered RSSI.
// `npm run bench -- trilaterate`. Not a timed test: it prints figures.
import type { Position, RssiReading } from '../nodes/kernel/contract';
import { RssiSmoother } from '../nodes/rssi-filter/rssi-smoother';
import { Locator, type LocatorOptions } from '../nodes/trilaterate/locator';
import { SiteView } from '../nodes/kernel/site-view';
import type { NoiseModel } from '../nodes/kernel/simulation';
import {
  BENCH_NOISE,
  CASES,
  crlbRms,
  linearLeastSquares,
  simulate,
  START_TS,
  summarize,
  type BenchCase,
  type SimulatedRun,
} from './trilaterate-cases';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1800);
const SEEDS = (process.env.BENCH_SEEDS ?? '1,2').split(',').map(Number);
/** A Pi Zero W is about 15 times slower than one core of this machine. */
const PI_ZERO_FACTOR = 15;

export interface CaseResult {
  name: string;
  errors: number[];
  baseline: number[];
  positions: number;
  baselineFixes: number;
  dogSeconds: number;
  withinAccuracy: number;
  latenciesMs: number[];
  crlb: number;
  crlbOne: number;
  crlbFrozen: number;
  readingsPerScannerS: number;
  methods: Map<string, number>;
  /** Squared errors and counts by the dog's true gait, for RMSE at rest and on the move. */
  byGait: Map<string, { sq: number; n: number }>;
  /**
   * While the dog trots or sprints: the estimated velocity projected on the true direction over the true
   * speed (1 = right speed; noise across the track does not inflate it), and the squared vector error.
   */
  speedRatioSum: number;
  velocitySqError: number;
  speedRatioN: number;
}

export function runCase(
  c: BenchCase,
  run: SimulatedRun,
  into: CaseResult,
  extra: Partial<LocatorOptions> = {},
): void {
  const view = new SiteView(c.site);
  const smoother = new RssiSmoother();
  const locator = new Locator(view, { ...locatorOverrides(), ...extra });
  const filtered: RssiReading[] = [];
  const positions: Array<{ p: Position; closedBy: number }> = [];
  for (const reading of run.readings) {
    const result = smoother.accept(reading);
    if (result.reading) {
      filtered.push(result.reading);
      const out = locator.add(result.reading);
      for (const p of out) positions.push({ p, closedBy: reading.ts });
    }
  }
  into.dogSeconds += (run.seconds - 1) * run.dogs;

  for (const { p, closedBy } of positions) {
    const truth = run.truth.get(p.ts)?.get(p.dog);
    if (!truth) continue;
    const error = Math.hypot(p.x - truth.x, p.y - truth.y);
    into.errors.push(error);
    if (error <= p.accuracy) into.withinAccuracy++;
    into.latenciesMs.push(closedBy - p.ts);
    into.methods.set(p.method, (into.methods.get(p.method) ?? 0) + 1);
    const gait = into.byGait.get(truth.mode) ?? { sq: 0, n: 0 };
    gait.sq += error * error;
    gait.n++;
    into.byGait.set(truth.mode, gait);
    const trueSpeed = Math.hypot(truth.vx, truth.vy);
    if ((truth.mode === 'trot' || truth.mode === 'sprint') && trueSpeed > 2 && p.vx !== undefined) {
      const vx = p.vx;
      const vy = p.vy ?? 0;
      into.speedRatioSum += (vx * truth.vx + vy * truth.vy) / (trueSpeed * trueSpeed);
      into.velocitySqError += (vx - truth.vx) ** 2 + (vy - truth.vy) ** 2;
      into.speedRatioN++;
    }
  }
  into.positions += positions.length;

  // The baseline sees the same filtered RSSI: per dog and window, the newest value of each scanner.
  const windows = new Map<number, Map<string, Map<string, number>>>();
  for (const r of filtered) {
    const end = Math.floor(r.ts / 1000) * 1000 + 1000;
    const dog = view.dogByBeacon(r.mac, r.id)?.id;
    if (!dog) continue;
    let w = windows.get(end);
    if (!w) windows.set(end, (w = new Map()));
    let d = w.get(dog);
    if (!d) w.set(dog, (d = new Map()));
    d.set(r.scanner, r.rssi);
  }
  for (const [end, byDog] of windows) {
    // The pipeline's last window never closes (no later reading): leave it out of the baseline too.
    if (end > START_TS + (run.seconds - 1) * 1000) continue;
    for (const [dogId, byScanner] of byDog) {
      const truth = run.truth.get(end)?.get(dogId);
      const dog = view.dog(dogId)!;
      if (!truth) continue;
      const obs = [...byScanner].map(([scanner, rssi]) => ({ scanner, rssi }));
      const fix = linearLeastSquares(c.site, obs, dog.rssiAt1m, dog.tagHeight);
      if (!fix) continue;
      into.baselineFixes++;
      into.baseline.push(Math.hypot(fix.x - truth.x, fix.y - truth.y));
    }
  }
}

/**
 * The simulated dogs stay inside the scanners' bounding box and the baseline clips its fixes to that box,
 * so the locator is told the same: a search margin of 0 (the node's "Search margin" setting; its default,
 * 2 m, is for real sites, where dogs may leave the scanners' box).
 */
const BENCH_REGION_MARGIN_M = 0;

function locatorOverrides(): Record<string, unknown> {
  const o: Record<string, unknown> = { regionMarginM: BENCH_REGION_MARGIN_M };
  if (process.env.BENCH_SIGMA) o.modelSigmaDb = Number(process.env.BENCH_SIGMA);
  // Any other locator option for experiments, as JSON: BENCH_LOCATOR='{"regionMarginM":0}'.
  if (process.env.BENCH_LOCATOR) Object.assign(o, JSON.parse(process.env.BENCH_LOCATOR) as object);
  if (process.env.BENCH_Q || process.env.BENCH_TAU)
    o.tracker = {
      ...(process.env.BENCH_Q ? { accelerationNoise: Number(process.env.BENCH_Q) } : {}),
      ...(process.env.BENCH_TAU ? { velocityTimeConstantS: Number(process.env.BENCH_TAU) } : {}),
    };
  return o;
}

/** A case's result before any seed has run. */
export function emptyResult(name: string): CaseResult {
  return {
    name,
    errors: [],
    baseline: [],
    positions: 0,
    baselineFixes: 0,
    dogSeconds: 0,
    withinAccuracy: 0,
    latenciesMs: [],
    crlb: 0,
    crlbOne: 0,
    crlbFrozen: 0,
    readingsPerScannerS: 0,
    methods: new Map(),
    byGait: new Map(),
    speedRatioSum: 0,
    velocitySqError: 0,
    speedRatioN: 0,
  };
}

/** Runs one case over every seed with the given radio: errors, baseline and the bounds for that radio. */
function measure(
  c: BenchCase,
  noise: NoiseModel,
  timingRuns?: Array<{ c: BenchCase; run: SimulatedRun }>,
): CaseResult {
  const r = emptyResult(c.name);
  const heard = new Map<string, number>();
  let seconds = 0;
  for (const seed of SEEDS) {
    const simulated = simulate(c, SECONDS, seed, noise);
    if (seed === SEEDS[0]) timingRuns?.push({ c, run: simulated });
    for (const reading of simulated.readings)
      heard.set(reading.scanner, (heard.get(reading.scanner) ?? 0) + 1);
    seconds += simulated.seconds * simulated.dogs;
    runCase(c, simulated, r);
  }
  // Readings each scanner really delivers per dog per second (packet loss and range included).
  const perSecond = (a: { id: string }): number => (heard.get(a.id) ?? 0) / seconds;
  r.readingsPerScannerS = [...heard.values()].reduce((s, n) => s + n, 0) / seconds / c.site.scanners.length;
  r.crlb = crlbRms(c.site, noise, perSecond);
  r.crlbOne = crlbRms(c.site, noise, () => 1);
  // The shadowing of a dog that does not move is one draw however many readings it sends: only the
  // fading averages over the second. This bound counts it once and the fading K times.
  const sigma = Math.hypot(noise.shadowingSigmaDb, noise.fastFadingSigmaDb);
  const frozenVariance = (a: { id: string }): number =>
    noise.shadowingSigmaDb ** 2 + noise.fastFadingSigmaDb ** 2 / Math.max(perSecond(a), 1);
  // Information scales with 1/variance: weight each scanner by sigma² / its frozen-shadowing variance.
  r.crlbFrozen = crlbRms(c.site, noise, (a) => sigma ** 2 / frozenVariance(a));
  return r;
}

function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

export async function run(): Promise<void> {
  console.log(
    `${SECONDS} s of 2 dogs per seed, seeds ${SEEDS.join(',')}; radio: shadowing ${BENCH_NOISE.shadowingSigmaDb} dB ` +
      `(decorrelates over ${BENCH_NOISE.shadowingCorrelationM} m), fading ${BENCH_NOISE.fastFadingSigmaDb} dB, ` +
      `body ${BENCH_NOISE.bodyShadowingDb} dB, outliers ${BENCH_NOISE.outlierRate * 100} % of ±${BENCH_NOISE.outlierDb} dB, ` +
      `loss ${BENCH_NOISE.packetLoss * 100} %, scanner offsets sigma ${BENCH_NOISE.scannerOffsetSigmaDb} dB, ` +
      `path-loss exponent wrong by ${BENCH_NOISE.exponentError}; search margin ${BENCH_REGION_MARGIN_M} m (the baseline's box). ` +
      'Shared, loaded machine: timings as measured.',
  );
  const results: CaseResult[] = [];
  const timingRuns: Array<{ c: BenchCase; run: SimulatedRun }> = [];
  for (const c of CASES) results.push(measure(c, BENCH_NOISE, timingRuns));

  console.log(
    '\n| case | RMSE m | median m | p90 m | fix rate | within accuracy | latency p50/p90 ms | CRLB 1 s m | CRLB frozen shadowing m | CRLB 1 reading m | LLS RMSE m | LLS median m | LLS p90 m | LLS fix rate | RMSE vs LLS |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const ours = summarize(r.errors);
    const lls = summarize(r.baseline);
    const lat = summarize(r.latenciesMs);
    const sortedLat = [...r.latenciesMs].sort((a, b) => a - b);
    const p50 = sortedLat[Math.floor(sortedLat.length / 2)];
    console.log(
      `| ${r.name} | ${fmt(ours.rmse)} | ${fmt(ours.median)} | ${fmt(ours.p90)} | ` +
        `${fmt((100 * r.positions) / r.dogSeconds, 1)} % | ${fmt((100 * r.withinAccuracy) / r.errors.length, 0)} % | ` +
        `${fmt(p50, 0)} / ${fmt(lat.p90, 0)} | ${fmt(r.crlb)} | ${fmt(r.crlbFrozen)} | ${fmt(r.crlbOne)} | ${fmt(lls.rmse)} | ${fmt(lls.median)} | ${fmt(lls.p90)} | ` +
        `${fmt((100 * r.baselineFixes) / r.dogSeconds, 1)} % | ${fmt((100 * (ours.rmse - lls.rmse)) / lls.rmse, 0)} % |`,
    );
  }
  console.log(
    '\nmethods:',
    results.map((r) => `${r.name}: ${[...r.methods].map(([m, n]) => `${m} ${n}`).join(', ')}`).join('; '),
  );
  console.log('RMSE by true gait, m:');
  for (const r of results) {
    const gaits = ['rest', 'sniff', 'walk', 'trot', 'sprint'].map((g) => {
      const e = r.byGait.get(g);
      return `${g} ${e ? fmt(Math.sqrt(e.sq / e.n)) : 'n/a'} (${e ? fmt((100 * e.n) / r.errors.length, 0) : 0} %)`;
    });
    console.log(`  ${r.name}: ${gaits.join(', ')}`);
  }
  console.log(
    'velocity while trotting or sprinting (> 2 m/s): estimate along the true direction / true speed, mean; RMS vector error m/s:',
    results
      .map(
        (r) =>
          `${r.name}: ${fmt(r.speedRatioSum / r.speedRatioN)}; ${fmt(Math.sqrt(r.velocitySqError / r.speedRatioN))}`,
      )
      .join('; '),
  );
  // The per-second bound assumes every reading's error independent. The same pipeline on a radio that
  // makes it so (the same 5 dB per reading, all of it fading, none frozen) shows how near the estimator
  // comes to the bound when its assumption holds. A diagnostic: the figures above use the issue's radio.
  const sigmaDb = Math.hypot(BENCH_NOISE.shadowingSigmaDb, BENCH_NOISE.fastFadingSigmaDb);
  const independent: NoiseModel = { ...BENCH_NOISE, shadowingSigmaDb: 0, fastFadingSigmaDb: sigmaDb };
  console.log(
    `diagnostic, radio with independent readings (${fmt(sigmaDb, 1)} dB fading, no shadowing), RMSE vs its per-second CRLB:`,
    CASES.map((c) => {
      const r = measure(c, independent);
      return `${r.name}: ${fmt(summarize(r.errors).rmse)} vs ${fmt(r.crlb)}`;
    }).join('; '),
  );
  console.log(
    'readings per scanner per dog per second:',
    results.map((r) => fmt(r.readingsPerScannerS)).join(', '),
  );

  // Throughput: the same readings again through fresh cores (JIT warm), three times; the machine is
  // shared, so the best run is the one least disturbed by others, and the slowest is printed beside it.
  const rates: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    let readings = 0;
    let ns = 0n;
    for (const { c, run } of timingRuns) {
      const smoother = new RssiSmoother();
      const locator = new Locator(new SiteView(c.site), { regionMarginM: BENCH_REGION_MARGIN_M });
      const t0 = process.hrtime.bigint();
      for (const reading of run.readings) {
        const result = smoother.accept(reading);
        if (result.reading) locator.add(result.reading);
      }
      ns += process.hrtime.bigint() - t0;
      readings += run.readings.length;
    }
    rates.push(readings / (Number(ns) / 1e9));
  }
  const perSecond = Math.max(...rates);
  console.log(
    `\nthroughput rssi-filter -> trilaterate cores, one core: ${Math.round(perSecond)} readings/s best of 3 ` +
      `(slowest ${Math.round(Math.min(...rates))}; ${fmt(1e6 / perSecond, 2)} µs per reading, positions included); ` +
      `a Pi Zero W (~${PI_ZERO_FACTOR}x slower) would do about ${Math.round(perSecond / PI_ZERO_FACTOR)} readings/s`,
  );
  console.log(
    'targets: RMSE <= CRLB 1 s; RMSE at least 35 % below LLS; fix rate >= 98 %; >= 50 000 readings/s',
  );
  for (const r of results) {
    const ours = summarize(r.errors).rmse;
    const lls = summarize(r.baseline).rmse;
    const checks = [
      `RMSE ${ours <= r.crlb ? 'meets' : 'MISSES'} CRLB (${fmt(ours)} vs ${fmt(r.crlb)})`,
      `${(lls - ours) / lls >= 0.35 ? 'meets' : 'MISSES'} -35 % vs LLS (${fmt((100 * (ours - lls)) / lls, 0)} %)`,
      `fix rate ${(r.positions / r.dogSeconds) * 100 >= 98 ? 'meets' : 'MISSES'} 98 % (${fmt((100 * r.positions) / r.dogSeconds, 1)} %)`,
    ];
    console.log(`${r.name}: ${checks.join('; ')}`);
  }
  console.log(`throughput ${perSecond >= 50_000 ? 'meets' : 'MISSES'} 50 000 readings/s`);
}

if (require.main === module) void run();
