// influx-write: the cost per point of converting contract messages to line protocol, and points per
// second written to a local InfluxDB 1.x through the writer (batches, one request at a time), also
// when an outage has put them on disk first. Not run under the Node-RED test helper: its spies would
// slow the hot path tenfold.
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { toLineProtocol } from '../nodes/influx-write/points';
import { WriteQueue } from '../nodes/influx-write/write-queue';
import { connect } from '../nodes/tracker-influx/connection';
import { findBinary, startInfluxdb } from '../test/support/services';

const PI_ZERO_SLOWDOWN = 15;
const CONVERSION_TARGET = 50_000;
/** A busy site: 8 scanners hearing 6 dogs 10 times a second, plus positions, alerts and health. */
const SITE_LOAD = 8 * 6 * 10 + 6 * 1 + 8 / 10;

function messages(n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const ts = 1763800000000 + i;
    const kind = i % 20;
    if (kind < 17) {
      out.push({
        v: 1,
        type: 'rssi',
        scanner: `pi-yard-${i % 8}`,
        seq: i,
        ts,
        mac: `ac:23:3f:a3:80:${(40 + (i % 6)).toString(16)}`,
        id: `mac:ac:23:3f:a3:80:${(40 + (i % 6)).toString(16)}`,
        rssi: -60 - (i % 25) - 0.25,
        rssiRaw: -60 - (i % 25),
        rssiVar: 3.1,
        txPower: -59,
        frame: 'ibeacon',
        battery: 94,
        dog: `dog-${i % 6}`,
      });
    } else if (kind < 19) {
      out.push({
        v: 1,
        type: 'position',
        dog: `dog-${i % 6}`,
        ts,
        x: 12.4 + (i % 7),
        y: 7.9,
        lat: 52.09077,
        lon: 5.12158,
        accuracy: 1.8,
        vx: 0.4,
        vy: -1.1,
        scanners: 4,
        method: 'tracker',
      });
    } else {
      out.push({
        v: 1,
        type: 'health',
        node: `pi-yard-${i % 8}`,
        ts,
        cpu: 23.5,
        load1: 0.41,
        memUsedPct: 61.2,
        tempC: 51.2,
        throttled: 0,
        uptimeS: 86400,
        wifi: { iface: 'wlan0', signalDbm: -58 },
        mesh: {
          iface: 'bat0',
          originators: 5,
          neighbors: [{ mac: 'b8:27:eb:00:00:02', lastSeenMs: 410, tq: 251 }],
        },
      });
    }
  }
  return out;
}

function conversion(): void {
  const batch = 100;
  const input = messages(200_000);
  let points = 0;
  // Warm up the JIT, then measure.
  for (let i = 0; i < 20_000; i += batch) toLineProtocol(input.slice(i, i + batch));
  const start = process.hrtime.bigint();
  for (let i = 0; i < input.length; i += batch)
    points += toLineProtocol(input.slice(i, i + batch)).lines.length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = points / seconds;
  const perPointUs = (seconds / points) * 1e6;
  console.log(
    `conversion: ${input.length} messages (85% readings, 10% positions, 5% health) -> ${points} points ` +
      `in ${(seconds * 1000).toFixed(0)} ms: ${Math.round(rate).toLocaleString('en')} points/s, ` +
      `${perPointUs.toFixed(2)} µs per point (target ${CONVERSION_TARGET.toLocaleString('en')}/s: ` +
      `${(rate / CONVERSION_TARGET).toFixed(1)}x)`,
  );
  const pi = rate / PI_ZERO_SLOWDOWN;
  console.log(
    `  Pi Zero W projection (~${PI_ZERO_SLOWDOWN}x slower): ${Math.round(pi).toLocaleString('en')} points/s, ` +
      `${(perPointUs * PI_ZERO_SLOWDOWN).toFixed(1)} µs per point; a busy site (${Math.round(SITE_LOAD)} points/s) ` +
      `would use ${((SITE_LOAD / pi) * 100).toFixed(1)}% of its CPU for conversion`,
  );
}

async function writes(): Promise<void> {
  const bin = findBinary('influxd');
  if (!bin) {
    console.log('writes: skipped, influxd is not installed (apt-get install -y influxdb)');
    return;
  }
  const influx = await startInfluxdb(bin);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'influx-bench-'));
  try {
    await influx.query('CREATE DATABASE bench');
    const { sink } = connect({ version: '1', url: influx.url, database: 'bench' }, {});
    const lines = toLineProtocol(messages(200_000)).lines;
    for (const batchSize of [1000, 5000]) {
      await influx.query('DROP SERIES FROM /.*/', 'bench');
      const queue = new WriteQueue({
        sink: sink!,
        dir: path.join(dir, `direct-${batchSize}`),
        batchSize,
        flushIntervalMs: 50,
        maxQueuedPoints: 1_000_000,
        retryMinMs: 100,
        retryMaxMs: 1000,
      });
      await queue.open();
      const start = process.hrtime.bigint();
      for (let i = 0; i < lines.length; i += 100) queue.add(lines.slice(i, i + 100));
      while (queue.totals.written < lines.length) await new Promise((r) => setTimeout(r, 5));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      await queue.close(1000);
      console.log(
        `write a burst to local InfluxDB 1.x, batches of ${batchSize}: ${lines.length} points in ${seconds.toFixed(2)} s = ` +
          `${Math.round(lines.length / seconds).toLocaleString('en')} points/s`,
      );
    }

    // An outage: the points go to disk; then the server comes back and they are replayed from disk.
    await influx.query('DROP SERIES FROM /.*/', 'bench');
    await influx.stop();
    const queue = new WriteQueue({
      sink: sink!,
      dir: path.join(dir, 'outage'),
      batchSize: 5000,
      flushIntervalMs: 50,
      maxQueuedPoints: 1_000_000,
      retryMinMs: 50,
      retryMaxMs: 50,
    });
    await queue.open();
    const spillStart = process.hrtime.bigint();
    for (let i = 0; i < lines.length; i += 100) queue.add(lines.slice(i, i + 100));
    await queue.close(5000);
    const spillSeconds = Number(process.hrtime.bigint() - spillStart) / 1e9;
    console.log(
      `outage: ${lines.length} points onto disk (one synced file per batch of 5000) in ${spillSeconds.toFixed(2)} s = ` +
        `${Math.round(lines.length / spillSeconds).toLocaleString('en')} points/s`,
    );
    await influx.restart();
    const replay = new WriteQueue({
      sink: sink!,
      dir: path.join(dir, 'outage'),
      batchSize: 5000,
      flushIntervalMs: 50,
      maxQueuedPoints: 1_000_000,
      retryMinMs: 50,
      retryMaxMs: 50,
    });
    const replayStart = process.hrtime.bigint();
    const restored = await replay.open();
    while (replay.totals.written < restored) await new Promise((r) => setTimeout(r, 5));
    const replaySeconds = Number(process.hrtime.bigint() - replayStart) / 1e9;
    await replay.close(1000);
    const stored = (await influx.query('SELECT count(rssi) FROM rssi', 'bench')).results[0].series?.[0]
      .values[0][1];
    console.log(
      `replay after the outage: ${restored} points from disk in ${replaySeconds.toFixed(2)} s = ` +
        `${Math.round(restored / replaySeconds).toLocaleString('en')} points/s (readings stored: ${String(stored)})`,
    );
    console.log(
      '  these rates are bound by the local InfluxDB on a shared machine; on a Pi the writer needs ' +
        `~${PI_ZERO_SLOWDOWN}x the CPU per point shown above for conversion, and InfluxDB is the limit`,
    );
  } finally {
    await influx.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  conversion();
  await writes();
}
