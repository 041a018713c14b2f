// Building the contract `health` message of this node, and reading what arrives on the hub (health
// messages and `online`/`offline` status from MQTT). Pure.
import { CONTRACT_VERSION, type Health } from '../kernel/contract';
import { isFiniteNumber, isNonEmptyString, isObject, payloadText } from '../kernel/checks';
import type { MeshSample } from './batctl';
import type { SystemSample } from './system';

export function buildHealth(node: string, ts: number, system: SystemSample, mesh?: MeshSample): Health {
  const h: Health = { v: CONTRACT_VERSION, type: 'health', node, ts, ...system };
  if (mesh) h.mesh = mesh;
  return h;
}

export type HubInput =
  { kind: 'health'; health: Health[] } | { kind: 'status'; node: string; status: 'online' | 'offline' };

const STATUS_TOPIC = /^dogtracker\/v1\/status\/([^/]+)$/;

/**
 * What a monitor-mode node received: a `health` payload (object, batch, or its JSON text, as an mqtt in
 * node gives it) or an `online`/`offline` status whose node is the last segment of the status topic.
 * Throws an Error naming what is wrong.
 */
export function readHubInput(topic: unknown, payload: unknown): HubInput {
  const text = payloadText(payload);
  const statusTopic = typeof topic === 'string' ? STATUS_TOPIC.exec(topic) : null;
  if (statusTopic) {
    const status = (text ?? '').trim().toLowerCase();
    if (status !== 'online' && status !== 'offline')
      throw new Error(
        `status of ${statusTopic[1]} must be "online" or "offline", got ${JSON.stringify(text ?? payload)}`,
      );
    return { kind: 'status', node: statusTopic[1], status };
  }
  let value: unknown = payload;
  if (text !== undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`payload is neither a health object nor its JSON text: ${text.slice(0, 60)}`);
    }
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new Error('payload is an empty batch');
  return {
    kind: 'health',
    health: items.map((item, i) => checkHealth(item, items.length > 1 ? `[${i}]` : '')),
  };
}

function checkHealth(value: unknown, where: string): Health {
  const at = `payload${where}`;
  if (!isObject(value)) throw new Error(`${at} must be a health object`);
  if (value.type !== 'health')
    throw new Error(`${at}.type must be "health", got ${JSON.stringify(value.type)}`);
  if (!isNonEmptyString(value.node)) throw new Error(`${at}.node must be a node id`);
  if (!isFiniteNumber(value.ts)) throw new Error(`${at}.ts must be a time in ms since the epoch`);
  for (const key of ['cpu', 'load1', 'memUsedPct', 'tempC', 'throttled', 'uptimeS'] as const)
    if (value[key] !== undefined && !isFiniteNumber(value[key]))
      throw new Error(`${at}.${key} must be a number`);
  if (value.mesh !== undefined) {
    const mesh = value.mesh;
    if (!isObject(mesh) || (mesh.neighbors !== undefined && !Array.isArray(mesh.neighbors)))
      throw new Error(`${at}.mesh must be an object with a neighbors array`);
    const neighbors: unknown[] = Array.isArray(mesh.neighbors) ? mesh.neighbors : [];
    for (const [i, n] of neighbors.entries())
      if (!isObject(n) || !isNonEmptyString(n.mac))
        throw new Error(`${at}.mesh.neighbors[${i}].mac is missing`);
  }
  return value as unknown as Health;
}
