// Node-RED settings for running the dog tracker on a Pi scanner or the hub (`npm start` uses them).
// Every choice can be changed with an environment variable; the README lists them all.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { METRICS_PATH } from './nodes/common/metrics-route';
import { nodeAuth } from './nodes/common/node-auth';

const env = process.env;
/** The package root: this file is compiled to dist/settings.js. */
const packageRoot = path.resolve(__dirname, '..');

const userDir = path.resolve(env.DOGTRACKER_USER_DIR ?? path.join(packageRoot, '.node-red'));
const flowFile = env.DOGTRACKER_FLOW_FILE ?? 'flows.json';
const adminUser = env.DOGTRACKER_ADMIN_USER;
const adminHash = env.DOGTRACKER_ADMIN_PASSWORD_HASH;
const openEditor = env.DOGTRACKER_OPEN_EDITOR === '1' || env.DOGTRACKER_OPEN_EDITOR === 'true';
const hasLogin = Boolean(adminUser && adminHash);
if (adminUser && !adminHash) {
  throw new Error(
    'DOGTRACKER_ADMIN_USER is set but DOGTRACKER_ADMIN_PASSWORD_HASH is not: make a hash with `npx node-red admin hash-pw`',
  );
}

// Without a login the editor listens on loopback only, unless the user explicitly opens it; a host
// other than loopback without a login is refused rather than silently opening the editor to the network.
const uiHost = env.DOGTRACKER_HOST ?? (hasLogin || openEditor ? '0.0.0.0' : '127.0.0.1');
if (!hasLogin && !openEditor && !isLoopback(uiHost)) {
  throw new Error(
    `DOGTRACKER_HOST=${uiHost} would open the Node-RED editor to the network with no login. Either set ` +
      'DOGTRACKER_ADMIN_USER and DOGTRACKER_ADMIN_PASSWORD_HASH (make the hash with `npx node-red admin hash-pw`), ' +
      'or set DOGTRACKER_OPEN_EDITOR=1 to open it without a login on a network you trust.',
  );
}

// The node endpoints (map pages, the map's session, http-in nodes, /dogtracker/metrics) get a login of
// their own, or the editor's when that is set: live positions are as private as the flows.
const httpUser = env.DOGTRACKER_HTTP_USER || (env.DOGTRACKER_HTTP_PASSWORD_HASH ? undefined : adminUser);
const httpHash = env.DOGTRACKER_HTTP_USER ? env.DOGTRACKER_HTTP_PASSWORD_HASH : adminHash;
if (env.DOGTRACKER_HTTP_PASSWORD_HASH && !env.DOGTRACKER_HTTP_USER) {
  throw new Error('DOGTRACKER_HTTP_PASSWORD_HASH is set but DOGTRACKER_HTTP_USER is not: set both');
}
if (env.DOGTRACKER_HTTP_USER && !httpHash) {
  throw new Error(
    'DOGTRACKER_HTTP_USER is set but DOGTRACKER_HTTP_PASSWORD_HASH is not: make a hash with `npx node-red admin hash-pw`',
  );
}
const metricsOpen = env.DOGTRACKER_METRICS_OPEN ?? '';
if (metricsOpen !== '' && metricsOpen !== 'loopback') {
  throw new Error(`DOGTRACKER_METRICS_OPEN must be 'loopback' (or unset), not '${metricsOpen.slice(0, 40)}'`);
}

function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1'
  );
}

// First start: give the user a flow instead of an empty workspace: the demo, or on a Pi or the hub the
// shipped deployment flow (DOGTRACKER_DEMO_FLOW=flows/scanner-pi.json or flows/hub.json).
mkdirSync(userDir, { recursive: true });
const flowPath = path.resolve(userDir, flowFile);
const demoFlow = path.resolve(packageRoot, env.DOGTRACKER_DEMO_FLOW ?? 'examples/demo.json');
if (!existsSync(flowPath) && existsSync(demoFlow) && env.DOGTRACKER_NO_DEMO !== '1') {
  installFlow(demoFlow, flowPath);
}

/**
 * Copies a flow file into the user directory. Credentials written in it (the shipped flows carry only
 * `${MQTT_USER}`-style placeholders, never secrets) move to the credentials file beside it, the only
 * place Node-RED reads credentials from when it loads a flow file; it encrypts them on the next deploy.
 */
function installFlow(from: string, to: string): void {
  const nodes = JSON.parse(readFileSync(from, 'utf8')) as Array<{ id: string; credentials?: unknown }>;
  const credentials: Record<string, unknown> = {};
  for (const node of nodes) {
    if (node.credentials === undefined) continue;
    credentials[node.id] = node.credentials;
    delete node.credentials;
  }
  writeFileSync(to, JSON.stringify(nodes, null, 4));
  if (Object.keys(credentials).length === 0) return;
  const ext = path.extname(to);
  const credentialsFile = path.join(path.dirname(to), `${path.basename(to, ext)}_cred${ext}`);
  writeFileSync(credentialsFile, JSON.stringify(credentials, null, 4), { mode: 0o600 });
}

const settings = {
  uiPort: Number(env.PORT ?? 1880),
  uiHost,
  userDir,
  flowFile,
  flowFilePretty: true,
  // File nodes resolve relative paths in the user directory, as beacon-scan's replay and tracker-site do.
  fileWorkingDirectory: userDir,
  // Credentials (MQTT and InfluxDB passwords, tokens) are encrypted with this key; keep it out of git.
  credentialSecret: env.DOGTRACKER_CREDENTIAL_SECRET || undefined,
  // Load this package straight from the clone, as an npm-installed module would be.
  nodesDir: [packageRoot],
  httpAdminRoot: env.DOGTRACKER_HTTP_ADMIN_ROOT ?? '/',
  httpNodeRoot: env.DOGTRACKER_HTTP_NODE_ROOT ?? '/',
  adminAuth: hasLogin
    ? {
        type: 'credentials',
        users: [{ username: adminUser, password: adminHash, permissions: '*' }],
      }
    : undefined,
  // A function, so that the loopback metrics opt-out can be decided per request (Node-RED mounts it in
  // front of every node endpoint: app.use(httpNodeRoot, httpNodeAuth)).
  httpNodeAuth:
    httpUser && httpHash
      ? nodeAuth({
          user: httpUser,
          hash: httpHash,
          openPaths: metricsOpen === 'loopback' ? [METRICS_PATH] : [],
        })
      : undefined,
  // Node state (zone state, filters, queues) survives a restart: context goes to disk by default.
  contextStorage: {
    default: { module: 'localfilesystem' },
    memory: { module: 'memory' },
  },
  logging: {
    console: { level: env.DOGTRACKER_LOG_LEVEL ?? 'info', metrics: false, audit: false },
  },
  editorTheme: {
    projects: { enabled: false },
    tours: false,
    header: { title: `Dog tracker · ${os.hostname()}` },
  },
  // Pis and hubs often have no internet: ask no one about update notifications unless told to.
  telemetry: { enabled: env.DOGTRACKER_UPDATE_CHECK === '1' },
  functionExternalModules: false,
  exportGlobalContextKeys: false,
};

export = settings;
