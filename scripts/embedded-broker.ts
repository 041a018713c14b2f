// An MQTT broker inside the Node-RED process (aedes), so `npm start` needs no Mosquitto for the demo.
// It listens on loopback only and has no logins: it is for a demo on this machine, never for a Pi or hub.
import * as net from 'net';

export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface AedesBroker {
  handle: (socket: net.Socket) => void;
  close(callback?: () => void): void;
}
interface AedesModule {
  Aedes: { createBroker(options?: Record<string, unknown>): Promise<AedesBroker> };
}

// aedes 1.x is an ES module. TypeScript turns `import()` into `require()` for CommonJS output, and
// require() of an ES module needs Node >= 20.19, so import it through a real dynamic import.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a fixed string, the only way to a real import()
const importModule = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Starts the broker on `host:port`. When the port is taken (another broker, say) and `fallback` is true,
 * it takes a free port instead and says so through `warn`.
 */
export async function startEmbeddedBroker(
  port: number,
  host = '127.0.0.1',
  warn: (message: string) => void = console.warn,
  fallback = true,
): Promise<EmbeddedBroker> {
  const { Aedes } = (await importModule('aedes')) as AedesModule;
  const broker = await Aedes.createBroker();
  const server = net.createServer((socket) => broker.handle(socket));
  let bound: number;
  try {
    bound = await listen(server, port, host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !fallback) {
      broker.close();
      throw err;
    }
    bound = await listen(server, 0, host);
    warn(`port ${port} is in use (another MQTT broker?): the embedded broker listens on ${bound} instead`);
  }
  return {
    url: `mqtt://${host}:${bound}`,
    port: bound,
    close: () =>
      // The broker first: it ends the connected clients, which would keep the server open.
      new Promise<void>((resolve) => broker.close(() => server.close(() => resolve()))),
  };
}
