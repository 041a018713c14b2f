// The collar itself: battery low (from the battery the tags already send: Minew info %, Eddystone TLM
// millivolts) and a collar no scanner hears any more. Pure and in event time: a collar is silent when the
// readings of the other collars have moved the stream on by the silent time and none of it came from this
// one. A scanner whose clock runs ahead is refused by the kernel's event clock, so it cannot make every
// collar "silent" at once.
//
// `collar-silent` differs from geofence-alert's `missing`: missing is "no position" (a collar heard by one
// scanner only gives none), collar-silent is "no reading at all" (flat battery, collar lost or broken).
import { CONTRACT_VERSION, type Alert } from '../kernel/contract';
import { EventClock } from '../kernel/event-clock';

export interface CollarWatchOptions {
  /** Minew battery %: low below this, ok again at `batteryOkPct` or above (hysteresis). */
  batteryLowPct: number;
  batteryOkPct: number;
  /** Eddystone TLM battery voltage, mV: low below this, ok again at `batteryOkMv` or above. */
  batteryLowMv: number;
  batteryOkMv: number;
  /** `collar-silent` when a collar sent nothing for this many minutes of event time; 0: never. */
  collarSilentMin: number;
  /** Collars watched at most (the site's dogs; further ones are ignored). */
  maxDogs: number;
}

export const DEFAULT_COLLAR_OPTIONS: CollarWatchOptions = {
  batteryLowPct: 20,
  batteryOkPct: 30,
  batteryLowMv: 2600,
  batteryOkMv: 2800,
  collarSilentMin: 10,
  maxDogs: 1000,
};

/** What the watch reads of a contract `rssi` reading. */
export interface CollarReading {
  dog?: string;
  scanner: string;
  ts: number;
  battery?: number;
  eddystone?: { batteryMv?: number };
}

interface Collar {
  lastHeard: number;
  silent: boolean;
  batteryLow: boolean;
}

/** How often (ms of event time) silent collars are looked for: a sweep is O(collars). */
const SWEEP_MS = 5000;

export class CollarWatch {
  readonly options: CollarWatchOptions;
  private readonly collars = new Map<string, Collar>();
  private readonly clock = new EventClock({ maxAheadMs: 60_000, live: false });
  private lastSweep = -Infinity;

  constructor(options: Partial<CollarWatchOptions> = {}) {
    this.options = { ...DEFAULT_COLLAR_OPTIONS, ...options };
    const o = this.options;
    if (!(o.batteryOkPct >= o.batteryLowPct)) throw new Error('batteryOkPct must be at least batteryLowPct');
    if (!(o.batteryOkMv >= o.batteryLowMv)) throw new Error('batteryOkMv must be at least batteryLowMv');
  }

  get collarCount(): number {
    return this.collars.size;
  }

  /** One reading: its collar is heard; its battery is checked; the stream's time may find silent collars. */
  reading(r: CollarReading): Alert[] {
    const alerts: Alert[] = [];
    const verdict = this.clock.observe(r.scanner, r.ts);
    if (!verdict.accepted || r.dog === undefined || r.dog === '') return alerts;
    let c = this.collars.get(r.dog);
    if (!c) {
      if (this.collars.size >= this.options.maxDogs) return this.sweep(alerts);
      c = { lastHeard: r.ts, silent: false, batteryLow: false };
      this.collars.set(r.dog, c);
    }
    if (c.silent) {
      c.silent = false;
      alerts.push(this.alert('collar-back', 'info', r.dog, r.ts, { since: c.lastHeard }));
    }
    if (r.ts > c.lastHeard) c.lastHeard = r.ts;
    this.battery(r, c, alerts);
    return this.sweep(alerts);
  }

  private battery(r: CollarReading, c: Collar, alerts: Alert[]): void {
    const o = this.options;
    const pct = r.battery;
    const mv = r.eddystone?.batteryMv;
    // Eddystone TLM sends 0 mV when the tag cannot measure it: no reading, not a flat battery.
    const low =
      (pct !== undefined && pct < o.batteryLowPct) || (mv !== undefined && mv > 0 && mv < o.batteryLowMv);
    const ok = (pct !== undefined && pct >= o.batteryOkPct) || (mv !== undefined && mv >= o.batteryOkMv);
    const what = pct !== undefined ? `${Math.round(pct)} %` : `${Math.round(mv ?? 0)} mV`;
    if (!c.batteryLow && low) {
      c.batteryLow = true;
      alerts.push(this.alert('battery-low', 'warning', r.dog!, r.ts, { text: `collar battery ${what}` }));
    } else if (c.batteryLow && ok && !low) {
      c.batteryLow = false;
      alerts.push(this.alert('battery-ok', 'info', r.dog!, r.ts, { text: `collar battery ${what}` }));
    }
  }

  private sweep(alerts: Alert[]): Alert[] {
    const now = this.clock.time;
    const silentMs = this.options.collarSilentMin * 60_000;
    if (now === undefined || silentMs <= 0 || now - this.lastSweep < SWEEP_MS) return alerts;
    this.lastSweep = now;
    for (const [dog, c] of this.collars) {
      if (c.silent || now - c.lastHeard < silentMs) continue;
      c.silent = true;
      alerts.push(
        this.alert('collar-silent', 'warning', dog, now, {
          since: c.lastHeard,
          text: `collar not heard by any scanner for ${Math.round((now - c.lastHeard) / 60_000)} min`,
        }),
      );
    }
    return alerts;
  }

  /** Forgets collars the site no longer lists. */
  retain(dogs: ReadonlySet<string>): void {
    for (const dog of this.collars.keys()) if (!dogs.has(dog)) this.collars.delete(dog);
  }

  private alert(
    event: string,
    severity: Alert['severity'],
    dog: string,
    ts: number,
    extra: Record<string, unknown>,
  ): Alert {
    return { v: CONTRACT_VERSION, type: 'alert', event, dog, severity, ts, ...extra };
  }
}
