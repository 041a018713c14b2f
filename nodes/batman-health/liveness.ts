// On the hub: which scanners are alive. A node is `up` while its health keeps arriving, `offline` when
// its MQTT last will (`offline` on dogtracker/v1/status/{node}) arrives, `silent` when no health has
// arrived for `silentAfterMs`. Alerts on each change between up and down (offline or silent), once.
//
// Two clocks: health `ts` (event time, the Pi's clock) is what is reported as the last health and in
// `since`; arrival times (the hub's wall clock, passed in by the caller) decide silence, because "nothing
// has arrived for a while" can only be measured on the clock of the one waiting.
import { CONTRACT_VERSION, type Alert, type Health } from '../kernel/contract';

export type Liveness = 'unknown' | 'up' | 'offline' | 'silent';

export interface NodeLiveness {
  node: string;
  state: Liveness;
  /** Event time of the newest health received. */
  lastHealthTs?: number;
  /** Hub wall-clock time when the newest health (or an `online`) arrived. */
  lastArrival?: number;
  /** When the node went down: the hub's clock. */
  downSince?: number;
}

export type LivenessEvent = 'node-offline' | 'node-silent' | 'node-back';

export class LivenessMonitor {
  private readonly nodes = new Map<string, NodeLiveness>();

  constructor(private readonly silentAfterMs: number) {}

  get(node: string): NodeLiveness | undefined {
    return this.nodes.get(node);
  }

  all(): NodeLiveness[] {
    return [...this.nodes.values()];
  }

  /**
   * A health message arrived at `arrivedAt` (hub clock). A retained one (`retained`: replayed by the
   * broker on subscribe) is old news: it updates what is known but does not prove the node is alive.
   */
  health(h: Health, arrivedAt: number, retained = false): Alert[] {
    const n = this.entry(h.node);
    if (n.lastHealthTs !== undefined && h.ts <= n.lastHealthTs) return []; // a duplicate or out of order
    n.lastHealthTs = h.ts;
    if (retained) {
      n.lastArrival ??= arrivedAt;
      return [];
    }
    n.lastArrival = arrivedAt;
    return this.setUp(n, arrivedAt);
  }

  /** `online` / `offline` from dogtracker/v1/status/{node}. */
  status(node: string, status: 'online' | 'offline', arrivedAt: number): Alert[] {
    const n = this.entry(node);
    if (status === 'online') {
      n.lastArrival = arrivedAt;
      return this.setUp(n, arrivedAt);
    }
    return this.setDown(n, 'offline', arrivedAt);
  }

  /** Run on a wall-clock timer: nodes up whose health stopped arriving become silent. */
  check(now: number): Alert[] {
    const alerts: Alert[] = [];
    for (const n of this.nodes.values()) {
      if (n.state !== 'up' || n.lastArrival === undefined) continue;
      if (now - n.lastArrival > this.silentAfterMs) alerts.push(...this.setDown(n, 'silent', now));
    }
    return alerts;
  }

  private entry(node: string): NodeLiveness {
    let n = this.nodes.get(node);
    if (!n) {
      n = { node, state: 'unknown' };
      this.nodes.set(node, n);
    }
    return n;
  }

  private setUp(n: NodeLiveness, now: number): Alert[] {
    const was = n.state;
    const since = n.downSince;
    n.state = 'up';
    n.downSince = undefined;
    return was === 'offline' || was === 'silent'
      ? [this.alert(n, 'node-back', 'info', now, { since, was })]
      : [];
  }

  private setDown(n: NodeLiveness, to: 'offline' | 'silent', now: number): Alert[] {
    // Down already (silent, then the last will arrives): the first report stands, no second alert.
    if (n.state === 'offline' || n.state === 'silent') {
      n.state = to === 'offline' ? 'offline' : n.state;
      return [];
    }
    n.state = to;
    n.downSince = now;
    const extra: Record<string, unknown> = {};
    if (n.lastHealthTs !== undefined) extra.lastHealthTs = n.lastHealthTs;
    return [this.alert(n, to === 'offline' ? 'node-offline' : 'node-silent', 'critical', now, extra)];
  }

  private alert(
    n: NodeLiveness,
    event: LivenessEvent,
    severity: Alert['severity'],
    ts: number,
    extra: Record<string, unknown>,
  ): Alert {
    const payload: Alert = { v: CONTRACT_VERSION, type: 'alert', event, node: n.node, severity, ts };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) payload[k] = v;
    return payload;
  }
}
