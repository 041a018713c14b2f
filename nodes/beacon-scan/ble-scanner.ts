// Drives noble for one adapter: waits for the adapter, scans with duplicates allowed (continuous RSSI),
// restarts scanning when advertisements stop, resets the adapter after repeated stalls, and explains
// every failure with what to do. No Node-RED here: noble comes from an injected factory, time and
// timers from an injected clock, the reset command from an injected runner.
import type { AdvertData } from './frames';
import { FreshAdvertFilter, type NobleAdvertisement } from './fresh-advert';
import { normalizeMac } from '../kernel/checks';

type Listener = (...args: unknown[]) => void;

/** The part of noble this module uses. */
export interface NobleLike {
  readonly state: string;
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  startScanning(serviceUuids: string[], allowDuplicates: boolean): void;
  stopScanning(): void;
}

/** noble's bindings: their `discover` event carries the advertisement as that event delivered it. */
export interface BindingsLike {
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
}

export interface BleStack {
  noble: NobleLike;
  bindings: BindingsLike;
  /** Gives the adapter back (another node may take it); `broken`: do not hand this stack out again. */
  release?(broken: boolean): void;
}

/** Makes (or hands out) the noble stack of adapter `hci<deviceId>`; may throw (no module, no Bluetooth). */
export type BleStackFactory = (deviceId: number) => BleStack;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type CommandRunner = (
  file: string,
  args: string[],
  timeoutMs: number,
  done: (err: Error | null, output: string) => void,
) => void;

export interface ScannerOptions {
  deviceId: number;
  /** No advertisement for this long: restart scanning. */
  stallMs: number;
  /** After this many stalls in a row, run `resetCommand` (then after twice as many, ...); 0: never. */
  resetAfterStalls: number;
  /** Adapter reset command line, split on spaces, run without a shell; empty: none. */
  resetCommand: string;
  resetTimeoutMs: number;
  /** Try again this often while noble cannot be loaded or the adapter is missing. */
  retryMs: number;
}

export interface LiveAdvert extends AdvertData {
  ts: number;
  mac: string;
  rssi: number;
}

export type ScanPhase =
  | 'starting'
  | 'waiting' // for the adapter (powered off, resetting)
  | 'unavailable' // noble or the adapter cannot be used; retried
  | 'scanning'
  | 'stalled'
  | 'restarting'
  | 'resetting'
  | 'stopped';

export interface ScanState {
  phase: ScanPhase;
  adverts: number;
  stalls: number;
  resets: number;
  /** What is wrong (phases unavailable / waiting). */
  problem?: string;
  /** What to do about it. */
  hint?: string;
}

export interface ScannerEvents {
  advert(advert: LiveAdvert): void;
  state(state: ScanState): void;
  /** A problem or event worth a line in the log; each distinct problem is logged once until it clears. */
  log(level: 'warn' | 'error' | 'info', text: string): void;
}

const LOWER_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

export const SETCAP_COMMAND = 'sudo setcap cap_net_raw,cap_net_admin+eip $(eval readlink -f $(which node))';

/** What is wrong and what to do, from an error thrown while loading noble or a noble state. */
export function describeProblem(cause: unknown, adapter: string): { problem: string; hint: string } {
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code === 'MODULE_NOT_FOUND' || /Cannot find module/.test(message))
    return {
      problem: 'noble is not installed',
      hint:
        'sudo apt-get install bluetooth bluez libbluetooth-dev build-essential, then in the Node-RED user ' +
        'directory: npm install @abandonware/noble; restart Node-RED',
    };
  if (code === 'EAFNOSUPPORT' || /EAFNOSUPPORT|Address family not supported/.test(message))
    return {
      problem: 'no Bluetooth on this machine (EAFNOSUPPORT)',
      hint: 'run beacon-scan on a Pi with Bluetooth (apt-get install bluetooth bluez), or use simulate or replay mode',
    };
  if (code === 'ENODEV' || /ENODEV|No such device/.test(message))
    return {
      problem: `no Bluetooth adapter ${adapter} (ENODEV)`,
      hint: `check hciconfig -a; rfkill unblock bluetooth; or choose another adapter`,
    };
  if (
    code === 'EPERM' ||
    code === 'EACCES' ||
    message === 'unauthorized' ||
    /EPERM|not permitted/.test(message)
  )
    return {
      problem: 'no permission to scan',
      hint: `${SETCAP_COMMAND}, then restart Node-RED (or run Node-RED as root)`,
    };
  if (message === 'poweredOff')
    return {
      problem: `adapter ${adapter} is off`,
      hint: `rfkill unblock bluetooth; sudo hciconfig ${adapter} up`,
    };
  if (message === 'unsupported')
    return {
      problem: `adapter ${adapter} has no Bluetooth LE`,
      hint: 'choose another adapter (hci1), or use a BLE 4.0+ dongle',
    };
  return { problem: message, hint: 'see the Node-RED log' };
}

export class BleScanner {
  private readonly fresh = new FreshAdvertFilter();
  private readonly adapter: string;
  private stack: BleStack | undefined;
  private state: ScanState = { phase: 'stopped', adverts: 0, stalls: 0, resets: 0 };
  private wanted = false;
  private closed = false;
  private nobleState = 'unknown';
  private lastAdvertAt = 0;
  private stallsInRow = 0;
  private nextResetAt: number;
  private watchdog: unknown;
  private retryTimer: unknown;
  private loggedProblem: string | undefined;
  private readonly listeners: Array<[BindingsLike | NobleLike, string, Listener]> = [];

  constructor(
    private readonly options: ScannerOptions,
    private readonly createStack: BleStackFactory,
    private readonly clock: Clock,
    private readonly runCommand: CommandRunner,
    private readonly events: ScannerEvents,
  ) {
    this.adapter = `hci${options.deviceId}`;
    this.nextResetAt = options.resetAfterStalls;
  }

  get current(): Readonly<ScanState> {
    return this.state;
  }

  /** The adapter's noble bindings while this scanner holds them (the advertiser sends through them). */
  get bindings(): BindingsLike | undefined {
    return this.stack?.bindings;
  }

  /** Starts (or keeps) scanning; loads noble on first use. */
  start(): void {
    if (this.closed) return;
    this.wanted = true;
    if (!this.stack && !this.acquire()) return;
    this.tryScan();
  }

  /** Stops scanning; the adapter stays with this node. */
  stop(): void {
    this.wanted = false;
    this.clearTimers();
    if (this.stack && this.nobleState === 'poweredOn') this.safely(() => this.stack?.noble.stopScanning());
    this.setPhase('stopped');
  }

  /** Stops and starts scanning again (the `rescan` command). */
  rescan(): void {
    this.stop();
    this.start();
  }

  close(): void {
    this.stop();
    this.closed = true;
    this.releaseStack(false);
  }

  private acquire(): boolean {
    let stack: BleStack;
    try {
      stack = this.createStack(this.options.deviceId);
    } catch (err) {
      this.unavailable(err);
      return false;
    }
    this.stack = stack;
    this.listen(stack.noble, 'stateChange', (state: string) => this.onNobleState(state));
    this.listen(stack.noble, 'warning', (message: string) => this.onNobleWarning(message));
    this.listen(stack.noble, 'scanStart', () => this.onScanStart());
    this.listen(stack.bindings, 'discover', (...args: unknown[]) => this.onDiscover(args));
    let state: string;
    try {
      state = stack.noble.state; // noble initialises the adapter on first read; it may throw (ENODEV)
    } catch (err) {
      this.releaseStack(true);
      this.unavailable(err);
      return false;
    }
    this.nobleState = state;
    if (state !== 'poweredOn') this.setPhase('starting');
    return true;
  }

  private listen(target: BindingsLike | NobleLike, event: string, fn: (...args: never[]) => void): void {
    const guarded: Listener = (...args) => this.safely(() => fn(...(args as never[])));
    target.on(event, guarded);
    this.listeners.push([target, event, guarded]);
  }

  private releaseStack(broken: boolean): void {
    for (const [target, event, fn] of this.listeners) target.removeListener(event, fn);
    this.listeners.length = 0;
    const stack = this.stack;
    this.stack = undefined;
    this.nobleState = 'unknown';
    if (stack) this.safely(() => stack.release?.(broken));
  }

  private unavailable(cause: unknown): void {
    const { problem, hint } = describeProblem(cause, this.adapter);
    this.report(problem, hint, 'unavailable');
    this.clearTimer('retryTimer');
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.wanted && !this.closed) this.start();
    }, this.options.retryMs);
  }

  private report(problem: string, hint: string, phase: ScanPhase): void {
    if (this.loggedProblem !== problem) {
      this.loggedProblem = problem;
      this.events.log('error', `beacon-scan on ${this.adapter}: ${problem}. To fix: ${hint}`);
    }
    this.setPhase(phase, problem, hint);
  }

  private onNobleState(state: string): void {
    this.nobleState = state;
    if (state === 'poweredOn') {
      this.tryScan();
      return;
    }
    this.clearTimer('watchdog');
    if (state === 'poweredOff' || state === 'unauthorized' || state === 'unsupported') {
      const { problem, hint } = describeProblem(new Error(state), this.adapter);
      this.report(problem, hint, state === 'poweredOff' ? 'waiting' : 'unavailable');
    } else if (this.wanted) {
      this.setPhase('waiting', `adapter ${this.adapter} is ${state}`);
    }
  }

  /** noble reports a failed adapter initialisation (no adapter, no permission) as a warning. */
  private onNobleWarning(message: string): void {
    if (/ENODEV|No such device|EPERM|not permitted|EAFNOSUPPORT|failed/i.test(message)) {
      this.releaseStack(true);
      this.unavailable(new Error(message));
    } else {
      this.events.log('warn', `noble: ${message}`);
    }
  }

  private tryScan(): void {
    if (!this.wanted || !this.stack) return;
    if (this.nobleState !== 'poweredOn') {
      if (this.state.phase === 'stopped') this.setPhase('starting');
      return;
    }
    const noble = this.stack.noble;
    try {
      noble.startScanning([], true); // duplicates allowed: every advertisement is an RSSI sample
    } catch (err) {
      this.unavailable(err);
      return;
    }
    this.lastAdvertAt = this.clock.now();
    this.armWatchdog(this.options.stallMs);
    if (
      this.state.phase !== 'restarting' &&
      this.state.phase !== 'resetting' &&
      this.state.phase !== 'stalled'
    )
      this.setPhase('scanning');
  }

  private onScanStart(): void {
    if (this.wanted && this.state.phase !== 'scanning' && this.state.phase !== 'stalled') {
      this.setPhase('scanning');
    }
  }

  private onDiscover(args: unknown[]): void {
    const [uuid, address, , , advertisement, rssi] = args as [
      string,
      string,
      string,
      boolean,
      NobleAdvertisement | undefined,
      number,
    ];
    if (!this.wanted || !isReportedRssi(rssi) || !advertisement) return;
    // hci-socket reports lower-case aa:bb:...; other bindings may not.
    const mac = LOWER_MAC.test(address) ? address : (normalizeMac(String(address ?? '')) ?? String(uuid));
    const data = this.fresh.take(mac, advertisement);
    const now = this.clock.now();
    this.lastAdvertAt = now;
    this.state.adverts++;
    if (this.stallsInRow > 0 || this.state.phase !== 'scanning') {
      this.stallsInRow = 0;
      this.nextResetAt = this.options.resetAfterStalls;
      this.loggedProblem = undefined;
      this.setPhase('scanning');
    }
    this.events.advert({ ts: now, mac, rssi, ...data });
  }

  private armWatchdog(ms: number): void {
    this.clearTimer('watchdog');
    this.watchdog = this.clock.setTimeout(() => {
      this.watchdog = undefined;
      this.safely(() => this.checkStall());
    }, ms);
  }

  private checkStall(): void {
    if (!this.wanted || !this.stack) return;
    const idle = this.clock.now() - this.lastAdvertAt;
    if (idle < this.options.stallMs) {
      this.armWatchdog(this.options.stallMs - idle);
      return;
    }
    this.state.stalls++;
    this.stallsInRow++;
    this.setPhase('stalled', `no advertisement for ${Math.round(idle / 1000)} s`);
    const { resetAfterStalls, resetCommand } = this.options;
    if (resetAfterStalls > 0 && resetCommand.trim() && this.stallsInRow >= this.nextResetAt) {
      // Back off: a site with no tags in range would otherwise reset the adapter every few stalls forever.
      this.nextResetAt *= 2;
      this.resetAdapter();
      return;
    }
    this.restartScanning('restarting');
  }

  private restartScanning(phase: ScanPhase): void {
    this.setPhase(phase);
    const noble = this.stack?.noble;
    if (noble && this.nobleState === 'poweredOn') this.safely(() => noble.stopScanning());
    this.tryScan();
  }

  private resetAdapter(): void {
    const [file, ...args] = this.options.resetCommand.trim().split(/\s+/);
    this.state.resets++;
    this.setPhase('resetting', `running ${this.options.resetCommand}`);
    this.clearTimer('watchdog');
    this.runCommand(file, args, this.options.resetTimeoutMs, (err, output) => {
      this.safely(() => {
        if (this.closed) return;
        if (err) {
          const detail = output.trim() ? `: ${output.trim()}` : '';
          this.events.log(
            'error',
            `adapter reset "${this.options.resetCommand}" failed (${err.message})${detail}. It needs ` +
              `CAP_NET_ADMIN: ${SETCAP_COMMAND}, or a sudoers rule for the command`,
          );
        } else {
          this.events.log('info', `adapter reset "${this.options.resetCommand}" done`);
        }
        if (this.wanted) this.restartScanning('restarting');
      });
    });
  }

  private setPhase(phase: ScanPhase, problem?: string, hint?: string): void {
    this.state = { phase, adverts: this.state.adverts, stalls: this.state.stalls, resets: this.state.resets };
    if (problem !== undefined) this.state.problem = problem;
    if (hint !== undefined) this.state.hint = hint;
    this.events.state(this.state);
  }

  private clearTimers(): void {
    this.clearTimer('watchdog');
    this.clearTimer('retryTimer');
  }

  private clearTimer(which: 'watchdog' | 'retryTimer'): void {
    if (this[which] !== undefined) this.clock.clearTimeout(this[which]);
    this[which] = undefined;
  }

  /** Callbacks from noble and timers must never throw into Node-RED. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.events.log('error', `beacon-scan: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/**
 * The HCI LE advertising report gives RSSI as -127..+20 dBm and 127 for "not available" (Bluetooth Core
 * 5.x, Vol 4 Part E 7.7.65.2); anything else is not a measurement and must not reach the filters.
 */
export function isReportedRssi(rssi: unknown): rssi is number {
  return typeof rssi === 'number' && Number.isInteger(rssi) && rssi >= -127 && rssi <= 20;
}
