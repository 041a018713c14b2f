// batman-health: on a Pi, samples the node's health and its batman-adv mesh every interval (and on any
// input) and emits a contract `health` message, with alerts on a second output. On the hub ("monitor"
// mode), takes health and status messages from MQTT and reports scanners that go offline or silent.
// Both modes feed the Prometheus gauges served at {httpNodeRoot}/dogtracker/metrics.
import * as os from 'os';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { topics, type Alert, type Health } from '../kernel/contract';
import { serveMetrics } from '../common/metrics-route';
import { readSettings } from '../kernel/settings';
import { BATMAN_HEALTH_SETTINGS } from '../kernel/settings/batman-health';
import { HealthAlerter, type AlertThresholds } from './alerts';
import type { BatctlProblem } from './batctl';
import { BatctlClient } from './batctl-client';
import { recordDown, recordHealth, recordUp } from './health-metrics';
import { LivenessMonitor, type NodeLiveness } from './liveness';
import { buildHealth, readHubInput } from './messages';
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

const PROBLEM_STATUS: Record<BatctlProblem['kind'], string> = {
  missing: 'batctl not installed',
  'not-root': 'batctl needs root',
  'no-interface': 'no mesh interface',
  timeout: 'batctl timed out',
  unsupported: 'batctl output not understood',
  failed: 'batctl failed',
};

const FIRST_SAMPLE_MS = 2000;

function alertMessages(alerts: Alert[], base: NodeMessage = {}): NodeMessage[] {
  return alerts.map((a) => ({ ...base, topic: topics.alert(String(a.node)), payload: a }));
}

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
    if (s.mode === 'monitor') monitor(node, def, thresholds, s.silentAfterS);
    else scanner(node, def, thresholds, s.intervalS, s.timeoutS);
  }

  /** On a Pi: sample on a wall-clock interval (this node is a source; `ts` is the sample time). */
  function scanner(
    node: Node,
    def: BatmanHealthDef,
    thresholds: AlertThresholds,
    intervalS: number,
    timeoutS: number,
  ): void {
    const nodeId = def.nodeId?.trim() || os.hostname();
    const intervalMs = intervalS * 1000;
    const timeoutMs = timeoutS * 1000;
    const meshIface = def.meshIface?.trim() || 'bat0';
    const reader = new SystemReader({ wifiIface: def.wifiIface?.trim(), timeoutMs });
    const batctl = def.batctl?.trim()
      ? new BatctlClient({ command: def.batctl, iface: meshIface, timeoutMs })
      : undefined; // empty command: this node has no mesh (a hub on Ethernet)
    const alerter = new HealthAlerter(thresholds);
    let closed = false;
    let sampling = false;
    let lastProblem = '';

    const sampleNow = async (): Promise<{ health: Health; alerts: Alert[] }> => {
      const ts = Date.now();
      const [system, mesh] = await Promise.all([reader.sample(), batctl?.sample()]);
      const health = buildHealth(nodeId, ts, system, mesh?.ok ? mesh.mesh : undefined);
      const problem = mesh && !mesh.ok ? mesh.problem : undefined;
      if (problem && problem.message !== lastProblem) node.warn(`mesh left out: ${problem.message}`);
      lastProblem = problem?.message ?? '';
      if (!closed) {
        recordHealth(health);
        showStatus(health, problem);
      }
      return { health, alerts: alerter.update(health) };
    };

    // One sample at a time, in order: an input during a timer sample waits for it, so the alerts see the
    // samples in the order of their ts.
    let queue: Promise<unknown> = Promise.resolve();
    const sample = (): Promise<{ health: Health; alerts: Alert[] }> => {
      const next = queue.then(sampleNow);
      queue = next.catch(() => undefined);
      return next;
    };

    const showStatus = (h: Health, problem: BatctlProblem | undefined): void => {
      const parts: string[] = [];
      if (h.mesh) parts.push(`${h.mesh.iface}: ${h.mesh.neighbors?.length ?? 0} neighbours`);
      if (h.tempC !== undefined) parts.push(`${h.tempC} °C`);
      if (problem) {
        node.status({
          fill: 'yellow',
          shape: 'ring',
          text: [PROBLEM_STATUS[problem.kind], ...parts].join(' · '),
        });
      } else {
        node.status({ fill: 'green', shape: 'dot', text: parts.join(' · ') || 'sampled' });
      }
    };

    const tick = (): void => {
      if (sampling || closed) return; // a slow batctl must not pile samples up
      sampling = true;
      sample()
        .then(({ health, alerts }) => {
          if (!closed) node.send([{ topic: topics.health(nodeId), payload: health }, alertMessages(alerts)]);
        })
        .catch((err: unknown) => {
          if (closed) return;
          node.status({ fill: 'red', shape: 'ring', text: 'sampling failed' });
          node.error(`health sample failed: ${errorMessage(err)}`);
        })
        .finally(() => (sampling = false));
    };

    reader.prime().catch(() => undefined);
    // A first sample soon after deploy (the hub should not wait a whole interval), late enough that the
    // CPU % covers a couple of seconds; then one every interval.
    const first = setTimeout(tick, Math.min(FIRST_SAMPLE_MS, intervalMs));
    const timer = setInterval(tick, intervalMs);
    node.status({ fill: 'grey', shape: 'ring', text: 'starting' });

    // Any input samples now (a flow may trigger it); the other properties of the message are kept.
    node.on('input', (msg, send, done) => {
      sample().then(
        ({ health, alerts }) => {
          send([{ ...msg, topic: topics.health(nodeId), payload: health }, alertMessages(alerts, msg)]);
          done();
        },
        (err: unknown) => done(err instanceof Error ? err : new Error(errorMessage(err))),
      );
    });

    node.on('close', () => {
      closed = true;
      clearTimeout(first);
      clearInterval(timer);
      batctl?.abort();
      reader.abort();
    });
  }

  /** On the hub: liveness of every scanner from MQTT; a wall-clock timer finds the silent ones. */
  function monitor(
    node: Node,
    def: BatmanHealthDef,
    thresholds: AlertThresholds,
    silentAfterS: number,
  ): void {
    const silentAfterMs = silentAfterS * 1000;
    const liveness = new LivenessMonitor(silentAfterMs);
    const alerter = def.hubAlerts ? new HealthAlerter(thresholds) : undefined;

    const applyMetrics = (n: NodeLiveness | undefined): void => {
      if (n?.state === 'up') recordUp(n.node);
      else if (n?.state === 'offline' || n?.state === 'silent') recordDown(n.node);
    };
    const showStatus = (): void => {
      const all = liveness.all();
      const down = all.filter((n) => n.state === 'offline' || n.state === 'silent').length;
      const up = all.filter((n) => n.state === 'up').length;
      node.status({ fill: down > 0 ? 'yellow' : 'green', shape: 'dot', text: `${up} up, ${down} down` });
    };

    node.status({ fill: 'grey', shape: 'ring', text: 'waiting for health' });

    node.on('input', (msg, send, done) => {
      let input;
      try {
        input = readHubInput(msg.topic, msg.payload);
      } catch (err) {
        done(err instanceof Error ? err : new Error(errorMessage(err)));
        return;
      }
      const now = Date.now();
      const retained = (msg as { retain?: unknown }).retain === true;
      const alerts: Alert[] = [];
      if (input.kind === 'status') {
        alerts.push(...liveness.status(input.node, input.status, now));
        applyMetrics(liveness.get(input.node));
        showStatus();
        send([null, alertMessages(alerts, msg)]);
        done();
        return;
      }
      for (const h of input.health) {
        recordHealth(h);
        alerts.push(...liveness.health(h, now, retained));
        applyMetrics(liveness.get(h.node));
        if (alerter && !retained) alerts.push(...alerter.update(h));
      }
      showStatus();
      const single = input.health.length === 1 ? input.health[0] : undefined;
      const passOn = {
        ...msg,
        payload: single ?? input.health,
        topic: single ? topics.health(single.node) : msg.topic,
      };
      send([passOn, alertMessages(alerts, msg)]);
      done();
    });

    const check = (): void => {
      try {
        const alerts = liveness.check(Date.now());
        if (alerts.length === 0) return;
        for (const a of alerts) applyMetrics(liveness.get(String(a.node)));
        showStatus();
        node.send([null, alertMessages(alerts)]);
      } catch (err) {
        node.error(`liveness check failed: ${errorMessage(err)}`);
      }
    };
    const timer = setInterval(check, Math.min(Math.max(silentAfterMs / 4, 50), 10000));
    node.on('close', () => clearInterval(timer));
  }

  RED.nodes.registerType('batman-health', BatmanHealth);
};
