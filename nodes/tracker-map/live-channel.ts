// The map's WebSocket: takes the HTTP upgrades for one path off a shared HTTP server, greets each new
// browser with the current state and pushes every update to all of them. No Node-RED here.
//
// Clocks: the heartbeat is a wall-clock timer (a ping every `heartbeatMs`; a browser that has not answered
// the previous ping is dropped, e.g. a phone that went out of range). Map data never uses it.
import type { IncomingMessage } from 'http';
import type { Duplex } from 'stream';
import type * as Ws from 'ws';
import type { WebSocket } from 'ws';

// ws is required when the first map opens its channel, not when Node-RED loads the package (a Pi has no map).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const wsLib = (): typeof Ws => require('ws') as typeof Ws;

export interface LiveChannelOptions {
  /** The URL path the page connects to, e.g. `/dogtracker/ws`. */
  path: string;
  /**
   * Decides an upgrade from its `?token=` (the page gets one over HTTP, where Node-RED's auth applies):
   * undefined lets it in, a text says why not (the upgrade is answered 401).
   */
  authorize: (request: IncomingMessage, token: string | null) => string | undefined;
  /** Browsers served at once; one more is greeted with close code 1013 (try again later). Default 50. */
  maxClients?: number;
  /** What a browser gets first, as JSON text. */
  greeting: () => string;
  onClientsChanged?: (count: number) => void;
  heartbeatMs?: number;
  /** A browser that falls this far behind (bytes queued) is dropped; it reconnects and starts afresh. */
  maxBufferedBytes?: number;
  onError?: (err: Error) => void;
}

const DEFAULT_HEARTBEAT_MS = 30000;
const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;
export const DEFAULT_MAX_CLIENTS = 50;
/** WebSocket close code 1013: try again later (the map is full). */
export const CLOSE_TRY_LATER = 1013;

export class LiveChannel {
  private readonly server = new (wsLib().WebSocketServer)({ noServer: true, maxPayload: 4096 });
  private readonly alive = new WeakSet<WebSocket>();
  /** The browsers served (those over the cap are in the server's own set until their close completes). */
  private readonly served = new Set<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: LiveChannelOptions) {
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.served.size;
  }

  /**
   * Listener for the HTTP server's `upgrade` event. Upgrades for other paths are left alone for the
   * other listeners (Node-RED's editor, websocket nodes, other maps).
   */
  readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      return;
    }
    if (url.pathname !== this.options.path) return;
    if (this.closed || this.options.authorize(request, url.searchParams.get('token')) !== undefined) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    try {
      this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
    } catch (err) {
      this.options.onError?.(err as Error);
      socket.destroy();
    }
  };

  /** Sends JSON text to every connected browser. */
  broadcast(text: string): void {
    const limit = this.options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    for (const ws of this.served) {
      if (ws.readyState !== wsLib().WebSocket.OPEN) continue;
      if (ws.bufferedAmount > limit) {
        ws.terminate();
        continue;
      }
      ws.send(text, (err) => {
        if (err) ws.terminate();
      });
    }
  }

  /** Closes every browser's socket (1001: going away, so the page reconnects) and stops the heartbeat. */
  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const ws of this.server.clients) ws.close(1001, 'map redeployed or stopped');
    return new Promise((resolve) => {
      // Sockets that do not finish the closing handshake in time are cut.
      const cut = setTimeout(() => {
        for (const ws of this.server.clients) ws.terminate();
      }, 1000);
      this.server.close(() => {
        clearTimeout(cut);
        resolve();
      });
    });
  }

  private accept(ws: WebSocket): void {
    ws.on('error', () => ws.terminate());
    const max = this.options.maxClients ?? DEFAULT_MAX_CLIENTS;
    if (this.served.size >= max) {
      // Accepted only to say why: a refused upgrade would show the page nothing but a failed connection.
      ws.close(CLOSE_TRY_LATER, `this map already has ${max} viewer${max === 1 ? '' : 's'}; try again later`);
      return;
    }
    this.served.add(ws);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('close', () => {
      this.served.delete(ws);
      this.options.onClientsChanged?.(this.clientCount);
    });
    // The page only listens; anything it sends is ignored.
    ws.on('message', () => undefined);
    try {
      ws.send(this.options.greeting());
    } catch (err) {
      this.options.onError?.(err as Error);
      ws.terminate();
      return;
    }
    this.options.onClientsChanged?.(this.clientCount);
  }

  private ping(): void {
    for (const ws of this.server.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }
  }
}
