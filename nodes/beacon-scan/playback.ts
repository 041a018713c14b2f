// Plays readings that carry their own event time (a simulation, a recorded capture) at 1x, Nx or as fast
// as possible. Two clocks: the event time of the readings (what every result is computed from) and a
// wall-clock timer that only paces the output. As fast as possible runs in chunks, yielding to the event
// loop between them, so Node-RED stays responsive during a long replay.
import { CONTRACT_VERSION } from '../kernel/contract';
import { SiteSimulator, type SimulatedAdvert, type SimulationOptions } from '../kernel/simulation';
import type { Site } from '../kernel/site-document';
import type { RawReading } from './pipeline';

/** Readings in event-time order. */
export interface EventSource {
  /** Event time of the first reading, or undefined when there is none. */
  start(): Promise<number | undefined>;
  /** The next readings with `ts < untilTs`, at most `max`; `end` once no reading is left. */
  read(untilTs: number, max: number): Promise<{ readings: RawReading[]; end: boolean }>;
  close(): void;
}

export interface Scheduler {
  /** Wall clock, ms: paces playback only. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate(fn: () => void): unknown;
  clearImmediate(handle: unknown): void;
}

export interface PlaybackOptions {
  /** Event ms per wall ms: 1 real time, 10 ten times faster; 0 as fast as possible. */
  speed: number;
  /** Wall ms between paced steps at most (less when the sink says it is due sooner). */
  tickMs?: number;
  /** Readings per chunk when as fast as possible. */
  chunk?: number;
}

export interface PlaybackSink {
  reading(reading: RawReading): void;
  /** Event time has reached `ts` (release held readings). */
  tick(ts: number): void;
  /** Event time the sink next needs a tick at (held readings due), if any: the next step is then. */
  due?(): number | undefined;
  end(): void;
  error(err: unknown): void;
}

export class Playback {
  private timer: unknown;
  private immediate: unknown;
  private stopped = false;
  private reading = false;

  constructor(
    private readonly source: EventSource,
    private readonly options: PlaybackOptions,
    private readonly scheduler: Scheduler,
    private readonly sink: PlaybackSink,
  ) {}

  /** Starts playing; resolves once the first reading's time is known. */
  async start(): Promise<void> {
    const first = await this.source.start();
    if (this.stopped) return;
    if (first === undefined) {
      this.finish();
      return;
    }
    if (this.options.speed > 0) {
      const wall0 = this.scheduler.now();
      this.paced(first, wall0);
    } else {
      this.fast();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    if (this.immediate !== undefined) this.scheduler.clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
    this.source.close();
  }

  private paced(first: number, wall0: number): void {
    const tickMs = this.options.tickMs ?? 50;
    const step = (): void => {
      this.timer = undefined;
      if (this.stopped || this.reading) return;
      const until = first + (this.scheduler.now() - wall0) * this.options.speed;
      this.pull(until, Number.POSITIVE_INFINITY, until, () => {
        // Sleep until the sink's next due time (e.g. the end of a batch), at most tickMs: one wake-up a
        // second with batching instead of a fixed 50 ms poll.
        const due = this.sink.due?.();
        const wallDue = due === undefined ? undefined : wall0 + (due - first) / this.options.speed;
        const wait =
          wallDue === undefined
            ? tickMs
            : Math.min(tickMs, Math.max(1, Math.ceil(wallDue - this.scheduler.now())));
        this.timer = this.scheduler.setTimeout(step, wait);
      });
    };
    step();
  }

  private fast(): void {
    const chunk = this.options.chunk ?? 500;
    const step = (): void => {
      this.immediate = undefined;
      if (this.stopped) return;
      this.pull(Number.POSITIVE_INFINITY, chunk, undefined, () => {
        this.immediate = this.scheduler.setImmediate(step);
      });
    };
    step();
  }

  private pull(until: number, max: number, tickTs: number | undefined, again: () => void): void {
    this.reading = true;
    this.source.read(until, max).then(
      ({ readings, end }) => {
        this.reading = false;
        if (this.stopped) return;
        try {
          for (const r of readings) this.sink.reading(r);
          const ts = tickTs ?? (readings.length > 0 ? readings[readings.length - 1].ts : undefined);
          if (ts !== undefined) this.sink.tick(ts);
        } catch (err) {
          this.sink.error(err);
        }
        if (end) this.finish();
        else again();
      },
      (err: unknown) => {
        this.reading = false;
        if (this.stopped) return;
        this.stopped = true;
        this.source.close();
        this.sink.error(err);
      },
    );
  }

  private finish(): void {
    this.stopped = true;
    this.source.close();
    this.sink.end();
  }
}

export interface SimulatedSourceOptions extends SimulationOptions {
  /** Event time simulated before the source ends; undefined: never ends (only with a paced playback). */
  durationMs?: number;
}

/** The site's simulated dogs as heard by its scanners (or some of them), as readings. */
export class SimulatedSource implements EventSource {
  private readonly sim: SiteSimulator;
  private readonly startTs: number;
  private readonly endTs: number;
  private queue: RawReading[] = [];
  private at: number;

  constructor(site: Site, options: SimulatedSourceOptions) {
    this.sim = new SiteSimulator(site, options);
    this.startTs = options.startTs;
    this.at = options.startTs;
    this.endTs =
      options.durationMs === undefined ? Number.POSITIVE_INFINITY : options.startTs + options.durationMs;
  }

  async start(): Promise<number | undefined> {
    return this.startTs;
  }

  async read(untilTs: number, max: number): Promise<{ readings: RawReading[]; end: boolean }> {
    const until = Math.min(untilTs, this.endTs);
    // Simulate in steps of at most a second so a chunk of `max` never makes a huge array.
    while (this.queue.length < max && this.at < until) {
      const to = Math.min(until, this.at + 1000);
      // advance() reports adverts with ts <= to; the next step starts just after.
      for (const a of this.sim.advance(to)) this.queue.push(readingFromSimulated(a));
      this.at = to;
    }
    const readings = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
    return { readings, end: this.at >= this.endTs && this.queue.length === 0 };
  }

  close(): void {
    this.queue = [];
  }
}

/** A reading of the contract for one simulated advertisement; the frame follows the dog's beacon id. */
export function readingFromSimulated(a: SimulatedAdvert): RawReading {
  const reading: RawReading = {
    v: CONTRACT_VERSION,
    type: 'rssi',
    scanner: a.scanner,
    ts: a.ts,
    mac: a.mac,
    id: a.id,
    rssi: a.rssi,
    txPower: a.txPower,
  };
  const ib = /^ibeacon:([0-9a-f-]{36}):(\d+):(\d+)$/.exec(a.id);
  const ed = /^eddystone:([0-9a-f]{20}):([0-9a-f]{12})$/.exec(a.id);
  if (ib) {
    reading.frame = 'ibeacon';
    reading.ibeacon = { uuid: ib[1], major: Number(ib[2]), minor: Number(ib[3]) };
  } else if (ed) {
    reading.frame = 'eddystone-uid';
    reading.eddystone = { namespace: ed[1], instance: ed[2] };
  }
  // An accelerometer advert reads as beacon-scan's decoder gives a Minew accelerometer frame (frames.ts),
  // so dog-activity classifies simulated dogs from it as it would real ones.
  if (a.frame === 'minew-accel' && a.accel) {
    reading.frame = 'minew-accel';
    reading.minew = { mac: a.mac, accel: [a.accel[0], a.accel[1], a.accel[2]] };
  }
  if (a.battery !== undefined) reading.battery = a.battery;
  reading.dog = a.dog;
  return reading;
}
