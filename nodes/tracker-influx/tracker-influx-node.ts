// What an influx-write node sees of its tracker-influx config node.
import type { Node } from 'node-red';
import type { InfluxSink } from './sink';

export interface TrackerInfluxNode extends Node {
  /** The connection, or undefined when the configuration is incomplete (see `problem`). */
  readonly sink: InfluxSink | undefined;
  readonly problem: string | undefined;
  /** InfluxDB 1.x only: where to read back (the history page's queries), server-side; not enumerable. */
  readonly v1Query?: V1QueryConnection;
  /**
   * Where and how to read back, for every version: InfluxQL (1.x), Flux (2.x with an org) or SQL (3.x);
   * server-side only, not enumerable (it holds the password or token).
   */
  readonly historyQuery?: HistoryQueryConnection;
}

export interface V1QueryConnection {
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

/** InfluxDB 2.x: Flux over POST /api/v2/query?org=…, token auth, annotated CSV back. */
export interface FluxQueryConnection {
  url: string;
  org: string;
  bucket: string;
  token?: string;
  timeoutMs: number;
}

/** InfluxDB 3.x: SQL over POST /api/v3/query_sql (database = the bucket setting), bearer token, JSON rows back. */
export interface SqlQueryConnection {
  url: string;
  database: string;
  token?: string;
  timeoutMs: number;
}

export type HistoryQueryConnection =
  | ({ language: 'influxql' } & V1QueryConnection)
  | ({ language: 'flux' } & FluxQueryConnection)
  | ({ language: 'sql' } & SqlQueryConnection);
