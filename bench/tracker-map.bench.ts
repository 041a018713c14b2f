// tracker-map: how many positions per second the map state takes, and how many updates per second it
// pushes to browsers over real WebSockets on loopback. Not a timed test: figures depend on the machine.
import { createServer } from 'http';
import type { AddressInfo } from 'net';
import { performance } from 'perf_hooks';
import WebSocket from 'ws';
import { LiveChannel } from '../nodes/tracker-map/live-channel';
import { MapState } from '../nodes/tracker-map/map-state';
import { SiteView } from '../nodes/kernel/site-view';

const PI_ZERO_SLOWDOWN = 15;
/** A busy yard: 10 dogs, a position per dog per second. */
const NEEDED_PER_S = 10;

const SITE = {
  name: 'Bench',
  origin: { lat: 52.0907, lon: 5.1214, rotationDeg: 12 },
  scanners: [
    { id: 'a', x: 0, y: 0 },
    { id: 'b', x: 40, y: 0 },
    { id: 'c', x: 0, y: 40 },
  ],
  dogs: Array.from({ length: 10 }, (_, i) => ({
    id: `dog${i}`,
    beacon: `ac:23:3f:a3:80:${(16 + i).toString(16)}`,
  })),
  zones: [],
};

function position(i: number): Record<string, unknown> {
  const dog = `dog${i % 10}`;
  return {
    v: 1,
    type: 'position',
    dog,
    ts: 1763800000000 + i * 100,
    x: i % 40,
    y: (i * 7) % 40,
    accuracy: 1.5,
    scanners: 3,
  };
}

function report(what: string, perS: number): void {
  const onPi = perS / PI_ZERO_SLOWDOWN;
  console.log(
    `${what}: ${Math.round(perS).toLocaleString('en')} /s here; ~${Math.round(onPi).toLocaleString('en')} /s on a Pi Zero W ` +
      `(/${PI_ZERO_SLOWDOWN}) = ${Math.round(onPi / NEEDED_PER_S)}x the ${NEEDED_PER_S} positions/s of 10 dogs at 1 Hz`,
  );
}

async function stateThroughput(): Promise<void> {
  const state = new MapState({ trailS: 300, alertsKept: 50 });
  state.setSite(SiteView.fromJson(JSON.stringify(SITE)));
  const n = 200000;
  const inputs = Array.from({ length: n }, (_, i) => position(i));
  const t0 = performance.now();
  let bytes = 0;
  for (const p of inputs) for (const u of state.apply(p)) bytes += JSON.stringify(u).length;
  const s = (performance.now() - t0) / 1000;
  report(
    `MapState.apply + JSON (${n.toLocaleString('en')} positions, ${Math.round(bytes / n)} B each)`,
    n / s,
  );
  const snapshot = JSON.stringify(state.snapshot()).length;
  console.log(
    `snapshot for a new browser (10 dogs, 5 min trails at 1 Hz each): ${(snapshot / 1024).toFixed(0)} KiB`,
  );
}

async function broadcastThroughput(clients: number, updates: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const channel = new LiveChannel({
    path: '/ws',
    authorize: (_request, token) => (token === 't' ? undefined : 'wrong token'),
    maxClients: clients,
    greeting: () => '{}',
  });
  server.on('upgrade', channel.onUpgrade);
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws?token=t`;
  const sockets = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<WebSocket>((resolve) => {
          const ws = new WebSocket(url);
          ws.once('message', () => resolve(ws));
        }),
    ),
  );
  const done = Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let got = 0;
          ws.on('message', () => {
            if (++got === updates) resolve();
          });
        }),
    ),
  );
  const t0 = performance.now();
  for (let i = 0; i < updates; i++)
    channel.broadcast(JSON.stringify({ kind: 'position', position: position(i) }));
  await done;
  const s = (performance.now() - t0) / 1000;
  report(
    `WebSocket push to ${clients} browsers (${updates.toLocaleString('en')} updates, client in-process)`,
    updates / s,
  );
  for (const ws of sockets) ws.terminate();
  await channel.close();
  server.close();
}

export async function run(): Promise<void> {
  await stateThroughput();
  await broadcastThroughput(10, 20000);
  console.log('The machine is shared with other jobs: figures vary run to run.');
}
