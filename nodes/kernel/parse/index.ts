// One parser per contract message, the same strictness in every node that reads them. Each returns
// `{ ok: true, value } | { ok: false, problems }`, every problem naming its path (`payload[3].rssi`) and
// quoting at most a short excerpt of the bad value. Pure: no Node-RED here.
import { excerpt, isObject } from '../checks';
import type { Alert, Health, Position, RssiReading } from '../contract';
import { parseActivity, type ActivityMessage } from './activity';
import { parseAlert } from './alert';
import { notAnObject, type Parsed } from './fields';
import { parseHealth } from './health';
import { parseNotification, type NotificationMessage } from './notification';
import { parsePosition } from './position';
import { parseRssi } from './rssi';

export { parseAlert, ALERT_EVENTS, SEVERITIES } from './alert';
export { parseHealth } from './health';
export { parseActivity, ACTIVITY_SOURCES, ACTIVITY_STATES, type ActivityMessage } from './activity';
export { parseNotification, NOTIFICATION_STEPS, type NotificationMessage } from './notification';
export { parsePosition } from './position';
export { parseRssi, FRAME_KINDS, RSSI_RANGE_DBM } from './rssi';
export { parseStatus, isStatusTopic, STATUS_TOPIC, type NodeStatusMessage } from './status';
export { FieldReader, MESSAGE_LIMITS, readCov, type NumberRule, type Parsed } from './fields';
export {
  batchTooLarge,
  decodePayload,
  joinProblems,
  MAX_BATCH_ITEMS,
  parseBatch,
  summarize,
  MAX_KEPT_PROBLEMS,
  MAX_LISTED_PROBLEMS,
  type Batch,
  type Decoded,
} from './batch';

export type AnyMessage =
  | { type: 'rssi'; message: RssiReading }
  | { type: 'position'; message: Position }
  | { type: 'alert'; message: Alert }
  | { type: 'health'; message: Health }
  | { type: 'activity'; message: ActivityMessage }
  | { type: 'notification'; message: NotificationMessage };

const TYPES = ['rssi', 'position', 'alert', 'health', 'activity', 'notification'] as const;

/**
 * Any of the four contract messages or the two of docs/CONTRACT-EXTENSIONS.md (dog-activity's `activity`,
 * tracker-notify's `notification`), by its `type` (required here: nothing else says which it is), or
 * only those of `accept`.
 */
export function parseMessage(
  value: unknown,
  path = 'payload',
  accept: readonly AnyMessage['type'][] = TYPES,
): Parsed<AnyMessage> {
  if (!isObject(value))
    return notAnObject(path, `a contract message (an object of type ${accept.join(', ')})`, value);
  const wrap = <T extends AnyMessage['type'], M>(type: T, parsed: Parsed<M>): Parsed<AnyMessage> =>
    parsed.ok ? { ok: true, value: { type, message: parsed.value } as AnyMessage } : parsed;
  const type = value.type;
  if (!accept.includes(type as AnyMessage['type']))
    return {
      ok: false,
      problems: [`${path}.type must be one of ${accept.join(', ')}, not ${excerpt(type)}`],
    };
  switch (type) {
    case 'rssi':
      return wrap('rssi', parseRssi(value, path));
    case 'position':
      return wrap('position', parsePosition(value, path));
    case 'alert':
      return wrap('alert', parseAlert(value, path));
    case 'activity':
      return wrap('activity', parseActivity(value, path));
    case 'notification':
      return wrap('notification', parseNotification(value, path));
    default:
      return wrap('health', parseHealth(value, path));
  }
}
