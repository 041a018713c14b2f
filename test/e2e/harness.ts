// End-to-end harness: real Mosquitto (the shipped config), real InfluxDB, and Node-RED runtimes as child
// processes, each started the way a Pi or the hub starts it: `node-red --settings dist/settings.js` with a
// fresh user directory, the flow file it is given (DOGTRACKER_DEMO_FLOW) and environment variables.
import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, startInfluxdb, type InfluxService } from '../support/services';
import { login, type LoginOptions, type Probe } from '../deploy/mqtt-probe';
import { root, startShippedBroker, type ShippedBroker } from '../deploy/shipped-broker';

export interface NodeRedRuntime {
  readonly name: string;
  /** http://127.0.0.1:port of its editor and HTTP endpoints. */
  readonly url: string;
  readonly userDir: string;
  /** Everything it printed. */
  log(): string;
  /** Resolves when its log (from the start) matches `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM (a clean stop: Node-RED closes its nodes) or SIGKILL (the power goes). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops it and removes its user directory. */
  dispose(): Promise<void>;
}

export interface RuntimeOptions {
  name: string;
  /** Flow file (JSON array of nodes, as exported from the editor) or the nodes themselves. */
  flow: string | object[];
  /** Environment variables for the flow: SCANNER_ID, MQTT_URL, MQTT_USER, ... */
  env?: Record<string, string>;
  /** How long to wait for "Started flows". */
  timeoutMs?: number;
}

/** Starts Node-RED with the package's settings and the given flow, and resolves once its flows run. */
export async function startNodeRed(options: RuntimeOptions): Promise<NodeRedRuntime> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), `dogtracker-e2e-${options.name}-`));
  let flowFile: string;
  if (typeof options.flow === 'string') {
    flowFile = options.flow;
  } else {
    flowFile = path.join(userDir, 'template-flow.json');
    writeFileSync(flowFile, JSON.stringify(options.flow, null, 2));
  }
  const port = await freePort();
  let log = '';
  const listeners = new Set<() => void>();
  const child: ChildProcess = spawn(
    process.execPath,
    [require.resolve('node-red/red.js'), '--settings', path.join(root, 'dist', 'settings.js')],
    {
      env: {
        ...process.env,
        PORT: String(port),
        DOGTRACKER_USER_DIR: userDir,
        DOGTRACKER_DEMO_FLOW: flowFile,
        DOGTRACKER_CREDENTIAL_SECRET: 'e2e',
        DOGTRACKER_LOG_LEVEL: 'info',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const append = (d: Buffer): void => {
    log += d.toString();
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const waitForLog = (pattern: RegExp, timeoutMs = 30000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(log)) {
          done();
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`${options.name} exited before its log matched ${pattern}:\n${log.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`${options.name}: no ${pattern} in its log after ${timeoutMs} ms:\n${log.slice(-4000)}`),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', check);
      };
      listeners.add(check);
      child.on('exit', check);
      check();
    });

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const kill = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.kill(signal);
    await exited;
    clearTimeout(kill);
  };

  const runtime: NodeRedRuntime = {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    userDir,
    log: () => log,
    waitForLog,
    stop,
    async dispose() {
      await stop();
      rmSync(userDir, { recursive: true, force: true });
    },
  };
  try {
    await waitForLog(/Started flows|Waiting for missing types/, options.timeoutMs ?? 60000);
    // A flow that does not start cleanly fails here, with the log, rather than as a time-out later.
    const trouble = /Waiting for missing types.*|\[error\].*|^Error: .*/m.exec(log);
    if (trouble) throw new Error(`${options.name}: ${trouble[0]}\n${log.slice(-4000)}`);
  } catch (err) {
    await runtime.dispose();
    throw err;
  }
  return runtime;
}

/** Polls `probe` until it returns something other than undefined; fails with `what` and `detail()`. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30000,
  detail: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `\nlast error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}\n${detail()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** GETs a JSON document from a runtime's HTTP endpoint. */
export async function getJson<T>(runtime: NodeRedRuntime, urlPath: string): Promise<T> {
  const res = await fetch(runtime.url + urlPath);
  if (!res.ok) throw new Error(`GET ${runtime.name}${urlPath}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Rows of an InfluxQL query as objects keyed by column (time in ms), tags folded in. */
export async function influxRows(
  influx: InfluxService,
  q: string,
  db: string,
): Promise<Array<Record<string, unknown>>> {
  const result = await influx.query(q, db);
  const statement = result.results[0];
  if (statement?.error) throw new Error(`InfluxDB: ${statement.error} (${q})`);
  return (statement?.series ?? []).flatMap((series) =>
    series.values.map((values) => ({
      ...series.tags,
      ...Object.fromEntries(series.columns.map((column, i) => [column, values[i]])),
    })),
  );
}

/** The servers a pipeline runs against. */
export interface PipelineServices {
  broker: ShippedBroker;
  influx: InfluxService;
  /** MQTT user names and passwords in the broker's password file. */
  users: Record<string, string>;
  /** Logs in to the broker (plain listener) as one of `users`, recording what arrives. */
  as(user: string, options?: LoginOptions): Promise<Probe>;
  /** Kills Mosquitto, keeps it down for `downMs` of wall time, and starts it again on the same ports. */
  restartBroker(downMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function startPipelineServices(
  bins: { mosquitto: string; influxd: string },
  users: Record<string, string>,
  databases: string[],
): Promise<PipelineServices> {
  const broker = await startShippedBroker(bins.mosquitto, users);
  let influx: InfluxService;
  try {
    influx = await startInfluxdb(bins.influxd);
  } catch (err) {
    await broker.dispose();
    throw err;
  }
  for (const db of databases) await influx.query(`CREATE DATABASE "${db}"`);
  const probes: Probe[] = [];
  return {
    broker,
    influx,
    users,
    async as(user, options = {}) {
      const password = users[user];
      if (password === undefined) throw new Error(`no MQTT user ${user} in this test's password file`);
      const p = await login(broker.mqttUrl, user, password, options);
      probes.push(p);
      return p;
    },
    async restartBroker(downMs = 0) {
      await broker.service.stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await broker.service.restart();
    },
    async dispose() {
      await Promise.all(probes.map((p) => p.end().catch(() => undefined)));
      await Promise.all([broker.dispose(), influx.dispose()]);
    },
  };
}

/** Prometheus samples of one metric from a runtime's /dogtracker/metrics, as label sets with their values. */
export async function metricSamples(
  runtime: NodeRedRuntime,
  name: string,
  urlPath = '/dogtracker/metrics',
): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const res = await fetch(runtime.url + urlPath);
  if (!res.ok) throw new Error(`GET ${runtime.name}${urlPath}: ${res.status}`);
  return parsePrometheus(await res.text(), name);
}

/** Reads the samples of `name` from Prometheus text exposition format. */
export function parsePrometheus(
  text: string,
  name: string,
): Array<{ labels: Record<string, string>; value: number }> {
  const samples: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ labels, value: Number(m[3]) });
  }
  return samples;
}
