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
      token: 'secret',
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
});
