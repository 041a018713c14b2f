// The package's Prometheus metrics, one registry per Node-RED process, shared by every node.
// Served at {httpNodeRoot}/dogtracker/metrics (see batman-health). Label values are ids from the site
// and the contract, so the series stay few: scanners, dogs, mesh neighbours. A node labels only the ids
// of its site (see `SiteLabels`); any other name is counted under `other`, so a flood of names never
// grows the page.
import type * as PromClient from 'prom-client';
import { deferred } from './deferred';

// prom-client (with @opentelemetry/api) is loaded at the first use of a metric or the registry, not when
// Node-RED loads the package: a process that records and serves no metric does not carry it.
const Counter = deferred<typeof PromClient, 'Counter'>('prom-client', 'Counter');
const Gauge = deferred<typeof PromClient, 'Gauge'>('prom-client', 'Gauge');
const Registry = deferred<typeof PromClient, 'Registry'>('prom-client', 'Registry');
type Gauge<T extends string> = PromClient.Gauge<T>;

export const registry = new Registry();

export const pipelineMetrics = {
  readings: new Counter({
    name: 'dogtracker_readings_total',
    help: 'RSSI readings received by the hub, per scanner',
    labelNames: ['scanner'] as const,
    registers: [registry],
  }),
  seqGaps: new Counter({
    name: 'dogtracker_seq_gaps_total',
    help: 'Readings missing by their seq numbers (lost on the way), per scanner',
    labelNames: ['scanner'] as const,
    registers: [registry],
  }),
  duplicates: new Counter({
    name: 'dogtracker_duplicates_total',
    help: 'Readings dropped because their seq was already seen, per scanner',
    labelNames: ['scanner'] as const,
    registers: [registry],
  }),
  lastReading: new Gauge({
    name: 'dogtracker_last_reading_timestamp_seconds',
    help: 'Event time of the latest reading from each scanner',
    labelNames: ['scanner'] as const,
    registers: [registry],
  }),
  clockSkew: new Counter({
    name: 'dogtracker_clock_skew_total',
    help: 'Samples refused because their ts was too far ahead of the stream (a wrong clock), per scanner (readings) or dog (positions)',
    labelNames: ['scanner', 'dog'] as const,
    registers: [registry],
  }),
  readingsDropped: new Counter({
    name: 'dogtracker_readings_dropped_total',
    help: 'Readings dropped, per reason (scanner-mismatch: the payload names another scanner than its MQTT topic) and topic scanner',
    labelNames: ['reason', 'scanner'] as const,
    registers: [registry],
  }),
  limitReached: new Counter({
    name: 'dogtracker_limit_reached_total',
    help: 'Entries dropped because a memory limit was full (rssi-filter maxPairs: pairs evicted; trilaterate maxTracks: tracks evicted), per node type and limit',
    labelNames: ['node', 'limit'] as const,
    registers: [registry],
  }),
  positions: new Counter({
    name: 'dogtracker_positions_total',
    help: 'Positions computed, per dog',
    labelNames: ['dog'] as const,
    registers: [registry],
  }),
  alerts: new Counter({
    name: 'dogtracker_alerts_total',
    help: 'Alerts raised, per event and severity',
    labelNames: ['event', 'severity'] as const,
    registers: [registry],
  }),
  scannerOffsetDb: new Gauge({
    name: 'dogtracker_scanner_rssi_offset_learned_db',
    help: 'Receive offset learned by scanner-to-scanner calibration, added to the site rssiOffset, per scanner',
    labelNames: ['scanner'] as const,
    registers: [registry],
  }),
  scannerExponentDelta: new Gauge({
    name: 'dogtracker_scanner_path_loss_exponent_learned_delta',
    help: 'Path-loss exponent correction learned by scanner-to-scanner calibration, per scanner',
    labelNames: ['scanner'] as const,
    registers: [registry],
  }),
  dogLevelOffsetDb: new Gauge({
    name: 'dogtracker_collar_level_offset_db',
    help: "Level offset learned from a dog's fixes (its collar's power against the site's rssiAt1m), per dog",
    labelNames: ['dog'] as const,
    registers: [registry],
  }),
  influxQueue: new Gauge({
    name: 'dogtracker_influx_queue_points',
    help: 'Points waiting to be written to InfluxDB (memory and disk)',
    registers: [registry],
  }),
  influxWritten: new Counter({
    name: 'dogtracker_influx_points_written_total',
    help: 'Points written to InfluxDB',
    registers: [registry],
  }),
  influxWriteErrors: new Counter({
    name: 'dogtracker_influx_write_errors_total',
    help: 'Failed InfluxDB write requests',
    registers: [registry],
  }),
  influxDropped: new Counter({
    name: 'dogtracker_influx_points_dropped_total',
    help: 'Points dropped: rejected by InfluxDB, or pushed out of a full queue',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
};

function nodeGauge(name: string, help: string): Gauge<'node'> {
  return new Gauge({ name, help, labelNames: ['node'] as const, registers: [registry] });
}

function linkGauge(name: string, help: string): Gauge<'node' | 'neighbor'> {
  return new Gauge({ name, help, labelNames: ['node', 'neighbor'] as const, registers: [registry] });
}

/**
 * Health of every node this process has heard of (its own, and on the hub every scanner's), set by
 * batman-health. A field a node did not report has no series (never a fake 0); a neighbour's link
 * series are removed when it is gone.
 */
export const healthMetrics = {
  up: nodeGauge('dogtracker_node_up', 'Whether the node is online (1) or offline / silent (0)'),
  lastHealth: nodeGauge(
    'dogtracker_node_last_health_timestamp_seconds',
    'Event time (ts) of the newest health message of the node',
  ),
  cpu: nodeGauge('dogtracker_node_cpu_percent', 'CPU use between two samples, %'),
  load1: nodeGauge('dogtracker_node_load1', '1-minute load average'),
  memUsed: nodeGauge('dogtracker_node_memory_used_percent', 'Memory in use (not available), % of total'),
  temperature: nodeGauge('dogtracker_node_temperature_celsius', 'Hottest thermal zone, °C'),
  throttled: nodeGauge('dogtracker_node_throttled', 'Raspberry Pi get_throttled bits, raw'),
  underVoltage: nodeGauge('dogtracker_node_undervoltage', 'Under-voltage now (1) or not (0)'),
  uptime: nodeGauge('dogtracker_node_uptime_seconds', 'Seconds since the node booted'),
  wifiSignal: nodeGauge('dogtracker_node_wifi_signal_dbm', 'Wi-Fi signal level, dBm'),
  originators: nodeGauge('dogtracker_mesh_originators', 'batman-adv originators known to the node'),
  neighbors: nodeGauge('dogtracker_mesh_neighbors', 'batman-adv direct neighbours of the node'),
  gatewayPresent: nodeGauge(
    'dogtracker_mesh_gateway_present',
    'Whether the node has a selected mesh gateway',
  ),
  linkTq: linkGauge('dogtracker_mesh_link_tq', 'BATMAN_IV link quality to a neighbour, TQ 0-255'),
  linkThroughput: linkGauge(
    'dogtracker_mesh_link_throughput_kbps',
    'BATMAN_V link throughput to a neighbour, kbit/s',
  ),
  linkLastSeen: linkGauge(
    'dogtracker_mesh_link_last_seen_seconds',
    'Seconds since the node last heard the neighbour',
  ),
};

/** The label value of every id a node's site does not list. */
export const OTHER_LABEL = 'other';

/**
 * Label values for one node: the ids its site lists, plus the first `maxUnlisted` others (for a node
 * without a site); every other name is `other`. Bounded, whatever the input names.
 */
export class SiteLabels {
  private listed = new Set<string>();
  private readonly unlisted = new Set<string>();

  constructor(private readonly maxUnlisted = 0) {}

  /** The site's ids (scanners or dogs); replaces the previous list. */
  setListed(ids: Iterable<string>): void {
    this.listed = new Set(ids);
  }

  label(id: string): string {
    if (this.listed.has(id) || this.unlisted.has(id)) return id;
    if (this.unlisted.size < this.maxUnlisted) {
      this.unlisted.add(id);
      return id;
    }
    return OTHER_LABEL;
  }
}
