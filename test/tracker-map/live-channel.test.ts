// The map's WebSocket on a plain HTTP server, without Node-RED: it takes only its own path, checks the
// token, greets and broadcasts, drops a browser that stops answering pings, and closes cleanly.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import WebSocket from 'ws';
import { LiveChannel } from '../../nodes/tracker-map/live-channel';

describe('LiveChannel', () => {
  let server: Server;
  let base: string;
  let channel: LiveChannel;
  const counts: number[] = [];
  let onCount: ((n: number) => void) | undefined;

  beforeEach(async () => {
    server = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    counts.length = 0;
    channel = new LiveChannel({
      path: '/dogtracker/ws',
      authorize: (_request, token) => (token === 'secret' ? undefined : 'wrong token'),
      greeting: () => JSON.stringify({ kind: 'snapshot' }),
      onClientsChanged: (n) => {
        counts.push(n);
        onCount?.(n);
      },
      heartbeatMs: 100,
    });
    server.on('upgrade', channel.onUpgrade);
  });

  afterEach(async () => {
    await channel.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function open(path: string, options: WebSocket.ClientOptions = {}): WebSocket {
    return new WebSocket(`${base}${path}`, options);
  }

  function nextMessage(ws: WebSocket): Promise<string> {
    return new Promise((resolve) => ws.once('message', (data) => resolve(String(data))));
  }

  it('greets, broadcasts, and counts browsers', async () => {
    const a = open('/dogtracker/ws?token=secret');
    assert.equal(await nextMessage(a), '{"kind":"snapshot"}');
    const b = open('/dogtracker/ws?token=secret');
    await nextMessage(b);
    assert.equal(channel.clientCount, 2);
    const got = Promise.all([nextMessage(a), nextMessage(b)]);
    channel.broadcast('{"kind":"position"}');
    assert.deepEqual(await got, ['{"kind":"position"}', '{"kind":"position"}']);
    const oneLeft = new Promise<void>((resolve) => (onCount = (n) => n === 1 && resolve()));
    a.close();
    await oneLeft;
    assert.equal(channel.clientCount, 1);
    assert.deepEqual(counts, [1, 2, 1]);
    b.close();
  });

  it('leaves other paths to other listeners and refuses a wrong token', async () => {
    let othersSaw = '';
    server.on('upgrade', (req, socket) => {
      if (req.url === '/comms') {
        othersSaw = req.url;
        socket.destroy();
      }
    });
    const other = open('/comms');
    await new Promise((resolve) => other.once('error', resolve));
    assert.equal(othersSaw, '/comms');

    const wrong = open('/dogtracker/ws?token=nope');
    const status = await new Promise<number | undefined>((resolve) => {
      wrong.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      wrong.on('error', () => resolve(undefined));
    });
    assert.equal(status, 401);
    assert.equal(channel.clientCount, 0);
  });

  it('drops a browser that stops answering pings', async () => {
    const mute = open('/dogtracker/ws?token=secret', { autoPong: false });
    const live = open('/dogtracker/ws?token=secret');
    await Promise.all([nextMessage(mute), nextMessage(live)]);
    const code = await new Promise<number>((resolve) => mute.once('close', resolve));
    assert.equal(code, 1006); // terminated, no closing handshake
    assert.equal(live.readyState, WebSocket.OPEN);
    live.close();
  });

  it('closes every socket with 1001 and refuses new ones after close', async () => {
    const a = open('/dogtracker/ws?token=secret');
    await nextMessage(a);
    const code = new Promise<number>((resolve) => a.once('close', resolve));
    await channel.close();
    assert.equal(await code, 1001);
    const late = open('/dogtracker/ws?token=secret');
    const status = await new Promise<number | undefined>((resolve) => {
      late.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      late.on('error', () => resolve(undefined));
    });
    assert.equal(status, 401);
  });

  it('serves at most maxClients browsers: 200 against a cap of 50, the extra ones told why with 1013', async () => {
    await channel.close();
    server.off('upgrade', channel.onUpgrade);
    channel = new LiveChannel({
      path: '/dogtracker/ws',
      authorize: () => undefined,
      maxClients: 50,
      greeting: () => '{"kind":"snapshot"}',
      onClientsChanged: (n) => onCount?.(n),
      heartbeatMs: 60000,
    });
    server.on('upgrade', channel.onUpgrade);
    type Outcome = { ws: WebSocket; served: boolean; code?: number; reason?: string };
    const outcomes = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<Outcome>((resolve, reject) => {
            const ws = open('/dogtracker/ws?token=x');
            ws.once('message', () => resolve({ ws, served: true }));
            ws.once('close', (code, reason) => resolve({ ws, served: false, code, reason: String(reason) }));
            ws.once('error', reject);
          }),
      ),
    );
    const served = outcomes.filter((o) => o.served);
    const refused = outcomes.filter((o) => !o.served);
    assert.equal(served.length, 50);
    assert.equal(refused.length, 150);
    for (const o of refused) {
      assert.equal(o.code, 1013);
      assert.equal(o.reason, 'this map already has 50 viewers; try again later');
    }
    assert.equal(channel.clientCount, 50);
    // The served ones still get every update.
    const got = Promise.all(served.map((o) => nextMessage(o.ws)));
    channel.broadcast('{"kind":"position"}');
    assert.deepEqual(new Set(await got), new Set(['{"kind":"position"}']));
    // A place freed is a place taken.
    const freed = new Promise<void>((resolve) => (onCount = (n) => n === 49 && resolve()));
    served[0].ws.close();
    await freed;
    const next = open('/dogtracker/ws?token=x');
    assert.equal(await nextMessage(next), '{"kind":"snapshot"}');
    for (const o of [...served, { ws: next }]) o.ws.close();
  });
});
