// A wall clock that moves only when a test says so, for geofence-alert's silence timer.
import { useWallClock, type TimerHandle, type WallClock } from '../../nodes/geofence-alert/wall-clock';
import { helper } from '../support/flow';

interface Interval {
  callback: () => void;
  ms: number;
  next: number;
}

export class FakeClock implements WallClock {
  private time: number;
  private readonly intervals = new Map<number, Interval>();
  private nextId = 1;
  readonly cleared: TimerHandle[] = [];

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.intervals.set(id, { callback, ms, next: this.time + ms });
    return id;
  }

  clearInterval(handle: TimerHandle): void {
    this.cleared.push(handle);
    this.intervals.delete(handle as number);
  }

  /** Timers still running. */
  get active(): number {
    return this.intervals.size;
  }

  /** Moves time on by `ms`, running every interval that falls due, in time order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: Interval | undefined;
      for (const interval of this.intervals.values()) if (!due || interval.next < due.next) due = interval;
      if (!due || due.next > end) break;
      this.time = due.next;
      due.next += due.ms;
      due.callback();
    }
    this.time = end;
  }
}

/**
 * Registers, in the calling `describe`, hooks that run the test runtime and give each test a fresh clock
 * starting at `start` as geofence-alert's wall clock. The returned function gives the current test's clock.
 */
export function useRuntimeWithFakeClock(start: number): () => FakeClock {
  let clock: FakeClock | undefined;
  let restoreClock: (() => void) | undefined;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(() => {
    clock = new FakeClock(start);
    restoreClock = useWallClock(clock);
  });
  afterEach(async () => {
    await helper.unload();
    restoreClock?.();
  });
  return () => {
    if (!clock) throw new Error('the clock is made in the beforeEach hook');
    return clock;
  };
}
