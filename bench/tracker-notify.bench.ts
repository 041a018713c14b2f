// tracker-notify: from an alert message to the push request at the push service (real web-push:
// VAPID JWT and aes128gcm encryption per device) on loopback, median and p95; and one alert fanned out
// to 1 000 subscriptions (100 people x 10 devices): time and memory. Not a timed test.
import { createECDH, randomBytes } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import { Agent, createServer } from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { loadBcrypt } from '../nodes/tracker-notify/bcrypt';
import { NotifyService } from '../nodes/tracker-notify/notify-service';
import type { Person } from '../nodes/tracker-notify/people';
import { LocalTime } from '../nodes/tracker-notify/preferences';
import { systemClock } from '../nodes/tracker-notify/push-queue';
import { TEST_CERT, TEST_KEY } from '../test/tracker-notify/test-cert';

const PI_ZERO_SLOWDOWN = 15;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function subscription(
  origin: string,
  i: number,
): { endpoint: string; keys: { p256dh: string; auth: string } } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint: `${origin}/push/${i}`,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

export async function run(): Promise<void> {
  let arrivals = 0;
  let onArrival: () => void = () => undefined;
  const server = createServer({ cert: TEST_CERT, key: TEST_KEY }, (req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals++;
      res.writeHead(201).end();
      onArrival();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: TEST_CERT, keepAlive: true, maxSockets: 16 });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'notify-bench-'));

  const make = (people: Person[], file: string): NotifyService =>
    new NotifyService({
      people,
      escalation: [],
      escalateAfterMs: 0,
      maxEscalations: 0,
      clock: new LocalTime('UTC'),
      wall: systemClock,
      ttlS: 600,
      vapidSubject: 'mailto:bench@example.org',
      stateFile: path.join(dir, file),
      urls: { api: '/dogtracker/api/notify/', app: '/dogtracker/api/notify/app/', map: '/dogtracker/' },
      sessionDays: 1,
      maxAlerts: 200,
      bcrypt: loadBcrypt(),
      agent,
      emitPerson: () => undefined,
      emitHistory: () => undefined,
      onNewVapid: () => undefined,
      onChange: () => undefined,
      onError: (err) => console.error(err.message),
    });
  const alert = (i: number): Record<string, unknown> => ({
    v: 1,
    type: 'alert',
    event: 'exit',
    dog: `dog${i}`,
    zone: 'yard',
    kind: 'safe',
    severity: 'critical',
    ts: 1763800000000 + i * 1000,
  });
  const arrived = (count: number): Promise<void> =>
    new Promise((resolve) => {
      onArrival = () => {
        if (arrivals >= count) resolve();
      };
      if (arrivals >= count) resolve();
    });

  try {
    // 1. Latency: one person, one device, 200 alerts one after another.
    const one = make([{ login: 'anna', name: 'Anna', role: 'admin' }], 'one.json');
    one.notifier.addDevice('anna', subscription(origin, 0), 'phone', 0);
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      one.input(alert(i));
      await arrived(arrivals + 1);
      latencies.push(performance.now() - t0);
    }
    await one.close();
    latencies.sort((a, b) => a - b);
    const median = quantile(latencies, 0.5);
    const p95 = quantile(latencies, 0.95);
    console.log(
      `alert -> push request at the push service (loopback, HTTPS, 200 alerts): median ${median.toFixed(2)} ms, ` +
        `p95 ${p95.toFixed(2)} ms (target < 1000 ms median; a Pi Zero W ~${(median * PI_ZERO_SLOWDOWN).toFixed(0)} ms)`,
    );

    // 2. Fan-out: one alert to 100 people x 10 devices.
    const people: Person[] = Array.from({ length: 100 }, (_, i) => ({
      login: `p${i}`,
      name: `P${i}`,
      role: 'viewer',
    }));
    const many = make(people, 'many.json');
    for (let i = 0; i < 1000; i++)
      many.notifier.addDevice(`p${i % 100}`, subscription(origin, i + 1), `d${i}`, 0);
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const rss0 = process.memoryUsage().rss;
    const start = arrivals;
    const t0 = performance.now();
    many.input(alert(10_000));
    const queued = performance.now() - t0;
    let peakHeap = process.memoryUsage().heapUsed;
    const tick = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
    await arrived(start + 1000);
    const total = performance.now() - t0;
    clearInterval(tick);
    await many.queue.idle();
    const rss1 = process.memoryUsage().rss;
    await many.close();
    console.log(
      `fan-out of one alert to 1 000 subscriptions: queued in ${queued.toFixed(1)} ms, all 1 000 push requests at the ` +
        `service after ${total.toFixed(0)} ms (${(1000 / (total / 1000)).toFixed(0)} pushes/s, 16 at a time); ` +
        `heap +${((peakHeap - heap0) / 1e6).toFixed(1)} MB at peak, rss +${((rss1 - rss0) / 1e6).toFixed(1)} MB ` +
        `(a Pi Zero W ~${((total * PI_ZERO_SLOWDOWN) / 1000).toFixed(0)} s)`,
    );
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}
