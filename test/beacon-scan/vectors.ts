// The shared advertisement vectors (../shared/vectors/adverts.json) and helpers that turn them into the raw
// bytes a Bluetooth controller reports (AD structures), for the test bindings.
import { readFileSync } from 'fs';
import * as path from 'path';

export interface Vector {
  name: string;
  manufacturerData?: string;
  serviceData?: { uuid: string; data: string };
  expect: Record<string, unknown>;
}

const root = path.resolve(__dirname, '..', '..', '..');

/** The copy kept with the tests (the Node 22 run tests a copy of the checkout, with no shared/ beside it). */
export const VECTORS_COPY = path.join(root, 'test', 'beacon-scan', 'adverts.json');
/** The shared original, beside the clone in CI and in the worktrees. */
export const VECTORS_SHARED = path.resolve(root, '..', 'shared', 'vectors', 'adverts.json');

function vectorsFile(): string {
  return VECTORS_COPY;
}

export const VECTORS: Vector[] = (JSON.parse(readFileSync(vectorsFile(), 'utf8')) as { vectors: Vector[] })
  .vectors;

export function vector(name: string): Vector {
  const v = VECTORS.find((x) => x.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return v;
}

/** The advertising data (AD structures) a tag would send for a vector: flags, then its frame. */
export function advertisingData(v: Vector): Buffer {
  const parts: Buffer[] = [Buffer.from([0x02, 0x01, 0x06])];
  if (v.manufacturerData) {
    const body = Buffer.from(v.manufacturerData, 'hex');
    parts.push(Buffer.from([body.length + 1, 0xff]), body);
  }
  if (v.serviceData) {
    const uuid = Buffer.from(v.serviceData.uuid, 'hex').reverse(); // little-endian on air
    const body = Buffer.concat([uuid, Buffer.from(v.serviceData.data, 'hex')]);
    parts.push(Buffer.from([0x03, 0x03]), uuid); // complete list of 16-bit service UUIDs
    parts.push(Buffer.from([body.length + 1, 0x16]), body);
  }
  return Buffer.concat(parts);
}
