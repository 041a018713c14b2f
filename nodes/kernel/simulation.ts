// Simulated dogs in a site and what the site's scanners hear of their collars: the source of the demo,
// beacon-scan's `simulate` mode, tests and benchmarks. Deterministic for a seed.
//
// Radio: log-distance path loss (path-loss.ts) with
//  - shadowing that is spatially correlated (Gudmundson: it changes only as the dog moves, so a dog lying
//    still keeps its error and it does not average out),
//  - fast fading per packet, body shadowing when the dog's body is between collar and scanner,
//  - occasional outliers (reflections), packet loss that grows near the receiver's sensitivity,
//  - per-scanner gain errors and a path-loss exponent that differ from what the site says.
// Motion: each dog rests, sniffs, walks (1.2 m/s), trots (3 m/s) or sprints (up to 10 m/s), turning
// smoothly and staying inside the site's bounds.
import { normalizeMac } from './checks';
import { BoundsBuilder } from './geo';
import { distance3d, expectedRssi } from './path-loss';
import { hashString, Random } from './random';
import type { Dog, Point, Scanner, Site } from './site-document';

export interface NoiseModel {
  /** Shadowing standard deviation, dB. */
  shadowingSigmaDb: number;
  /** Distance over which shadowing decorrelates (e^-1), metres. */
  shadowingCorrelationM: number;
  /** Per-packet fading standard deviation, dB. */
  fastFadingSigmaDb: number;
  /** Extra loss when the scanner is straight behind the dog, dB. */
  bodyShadowingDb: number;
  /** Share of packets that arrive with a large error (reflections, interference). */
  outlierRate: number;
  /** Size of an outlier error, dB (either sign). */
  outlierDb: number;
  /** Share of packets lost whatever the signal. */
  packetLoss: number;
  /** Weakest signal a scanner decodes, dBm; loss rises over the last 6 dB above it. */
  sensitivityDbm: number;
  /** Standard deviation of each scanner's true gain error that the site does not know, dB. */
  scannerOffsetSigmaDb: number;
  /** The true path-loss exponent is the site's plus this (the site is wrong by this much). */
  exponentError: number;
  /** Outlier sizes drawn uniformly from this range, dB (either sign); absent: `outlierDb` ±30 %. */
  outlierRangeDb?: readonly [number, number];
}

/** Scanners that advertise a beacon of their own, heard by the other scanners (for calibration). */
export interface ScannerBeaconOptions {
  /** dBm each scanner's beacon reads at 1 m from a reference receiver. */
  rssiAt1m: number;
  /** Each scanner's transmit power error, dB, that nobody knows (by scanner id; absent: 0). */
  txErrorDb?: Readonly<Record<string, number>>;
}

export interface MotionModel {
  /** Largest speed of a sprint, m/s. */
  maxSprintMps: number;
  /** Keep-out margin inside the bounds, metres. */
  marginM: number;
  /** How long a rest bout lasts, s (default 5-40; a day of a real dog has rests of minutes to hours). */
  restSeconds?: [number, number];
}

export const DEFAULT_NOISE: NoiseModel = {
  shadowingSigmaDb: 4,
  shadowingCorrelationM: 5,
  fastFadingSigmaDb: 3,
  bodyShadowingDb: 6,
  outlierRate: 0.01,
  outlierDb: 12,
  packetLoss: 0.1,
  sensitivityDbm: -98,
  scannerOffsetSigmaDb: 2,
  exponentError: 0,
};

/** No noise at all: for tests that need the model's exact values. */
export const NO_NOISE: NoiseModel = {
  shadowingSigmaDb: 0,
  shadowingCorrelationM: 5,
  fastFadingSigmaDb: 0,
  bodyShadowingDb: 0,
  outlierRate: 0,
  outlierDb: 0,
  packetLoss: 0,
  sensitivityDbm: -200,
  scannerOffsetSigmaDb: 0,
  exponentError: 0,
};

export const DEFAULT_MOTION: MotionModel = { maxSprintMps: 10, marginM: 0.5 };

export interface SimulationOptions {
  /** Event time the simulation starts at, ms since the epoch. */
  startTs: number;
  seed?: number;
  /** Advertising interval of every collar, ms (BLE adds 0–10 ms of random delay to each). */
  advIntervalMs?: number;
  /** Only these scanners listen (default: every scanner of the site). */
  scanners?: readonly string[];
  /** Only these dogs wear collars (default: every dog of the site). */
  dogs?: readonly string[];
  noise?: Partial<NoiseModel>;
  motion?: Partial<MotionModel>;
  /** Area the dogs roam (default: the scanners' bounding box, or 20 x 30 m when there are none). */
  bounds?: { minX: number; minY: number; maxX: number; maxY: number };
  /** Where each dog starts (default: random inside the bounds). */
  start?: Readonly<Record<string, Point>>;
  /**
   * Minew accelerometer frames (off when absent, so the iBeacon stream of a seed is unchanged by them: they
   * draw from streams of their own and do not step the motion).
   */
  accel?: AccelOptions;
}

export interface AccelOptions {
  /** Interval of the tag's accelerometer slot, ms (a Minew tag's default slot interval: 1 s). */
  intervalMs?: number;
  /** Sensor noise per axis, g (1-sigma; the frame quantises to 1/256 g). */
  noiseG?: number;
  /** Only these dogs' tags send accelerometer frames (default: every dog). */
  dogs?: readonly string[];
  /** Battery % the frames report. */
  battery?: number;
}

/** One advertisement as one scanner heard it. */
export interface SimulatedAdvert {
  ts: number;
  scanner: string;
  dog: string;
  mac: string;
  /** The reading id of the contract (`ibeacon:…` when the site names the beacon that way, else `mac:…`). */
  id: string;
  rssi: number;
  txPower: number;
  /** Only on accelerometer adverts: the Minew frame kind and its x, y, z in g (as the decoder gives them). */
  frame?: 'minew-accel';
  accel?: [number, number, number];
  battery?: number;
}

export interface DogTruth {
  dog: string;
  ts: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  mode: Gait;
}

export type Gait = 'rest' | 'sniff' | 'walk' | 'trot' | 'sprint';

const GAITS: Record<Gait, { speed: [number, number]; seconds: [number, number]; turnSigma: number }> = {
  rest: { speed: [0, 0], seconds: [5, 40], turnSigma: 0 },
  sniff: { speed: [0.2, 0.5], seconds: [3, 15], turnSigma: 1.2 },
  walk: { speed: [1.0, 1.5], seconds: [5, 30], turnSigma: 0.5 },
  trot: { speed: [2.5, 3.5], seconds: [3, 15], turnSigma: 0.35 },
  sprint: { speed: [6, 10], seconds: [1, 4], turnSigma: 0.25 },
};

const NEXT_GAIT: Record<Gait, Array<[Gait, number]>> = {
  rest: [
    ['sniff', 0.4],
    ['walk', 0.6],
  ],
  sniff: [
    ['rest', 0.3],
    ['walk', 0.5],
    ['trot', 0.2],
  ],
  walk: [
    ['rest', 0.25],
    ['sniff', 0.25],
    ['walk', 0.1],
    ['trot', 0.4],
  ],
  trot: [
    ['walk', 0.5],
    ['sprint', 0.2],
    ['rest', 0.1],
    ['trot', 0.2],
  ],
  sprint: [
    ['trot', 0.7],
    ['walk', 0.3],
  ],
};

const MOTION_STEP_S = 0.1;
const ACCELERATION_MPS2 = 6;

interface DogState {
  dog: Dog;
  mac: string;
  id: string;
  rng: Random;
  x: number;
  y: number;
  heading: number;
  speed: number;
  targetSpeed: number;
  gait: Gait;
  gaitUntil: number;
  /** Time the motion was integrated to, ms. */
  at: number;
  nextAdvertTs: number;
  /** Shadowing per scanner (dB) and the dog position it was last drawn at. */
  shadowing: Map<string, { db: number; x: number; y: number }>;
  /** Accelerometer state; undefined when this dog's tag sends no accelerometer frames. */
  accel?: AccelState;
}

interface AccelState {
  rng: Random;
  nextTs: number;
  /** Gravity in the tag's axes for the current pose (unit vector, g). */
  gravity: [number, number, number];
  /** The gait the pose was drawn for: a new rest bout lies the dog down anew. */
  poseGait: Gait | undefined;
  /** Step frequency of the current bout, Hz. */
  stepHz: number;
  /** Stride phase, rad, and when it was last advanced. */
  phase: number;
  phaseTs: number;
}

/**
 * The body's acceleration at the collar per gait (g): a periodic bounce at the step frequency (vertical,
 * lateral) plus an irregular part. Rough figures of dog-collar accelerometry (walk ~0.2-0.3 g, trot
 * ~0.6 g, gallop > 1.5 g dynamic; sniffing is head movement with no step rhythm).
 */
const ACCEL_GAIT: Record<Gait, { vertical: number; lateral: number; irregular: number; stepHz: number }> = {
  rest: { vertical: 0, lateral: 0, irregular: 0, stepHz: 0 },
  sniff: { vertical: 0.02, lateral: 0.02, irregular: 0.07, stepHz: 0.7 },
  walk: { vertical: 0.25, lateral: 0.1, irregular: 0.06, stepHz: 1.8 },
  trot: { vertical: 0.6, lateral: 0.2, irregular: 0.12, stepHz: 2.6 },
  sprint: { vertical: 1.4, lateral: 0.4, irregular: 0.3, stepHz: 3.2 },
};
/** A lying dog shifts now and then: share of frames with a small twitch. */
const REST_TWITCH_RATE = 0.02;
/** The tag's range (a Minew tag's accelerometer at its default ±2 g). */
const ACCEL_RANGE_G = 2;

export class SiteSimulator {
  readonly noise: NoiseModel;
  readonly motion: MotionModel;
  private readonly scanners: Scanner[];
  private readonly dogs: DogState[];
  private readonly trueOffset: Map<string, number>;
  private readonly advIntervalMs: number;
  private readonly bounds: { minX: number; minY: number; maxX: number; maxY: number };
  private readonly rng: Random;
  private readonly accel: Required<Omit<AccelOptions, 'dogs'>> | undefined;
  private nowTs: number;
  /** Scanner-beacon links: their stream and their frozen shadowing (by scanner pair). */
  private linkRng: Random | undefined;
  private readonly linkShadowing = new Map<string, number>();

  constructor(site: Site, options: SimulationOptions) {
    this.noise = { ...DEFAULT_NOISE, ...options.noise };
    this.motion = { ...DEFAULT_MOTION, ...options.motion };
    this.rng = new Random(options.seed ?? 1);
    this.nowTs = options.startTs;
    this.advIntervalMs = options.advIntervalMs ?? 200;
    this.scanners = site.scanners.filter((s) => !options.scanners || options.scanners.includes(s.id));
    const offsets = this.rng.fork(1);
    this.trueOffset = new Map(
      site.scanners.map((s) => [s.id, s.rssiOffset + offsets.normal() * this.noise.scannerOffsetSigmaDb]),
    );
    this.bounds = options.bounds ?? boundsOf(site.scanners);
    const a = options.accel;
    this.accel = a && {
      intervalMs: a.intervalMs ?? 1000,
      noiseG: a.noiseG ?? 0.012,
      battery: a.battery ?? 90,
    };
    const accelDogs = a?.dogs;
    const dogs = site.dogs.filter((d) => !options.dogs || options.dogs.includes(d.id));
    this.dogs = dogs.map((dog) => this.newDog(dog, options.start?.[dog.id]));
    if (this.accel) {
      for (const d of this.dogs) {
        if (accelDogs && !accelDogs.includes(d.dog.id)) continue;
        const rng = d.rng.fork(0xacce1); // fork() draws nothing: the radio stream stays as it was
        d.accel = {
          rng,
          nextTs: this.nowTs + Math.floor(rng.next() * this.accel.intervalMs),
          gravity: [0, 0, 1],
          poseGait: undefined,
          stepHz: 0,
          phase: rng.uniform(0, 2 * Math.PI),
          phaseTs: this.nowTs,
        };
      }
    }
  }

  get now(): number {
    return this.nowTs;
  }

  /** The scanner gain errors the site does not know about (for checking calibration). */
  get scannerOffsets(): ReadonlyMap<string, number> {
    return this.trueOffset;
  }

  /** Where each dog really is now. */
  truth(): DogTruth[] {
    return this.dogs.map((d) => ({
      dog: d.dog.id,
      ts: this.nowTs,
      x: d.x,
      y: d.y,
      vx: d.speed * Math.cos(d.heading),
      vy: d.speed * Math.sin(d.heading),
      mode: d.gait,
    }));
  }

  /** Runs the simulation to `toTs` and returns every advertisement heard after `now`, in time order. */
  advance(toTs: number): SimulatedAdvert[] {
    const heard: SimulatedAdvert[] = [];
    for (const d of this.dogs) {
      while (d.nextAdvertTs <= toTs) {
        const ts = d.nextAdvertTs;
        this.move(d, ts);
        for (const scanner of this.scanners) {
          const rssi = this.receive(d, scanner);
          if (rssi !== undefined) {
            heard.push({
              ts,
              scanner: scanner.id,
              dog: d.dog.id,
              mac: d.mac,
              id: d.id,
              rssi,
              txPower: d.dog.rssiAt1m,
            });
          }
        }
        if (d.accel && ts >= d.accel.nextTs) this.accelAdverts(d, d.accel, ts, heard);
        // BLE adds a random 0-10 ms to every advertising interval so collars do not collide forever.
        d.nextAdvertTs = ts + this.advIntervalMs + Math.floor(d.rng.next() * 11);
      }
      this.move(d, toTs);
    }
    this.nowTs = Math.max(this.nowTs, toTs);
    heard.sort((a, b) => a.ts - b.ts);
    return heard;
  }

  /**
   * The accelerometer frame the tag sends in the advertising event at `ts` (its slot rides on the iBeacon's
   * events, so the motion is not stepped at other times), as every scanner that hears it reports it.
   */
  private accelAdverts(d: DogState, a: AccelState, ts: number, heard: SimulatedAdvert[]): void {
    const cfg = this.accel!;
    const rng = a.rng;
    a.nextTs += cfg.intervalMs * Math.max(1, Math.ceil((ts - a.nextTs + 1) / cfg.intervalMs));
    if (a.poseGait !== d.gait) {
      const lying = d.gait === 'rest';
      const wasLying = a.poseGait === 'rest';
      if (lying || wasLying || a.poseGait === undefined) {
        // Lying: the collar turns anywhere up to 70 degrees off upright; standing: up to 15.
        const tilt = rng.uniform(0, lying ? 1.2 : 0.26);
        const azimuth = rng.uniform(-Math.PI, Math.PI);
        a.gravity = [Math.sin(tilt) * Math.cos(azimuth), Math.sin(tilt) * Math.sin(azimuth), Math.cos(tilt)];
      }
      a.stepHz = ACCEL_GAIT[d.gait].stepHz * rng.uniform(0.85, 1.15);
      a.poseGait = d.gait;
    }
    const g = ACCEL_GAIT[d.gait];
    // Ramps in and out of a gait scale its motion with the speed reached.
    const share = d.targetSpeed > 0 ? Math.min(1, d.speed / d.targetSpeed) : d.gait === 'rest' ? 0 : 1;
    // Strides are not perfectly regular (phase random walk, 0.5 rad per square-root second), and the frame
    // carries the sensor's latest sample of its own 10 Hz output, up to 100 ms old.
    const dt = Math.max(0, (ts - a.phaseTs) / 1000);
    a.phase += 2 * Math.PI * a.stepHz * dt + rng.normal() * 0.5 * Math.sqrt(dt);
    a.phaseTs = ts;
    const phase = a.phase - 2 * Math.PI * a.stepHz * rng.uniform(0, 0.1);
    const vertical = g.vertical * share * Math.sin(phase);
    const lateral = g.lateral * share * Math.sin(phase / 2);
    const twitch = d.gait === 'rest' && rng.chance(REST_TWITCH_RATE) ? 0.08 : 0;
    const irregular = g.irregular * share + twitch;
    const axes: [number, number, number] = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      const dynamic = i === 2 ? vertical : i === 0 ? lateral : 0;
      const raw = (a.gravity[i] ?? 0) + dynamic + rng.normal() * (irregular + cfg.noiseG);
      // The frame carries signed 8.8 fixed point within the sensor's range; the decoder rounds to 4 digits.
      const fixed = Math.round(Math.max(-ACCEL_RANGE_G, Math.min(ACCEL_RANGE_G, raw)) * 256) / 256;
      axes[i] = Math.round(fixed * 1e4) / 1e4;
    }
    for (const scanner of this.scanners) {
      const rssi = this.receive(d, scanner, rng, false);
      if (rssi === undefined) continue;
      heard.push({
        ts,
        scanner: scanner.id,
        dog: d.dog.id,
        mac: d.mac,
        id: `mac:${d.mac}`,
        rssi,
        txPower: d.dog.rssiAt1m,
        frame: 'minew-accel',
        accel: [axes[0], axes[1], axes[2]],
        battery: cfg.battery,
      });
    }
  }

  private newDog(dog: Dog, start: Point | undefined): DogState {
    const rng = this.rng.fork(hashString(dog.id));
    const b = this.bounds;
    const m = this.motion.marginM;
    const mac = normalizeMac(dog.beacon.replace(/^mac:/i, '')) ?? macFromId(dog.id);
    const id = normalizeMac(dog.beacon.replace(/^mac:/i, '')) ? `mac:${mac}` : dog.beacon.toLowerCase();
    return {
      dog,
      mac,
      id,
      rng,
      x: start ? start[0] : rng.uniform(b.minX + m, b.maxX - m),
      y: start ? start[1] : rng.uniform(b.minY + m, b.maxY - m),
      heading: rng.uniform(-Math.PI, Math.PI),
      speed: 0,
      targetSpeed: 0,
      gait: 'rest',
      gaitUntil: this.nowTs + rng.uniform(1, 5) * 1000,
      at: this.nowTs,
      nextAdvertTs: this.nowTs + Math.floor(rng.next() * this.advIntervalMs),
      shadowing: new Map(),
    };
  }

  private move(d: DogState, toTs: number): void {
    while (d.at < toTs) {
      const dt = Math.min(MOTION_STEP_S, (toTs - d.at) / 1000);
      if (d.at >= d.gaitUntil) this.changeGait(d);
      const gait = GAITS[d.gait];
      const dv = d.targetSpeed - d.speed;
      d.speed += Math.sign(dv) * Math.min(Math.abs(dv), ACCELERATION_MPS2 * dt);
      d.heading += d.rng.normal() * gait.turnSigma * Math.sqrt(dt);
      let nx = d.x + d.speed * Math.cos(d.heading) * dt;
      let ny = d.y + d.speed * Math.sin(d.heading) * dt;
      const b = this.bounds;
      const m = this.motion.marginM;
      // Turn back at the edges: reflect the heading on the wall that was hit.
      if (nx < b.minX + m || nx > b.maxX - m) {
        d.heading = Math.PI - d.heading;
        nx = Math.min(Math.max(nx, b.minX + m), b.maxX - m);
      }
      if (ny < b.minY + m || ny > b.maxY - m) {
        d.heading = -d.heading;
        ny = Math.min(Math.max(ny, b.minY + m), b.maxY - m);
      }
      d.x = nx;
      d.y = ny;
      d.at += dt * 1000;
    }
    d.at = toTs;
  }

  private changeGait(d: DogState): void {
    let r = d.rng.next();
    let next: Gait = d.gait;
    for (const [gait, p] of NEXT_GAIT[d.gait]) {
      next = gait;
      if ((r -= p) < 0) break;
    }
    const g = GAITS[next];
    d.gait = next;
    d.targetSpeed = Math.min(d.rng.uniform(g.speed[0], g.speed[1]), this.motion.maxSprintMps);
    const seconds = next === 'rest' && this.motion.restSeconds ? this.motion.restSeconds : g.seconds;
    d.gaitUntil = d.at + d.rng.uniform(seconds[0], seconds[1]) * 1000;
  }

  /** The RSSI one scanner reports for one advertisement, or undefined when it does not hear it. */
  private receive(d: DogState, scanner: Scanner, rng = d.rng, drawShadowing = true): number | undefined {
    const n = this.noise;
    if (rng.chance(n.packetLoss)) return undefined;
    const tagZ = d.dog.tagHeight;
    const range = distance3d(d.x, d.y, tagZ, scanner.x, scanner.y, scanner.z);
    let rssi = expectedRssi(range, {
      rssiAt1m: d.dog.rssiAt1m,
      pathLossExponent: scanner.pathLossExponent + n.exponentError,
      rssiOffset: this.trueOffset.get(scanner.id) ?? scanner.rssiOffset,
    });
    // Accelerometer adverts read the shadowing without drawing it, so they leave the radio stream alone.
    rssi += drawShadowing ? this.shadowing(d, scanner.id) : (d.shadowing.get(scanner.id)?.db ?? 0);
    rssi += rng.normal() * n.fastFadingSigmaDb;
    if (d.speed > 0.05 && range > 0.5) {
      // Collar at the neck: the body shields scanners behind the dog.
      const towards =
        ((scanner.x - d.x) * Math.cos(d.heading) + (scanner.y - d.y) * Math.sin(d.heading)) / range;
      rssi -= n.bodyShadowingDb * Math.max(0, -towards);
    }
    if (rng.chance(n.outlierRate)) rssi += outlier(rng, n);
    // Loss rises over the last 6 dB above the sensitivity.
    const margin = rssi - n.sensitivityDbm;
    if (margin < 0 || (margin < 6 && rng.chance(1 - margin / 6))) return undefined;
    return Math.max(-127, Math.min(0, Math.round(rssi)));
  }

  /**
   * One advertisement of every scanner's own beacon (id `scanner:<id>`, at the scanner's antenna) as each
   * other scanner hears it at `ts`. Scanners stand still, so a link's shadowing is drawn once and is the
   * same both ways; fading, outliers and loss as for collars. Draws from a stream of its own: the dogs'
   * adverts of a seed are unchanged by it.
   */
  scannerBeaconAdverts(ts: number, beacons: ScannerBeaconOptions): SimulatedAdvert[] {
    const n = this.noise;
    const rng = (this.linkRng ??= this.rng.fork(0x5ca11));
    const heard: SimulatedAdvert[] = [];
    for (const tx of this.scanners) {
      const id = `scanner:${tx.id}`;
      const mac = macFromId(id);
      const txPower = beacons.rssiAt1m + (beacons.txErrorDb?.[tx.id] ?? 0);
      for (const rx of this.scanners) {
        if (rx === tx || rng.chance(n.packetLoss)) continue;
        const key = tx.id < rx.id ? `${tx.id}\n${rx.id}` : `${rx.id}\n${tx.id}`;
        let shadow = this.linkShadowing.get(key);
        if (shadow === undefined) this.linkShadowing.set(key, (shadow = rng.normal() * n.shadowingSigmaDb));
        const range = distance3d(tx.x, tx.y, tx.z, rx.x, rx.y, rx.z);
        let rssi = expectedRssi(range, {
          rssiAt1m: txPower,
          pathLossExponent: rx.pathLossExponent + n.exponentError,
          rssiOffset: this.trueOffset.get(rx.id) ?? rx.rssiOffset,
        });
        rssi += shadow + rng.normal() * n.fastFadingSigmaDb;
        if (rng.chance(n.outlierRate)) rssi += outlier(rng, n);
        if (rssi < n.sensitivityDbm) continue;
        heard.push({
          ts,
          scanner: rx.id,
          dog: id,
          mac,
          id,
          rssi: Math.max(-127, Math.min(0, Math.round(rssi))),
          txPower,
        });
      }
    }
    return heard;
  }

  private shadowing(d: DogState, scannerId: string): number {
    const sigma = this.noise.shadowingSigmaDb;
    if (sigma === 0) return 0;
    const prev = d.shadowing.get(scannerId);
    if (!prev) {
      const s = { db: d.rng.normal() * sigma, x: d.x, y: d.y };
      d.shadowing.set(scannerId, s);
      return s.db;
    }
    const moved = Math.hypot(d.x - prev.x, d.y - prev.y);
    if (moved > 0.05) {
      const rho = Math.exp(-moved / this.noise.shadowingCorrelationM);
      prev.db = rho * prev.db + Math.sqrt(1 - rho * rho) * sigma * d.rng.normal();
      prev.x = d.x;
      prev.y = d.y;
    }
    return prev.db;
  }
}

function outlier(rng: Random, n: NoiseModel): number {
  const sign = rng.chance(0.5) ? 1 : -1;
  const range = n.outlierRangeDb;
  return sign * (range ? rng.uniform(range[0], range[1]) : n.outlierDb * rng.uniform(0.7, 1.3));
}

function boundsOf(scanners: readonly Scanner[]): { minX: number; minY: number; maxX: number; maxY: number } {
  if (scanners.length < 2) return { minX: 0, minY: 0, maxX: 20, maxY: 30 };
  const box = new BoundsBuilder();
  for (const s of scanners) box.include(s.x, s.y);
  const b = box.bounds({ minX: 0, minY: 0, maxX: 20, maxY: 30 });
  // A line of scanners still leaves the dogs room to move.
  if (b.maxX - b.minX < 2) b.maxX = b.minX + 10;
  if (b.maxY - b.minY < 2) b.maxY = b.minY + 10;
  return b;
}

/** A stable, locally administered MAC for a dog whose beacon is named by frame id only. */
function macFromId(id: string): string {
  const h = hashString(id);
  const bytes = [0x02, 0xd0, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The service data (UUID 0xffe1) of a Minew accelerometer frame: the bytes a tag sends, for decoder tests. */
export function minewAccelServiceData(
  accel: readonly [number, number, number],
  battery: number,
  mac: string,
): Uint8Array {
  const bytes = new Uint8Array(15);
  bytes[0] = 0xa1;
  bytes[1] = 0x03;
  bytes[2] = battery;
  for (let i = 0; i < 3; i++) {
    const raw = Math.round(Math.max(-128, Math.min(127.996, accel[i] ?? 0)) * 256) & 0xffff;
    bytes[3 + 2 * i] = raw >>> 8;
    bytes[4 + 2 * i] = raw & 0xff;
  }
  const macBytes = mac.split(':').map((h) => parseInt(h, 16));
  for (let i = 0; i < 6; i++) bytes[9 + i] = macBytes[5 - i] ?? 0;
  return bytes;
}
