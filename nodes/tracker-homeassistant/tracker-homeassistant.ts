// tracker-homeassistant: Home Assistant MQTT discovery. Contract messages (positions, zone states, alerts,
// readings, health, status) and Home Assistant's birth message in; the retained discovery configs and entity
// states to publish out, for an mqtt out node. Node-RED adapter only: the discovery is in discovery.ts.
import { readFileSync } from 'fs';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { linkSite } from '../common/site-link';
import { HomeAssistantDiscovery, ObserveError, type MqttMessage } from './discovery';

interface TrackerHomeAssistantDef extends NodeDef {
  site?: string;
  prefix?: string;
  nodeId?: string;
  hub?: string;
  stateRoot?: string;
}

function packageVersion(): string | undefined {
  try {
    const file = path.join(__dirname, '..', '..', '..', 'package.json');
    const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

export = (RED: NodeAPI): void => {
  const swVersion = packageVersion();

  function TrackerHomeAssistant(this: Node, def: TrackerHomeAssistantDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let discovery: HomeAssistantDiscovery;
    try {
      discovery = new HomeAssistantDiscovery({
        prefix: (def.prefix ?? '').trim() || 'homeassistant',
        nodeId: (def.nodeId ?? '').trim() || 'dogtracker',
        hub: (def.hub ?? 'hub').trim(),
        stateRoot: (def.stateRoot ?? '').trim() || 'dogtracker/v1/ha',
        origin: {
          name: 'node-red-contrib-dog-tracker',
          ...(swVersion ? { sw_version: swVersion } : {}),
          support_url: 'https://github.com/dog-tracker/node-red-contrib-dog-tracker',
        },
      });
    } catch (err) {
      const problem = `invalid settings: ${errorMessage(err)}`;
      node.status({ fill: 'red', shape: 'ring', text: 'invalid settings' });
      node.error(problem);
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }

    const toMsgs = (messages: MqttMessage[]): NodeMessage[] =>
      messages.map((m) => ({ topic: m.topic, payload: m.payload, retain: m.retain, qos: m.qos }));
    let shown = '';
    const showStatus = (): void => {
      const text = `${discovery.entityCount} entities`;
      if (text === shown) return;
      shown = text;
      node.status({ fill: 'green', shape: 'dot', text });
    };

    const site = linkSite(RED, node, def.site, (view) => {
      const out = discovery.setSite(view);
      if (out.length > 0) node.send([toMsgs(out)]);
      showStatus();
    });

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      let out: MqttMessage[];
      let problem: Error | undefined;
      try {
        out = discovery.observe(msg.topic, msg.payload);
      } catch (err) {
        out = err instanceof ObserveError ? err.messages : [];
        problem = new Error(discovery.hasSite || site.view ? errorMessage(err) : site.problem);
      }
      // Our messages carry only topic, payload, retain and qos: a retained flag of the input must not leak.
      if (out.length > 0) send([toMsgs(out)]);
      showStatus();
      done(problem);
    });
  }

  RED.nodes.registerType('tracker-homeassistant', TrackerHomeAssistant);
};
