// The contract's `health`. Pure.
import { excerpt, isObject } from '../checks';
import { CONTRACT_VERSION, type Health } from '../contract';
import { FieldReader, MESSAGE_LIMITS, notAnObject, type Parsed } from './fields';

/**
 * A `health` message (`type` required). Known fields are type-checked; the value is the input object, so
 * fields a later version adds pass on.
 */
export function parseHealth(value: unknown, path = 'payload'): Parsed<Health> {
  if (!isObject(value)) return notAnObject(path, 'a health object (type "health")', value);
  const f = new FieldReader(value, path);
  f.header('health', true, CONTRACT_VERSION);
  f.string('node', true);
  f.ts('ts', true);
  f.number('cpu', false, { min: 0, max: 100, unit: '%' });
  f.number('load1', false, { min: 0 });
  f.number('memUsedPct', false, { min: 0, max: 100, unit: '%' });
  f.number('tempC', false, { min: -100, max: 200, unit: '°C' });
  f.number('throttled', false, { integer: true, min: 0 });
  f.number('uptimeS', false, { min: 0, unit: 's' });
  const wifi = f.object('wifi', false);
  if (wifi) {
    const w = new FieldReader(wifi, `${path}.wifi`);
    w.string('iface', true);
    w.number('signalDbm', false, { min: -150, max: 30, unit: 'dBm' });
    f.problems.push(...w.problems);
  }
  const mesh = f.object('mesh', false);
  if (mesh) readMesh(mesh, `${path}.mesh`, f.problems);
  return f.done(() => value as unknown as Health);
}

function readMesh(mesh: Record<string, unknown>, path: string, problems: string[]): void {
  const f = new FieldReader(mesh, path);
  f.string('iface', true);
  f.string('algo', false);
  f.string('gateway', false);
  f.number('originators', false, { integer: true, min: 0 });
  problems.push(...f.problems);
  const neighbors = mesh.neighbors;
  if (neighbors === undefined) return;
  if (!Array.isArray(neighbors)) {
    problems.push(`${path}.neighbors must be an array, not ${excerpt(neighbors)}`);
    return;
  }
  // Counted before walked: a hostile list of a million is one problem.
  if (neighbors.length > MESSAGE_LIMITS.maxNeighbors) {
    problems.push(
      `${path}.neighbors has ${neighbors.length} entries; at most ${MESSAGE_LIMITS.maxNeighbors}`,
    );
    return;
  }
  for (let i = 0; i < neighbors.length; i++) {
    const n: unknown = neighbors[i];
    const at = `${path}.neighbors[${i}]`;
    if (!isObject(n)) {
      problems.push(`${at} must be an object, not ${excerpt(n)}`);
      continue;
    }
    const r = new FieldReader(n, at);
    r.string('mac', true);
    r.string('iface', false);
    r.number('lastSeenMs', false, { min: 0, unit: 'ms' });
    r.number('tq', false, { integer: true, min: 0, max: 255 });
    r.number('throughputKbps', false, { min: 0, unit: 'kbit/s' });
    problems.push(...r.problems);
    if (problems.length > 20) return; // enough to fix; the rest would only be longer
  }
}
