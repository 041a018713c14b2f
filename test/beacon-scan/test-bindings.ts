// noble bindings for tests: noble's own Linux GAP layer (lib/hci-socket/gap.js, which parses the raw
// advertising data and merges it per address exactly as on a Pi) over a fake HCI socket that we feed
// raw advertising reports. With `@abandonware/noble/with-bindings` this is the real noble, minus the radio.
import { EventEmitter } from 'events';
import type { BleStack, Clock, NobleLike } from '../../nodes/beacon-scan/ble-scanner';
import { guardAdvertisingParser, parserDrops } from '../../nodes/beacon-scan/noble-stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Gap = require('@abandonware/noble/lib/hci-socket/gap') as new (hci: EventEmitter) => EventEmitter;
/** What noble's `discover` event hands a test listener (the fields tests read). */
export interface DiscoveredPeripheral {
  address: string;
  rssi: number;
  advertisement: { localName?: string; manufacturerData?: Buffer };
}

/** The noble the tests hold: what the scanner uses, plus a typed `discover` for listening in. */
export interface TestNoble extends NobleLike {
  on(event: 'discover', listener: (peripheral: DiscoveredPeripheral) => void): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: EventEmitter) => TestNoble;

/** Advertising report types of the HCI LE Meta event. */
export const ADV_IND = 0x00;
export const ADV_NONCONN_IND = 0x03;
export const SCAN_RSP = 0x04;

class FakeHci extends EventEmitter {
  setScanEnabled(): void {}
  setScanParameters(): void {}
}

export interface TestBindingsOptions {
  /** State reported after init (poweredOn, poweredOff, unauthorized, unsupported). */
  state?: string;
  /** Thrown from init(), as hci-socket does when the adapter is missing (ENODEV). */
  initError?: Error;
}

export class TestBindings extends EventEmitter {
  readonly hci = new FakeHci();
  readonly gap = new Gap(this.hci);
  scanning = false;
  inits = 0;
  starts = 0;
  stops = 0;

  constructor(private readonly options: TestBindingsOptions = {}) {
    super();
    // As nobleStack does for the real adapter: a malformed advertisement noble cannot parse is dropped.
    guardAdvertisingParser(this.hci, () => parserDrops.count++);
    this.gap.on('discover', (...args: unknown[]) => {
      const [, address, addressType, connectable, advertisement, rssi, scannable] = args as [
        number,
        string,
        string,
        boolean,
        unknown,
        number,
        boolean,
      ];
      // As hci-socket's bindings do: only while scanning, uuid = address without colons.
      if (!this.scanning) return;
      this.emit(
        'discover',
        address.split(':').join(''),
        address,
        addressType,
        connectable,
        advertisement,
        rssi,
        scannable,
      );
    });
  }

  init(): void {
    this.inits++;
    if (this.options.initError) throw this.options.initError;
    process.nextTick(() => this.emit('stateChange', this.options.state ?? 'poweredOn'));
  }

  setState(state: string): void {
    this.emit('stateChange', state);
  }

  startScanning(_uuids: string[], allowDuplicates: boolean): void {
    this.starts++;
    this.scanning = true;
    process.nextTick(() => this.emit('scanStart', !allowDuplicates));
  }

  stopScanning(): void {
    this.stops++;
    this.scanning = false;
    process.nextTick(() => this.emit('scanStop'));
  }

  /** One advertising report as the controller delivers it: raw AD bytes. */
  advertise(address: string, data: Buffer, rssi: number, type = ADV_NONCONN_IND): void {
    this.hci.emit('leAdvertisingReport', 0, type, address, 'random', data, rssi);
  }
}

/** A stack factory over test bindings; `made` lists every stack it made. */
export function testStackFactory(options: TestBindingsOptions = {}): {
  create: (deviceId: number) => BleStack;
  made: Array<{ bindings: TestBindings; noble: TestNoble; deviceId: number; released: boolean[] }>;
} {
  const made: Array<{ bindings: TestBindings; noble: TestNoble; deviceId: number; released: boolean[] }> = [];
  return {
    made,
    create: (deviceId) => {
      const bindings = new TestBindings(options);
      const noble = withBindings(bindings);
      const entry = { bindings, noble, deviceId, released: [] as boolean[] };
      made.push(entry);
      return { bindings, noble, release: (broken: boolean) => entry.released.push(broken) };
    },
  };
}

/** Timers that run only when the test moves time on. */
export class FakeClock implements Clock {
  private t = 1_763_800_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, running each timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

/** Lets process.nextTick and promise callbacks (noble's state and scan events) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
