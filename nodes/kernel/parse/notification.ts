// tracker-notify's notification history message (its 2nd output, docs/CONTRACT-EXTENSIONS.md). Pure.
import { isObject } from '../checks';
import { CONTRACT_VERSION, type Severity } from '../contract';
import { FieldReader, MESSAGE_LIMITS, notAnObject, type Parsed } from './fields';
import { SEVERITIES } from './alert';

/** The steps of an alert's notification history. */
export const NOTIFICATION_STEPS = [
  'opened',
  'notified',
  'quiet',
  'delivered',
  'retry',
  'failed',
  'gone',
  'escalated',
  'acknowledged',
  'resolved',
  'repeated',
] as const;

export interface NotificationMessage {
  v: number;
  type: 'notification';
  ts: number;
  alert: string;
  what: (typeof NOTIFICATION_STEPS)[number];
  category: string;
  event: string;
  severity: Severity;
  dog?: string;
  node?: string;
  zone?: string;
  login?: string;
  channel?: string;
  device?: string;
  step?: number;
  status?: number;
  detail?: string;
}

/** A `notification` history step (`type` required). The value is a shallow copy with `v` filled in. */
export function parseNotification(value: unknown, path = 'payload'): Parsed<NotificationMessage> {
  if (!isObject(value)) return notAnObject(path, 'a notification object (type "notification")', value);
  const f = new FieldReader(value, path);
  f.header('notification', true, CONTRACT_VERSION);
  f.ts('ts', true);
  f.string('alert', true);
  f.oneOf('what', NOTIFICATION_STEPS, true);
  f.string('category', true);
  f.string('event', true);
  f.oneOf('severity', SEVERITIES, true);
  for (const key of ['dog', 'node', 'zone', 'login', 'channel', 'device']) f.string(key, false);
  f.number('step', false, { integer: true, min: 0, max: 1000 });
  f.number('status', false, { integer: true, min: 0, max: 999, unit: 'HTTP status' });
  f.string('detail', false, MESSAGE_LIMITS.maxTextChars);
  return f.done(() => ({ ...(value as unknown as NotificationMessage), v: CONTRACT_VERSION }));
}
