// Health messages -> the Prometheus gauges of nodes/common/metrics.ts. One recorder per process (module
// state), because the registry is per process and several batman-health nodes may feed it.
import type { Health } from '../kernel/contract';
import { healthMetrics as m } from '../common/metrics';
import { underVoltageNow } from './system';

type NodeGaugeName = Exclude<keyof typeof m, 'linkTq' | 'linkThroughput' | 'linkLastSeen'>;

/** Neighbours with link series, per node, so the series of a neighbour that is gone can be removed. */
const linkSeries = new Map<string, Set<string>>();

function setOrRemove(gauge: NodeGaugeName, node: string, value: number | undefined): void {
  if (value === undefined || !Number.isFinite(value)) m[gauge].remove({ node });
  else m[gauge].set({ node }, value);
}

/** Records one health message: sets what it reports, removes what it no longer reports. */
export function recordHealth(h: Health): void {
  const node = h.node;
  m.up.set({ node }, 1);
  m.lastHealth.set({ node }, h.ts / 1000);
  setOrRemove('cpu', node, h.cpu);
  setOrRemove('load1', node, h.load1);
  setOrRemove('memUsed', node, h.memUsedPct);
  setOrRemove('temperature', node, h.tempC);
  setOrRemove('throttled', node, h.throttled);
  setOrRemove(
    'underVoltage',
    node,
    h.throttled === undefined ? undefined : Number(underVoltageNow(h.throttled)),
  );
  setOrRemove('uptime', node, h.uptimeS);
  setOrRemove('wifiSignal', node, h.wifi?.signalDbm);

  const mesh = h.mesh;
  setOrRemove('originators', node, mesh?.originators);
  setOrRemove('neighbors', node, mesh?.neighbors?.length);
  setOrRemove('gatewayPresent', node, mesh ? Number(Boolean(mesh.gateway)) : undefined);

  const now = new Set<string>();
  for (const n of mesh?.neighbors ?? []) {
    const labels = { node, neighbor: n.mac };
    now.add(n.mac);
    if (n.tq !== undefined) m.linkTq.set(labels, n.tq);
    else m.linkTq.remove(labels);
    if (n.throughputKbps !== undefined) m.linkThroughput.set(labels, n.throughputKbps);
    else m.linkThroughput.remove(labels);
    if (n.lastSeenMs !== undefined) m.linkLastSeen.set(labels, n.lastSeenMs / 1000);
    else m.linkLastSeen.remove(labels);
  }
  for (const gone of linkSeries.get(node) ?? []) if (!now.has(gone)) removeLink(node, gone);
  linkSeries.set(node, now);
}

/** The node is offline or silent: up = 0; its last values stay for the post-mortem. */
export function recordDown(node: string): void {
  m.up.set({ node }, 0);
}

export function recordUp(node: string): void {
  m.up.set({ node }, 1);
}

function removeLink(node: string, neighbor: string): void {
  const labels = { node, neighbor };
  m.linkTq.remove(labels);
  m.linkThroughput.remove(labels);
  m.linkLastSeen.remove(labels);
}
