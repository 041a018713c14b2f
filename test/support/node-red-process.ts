// Node-RED as a child process, started the way `npm start`, a Pi or the hub starts it:
// `node-red --settings dist/settings.js` with a user directory, the flow a fresh user directory starts with
// (DOGTRACKER_DEMO_FLOW) and environment variables. Used by the smoke, restart, metrics and e2e tests.
import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './services';

/** The package root (this file is compiled to dist/test/support/). */
export const packageRoot = path.resolve(__dirname, '..', '..', '..');

export interface NodeRedRuntime {
  readonly name: string;
  /** http://127.0.0.1:port of its editor and HTTP endpoints. */
  readonly url: string;
  readonly userDir: string;
  /** Its process id (the benchmark reads its CPU time and RSS from /proc). */
  readonly pid: number;
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
  /** Flow file (JSON array of nodes, as exported from the editor) or the nodes themselves; default: the demo. */
  flow?: string | object[];
  /** Start in this user directory (e.g. again after a stop); it is kept on dispose. Default: a new one. */
  userDir?: string;
  /** Fail the start when the log shows an error or missing node types (default true). */
  strict?: boolean;
  /**
   * Run Node-RED with its own default settings (`node-red -u userDir -p port`), as in a user's existing
   * install, instead of this package's settings.ts (which loads the package from this clone).
   */
  defaultSettings?: boolean;
  /** A settings file to use instead of dist/settings.js (e.g. one that requires it and adds a user). */
  settingsFile?: string;
  /** Environment variables for the flow: SCANNER_ID, MQTT_URL, MQTT_USER, ... */
  env?: Record<string, string>;
  /** How long to wait for "Started flows". */
  timeoutMs?: number;
}

/** Starts Node-RED with the package's settings and the given flow, and resolves once its flows run. */
export async function startNodeRed(options: RuntimeOptions): Promise<NodeRedRuntime> {
  const ownDir = options.userDir === undefined;
  const userDir = options.userDir ?? mkdtempSync(path.join(os.tmpdir(), `dogtracker-${options.name}-`));
  let flowFile: string | undefined;
  if (typeof options.flow === 'string') {
    flowFile = options.flow;
  } else if (options.flow) {
    flowFile = path.join(userDir, 'template-flow.json');
    writeFileSync(flowFile, JSON.stringify(options.flow, null, 2));
  }
  const port = await freePort();
  let log = '';
  const listeners = new Set<() => void>();
  const child: ChildProcess = spawn(
    process.execPath,
    options.defaultSettings
      ? [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)]
      : [
          require.resolve('node-red/red.js'),
          '--settings',
          options.settingsFile ?? path.join(packageRoot, 'dist', 'settings.js'),
        ],
    {
      env: {
        ...process.env,
        PORT: String(port),
        DOGTRACKER_USER_DIR: userDir,
        ...(flowFile ? { DOGTRACKER_DEMO_FLOW: flowFile } : {}),
        DOGTRACKER_CREDENTIAL_SECRET: 'test',
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
    pid: child.pid ?? -1,
    log: () => log,
    waitForLog,
    stop,
    async dispose() {
      await stop();
      if (ownDir) rmSync(userDir, { recursive: true, force: true });
    },
  };
  try {
    await waitForLog(/Started flows|Waiting for missing types/, options.timeoutMs ?? 60000);
    // A flow that does not start cleanly fails here, with the log, rather than as a time-out later.
    const trouble = /Waiting for missing types.*|\[error\].*|^Error: .*/m.exec(log);
    if (trouble && options.strict !== false)
      throw new Error(`${options.name}: ${trouble[0]}\n${log.slice(-4000)}`);
  } catch (err) {
    await runtime.dispose();
    throw err;
  }
  return runtime;
}
