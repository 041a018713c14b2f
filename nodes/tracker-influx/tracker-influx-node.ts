// What an influx-write node sees of its tracker-influx config node.
import type { Node } from 'node-red';
import type { InfluxSink } from './sink';

export interface TrackerInfluxNode extends Node {
  /** The connection, or undefined when the configuration is incomplete (see `problem`). */
  readonly sink: InfluxSink | undefined;
  readonly problem: string | undefined;
}
