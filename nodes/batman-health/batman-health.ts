// batman-health: on a Pi, samples the node's health and its batman-adv mesh every interval (and on any
// input) and emits a contract `health` message, with alerts on a second output. On the hub ("monitor"
// mode), takes health and status messages from MQTT and reports scanners that go offline or silent.
// Both modes feed the Prometheus gauges served at {httpNodeRoot}/dogtracker/metrics. Thin adapter over
// scanner-session.ts and hub-session.ts.
import * as os from 'os';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { topics, type Alert } from '../kernel/contract';
import { serveMetrics } from '../common/metrics-route';
import { readSettings } from '../kernel/settings';
import { BATMAN_HEALTH_SETTINGS } from '../kernel/settings/batman-health';
import type { AlertThresholds } from './alerts';
import { BatctlClient } from './batctl-client';
import { checkIntervalMs, HubSession, WAITING_STATUS } from './hub-session';
import { firstSampleDelayMs, ScannerSession } from './scanner-session';
import { SystemReader } from './system';

interface BatmanHealthDef extends NodeDef {
  mode?: 'scanner' | 'monitor';
  nodeId?: string;
  intervalS?: string | number;
  batctl?: string;
  meshIface?: string;
  wifiIface?: string;
  timeoutS?: string | number;
  tqMin?: string | number;
  throughputMinKbps?: string | number;
  tempHighC?: string | number;
  silentAfterS?: string | number;
  hubAlerts?: boolean;
}

function alertMessages(alerts: Alert[], base: NodeMessage = {}): NodeMessage[] {
  return alerts.map((a) => ({ ...base, topic: topics.alert(String(a.node)), payload: a }));
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(errorMessage(err)));

export = (RED: NodeAPI): void => {
  serveMetrics(RED);

  function BatmanHealth(this: Node, def: BatmanHealthDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const read = readSettings(BATMAN_HEALTH_SETTINGS, def);
    if (!read.ok) {
      const problem = `invalid settings: ${read.problems.join('; ')}`;
      node.error(problem);
      node.status({ fill: 'red', shape: 'ring', text: 'bad settings' });
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }
    const s = read.values;
    const thresholds: AlertThresholds = {
      tqMin: s.tqMin,
      throughputMinKbps: s.throughputMinKbps,
      tempHighC: s.tempHighC,
    };
    if (s.mode === 'monitor') monitor(node, def, thresholds, s.silentAfterS * 1000);
    else scanner(node, def, thresholds, s.intervalS * 1000, s.timeoutS * 1000);
  }

  /** On a Pi: sample on a wall-clock interval (this node is a source; `ts` is the sample time). */
  function scanner(
    node: Node,
    def: BatmanHealthDef,
    th: AlertThresholds,
    intervalMs: number,
    timeoutMs: number,
  ) {
    const nodeId = def.nodeId?.trim() || os.hostname();
    const reader = new SystemReader({ wifiIface: def.wifiIface?.trim(), timeoutMs });
    const iface = def.meshIface?.trim() || 'bat0';
    const batctl = def.batctl?.trim()
      ? new BatctlClient({ command: def.batctl, iface, timeoutMs })
      : undefined;
    const session = new ScannerSession(nodeId, { system: reader, mesh: batctl }, th, Date.now, {
      warn: (text) => node.warn(text),
      sampled: (status) => node.status(status),
    });
    const tick = (): void => {
      session.tick()?.then(
        ({ health, alerts }) => {
          if (!session.isClosed)
            node.send([{ topic: topics.health(nodeId), payload: health }, alertMessages(alerts)]);
        },
        (err: unknown) => {
          if (session.isClosed) return;
          node.status({ fill: 'red', shape: 'ring', text: 'sampling failed' });
          node.error(`health sample failed: ${errorMessage(err)}`);
        },
      );
    };
    reader.prime().catch(() => undefined);
    const first = setTimeout(tick, firstSampleDelayMs(intervalMs));
    const timer = setInterval(tick, intervalMs);
    node.status({ fill: 'grey', shape: 'ring', text: 'starting' });

    // Any input samples now (a flow may trigger it); the other properties of the message are kept.
    node.on('input', (msg, send, done) => {
      session.sample().then(
        ({ health, alerts }) => {
          send([{ ...msg, topic: topics.health(nodeId), payload: health }, alertMessages(alerts, msg)]);
          done();
        },
        (err: unknown) => done(asError(err)),
      );
    });
    node.on('close', () => {
      session.close();
      clearTimeout(first);
      clearInterval(timer);
      batctl?.abort();
      reader.abort();
    });
  }

  /** On the hub: liveness of every scanner from MQTT; a wall-clock timer finds the silent ones. */
  function monitor(node: Node, def: BatmanHealthDef, th: AlertThresholds, silentAfterMs: number) {
    const session = new HubSession(silentAfterMs, th, def.hubAlerts === true);
    node.status(WAITING_STATUS);
    node.on('input', (msg, send, done) => {
      try {
        const retained = (msg as { retain?: unknown }).retain === true;
        const out = session.input(msg.topic, msg.payload, retained, Date.now());
        node.status(out.status);
        send([out.passOn ? { ...msg, ...out.passOn } : null, alertMessages(out.alerts, msg)]);
        done();
      } catch (err) {
        done(asError(err));
      }
    });
    const timer = setInterval(() => {
      try {
        const out = session.check(Date.now());
        if (!out) return;
        node.status(out.status);
        node.send([null, alertMessages(out.alerts)]);
      } catch (err) {
        node.error(`liveness check failed: ${errorMessage(err)}`);
      }
    }, checkIntervalMs(silentAfterMs));
    node.on('close', () => clearInterval(timer));
  }

  RED.nodes.registerType('batman-health', BatmanHealth);
};
