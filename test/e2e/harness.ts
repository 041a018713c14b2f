// End-to-end harness: real Mosquitto (the shipped config), real InfluxDB, and Node-RED runtimes as child
// processes, each started the way a Pi or the hub starts it: `node-red --settings dist/settings.js` with a
// fresh user directory, the flow file it is given (DOGTRACKER_DEMO_FLOW) and environment variables.
import { startInfluxdb, type InfluxService } from '../support/services';
import type { NodeRedRuntime } from '../support/node-red-process';
import { login, type LoginOptions, type Probe } from '../deploy/mqtt-probe';
import { startShippedBroker, type ShippedBroker } from '../deploy/shipped-broker';

export { startNodeRed, type NodeRedRuntime, type RuntimeOptions } from '../support/node-red-process';

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
