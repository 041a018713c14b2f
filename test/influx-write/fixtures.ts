// The contract's example messages, as the nodes upstream of influx-write send them; the kernel parser tests
// and the fuzz tests start from them too. Also the two nodes the flows that write them share.
import type { FlowNode } from '../support/flow';

/**
 * A tracker-influx connection `conn1` and an influx-write `w1` on it, batching and retrying fast (tests
 * wait for each write); `connection` and `write` add or override their settings.
 */
export function influxNodes(connection: Record<string, unknown>, write: Record<string, unknown>): FlowNode[] {
  return [
    { id: 'conn1', type: 'tracker-influx', version: '1', ...connection },
    {
      id: 'w1',
      type: 'influx-write',
      name: 'store',
      server: 'conn1',
      batchSize: 500,
      flushMs: 50,
      retryMinS: 0.05,
      retryMaxS: 0.4,
      ...write,
    },
  ];
}

export const reading = {
  v: 1,
  type: 'rssi',
  scanner: 'pi-yard-ne',
  seq: 1841,
  ts: 1763800000123,
  mac: 'ac:23:3f:a3:80:4b',
  id: 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2',
  rssi: -71,
  txPower: -59,
  frame: 'ibeacon',
  ibeacon: { uuid: 'fda50693-a4e2-4fb1-afcf-c6eb07647825', major: 1, minor: 2 },
  battery: 94,
  dog: 'rex',
};

export const position = {
  v: 1,
  type: 'position',
  dog: 'rex',
  ts: 1763800001000,
  x: 12.4,
  y: 7.9,
  lat: 52.09077,
  lon: 5.12158,
  accuracy: 1.8,
  cov: [
    [2.1, 0.3],
    [0.3, 1.4],
  ],
  vx: 0.4,
  vy: -1.1,
  scanners: 4,
  method: 'tracker',
};

export const alert = {
  v: 1,
  type: 'alert',
  event: 'exit',
  dog: 'rex',
  zone: 'yard',
  kind: 'safe',
  severity: 'critical',
  ts: 1763800009000,
  x: 21.3,
  y: 30.8,
  since: 1763800002000,
};

export const health = {
  v: 1,
  type: 'health',
  node: 'pi-yard-ne',
  ts: 1763800000000,
  cpu: 23.5,
  load1: 0.41,
  memUsedPct: 61.2,
  tempC: 51.2,
  throttled: 0,
  uptimeS: 86400,
  wifi: { iface: 'wlan0', signalDbm: -58 },
  mesh: {
    iface: 'bat0',
    algo: 'BATMAN_IV',
    originators: 5,
    neighbors: [
      { mac: 'b8:27:eb:00:00:02', iface: 'wlan0', lastSeenMs: 410, tq: 251 },
      { mac: 'b8:27:eb:00:00:03', iface: 'wlan0', lastSeenMs: 1200, tq: 190 },
    ],
  },
};

/** dog-activity's output 1 (docs/CONTRACT-EXTENSIONS.md). */
export const activity = {
  v: 1,
  type: 'activity',
  dog: 'rex',
  ts: 1763800020000,
  state: 'rest',
  source: 'accel',
  restS: 60,
  movingS: 0,
  runningS: 0,
  samples: 59,
  level: 0.021,
  stillMin: 42,
  today: {
    day: '2025-11-22',
    activeMin: 96,
    restMin: 512,
    longestRestMin: 143,
    nightRestlessMin: 7,
    observedMin: 608,
  },
  baseline: { days: 7, activeMin: 181.4, restMin: 1130.2, longestRestMin: 170.1, nightRestlessMin: 9.3 },
};

/** tracker-notify's output 2: one step of an alert's notification history. */
export const notification = {
  v: 1,
  type: 'notification',
  ts: 1763800009120,
  alert: 'mi6z0abc-Xy3kQ9aZ0b',
  what: 'delivered',
  category: 'escape',
  event: 'exit',
  severity: 'critical',
  dog: 'rex',
  zone: 'yard',
  login: 'ben',
  channel: 'push',
  device: 'Qm9vX3Bob25l',
  step: 0,
  status: 201,
};
