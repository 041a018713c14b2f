// The contract's `alert`, with the events of docs/CONTRACT-EXTENSIONS.md. Pure.
import { isObject } from '../checks';
import { CONTRACT_VERSION, type Alert, type Severity } from '../contract';
import { FieldReader, MESSAGE_LIMITS, notAnObject, type Parsed } from './fields';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/** Events about a dog (the contract, dog-activity) and about a node (batman-health): docs/CONTRACT-EXTENSIONS.md. */
export const ALERT_EVENTS: readonly string[] = [
  'enter',
  'exit',
  'dwell',
  'missing',
  'found',
  'neighbor-lost',
  'neighbor-back',
  'link-poor',
  'link-ok',
  'gateway-lost',
  'gateway-back',
  'temp-high',
  'temp-ok',
  'undervoltage',
  'undervoltage-ok',
  'node-offline',
  'node-silent',
  'node-back',
  // dog-activity (docs/CONTRACT-EXTENSIONS.md), stored by influx-write beside geofence-alert's.
  'inactive',
  'active',
  'restless',
  'accel-silent',
  'accel-back',
  'collar-silent',
  'collar-back',
  // What tracker-notify reads where a node emits them.
  'battery-low',
  'battery-ok',
  'scanner-offline',
  'scanner-online',
];

/** An `alert` (`type` required). The value is a shallow copy with `v` and `severity` (`info`) filled in. */
export function parseAlert(value: unknown, path = 'payload'): Parsed<Alert> {
  if (!isObject(value)) return notAnObject(path, 'an alert object (type "alert")', value);
  const f = new FieldReader(value, path);
  f.header('alert', true, CONTRACT_VERSION);
  f.oneOf('event', ALERT_EVENTS, true);
  f.ts('ts', true);
  const severity = f.oneOf('severity', SEVERITIES, false);
  for (const key of ['dog', 'zone', 'kind', 'node', 'zoneName', 'neighbor', 'metric']) f.string(key, false);
  f.string('text', false, MESSAGE_LIMITS.maxTextChars);
  const m = MESSAGE_LIMITS.maxPositionM;
  f.number('x', false, { min: -m, max: m, unit: 'm' });
  f.number('y', false, { min: -m, max: m, unit: 'm' });
  f.ts('since', false);
  f.number('value', false);
  f.number('threshold', false);
  return f.done(() => ({
    ...(value as unknown as Alert),
    v: CONTRACT_VERSION,
    severity: severity ?? 'info',
  }));
}
