// The scanner's own beacon: an Eddystone-UID frame naming this scanner, advertised with HCI LE commands on
// the adapter beacon-scan scans with, so the other scanners hear it at a known range (trilaterate's
// scanner-to-scanner calibration reads it as id `scanner:<id>`). The frame and command bytes are pure;
// `Advertiser` sends them through noble's hci-socket layer (`bindings._hci._socket`) and reads the answers.
import type { Clock } from './ble-scanner';

/** Eddystone namespace bytes 0-3 that mark a scanner beacon; the other 12 bytes are the id (UTF-8, 0-padded). */
export const SCANNER_BEACON_MARKER = 'd0677a5c';
/** Longest scanner id (UTF-8 bytes) the frame can carry. */
export const MAX_ADVERTISED_ID_BYTES = 12;
/** Eddystone ranging data: the power at 0 m (a Pi's radio at 0 dBm reads about -59 dBm at 1 m, +41). */
export const ADVERTISED_TX_POWER = -18;

const HCI_COMMAND_PKT = 0x01;
export const OPCODES = {
  setParameters: 0x2006,
  setData: 0x2008,
  setEnable: 0x200a,
  reset: 0x0c03,
} as const;
const ADV_NONCONN_IND = 0x03;
export const STATUS_COMMAND_DISALLOWED = 0x0c;
const STATUS_UNKNOWN_COMMAND = 0x01;

/** The 16 Eddystone-UID identity bytes (namespace then instance) of scanner `id`, or why it cannot be sent. */
export function scannerUid(id: string): { ok: true; uid: Buffer } | { ok: false; problem: string } {
  const text = Buffer.from(id, 'utf8');
  if (text.length === 0) return { ok: false, problem: 'the scanner id is empty' };
  if (text.length > MAX_ADVERTISED_ID_BYTES || text.includes(0))
    return {
      ok: false,
      problem: `scanner id "${id.slice(0, 20)}" is too long to advertise (at most ${MAX_ADVERTISED_ID_BYTES} bytes): give the scanner a shorter id`,
    };
  const uid = Buffer.alloc(16);
  Buffer.from(SCANNER_BEACON_MARKER, 'hex').copy(uid, 0);
  text.copy(uid, 4);
  return { ok: true, uid };
}

/** The scanner an Eddystone-UID namespace + instance (hex) names, if it is a scanner beacon. */
export function scannerOfUid(namespace: string, instance: string): string | undefined {
  if (!namespace.startsWith(SCANNER_BEACON_MARKER)) return undefined;
  const bytes = Buffer.from(namespace.slice(8) + instance, 'hex');
  if (bytes.length !== MAX_ADVERTISED_ID_BYTES) return undefined;
  const end = bytes.indexOf(0);
  const used = end < 0 ? bytes : bytes.subarray(0, end);
  if (used.length === 0 || (end >= 0 && bytes.subarray(end).some((b) => b !== 0))) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(used);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text) ? undefined : text;
}

/** The 31 bytes of advertising data: flags, the Eddystone service UUID, the UID frame. */
export function advertisingPayload(uid: Buffer, txPower = ADVERTISED_TX_POWER): Buffer {
  const frame = Buffer.concat([Buffer.from([0x00, txPower & 0xff]), uid, Buffer.from([0x00, 0x00])]);
  return Buffer.concat([
    Buffer.from([0x02, 0x01, 0x06]), // flags: LE general discoverable, no BR/EDR
    Buffer.from([0x03, 0x03, 0xaa, 0xfe]), // complete list of 16-bit service UUIDs: Eddystone
    Buffer.from([frame.length + 3, 0x16, 0xaa, 0xfe]),
    frame,
  ]);
}

function command(opcode: number, params: Buffer): Buffer {
  const header = Buffer.from([HCI_COMMAND_PKT, opcode & 0xff, opcode >> 8, params.length]);
  return Buffer.concat([header, params]);
}

/** LE Set Advertising Parameters: non-connectable, `intervalMs` (0.625 ms units), all 3 channels. */
export function setParametersCommand(intervalMs: number): Buffer {
  const units = Math.min(0x4000, Math.max(0x00a0, Math.round(intervalMs / 0.625)));
  const p = Buffer.alloc(15);
  p.writeUInt16LE(units, 0);
  p.writeUInt16LE(units, 2);
  p[4] = ADV_NONCONN_IND;
  p[5] = 0x00; // own address: public
  p[13] = 0x07; // channels 37, 38, 39
  p[14] = 0x00; // no filter
  return command(OPCODES.setParameters, p);
}

/** LE Set Advertising Data: a length byte, then 31 bytes (zero-padded). */
export function setDataCommand(payload: Buffer): Buffer {
  const p = Buffer.alloc(32);
  p[0] = payload.length;
  payload.copy(p, 1, 0, 31);
  return command(OPCODES.setData, p);
}

export function setEnableCommand(enable: boolean): Buffer {
  return command(OPCODES.setEnable, Buffer.from([enable ? 1 : 0]));
}

/** The commands that start advertising, in order (disable first: parameters are refused while advertising). */
export function startCommands(uid: Buffer, intervalMs: number): Buffer[] {
  return [
    setEnableCommand(false),
    setParametersCommand(intervalMs),
    setDataCommand(advertisingPayload(uid)),
    setEnableCommand(true),
  ];
}

/** The opcode and status of an HCI Command Complete or Command Status event, else undefined. */
export function commandResult(data: Buffer): { opcode: number; status: number } | undefined {
  if (data.length >= 7 && data[0] === 0x04 && data[1] === 0x0e)
    return { opcode: data.readUInt16LE(4), status: data[6] };
  if (data.length >= 7 && data[0] === 0x04 && data[1] === 0x0f)
    return { opcode: data.readUInt16LE(5), status: data[3] };
  return undefined;
}

export type AdvertPhase = 'off' | 'waiting' | 'starting' | 'advertising' | 'refused' | 'unsupported';

export interface AdvertState {
  phase: AdvertPhase;
  problem?: string;
}

interface SocketLike {
  write(data: Buffer): unknown;
  on(event: 'data', fn: (data: Buffer) => void): unknown;
  removeListener(event: 'data', fn: (data: Buffer) => void): unknown;
}

interface HciLike {
  _socket: SocketLike;
  _state?: string | null;
  on(event: 'stateChange', fn: (state: string) => void): unknown;
  removeListener(event: 'stateChange', fn: (state: string) => void): unknown;
}

/** noble's hci-socket layer behind its bindings, or undefined (other bindings cannot send HCI commands). */
export function hciOf(bindings: unknown): HciLike | undefined {
  const hci = (bindings as { _hci?: Partial<HciLike> } | undefined)?._hci;
  const socket = hci?._socket;
  return hci && socket && typeof socket.write === 'function' && typeof hci.on === 'function'
    ? (hci as HciLike)
    : undefined;
}

/** No answer to a command in this long: the adapter is taken as unable to advertise. */
const ANSWER_TIMEOUT_MS = 5000;

export interface AdvertiserOptions {
  scanner: string;
  enabled: boolean;
  intervalMs: number;
}

export class Advertiser {
  private hci: HciLike | undefined;
  private queue: Buffer[] = [];
  private pending: number | undefined;
  private timer: unknown;
  private state: AdvertState;
  private readonly uid: ReturnType<typeof scannerUid>;
  private readonly onData = (data: Buffer): void => this.safely(() => this.answer(data));
  private readonly onState = (s: string): void => this.safely(() => this.hciState(s));

  constructor(
    private readonly options: AdvertiserOptions,
    private readonly clock: Clock,
    private readonly onChange: (state: AdvertState) => void,
  ) {
    this.uid = scannerUid(options.scanner);
    this.state = { phase: options.enabled ? 'waiting' : 'off' };
  }

  get current(): Readonly<AdvertState> {
    return this.state;
  }

  /** Takes the adapter's bindings (again after the stack changed); starts once the adapter is on. */
  attach(bindings: unknown): void {
    if (!this.options.enabled) return;
    const hci = hciOf(bindings);
    if (hci === this.hci && hci) return;
    this.detach();
    if (!hci) {
      this.set({ phase: 'unsupported', problem: 'these noble bindings cannot send HCI commands' });
      return;
    }
    if (!this.uid.ok) {
      this.set({ phase: 'refused', problem: this.uid.problem });
      return;
    }
    this.hci = hci;
    hci._socket.on('data', this.onData);
    hci.on('stateChange', this.onState);
    if (hci._state === 'poweredOn') this.begin();
  }

  /** Stops advertising and lets the adapter go. */
  close(): void {
    const hci = this.hci;
    if (hci && this.state.phase !== 'off' && this.state.phase !== 'unsupported') {
      this.safely(() => hci._socket.write(setEnableCommand(false)));
    }
    this.detach();
    if (this.options.enabled) this.set({ phase: 'off' });
  }

  private detach(): void {
    this.clearTimer();
    this.queue = [];
    this.pending = undefined;
    if (!this.hci) return;
    this.hci._socket.removeListener('data', this.onData);
    this.hci.removeListener('stateChange', this.onState);
    this.hci = undefined;
  }

  private hciState(state: string): void {
    // An adapter that comes back (power cycle, re-initialisation) has forgotten its advertising.
    if (state === 'poweredOn') this.begin();
    else {
      this.clearTimer();
      this.queue = [];
      this.pending = undefined;
      this.set({ phase: 'waiting', problem: `adapter is ${state}` });
    }
  }

  private begin(): void {
    if (!this.hci || !this.uid.ok) return;
    this.clearTimer();
    this.queue = startCommands(this.uid.uid, this.options.intervalMs);
    this.pending = undefined;
    this.set({ phase: 'starting' });
    this.next();
  }

  private next(): void {
    const cmd = this.queue.shift();
    if (!cmd || !this.hci) {
      this.pending = undefined;
      if (this.state.phase === 'starting') this.set({ phase: 'advertising' });
      return;
    }
    this.pending = cmd.readUInt16LE(1);
    this.hci._socket.write(cmd);
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.queue = [];
      this.pending = undefined;
      this.set({ phase: 'refused', problem: 'the adapter did not answer the advertising commands' });
    }, ANSWER_TIMEOUT_MS);
  }

  private answer(data: Buffer): void {
    const result = commandResult(data);
    if (!result) return;
    if (result.opcode === OPCODES.reset && result.status === 0) {
      // An HCI reset (beacon-scan's reset command, hciconfig) clears advertising: set it up again.
      if (this.state.phase !== 'waiting') this.begin();
      return;
    }
    if (result.opcode !== this.pending) return;
    this.clearTimer();
    // A failed disable only means nothing was being advertised.
    if (result.status !== 0 && result.opcode !== OPCODES.setEnable) return this.refuse(result.status);
    if (result.status !== 0 && this.queue.length === 0) return this.refuse(result.status);
    this.next();
  }

  private refuse(status: number): void {
    this.queue = [];
    this.pending = undefined;
    const code = `0x${status.toString(16).padStart(2, '0')}`;
    const problem =
      status === STATUS_COMMAND_DISALLOWED
        ? 'cannot advertise while scanning (the adapter refuses: command disallowed)'
        : status === STATUS_UNKNOWN_COMMAND
          ? 'the adapter cannot advertise (unknown HCI command)'
          : `the adapter refused to advertise (HCI status ${code})`;
    this.set({ phase: 'refused', problem });
  }

  private set(state: AdvertState): void {
    if (state.phase === this.state.phase && state.problem === this.state.problem) return;
    this.state = state;
    this.onChange(state);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.set({ phase: 'refused', problem: err instanceof Error ? err.message : String(err) });
    }
  }
}
