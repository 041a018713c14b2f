// What an incoming alert is, for notifications: its category (what people subscribe to), whether it
// opens a notifiable alert or resolves one, and the key that pairs the two (exit of the safe zone
// `yard` by `rex` is resolved by his `enter` of `yard`). A minimal parser of the contract `alert`
// message; the kernel's shared parser replaces it once there is one.
import { excerpt, isFiniteNumber, isNonEmptyString, isObject } from '../kernel/checks';
import type { Alert, Severity } from '../kernel/contract';

export const CATEGORIES = [
  'escape', // exit of a safe zone
  'forbidden', // enter of a forbidden zone
  'missing',
  'dwell',
  'battery', // collar battery low
  'scanner-offline',
  'hub', // hub / mesh trouble (batman-health's other alerts)
  'zone', // enter / exit of info zones
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface Classified {
  alert: Alert;
  /** Who the alert is about: a dog id, else a node (a Pi) id. */
  subject: string;
  category: Category;
  /** Pairs an alert with what resolves it. */
  key: string;
  /** `open`: notify; `resolve`: ends the open alert with the same key; `ignore`: neither. */
  role: 'open' | 'resolve' | 'ignore';
}

const RECOVERY: Readonly<Record<string, string>> = {
  'node-back': 'node-offline',
  'neighbor-back': 'neighbor-lost',
  'link-ok': 'link-poor',
  'gateway-back': 'gateway-lost',
  'temp-ok': 'temp-high',
  'undervoltage-ok': 'undervoltage',
  'scanner-online': 'scanner-offline',
};

/** Parses and classifies one alert payload; throws an Error naming the bad field. */
export function classifyAlert(payload: unknown): Classified {
  if (!isObject(payload)) throw new Error(`alert payload must be an object, not ${excerpt(payload)}`);
  if (payload.type !== 'alert') throw new Error(`payload.type must be "alert", not ${excerpt(payload.type)}`);
  const event = payload.event;
  if (!isNonEmptyString(event) || event.length > 64)
    throw new Error(`alert.event must be a short string, not ${excerpt(event)}`);
  if (!isFiniteNumber(payload.ts))
    throw new Error(`alert.ts must be a finite number, not ${excerpt(payload.ts)}`);
  const severity = payload.severity ?? 'warning';
  if (!SEVERITIES.includes(severity as Severity))
    throw new Error(`alert.severity must be info, warning or critical, not ${excerpt(severity)}`);
  for (const field of ['dog', 'node', 'zone', 'kind', 'zoneName'] as const) {
    const v = payload[field];
    if (v !== undefined && (typeof v !== 'string' || v.length > 200))
      throw new Error(`alert.${field} must be a string, not ${excerpt(v)}`);
  }
  const dog = payload.dog as string | undefined;
  const node = (payload.node ?? payload.scanner) as string | undefined;
  const subject = dog ?? node;
  if (!isNonEmptyString(subject)) throw new Error('alert needs dog (or node, for an alert about a Pi)');
  const alert = { ...payload, severity } as Alert;
  const zone = (payload.zone as string | undefined) ?? '';
  const kind = payload.kind as string | undefined;

  const result = (category: Category, role: Classified['role'], keyEvent = event): Classified => ({
    alert,
    subject,
    category,
    role,
    key: `${category}|${subject}|${zone}|${keyEvent}`,
  });

  if (dog !== undefined) {
    switch (event) {
      case 'exit':
        if (kind === 'safe') return result('escape', 'open');
        if (kind === 'forbidden') return result('forbidden', 'resolve', 'enter');
        return result('zone', kind === 'info' ? 'open' : 'ignore');
      case 'enter':
        if (kind === 'safe') return result('escape', 'resolve', 'exit');
        if (kind === 'forbidden') return result('forbidden', 'open');
        return result('zone', kind === 'info' ? 'open' : 'ignore');
      case 'dwell':
        return result('dwell', 'open');
      case 'missing':
        return { ...result('missing', 'open'), key: `missing|${dog}` };
      case 'found':
        return { ...result('missing', 'resolve'), key: `missing|${dog}` };
      case 'battery-low':
        return { ...result('battery', 'open'), key: `battery|${dog}` };
      case 'battery-ok':
        return { ...result('battery', 'resolve'), key: `battery|${dog}` };
      // No reading of the collar at all (dog-activity): as urgent to a family as a missing dog.
      case 'collar-silent':
        return { ...result('missing', 'open'), key: `collar|${dog}` };
      case 'collar-back':
        return { ...result('missing', 'resolve'), key: `collar|${dog}` };
      default:
        return result('zone', 'ignore');
    }
  }
  // About a node (batman-health, scanner liveness).
  if (event === 'battery-low') return { ...result('battery', 'open'), key: `battery|${subject}` };
  if (event === 'battery-ok') return { ...result('battery', 'resolve'), key: `battery|${subject}` };
  const offline = `scanner-offline|${subject}`;
  if (event === 'node-offline' || event === 'node-silent' || event === 'scanner-offline')
    return { ...result('scanner-offline', 'open'), key: offline };
  const opened = RECOVERY[event];
  if (opened === 'node-offline' || opened === 'scanner-offline')
    return { ...result('scanner-offline', 'resolve'), key: offline };
  if (opened !== undefined) return { ...result('hub', 'resolve'), key: `hub|${subject}|${opened}` };
  return { ...result('hub', 'open'), key: `hub|${subject}|${event}` };
}
