// The monitor mode of batman-health without Node-RED: the liveness of every scanner from what arrives on
// the hub (health and online/offline status), its alerts, gauges and status text. Arrival times are given
// by the adapter (the hub clock), so tests drive it with plain numbers.
import { topics, type Alert, type Health } from '../kernel/contract';
import { HealthAlerter, type AlertThresholds } from './alerts';
import { recordDown, recordHealth, recordUp } from './health-metrics';
import { LivenessMonitor, type NodeLiveness } from './liveness';
import { readHubInput } from './messages';
import type { NodeStatusChoice } from './scanner-session';

export interface HubOutcome {
  /** What to pass on first output: absent for a status message. */
  passOn?: { topic: string | undefined; payload: Health | Health[] };
  alerts: Alert[];
  status: NodeStatusChoice;
}

export const WAITING_STATUS: NodeStatusChoice = { fill: 'grey', shape: 'ring', text: 'waiting for health' };

/** How often the silent check runs: a quarter of the silence, within 50 ms … 10 s. */
export function checkIntervalMs(silentAfterMs: number): number {
  return Math.min(Math.max(silentAfterMs / 4, 50), 10000);
}

export class HubSession {
  private readonly liveness: LivenessMonitor;
  private readonly alerter: HealthAlerter | undefined;

  constructor(silentAfterMs: number, thresholds: AlertThresholds, hubAlerts: boolean) {
    this.liveness = new LivenessMonitor(silentAfterMs);
    this.alerter = hubAlerts ? new HealthAlerter(thresholds) : undefined;
  }

  /** A message from MQTT. Throws an Error naming what is wrong with it. */
  input(topic: string | undefined, payload: unknown, retained: boolean, now: number): HubOutcome {
    const input = readHubInput(topic, payload);
    const alerts: Alert[] = [];
    if (input.kind === 'status') {
      alerts.push(...this.liveness.status(input.node, input.status, now));
      this.applyMetrics(this.liveness.get(input.node));
      return { alerts, status: this.status() };
    }
    for (const h of input.health) {
      recordHealth(h);
      alerts.push(...this.liveness.health(h, now, retained));
      this.applyMetrics(this.liveness.get(h.node));
      if (this.alerter && !retained) alerts.push(...this.alerter.update(h));
    }
    const single = input.health.length === 1 ? input.health[0] : undefined;
    const passOn = { payload: single ?? input.health, topic: single ? topics.health(single.node) : topic };
    return { passOn, alerts, status: this.status() };
  }

  /** The timer's check: undefined when nothing changed. */
  check(now: number): { alerts: Alert[]; status: NodeStatusChoice } | undefined {
    const alerts = this.liveness.check(now);
    if (alerts.length === 0) return undefined;
    for (const a of alerts) this.applyMetrics(this.liveness.get(String(a.node)));
    return { alerts, status: this.status() };
  }

  private applyMetrics(n: NodeLiveness | undefined): void {
    if (n?.state === 'up') recordUp(n.node);
    else if (n?.state === 'offline' || n?.state === 'silent') recordDown(n.node);
  }

  private status(): NodeStatusChoice {
    const all = this.liveness.all();
    const down = all.filter((n) => n.state === 'offline' || n.state === 'silent').length;
    const up = all.filter((n) => n.state === 'up').length;
    return { fill: down > 0 ? 'yellow' : 'green', shape: 'dot', text: `${up} up, ${down} down` };
  }
}
