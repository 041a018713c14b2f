// What an influx-write node sees of its tracker-influx config node.
import type { Node } from 'node-red';
import type { InfluxSink } from './sink';

export interface TrackerInfluxNode extends Node {
  /** The connection, or undefined when the configuration is incomplete (see `problem`). */
  readonly sink: InfluxSink | undefined;
  readonly problem: string | undefined;
  /** InfluxDB 1.x only: where to read back (the history page's queries), server-side; not enumerable. */
  readonly v1Query?: V1QueryConnection;
}

export interface V1QueryConnection {
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}
