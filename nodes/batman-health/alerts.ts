// Hardware and mesh alerts from successive health samples of one or more nodes. Each condition is a
// two-state switch per node (and neighbour): an alert is raised when it changes, never again while it
// stays, and thresholds have a hysteresis band so a value hovering at the limit does not flap.
// Event time: alerts carry the `ts` of the health sample that changed the state.
import {
  CONTRACT_VERSION,
  type Alert,
  type Health,
  type MeshNeighbor,
  type Severity,
} from '../kernel/contract';
import { underVoltageNow } from './system';

export interface AlertThresholds {
  /** BATMAN_IV: a link whose TQ (0-255) falls below this is poor. */
  tqMin: number;
  /** BATMAN_V: a link whose throughput (kbit/s) falls below this is poor. */
  throughputMinKbps: number;
  /** Temperature (°C) at or above which the node is too hot. */
  tempHighC: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { tqMin: 100, throughputMinKbps: 1000, tempHighC: 75 };

/** Hysteresis: how far back past the threshold a value must come before the condition clears. */
const TQ_HYSTERESIS = 10;
const THROUGHPUT_HYSTERESIS = 0.2; // fraction of the threshold
const TEMP_HYSTERESIS_C = 5;

export type HealthAlertEvent =
  | 'neighbor-lost'
  | 'neighbor-back'
  | 'link-poor'
  | 'link-ok'
  | 'gateway-lost'
  | 'gateway-back'
  | 'temp-high'
  | 'temp-ok'
  | 'undervoltage'
  | 'undervoltage-ok';

interface NodeState {
  /** Neighbours of the latest sample that had a mesh part. */
  neighbors: Map<string, MeshNeighbor>;
  /** Neighbours seen once and since lost: only these raise `neighbor-back`. */
  lost: Map<string, number>;
  poorLinks: Map<string, number>;
  hadMesh: boolean;
  gateway: string | undefined;
  gatewayLostSince: number | undefined;
  hotSince: number | undefined;
  underVoltageSince: number | undefined;
}

export class HealthAlerter {
  private readonly nodes = new Map<string, NodeState>();

  constructor(private readonly thresholds: AlertThresholds = DEFAULT_THRESHOLDS) {}

  /** The alerts that this sample's changes of state raise (often none). */
  update(health: Health): Alert[] {
    let state = this.nodes.get(health.node);
    if (!state) {
      state = {
        neighbors: new Map(),
        lost: new Map(),
        poorLinks: new Map(),
        hadMesh: false,
        gateway: undefined,
        gatewayLostSince: undefined,
        hotSince: undefined,
        underVoltageSince: undefined,
      };
      this.nodes.set(health.node, state);
    }
    const alerts: Alert[] = [];
    const raise = (
      event: HealthAlertEvent,
      severity: Severity,
      extra: Record<string, unknown> = {},
    ): void => {
      alerts.push({
        v: CONTRACT_VERSION,
        type: 'alert',
        event,
        node: health.node,
        severity,
        ts: health.ts,
        ...extra,
      });
    };
    this.temperature(health, state, raise);
    this.voltage(health, state, raise);
    // Without a mesh part (batctl failed this time) the mesh is unknown, not empty: no mesh alerts.
    if (health.mesh?.neighbors) this.mesh(health, state, raise);
    return alerts;
  }

  /** Forgets a node (it went offline: its links will be rebuilt from scratch). */
  forget(node: string): void {
    this.nodes.delete(node);
  }

  private temperature(health: Health, s: NodeState, raise: Raise): void {
    const t = health.tempC;
    if (t === undefined) return;
    const limit = this.thresholds.tempHighC;
    if (s.hotSince === undefined && t >= limit) {
      s.hotSince = health.ts;
      raise('temp-high', 'warning', { value: t, threshold: limit });
    } else if (s.hotSince !== undefined && t < limit - TEMP_HYSTERESIS_C) {
      raise('temp-ok', 'info', { value: t, threshold: limit, since: s.hotSince });
      s.hotSince = undefined;
    }
  }

  private voltage(health: Health, s: NodeState, raise: Raise): void {
    if (health.throttled === undefined) return;
    const low = underVoltageNow(health.throttled);
    if (low && s.underVoltageSince === undefined) {
      s.underVoltageSince = health.ts;
      raise('undervoltage', 'critical', { value: health.throttled });
    } else if (!low && s.underVoltageSince !== undefined) {
      raise('undervoltage-ok', 'info', { value: health.throttled, since: s.underVoltageSince });
      s.underVoltageSince = undefined;
    }
  }

  private mesh(health: Health, s: NodeState, raise: Raise): void {
    const mesh = health.mesh!;
    const current = new Map((mesh.neighbors ?? []).map((n) => [n.mac, n]));
    if (s.hadMesh) {
      for (const [mac] of s.neighbors) {
        if (current.has(mac)) continue;
        s.lost.set(mac, health.ts);
        s.poorLinks.delete(mac);
        raise('neighbor-lost', 'warning', { neighbor: mac });
      }
    }
    for (const [mac, n] of current) {
      const lostAt = s.lost.get(mac);
      if (lostAt !== undefined) {
        s.lost.delete(mac);
        raise('neighbor-back', 'info', { neighbor: mac, since: lostAt });
      }
      this.link(n, health.ts, s, raise);
    }
    // Gateway: only losing one this node had is news (a node that never had one is not degraded).
    if (mesh.gateway) {
      if (s.gatewayLostSince !== undefined) {
        raise('gateway-back', 'info', { gateway: mesh.gateway, since: s.gatewayLostSince });
        s.gatewayLostSince = undefined;
      }
      s.gateway = mesh.gateway;
    } else if (s.gateway && s.gatewayLostSince === undefined) {
      s.gatewayLostSince = health.ts;
      raise('gateway-lost', 'warning', { gateway: s.gateway });
    }
    s.neighbors = current;
    s.hadMesh = true;
  }

  private link(n: MeshNeighbor, ts: number, s: NodeState, raise: Raise): void {
    let value: number;
    let limit: number;
    let clearAt: number;
    let metric: 'tq' | 'throughputKbps';
    if (n.tq !== undefined) {
      [value, limit, clearAt, metric] = [
        n.tq,
        this.thresholds.tqMin,
        this.thresholds.tqMin + TQ_HYSTERESIS,
        'tq',
      ];
    } else if (n.throughputKbps !== undefined) {
      limit = this.thresholds.throughputMinKbps;
      [value, clearAt, metric] = [n.throughputKbps, limit * (1 + THROUGHPUT_HYSTERESIS), 'throughputKbps'];
    } else {
      return;
    }
    const poorSince = s.poorLinks.get(n.mac);
    if (poorSince === undefined && value < limit) {
      s.poorLinks.set(n.mac, ts);
      raise('link-poor', 'warning', { neighbor: n.mac, metric, value, threshold: limit });
    } else if (poorSince !== undefined && value >= clearAt) {
      s.poorLinks.delete(n.mac);
      raise('link-ok', 'info', { neighbor: n.mac, metric, value, threshold: limit, since: poorSince });
    }
  }
}

type Raise = (event: HealthAlertEvent, severity: Severity, extra?: Record<string, unknown>) => void;
