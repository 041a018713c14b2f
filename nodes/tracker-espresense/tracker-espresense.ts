// tracker-espresense: ESPresense room nodes (ESP32) as scanners of the site. ESPresense's MQTT messages in
// (from an mqtt in node), contract readings out on output 1, scanner status and health on output 2.
// Node-RED adapter only: the conversion is in espresense.ts.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { topics } from '../kernel/contract';
import { linkSite } from '../common/site-link';
import { EspresenseBridge, parseRoomMap } from './espresense';

interface TrackerEspresenseDef extends NodeDef {
  site?: string;
  root?: string;
  rooms?: string;
  allBeacons?: boolean;
}

export = (RED: NodeAPI): void => {
  function TrackerEspresense(this: Node, def: TrackerEspresenseDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const map = parseRoomMap(def.rooms ?? '');
    const root = (def.root ?? '').trim() || 'espresense';
    if (map.errors.length > 0 || /[/+#]/.test(root)) {
      const problem = `invalid settings: ${[...map.errors, ...(/[/+#]/.test(root) ? ['the topic root must be one topic level'] : [])].join('; ')}`;
      node.status({ fill: 'red', shape: 'ring', text: 'invalid settings' });
      node.error(problem);
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }
    const bridge = new EspresenseBridge({ root, rooms: map.rooms, allBeacons: def.allBeacons === true });
    const counts = { readings: 0, skipped: 0 };
    const online = new Set<string>();
    let shown = '';
    const showStatus = (): void => {
      const text = `${counts.readings} readings, ${online.size} room${online.size === 1 ? '' : 's'} online`;
      if (text === shown) return;
      shown = text;
      node.status({ fill: 'green', shape: online.size > 0 ? 'dot' : 'ring', text });
    };

    const site = linkSite(RED, node, def.site, (view) => {
      bridge.setSite(view);
      shown = '';
      showStatus();
    });

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (!site.view) return done(new Error(site.problem));
      try {
        const result = bridge.accept(msg.topic, msg.payload, Date.now());
        let out: [NodeMessage | null, NodeMessage | null] | undefined;
        if (result.kind === 'reading') {
          counts.readings++;
          const topic = topics.rssi(result.reading.scanner);
          out = [{ ...msg, topic, payload: result.reading, qos: 0, retain: false }, null];
        } else if (result.kind === 'status') {
          if (result.status === 'online') online.add(result.scanner);
          else online.delete(result.scanner);
          const topic = topics.status(result.scanner);
          out = [null, { ...msg, topic, payload: result.status, qos: 1, retain: true }];
        } else if (result.kind === 'health') {
          const topic = topics.health(result.health.node);
          out = [null, { ...msg, topic, payload: result.health, qos: 1, retain: true }];
        } else {
          counts.skipped++;
        }
        if (out) send(out);
        showStatus();
        done();
      } catch (err) {
        done(new Error(errorMessage(err)));
      }
    });
  }

  RED.nodes.registerType('tracker-espresense', TrackerEspresense);
};
