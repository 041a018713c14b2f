// Contract messages -> InfluxDB line protocol, as the contract's InfluxDB section lays out:
//   rssi      tags scanner, dog, mac        fields rssi, rssiRaw (+ rssiVar, txPower, battery; n, the
//             readings a per-second point stands for: see reading-sampler.ts)
//   position  tag dog                       fields x, y, lat, lon, accuracy, vx, vy, scanners (+ method)
//   alert     tags dog, zone, event, severity  fields x, y, since, kind, text
//   health    tag node                      every numeric field (wifi.* and mesh.* flattened as wifiX, meshX)
//   health    tags node, neighbor, iface    one point per mesh neighbour: its numeric fields (tq, lastSeenMs, ...)
//   activity  tags dog, state, source       fields restS, movingS, ... (dog-activity/activity-points.ts)
//   notification  tags dog or node, zone, category, event, severity, what, channel, login
//                                           fields alert, device, text (strings), step, status
// (the last two are docs/CONTRACT-EXTENSIONS.md's: dog-activity's output 1, tracker-notify's output 2).
// Timestamps are the message's `ts` in milliseconds.
//
// Every field has one InfluxDB type, decided by its name alone: a float, except the counts and bit
// masks listed in INTEGER_FIELDS, and the few string fields. So two writes can never disagree about a
// field's type (InfluxDB rejects such a point with a "field type conflict").
import { excerpt, isObject, type JsonObject } from '../kernel/checks';
import { batchTooLarge, decodePayload, joinProblems, parseMessage } from '../kernel/parse';
import { ACTIVITY_INTEGER_FIELDS, activityLine } from '../dog-activity/activity-points';
import type { Activity } from '../dog-activity/activity-core';
import { formatLine, type FieldValue } from './line-protocol';
import type { ReadingSampler } from './reading-sampler';

export const MEASUREMENTS = {
  rssi: 'rssi',
  position: 'position',
  alert: 'alert',
  health: 'health',
  activity: 'activity',
  notification: 'notification',
} as const;

/** Fields written as InfluxDB integers, per measurement. Every other numeric field is a float. */
export const INTEGER_FIELDS: Readonly<Record<keyof typeof MEASUREMENTS, ReadonlySet<string>>> = {
  rssi: new Set(['n']),
  position: new Set(['scanners']),
  alert: new Set(['since']),
  health: new Set(['throttled', 'meshOriginators', 'tq']),
  activity: ACTIVITY_INTEGER_FIELDS,
  notification: new Set(['step', 'status']),
};

export interface Conversion {
  /** Line protocol, one point per entry, in the order of the input. */
  lines: string[];
  /** One entry per message that could not be converted, naming it (`payload[3]`) and what is wrong. */
  errors: string[];
}

class ConversionError extends Error {}

type Tags = Array<readonly [string, string | undefined]>;
type Fields = Array<readonly [string, FieldValue]>;

function fail(message: string): never {
  throw new ConversionError(message);
}

// The message was checked by the kernel parser (kernel/parse) before it gets here: these only read it.

function requiredString(msg: JsonObject, key: string): string {
  return String(msg[key]);
}

function optionalString(msg: JsonObject, key: string): string | undefined {
  const value = msg[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A number field: absent adds nothing. The parser checked the contract's fields; a health message may
 * carry more numbers, and one that is not finite (NaN and ±Infinity cannot be stored) is left out.
 */
function addNumber(
  fields: Fields,
  integers: ReadonlySet<string>,
  what: string,
  key: string,
  value: unknown,
  required = false,
): void {
  if (value === undefined || value === null) {
    if (required) fail(`${what} needs ${key} (a number)`);
    return;
  }
  if (typeof value !== 'number') fail(`${what}.${key} must be a number, not ${excerpt(value)}`);
  if (!Number.isFinite(value)) {
    if (required) fail(`${what}.${key} must be a finite number, not ${value}`);
    return;
  }
  if (integers.has(key)) {
    if (!Number.isSafeInteger(value))
      fail(`${what}.${key} must be an integer (it is stored as one), not ${value}`);
    fields.push([key, { kind: 'integer', value }]);
  } else {
    fields.push([key, { kind: 'float', value }]);
  }
}

function timestamp(msg: JsonObject): number {
  return Math.round(msg.ts as number);
}

function rssiLine(msg: JsonObject): string {
  const what = 'rssi reading';
  const fields: Fields = [];
  const integers = INTEGER_FIELDS.rssi;
  addNumber(fields, integers, what, 'rssi', msg.rssi, true);
  for (const key of ['rssiRaw', 'rssiVar', 'txPower', 'battery', 'n'])
    addNumber(fields, integers, what, key, msg[key]);
  const tags: Tags = [
    ['scanner', requiredString(msg, 'scanner')],
    ['mac', requiredString(msg, 'mac')],
    ['dog', optionalString(msg, 'dog')],
  ];
  return formatLine(MEASUREMENTS.rssi, tags, fields, timestamp(msg));
}

function positionLine(msg: JsonObject): string {
  const what = 'position';
  const fields: Fields = [];
  const integers = INTEGER_FIELDS.position;
  addNumber(fields, integers, what, 'x', msg.x, true);
  addNumber(fields, integers, what, 'y', msg.y, true);
  for (const key of ['lat', 'lon', 'accuracy', 'vx', 'vy', 'scanners'])
    addNumber(fields, integers, what, key, msg[key]);
  const method = optionalString(msg, 'method');
  if (method !== undefined) fields.push(['method', { kind: 'string', value: method }]);
  const tags: Tags = [['dog', requiredString(msg, 'dog')]];
  return formatLine(MEASUREMENTS.position, tags, fields, timestamp(msg));
}

function alertLine(msg: JsonObject): string {
  const what = 'alert';
  const event = requiredString(msg, 'event');
  const dog = optionalString(msg, 'dog');
  const zone = optionalString(msg, 'zone');
  const kind = optionalString(msg, 'kind');
  const fields: Fields = [];
  const integers = INTEGER_FIELDS.alert;
  for (const key of ['x', 'y', 'since']) addNumber(fields, integers, what, key, msg[key]);
  if (kind !== undefined) fields.push(['kind', { kind: 'string', value: kind }]);
  // Always present, so an alert without coordinates still has a field; Grafana shows it on annotations.
  const text =
    optionalString(msg, 'text') ?? [dog ?? 'a dog', event, zone].filter((s) => s !== undefined).join(' ');
  fields.push(['text', { kind: 'string', value: text }]);
  const tags: Tags = [
    ['dog', dog],
    ['zone', zone],
    ['event', event],
    ['severity', optionalString(msg, 'severity')],
  ];
  return formatLine(MEASUREMENTS.alert, tags, fields, timestamp(msg));
}

function notificationLine(msg: JsonObject): string {
  const what = requiredString(msg, 'what');
  const fields: Fields = [];
  const integers = INTEGER_FIELDS.notification;
  for (const key of ['alert', 'device']) {
    const value = optionalString(msg, key);
    if (value !== undefined) fields.push([key, { kind: 'string', value }]);
  }
  for (const key of ['step', 'status']) addNumber(fields, integers, 'notification', key, msg[key]);
  // Always present, as an alert's: what happened and why, for a table or an annotation.
  const detail = optionalString(msg, 'detail');
  fields.push(['text', { kind: 'string', value: detail === undefined ? what : `${what}: ${detail}` }]);
  const tags: Tags = [
    ['dog', optionalString(msg, 'dog')],
    ['node', optionalString(msg, 'node')],
    ['zone', optionalString(msg, 'zone')],
    ['category', optionalString(msg, 'category')],
    ['event', optionalString(msg, 'event')],
    ['severity', optionalString(msg, 'severity')],
    ['what', what],
    ['channel', optionalString(msg, 'channel')],
    ['login', optionalString(msg, 'login')],
  ];
  return formatLine(MEASUREMENTS.notification, tags, fields, timestamp(msg));
}

const HEALTH_SKIP = new Set(['v', 'ts']);

function healthLines(msg: JsonObject): string[] {
  const what = 'health';
  const node = requiredString(msg, 'node');
  const ts = timestamp(msg);
  const integers = INTEGER_FIELDS.health;
  const fields: Fields = [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(msg)) {
    if (HEALTH_SKIP.has(key)) continue;
    if (typeof value === 'number') addNumber(fields, integers, what, key, value);
    else if ((key === 'wifi' || key === 'mesh') && isObject(value)) {
      // wifi.signalDbm -> wifiSignalDbm; the neighbours become points of their own (below).
      for (const [inner, innerValue] of Object.entries(value)) {
        if (typeof innerValue === 'number') {
          addNumber(fields, integers, what, key + inner[0].toUpperCase() + inner.slice(1), innerValue);
        }
      }
    }
  }
  if (fields.length > 0) lines.push(formatLine(MEASUREMENTS.health, [['node', node]], fields, ts));

  const mesh = msg.mesh;
  const neighbors = isObject(mesh) ? mesh.neighbors : undefined;
  if (neighbors !== undefined && neighbors !== null) {
    if (!Array.isArray(neighbors)) fail(`health.mesh.neighbors must be an array, not ${excerpt(neighbors)}`);
    neighbors.forEach((neighbor: unknown, i) => {
      const where = `health.mesh.neighbors[${i}]`;
      if (!isObject(neighbor)) fail(`${where} must be an object, not ${excerpt(neighbor)}`);
      const mac = requiredString(neighbor, 'mac');
      const linkFields: Fields = [];
      for (const [key, value] of Object.entries(neighbor)) {
        if (typeof value === 'number') addNumber(linkFields, integers, where, key, value);
      }
      if (linkFields.length === 0) return;
      const tags: Tags = [
        ['node', node],
        ['neighbor', mac],
        ['iface', optionalString(neighbor, 'iface')],
      ];
      lines.push(formatLine(MEASUREMENTS.health, tags, linkFields, ts));
    });
  }
  if (lines.length === 0) fail('health has no numeric field to store');
  return lines;
}

/** The lines of one parsed contract message; throws a ConversionError naming what cannot be stored. */
function messageLines(type: string, msg: JsonObject, sampler: ReadingSampler | undefined): string[] {
  switch (type) {
    case 'rssi':
      return sampler ? sampler.offer(msg).map(rssiLine) : [rssiLine(msg)];
    case 'position':
      return [positionLine(msg)];
    case 'alert':
      return [alertLine(msg)];
    case 'activity':
      return [activityLine(msg as unknown as Activity)];
    case 'notification':
      return [notificationLine(msg)];
    default:
      return healthLines(msg);
  }
}

/**
 * Converts `msg.payload`: one contract message or an array of them (of any types), or its JSON text
 * (as an mqtt in node gives it). A message that cannot be converted is reported in `errors` and left
 * out; the others are still converted. With a `sampler`, rssi readings are stored at its resolution.
 */
export function toLineProtocol(payload: unknown, sampler?: ReadingSampler): Conversion {
  const lines: string[] = [];
  const errors: string[] = [];
  const decoded = decodePayload(payload);
  if (!decoded.ok) {
    errors.push(`payload: neither a contract message nor its JSON text: ${decoded.problem}`);
    return { lines, errors };
  }
  payload = decoded.value;
  const convert = (value: unknown, where: string): void => {
    const parsed = parseMessage(value, where);
    if (!parsed.ok) {
      errors.push(joinProblems(parsed.problems));
      return;
    }
    try {
      const msg = parsed.value.message as unknown as JsonObject;
      for (const line of messageLines(parsed.value.type, msg, sampler)) lines.push(line);
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      errors.push(`${where}: ${err.message}`);
    }
  };
  const tooLarge = Array.isArray(payload) ? batchTooLarge(payload.length) : undefined;
  if (tooLarge) {
    errors.push(tooLarge);
    return { lines, errors };
  }
  if (Array.isArray(payload)) payload.forEach((msg: unknown, i) => convert(msg, `payload[${i}]`));
  else convert(payload, 'payload');
  return { lines, errors };
}
