// The contract's `online` / `offline` status, retained on dogtracker/v1/status/{node} (an MQTT last will).
// Pure.
import { excerpt, payloadText } from '../checks';
import { MESSAGE_LIMITS, type Parsed } from './fields';

export const STATUS_TOPIC = /^dogtracker\/v1\/status\/([^/]+)$/;

export interface NodeStatusMessage {
  node: string;
  status: 'online' | 'offline';
}

/** True when `topic` is a status topic: its payload is a status, whatever it looks like. */
export function isStatusTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && topic.length <= 200 && STATUS_TOPIC.test(topic);
}

/** A status: the node is the topic's last segment, the payload `online` or `offline` (any case, as text or bytes). */
export function parseStatus(topic: unknown, payload: unknown): Parsed<NodeStatusMessage> {
  const match = typeof topic === 'string' && topic.length <= 200 ? STATUS_TOPIC.exec(topic) : null;
  if (!match)
    return {
      ok: false,
      problems: [`a status needs msg.topic dogtracker/v1/status/{node}, not ${excerpt(topic)}`],
    };
  const node = match[1] ?? '';
  if (node.length > MESSAGE_LIMITS.maxIdChars)
    return {
      ok: false,
      problems: [`status topic node must be at most ${MESSAGE_LIMITS.maxIdChars} characters`],
    };
  const text = payloadText(payload);
  const status = text?.trim().toLowerCase();
  if (status !== 'online' && status !== 'offline')
    return {
      ok: false,
      problems: [`status of ${excerpt(node)} must be "online" or "offline", not ${excerpt(text ?? payload)}`],
    };
  return { ok: true, value: { node, status } };
}
