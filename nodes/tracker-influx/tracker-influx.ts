// tracker-influx: the config node that holds an InfluxDB connection, shared by influx-write nodes.
// User name, password and token are Node-RED credentials: never in the flow file or an export.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { connect, type InfluxSecrets, type InfluxSettings } from './connection';
import type { InfluxSink } from './sink';
import type { TrackerInfluxNode } from './tracker-influx-node';

type TrackerInfluxDef = NodeDef & InfluxSettings;

export = (RED: NodeAPI): void => {
  function TrackerInflux(this: Node, def: TrackerInfluxDef): void {
    RED.nodes.createNode(this, def);
    const node = this as TrackerInfluxNode & { credentials?: InfluxSecrets };
    const result = connect(def, node.credentials ?? {});
    const sink: InfluxSink | undefined = result.sink;
    const problem: string | undefined = result.problem;
    Object.defineProperties(node, {
      sink: { value: sink, enumerable: true },
      problem: { value: problem, enumerable: true },
      // Not enumerable: holds the password, which must never reach a log or an export of the node.
      v1Query: { value: result.v1Query, enumerable: false },
      historyQuery: { value: result.historyQuery, enumerable: false },
    });
    if (problem) node.error(problem);
  }

  RED.nodes.registerType('tracker-influx', TrackerInflux, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      token: { type: 'password' },
    },
  });
};
