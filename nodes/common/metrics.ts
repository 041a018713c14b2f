// The package's Prometheus metrics, one registry per Node-RED process, shared by every node.
// Served at {httpNodeRoot}/dogtracker/metrics (see batman-health). Label values are ids from the site
// and the contract, so the series stay few: scanners, dogs, mesh neighbours.
import { Counter, Gauge, Registry } from 'prom-client';

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
