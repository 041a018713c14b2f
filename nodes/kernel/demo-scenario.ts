// The story `npm start` tells, in event time: Rex slips out of the yard through the north gate, sniffs
// about in the field by the shed, and comes back; Bella potters about the yard. Each dog follows a
// scripted path (waypoints in site metres, repeating every cycle), heard by the site's scanners through
// the path-loss model (path-loss.ts) with per-packet fading and packet loss, as contract readings.
//
// Unlike the random roaming of simulation.ts, the times are known: the demo's geofence must see an
// `exit` in the first minute and the `enter` that resolves it well inside two. Pure and deterministic
// for a seed; the caller says what event time it is (npm start: the wall clock, as beacon-scan's
// simulate mode does).
import { normalizeMac } from './checks';
import { CONTRACT_VERSION, type RssiReading } from './contract';
import { distance3d, expectedRssi } from './path-loss';
import { hashString, Random } from './random';
import type { Dog, Site } from './site-document';

/** Where a dog is `t` seconds into the cycle; between waypoints it moves in a straight line. */
export interface Waypoint {
  t: number;
  x: number;
  y: number;
  /** What the dog is doing from here to the next waypoint (the scenario's status line). */
  doing?: string;
}

export interface Story {
  /** The story repeats after this many seconds. */
  cycleS: number;
  /** Scripted path per dog id; dogs of the site without one are not heard. */
  paths: Readonly<Record<string, readonly Waypoint[]>>;
}

/**
 * The demo yard's story (examples/demo.json: the yard is 20 x 30 m, the gate at the north side y = 30,
 * the shed scanner 14 m beyond it). geofence-alert's defaults decide a side 3 m past the fence held for
 * 15 s: Rex is 3 m out at about 23 s and stays out until about 62 s, so the exit comes at about 40 s
 * (plus the tracker's lag) and the enter at about 80 s.
 */
export const DEMO_STORY: Story = {
  cycleS: 180,
  paths: {
    rex: [
      { t: 0, x: 12, y: 12, doing: 'lying in the yard' },
      { t: 8, x: 12, y: 12, doing: 'heading for the gate' },
      { t: 20, x: 10, y: 28, doing: 'slipping out of the gate' },
      { t: 24, x: 10, y: 37, doing: 'sniffing about in the field' },
      { t: 36, x: 6, y: 40 },
      { t: 47, x: 13, y: 41 },
      { t: 58, x: 10, y: 37, doing: 'running home' },
      { t: 62, x: 10, y: 27, doing: 'back in the yard' },
      { t: 74, x: 12, y: 13 },
      { t: 130, x: 14, y: 10 },
      { t: 180, x: 12, y: 12 },
    ],
    bella: [
      { t: 0, x: 8, y: 14, doing: 'pottering about the yard' },
      { t: 40, x: 14, y: 14 },
      { t: 70, x: 14, y: 20 },
      { t: 120, x: 8, y: 20 },
      { t: 180, x: 8, y: 14 },
    ],
  },
};

export interface DemoScenarioOptions {
  /** Event time the first cycle starts at, ms since the epoch. */
  startTs: number;
  story?: Story;
  seed?: number;
  /** Advertising interval of each collar, ms. */
  advIntervalMs?: number;
  /** Per-packet fading, dB (1 sigma). */
  fadingSigmaDb?: number;
  /** Share of packets lost whatever the signal. */
  packetLoss?: number;
  /** Weakest signal a scanner decodes, dBm. */
  sensitivityDbm?: number;
}

interface ScriptedDog {
  dog: Dog;
  mac: string;
  path: readonly Waypoint[];
  nextAdvertTs: number;
}

/** At most this much event time is simulated per call: a caller that slept for a day gets the last hour. */
const MAX_CATCH_UP_MS = 3_600_000;

export class DemoScenario {
  readonly story: Story;
  private cycleStartTs: number;
  private readonly site: Site;
  private readonly dogs: ScriptedDog[];
  private readonly rng: Random;
  private readonly advIntervalMs: number;
  private readonly fadingSigmaDb: number;
  private readonly packetLoss: number;
  private readonly sensitivityDbm: number;
  private nowTs: number;

  constructor(site: Site, options: DemoScenarioOptions) {
    this.site = site;
    this.story = options.story ?? DEMO_STORY;
    if (!(this.story.cycleS > 0)) throw new Error('the story needs a cycle of more than 0 s');
    this.cycleStartTs = options.startTs;
    this.nowTs = options.startTs;
    this.rng = new Random(options.seed ?? 1);
    this.advIntervalMs = Math.max(20, options.advIntervalMs ?? 500);
    this.fadingSigmaDb = options.fadingSigmaDb ?? 3;
    this.packetLoss = options.packetLoss ?? 0.1;
    this.sensitivityDbm = options.sensitivityDbm ?? -98;
    this.dogs = [];
    for (const dog of site.dogs) {
      const path = this.story.paths[dog.id];
      const mac = normalizeMac(dog.beacon.replace(/^mac:/i, ''));
      if (!path || path.length === 0 || !mac) continue;
      const offset = Math.floor(new Random(hashString(dog.id)).next() * this.advIntervalMs);
      this.dogs.push({ dog, mac, path, nextAdvertTs: options.startTs + offset });
    }
  }

  /** Event time the current run of the story started at. */
  get startTs(): number {
    return this.cycleStartTs;
  }

  /** Starts the story over at event time `ts` (the readings' time goes on; only the script restarts). */
  restart(ts: number): void {
    this.cycleStartTs = ts;
  }

  /** Event time simulated so far. */
  get now(): number {
    return this.nowTs;
  }

  /** Ids of the dogs that have a path in the story and a MAC beacon in the site. */
  get scriptedDogs(): string[] {
    return this.dogs.map((d) => d.dog.id);
  }

  /** Where a dog is at event time `ts` by the script, or undefined for a dog without a path. */
  position(dogId: string, ts: number): { x: number; y: number; doing: string } | undefined {
    const scripted = this.dogs.find((d) => d.dog.id === dogId);
    return scripted && placeOnPath(scripted.path, this.cycleSeconds(ts));
  }

  /** Seconds into the current cycle at event time `ts`. */
  cycleSeconds(ts: number): number {
    const cycleMs = this.story.cycleS * 1000;
    const into = (ts - this.cycleStartTs) % cycleMs;
    return (into < 0 ? into + cycleMs : into) / 1000;
  }

  /** One line on what happens now, for a status: `0:42 of 3:00 · Rex sniffing about in the field · ...`. */
  describe(ts: number): string {
    const t = this.cycleSeconds(ts);
    const dogs = this.dogs.map((d) => `${d.dog.name} ${placeOnPath(d.path, t).doing}`);
    return [`${clock(t)} of ${clock(this.story.cycleS)}`, ...dogs].join(' · ');
  }

  /** Every reading heard after `now` up to and including `toTs`, in time order. */
  advance(toTs: number): RssiReading[] {
    const heard: RssiReading[] = [];
    const from = Math.max(this.nowTs, toTs - MAX_CATCH_UP_MS);
    for (const d of this.dogs) {
      if (d.nextAdvertTs <= from)
        d.nextAdvertTs += Math.ceil((from - d.nextAdvertTs) / this.advIntervalMs) * this.advIntervalMs;
      while (d.nextAdvertTs <= toTs) {
        const ts = d.nextAdvertTs;
        const at = placeOnPath(d.path, this.cycleSeconds(ts));
        for (const scanner of this.site.scanners) {
          if (this.rng.chance(this.packetLoss)) continue;
          const range = distance3d(at.x, at.y, d.dog.tagHeight, scanner.x, scanner.y, scanner.z);
          const rssi =
            expectedRssi(range, {
              rssiAt1m: d.dog.rssiAt1m,
              pathLossExponent: scanner.pathLossExponent,
              rssiOffset: scanner.rssiOffset,
            }) +
            this.rng.normal() * this.fadingSigmaDb;
          if (rssi < this.sensitivityDbm) continue;
          heard.push({
            v: CONTRACT_VERSION,
            type: 'rssi',
            scanner: scanner.id,
            ts,
            mac: d.mac,
            id: `mac:${d.mac}`,
            rssi: Math.max(-127, Math.min(0, Math.round(rssi))),
            txPower: d.dog.rssiAt1m,
            dog: d.dog.id,
          });
        }
        // BLE adds a random 0-10 ms to every advertising interval.
        d.nextAdvertTs = ts + this.advIntervalMs + Math.floor(this.rng.next() * 11);
      }
    }
    this.nowTs = Math.max(this.nowTs, toTs);
    heard.sort((a, b) => a.ts - b.ts);
    return heard;
  }
}

/** The point of a path at `t` seconds into the cycle (before the first waypoint: the first; after the last: the last). */
export function placeOnPath(path: readonly Waypoint[], t: number): { x: number; y: number; doing: string } {
  let doing = '';
  let previous: Waypoint | undefined;
  for (const point of path) {
    if (point.t > t) {
      if (!previous) return { x: point.x, y: point.y, doing: point.doing ?? doing };
      const share = (t - previous.t) / (point.t - previous.t);
      return {
        x: previous.x + (point.x - previous.x) * share,
        y: previous.y + (point.y - previous.y) * share,
        doing,
      };
    }
    if (point.doing !== undefined) doing = point.doing;
    previous = point;
  }
  return { x: previous?.x ?? 0, y: previous?.y ?? 0, doing };
}

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
