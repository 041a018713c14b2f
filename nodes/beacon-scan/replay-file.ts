// A JSONL capture of readings (one reading, or one batch array, per line), read lazily in chunks so a
// day-long capture never sits in memory. Bad lines are reported with their line number and skipped.
import { promises as fs } from 'fs';
import { StringDecoder } from 'string_decoder';
import { isFiniteNumber, isNonEmptyString, isObject, normalizeMac } from '../kernel/checks';
import { CONTRACT_VERSION } from '../kernel/contract';
import type { RawReading } from './pipeline';
import type { EventSource } from './playback';

export type LineResult = { ok: true; readings: RawReading[] } | { ok: false; problem: string };

/** One line of a capture: a reading or an array of readings (a batch), as beacon-scan emits them. */
export function parseCaptureLine(line: string): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, problem: `not JSON (${(err as Error).message})` };
  }
  const items = Array.isArray(value) ? value : [value];
  const readings: RawReading[] = [];
  for (let i = 0; i < items.length; i++) {
    const where = Array.isArray(value) ? `item ${i}: ` : '';
    const checked = checkReading(items[i]);
    if (typeof checked === 'string') return { ok: false, problem: where + checked };
    readings.push(checked);
  }
  return { ok: true, readings };
}

function checkReading(item: unknown): RawReading | string {
  if (!isObject(item)) return 'not a reading object';
  // A recorded Node-RED message (payload + topic) is accepted too.
  const r = isObject(item.payload) && item.type === undefined ? item.payload : item;
  if (r.type !== undefined && r.type !== 'rssi') return `type is "${String(r.type)}", not "rssi"`;
  if (!isNonEmptyString(r.scanner)) return 'scanner must be a non-empty string';
  if (!isFiniteNumber(r.ts)) return 'ts must be a number (ms since the epoch)';
  if (!isFiniteNumber(r.rssi)) return 'rssi must be a number';
  if (!isNonEmptyString(r.mac)) return 'mac must be a string';
  const reading = {
    ...r,
    v: CONTRACT_VERSION,
    type: 'rssi',
    mac: normalizeMac(r.mac) ?? r.mac,
  } as RawReading;
  delete reading.seq; // numbered again on the way out, like live readings
  return reading;
}

export interface ReplayFileOptions {
  /** Called for each bad line (1-based line number); the line is skipped. */
  warn(line: number, problem: string): void;
  chunkBytes?: number;
}

export class ReplayFileSource implements EventSource {
  private handle: fs.FileHandle | undefined;
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private lineNo = 0;
  private eof = false;
  private closed = false;
  private pending: RawReading[] = [];
  private readonly buffer: Buffer;

  constructor(
    private readonly file: string,
    private readonly options: ReplayFileOptions,
  ) {
    this.buffer = Buffer.alloc(options.chunkBytes ?? 64 * 1024);
  }

  async start(): Promise<number | undefined> {
    this.handle = await fs.open(this.file, 'r');
    if (this.closed) await this.closeHandle();
    while (this.pending.length === 0 && !this.eof) await this.fill();
    return this.pending[0]?.ts;
  }

  async read(untilTs: number, max: number): Promise<{ readings: RawReading[]; end: boolean }> {
    const out: RawReading[] = [];
    while (out.length < max) {
      if (this.pending.length === 0) {
        if (this.eof) break;
        await this.fill();
        continue;
      }
      if (this.pending[0].ts >= untilTs) break;
      out.push(this.pending.shift()!);
    }
    return { readings: out, end: this.eof && this.pending.length === 0 };
  }

  close(): void {
    this.closed = true;
    this.pending = [];
    void this.closeHandle();
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.eof = true;
    if (handle) await handle.close().catch(() => undefined);
  }

  private async fill(): Promise<void> {
    if (!this.handle) {
      this.eof = true;
      return;
    }
    const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, null);
    let text = this.rest;
    if (bytesRead === 0) {
      text += this.decoder.end();
      this.rest = '';
      this.eof = true;
      await this.closeHandle();
      if (text.trim()) this.parse(text);
      return;
    }
    text += this.decoder.write(this.buffer.subarray(0, bytesRead));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.parse(line);
  }

  private parse(line: string): void {
    this.lineNo++;
    const text = line.trim();
    if (!text) return;
    const result = parseCaptureLine(text);
    if (result.ok) for (const r of result.readings) this.pending.push(r);
    else this.options.warn(this.lineNo, result.problem);
  }
}
