// Building the contract `health` message of this node, and reading what arrives on the hub (health
// messages and `online`/`offline` status from MQTT). Pure.
import { CONTRACT_VERSION, type Health } from '../kernel/contract';
import { isStatusTopic, parseBatch, parseHealth, parseStatus, summarize } from '../kernel/parse';
import type { MeshSample } from './batctl';
import type { SystemSample } from './system';

export function buildHealth(node: string, ts: number, system: SystemSample, mesh?: MeshSample): Health {
  const h: Health = { v: CONTRACT_VERSION, type: 'health', node, ts, ...system };
  if (mesh) h.mesh = mesh;
  return h;
}

export type HubInput =
  { kind: 'health'; health: Health[] } | { kind: 'status'; node: string; status: 'online' | 'offline' };

/**
 * What a monitor-mode node received: a `health` payload (object, batch, or its JSON text, as an mqtt in
 * node gives it) or an `online`/`offline` status whose node is the last segment of the status topic.
 * The checks are the kernel parsers'. Throws an Error naming what is wrong.
 */
export function readHubInput(topic: unknown, payload: unknown): HubInput {
  if (isStatusTopic(topic)) {
    const status = parseStatus(topic, payload);
    if (!status.ok) throw new Error(status.problems.join('; '));
    return { kind: 'status', ...status.value };
  }
  const batch = parseBatch(payload, parseHealth);
  if (batch.total === 0) throw new Error('payload is an empty batch');
  if (batch.refused > 0) throw new Error(summarize(batch, 'health messages'));
  return { kind: 'health', health: batch.values };
}
