// Real servers for tests: Mosquitto and InfluxDB 1.x, each on a free loopback port with a throw-away
// data directory. When a binary is missing the suite is skipped locally, and fails under CI=true with
// the package to install.
import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface RunningService {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and keeps its data directory for a restart. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
  /** Everything the server printed, for failure messages. */
  output(): string;
}

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...SEARCH_PATH];
  return dirs.map((d) => path.join(d, name)).find((p) => existsSync(p));
}

/**
 * Call in a mocha `before`: returns the binary's path, or skips the suite (fails under CI) when the
 * Debian package is not installed.
 */
export function requireBinary(ctx: Mocha.Context, name: string, debianPackage: string): string {
  const bin = findBinary(name);
  if (bin) return bin;
  const message = `${name} is not installed: run \`apt-get install -y ${debianPackage}\` (or run .ci/run)`;
  if (process.env.CI) throw new Error(message);
  console.warn(`      skipped: ${message}`);
  ctx.skip();
  throw new Error('unreachable');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves when `probe` succeeds; rejects with the server's output if the process exits or time runs out. */
async function waitUntilReady(
  child: ChildProcess,
  probe: () => Promise<boolean>,
  output: () => string,
  what: string,
  timeoutMs = 15000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null): void => {
    exited = `exited with ${code ?? signal}`;
  };
  child.once('exit', onExit);
  try {
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${what} ${exited}:\n${output()}`);
      if (await probe()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${what} did not become ready in ${timeoutMs} ms:\n${output()}`);
  } finally {
    child.off('exit', onExit);
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface ServiceSpec {
  what: string;
  bin: string;
  args: (dataDir: string, port: number) => string[];
  prepare?: (dataDir: string, port: number) => void;
  ready: (port: number) => Promise<boolean>;
  /** A port the caller wants (to restart a broker behind the same URL); default: a free one. */
  port?: number;
}

async function startService(spec: ServiceSpec): Promise<RunningService> {
  const port = spec.port ?? (await freePort());
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `dogtracker-${spec.what}-`));
  spec.prepare?.(dataDir, port);
  let child: ChildProcess | undefined;
  let log = '';
  const output = (): string => log.slice(-4000);
  const launch = async (): Promise<void> => {
    child = spawn(spec.bin, spec.args(dataDir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await waitUntilReady(child, () => spec.ready(port), output, spec.what);
  };
  const service: RunningService = {
    host: '127.0.0.1',
    port,
    dataDir,
    stop: () => stopChild(child),
    restart: async () => {
      await stopChild(child);
      await launch();
    },
    dispose: async () => {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
    output,
  };
  try {
    await launch();
  } catch (err) {
    await service.dispose();
    throw err;
  }
  return service;
}

export interface MosquittoOptions {
  port?: number;
  /** Extra mosquitto.conf lines (auth, ACLs, listeners). Default: anonymous access on the port. */
  config?: string;
}

export async function startMosquitto(bin: string, options: MosquittoOptions = {}): Promise<RunningService> {
  return startService({
    what: 'mosquitto',
    bin,
    port: options.port,
    prepare: (dir, port) =>
      writeFileSync(
        path.join(dir, 'mosquitto.conf'),
        [
          'per_listener_settings false',
          'persistence false',
          'log_dest stderr',
          'log_type error',
          'log_type warning',
          `listener ${port} 127.0.0.1`,
          options.config ?? 'allow_anonymous true',
          '',
        ].join('\n'),
      ),
    args: (dir) => ['-c', path.join(dir, 'mosquitto.conf')],
    ready: tcpOpen,
  });
}

export interface InfluxService extends RunningService {
  readonly url: string;
  /** Runs an InfluxQL query and returns the JSON response. */
  query(q: string, db?: string): Promise<InfluxQueryResult>;
}

export interface InfluxQueryResult {
  results: Array<{
    statement_id: number;
    error?: string;
    series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  }>;
}

export async function startInfluxdb(bin: string): Promise<InfluxService> {
  const rpcPort = await freePort();
  const service = await startService({
    what: 'influxd',
    bin,
    prepare: (dir, port) =>
      writeFileSync(
        path.join(dir, 'influxdb.conf'),
        [
          'reporting-disabled = true',
          `bind-address = "127.0.0.1:${rpcPort}"`,
          '[meta]',
          `  dir = "${dir}/meta"`,
          '[data]',
          `  dir = "${dir}/data"`,
          `  wal-dir = "${dir}/wal"`,
          '  query-log-enabled = false',
          '[http]',
          '  enabled = true',
          `  bind-address = "127.0.0.1:${port}"`,
          '  log-enabled = false',
          '[monitor]',
          '  store-enabled = false',
          '[continuous_queries]',
          '  enabled = false',
          '',
        ].join('\n'),
      ),
    args: (dir) => ['-config', path.join(dir, 'influxdb.conf')],
    ready: async (port) => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/ping`);
        return res.status === 204;
      } catch {
        return false;
      }
    },
  });
  const url = `http://127.0.0.1:${service.port}`;
  return {
    ...service,
    url,
    async query(q: string, db?: string): Promise<InfluxQueryResult> {
      const params = new URLSearchParams({ q, epoch: 'ms' });
      if (db) params.set('db', db);
      const res = await fetch(`${url}/query`, { method: 'POST', body: params });
      if (!res.ok) throw new Error(`InfluxDB query failed (${res.status}): ${await res.text()}`);
      return (await res.json()) as InfluxQueryResult;
    },
  };
}
