// The contract's `position`. Pure.
import { isObject } from '../checks';
import { CONTRACT_VERSION, type Position } from '../contract';
import { FieldReader, MESSAGE_LIMITS, notAnObject, readCov, type Parsed } from './fields';

/**
 * A `position` (`type` required: positions share topics and flows with other messages). The value is a
 * shallow copy with `v` filled in and `cov` symmetrised.
 */
export function parsePosition(value: unknown, path = 'payload'): Parsed<Position> {
  if (!isObject(value)) return notAnObject(path, 'a position object (type "position")', value);
  const f = new FieldReader(value, path);
  f.header('position', true, CONTRACT_VERSION);
  const m = MESSAGE_LIMITS.maxPositionM;
  f.string('dog', true);
  f.ts('ts', true);
  f.number('x', true, { min: -m, max: m, unit: 'm' });
  f.number('y', true, { min: -m, max: m, unit: 'm' });
  f.number('accuracy', true, { min: 0, max: m, unit: 'm, 1 sigma' });
  const cov = value.cov === undefined ? undefined : readCov(value.cov, `${path}.cov`, f.problems);
  f.number('lat', false, { min: -90, max: 90, unit: '°' });
  f.number('lon', false, { min: -180, max: 180, unit: '°' });
  f.number('vx', false, { min: -1000, max: 1000, unit: 'm/s' });
  f.number('vy', false, { min: -1000, max: 1000, unit: 'm/s' });
  f.number('scanners', false, { integer: true, min: 0 });
  f.string('method', false);
  return f.done(() => {
    const position = { ...(value as unknown as Position), v: CONTRACT_VERSION };
    if (cov) position.cov = cov;
    return position;
  });
}
