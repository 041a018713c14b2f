// What one health sample costs, and what a scrape of /dogtracker/metrics costs, as a share of the
// 30 s sampling interval. A Pi Zero W is about 15x slower than a current x86 core; spawning batctl
// there is slower still (fork+exec of a small binary on a single ARMv6 core), so that figure is a floor.
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import {
  meshSample,
  parseGatewaysJson,
  parseMeshJson,
  parseNeighborsJson,
  parseOriginatorsJson,
} from '../nodes/batman-health/batctl';
import { BatctlClient } from '../nodes/batman-health/batctl-client';
import { recordHealth } from '../nodes/batman-health/health-metrics';
import { SystemReader } from '../nodes/batman-health/system';
import type { Health } from '../nodes/kernel/contract';
import { registry } from '../nodes/common/metrics';
import { FakeBatctl, IV_JSON } from '../test/batman-health/fixtures';

const PI_ZERO_FACTOR = 15;
const INTERVAL_MS = 30_000;

async function time(label: string, n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(n, 20); i++) await fn(); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const ms = (performance.now() - t0) / n;
  console.log(`${label.padEnd(52)} ${ms.toFixed(4).padStart(10)} ms/op  (n=${n})`);
  return ms;
}

export async function run(): Promise<void> {
  const parse = await time('parse batctl JSON (mj+oj+nj+gwj, 2 neighbours)', 20000, () =>
    meshSample(
      {
        info: parseMeshJson(IV_JSON.mj),
        originators: parseOriginatorsJson(IV_JSON.oj),
        neighbors: parseNeighborsJson(IV_JSON.nj),
        gateways: parseGatewaysJson(IV_JSON.gwj),
      },
      'bat0',
    ),
  );
  const reader = new SystemReader({ vcgencmd: '' });
  await reader.prime();
  const system = await time('read /proc and /sys of this machine', 2000, () => reader.sample());

  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-batctl-'));
  const fake = new FakeBatctl(dir).outputs(IV_JSON);
  const client = new BatctlClient({ command: fake.command, iface: 'bat0', timeoutMs: 5000 });
  const spawn = await time('batctl sample: 4 stand-in processes (sh script)', 50, () => client.sample());
  rmSync(dir, { recursive: true, force: true });

  // A hub hearing 20 scanners, each with 6 neighbours.
  const healths: Health[] = Array.from({ length: 20 }, (_, i) => ({
    v: 1,
    type: 'health',
    node: `pi-${i}`,
    ts: 1763800000000,
    cpu: 20,
    load1: 0.4,
    memUsedPct: 60,
    tempC: 50,
    throttled: 0,
    uptimeS: 86400,
    wifi: { iface: 'wlan0', signalDbm: -60 },
    mesh: {
      iface: 'bat0',
      originators: 20,
      gateway: '02:00:00:00:00:99',
      neighbors: Array.from({ length: 6 }, (_, j) => ({
        mac: `02:00:00:00:00:${j.toString(16).padStart(2, '0')}`,
        tq: 200 + j,
        lastSeenMs: 400,
      })),
    },
  }));
  const record = await time('record one health (6 links) into the gauges', 20000, () =>
    recordHealth(healths[Math.floor(Math.random() * 20)]),
  );
  for (const h of healths) recordHealth(h);
  const scrape = await time('scrape: registry.metrics(), 20 nodes x 6 links', 500, () => registry.metrics());

  const perSample = parse + system;
  console.log(
    `\nin-process time (wall) per Pi sample ${perSample.toFixed(3)} ms here, ~${(perSample * PI_ZERO_FACTOR).toFixed(1)} ms on a Pi Zero W:` +
      ` ${((perSample * PI_ZERO_FACTOR * 100) / INTERVAL_MS).toFixed(4)} % of one core at one sample / 30 s`,
  );
  console.log(
    `batctl spawning ${spawn.toFixed(1)} ms wall here (4 processes in parallel); ×${PI_ZERO_FACTOR} = ` +
      `${(spawn * PI_ZERO_FACTOR).toFixed(0)} ms on a Pi Zero W, ${((spawn * PI_ZERO_FACTOR * 100) / INTERVAL_MS).toFixed(2)} % of the interval`,
  );
  console.log(
    `hub: recording 20 healths ${(record * 20).toFixed(3)} ms per 30 s; one scrape ${scrape.toFixed(2)} ms ` +
      `(${((scrape * 100) / 15_000).toFixed(3)} % of a 15 s scrape interval)`,
  );
}
