// Node-RED settings for running the dog tracker on a Pi scanner or the hub (`npm start` uses them).
// Every choice can be changed with an environment variable; the README lists them all.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

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

// Without a login the editor listens on loopback only, unless the user explicitly opens it.
const uiHost = env.DOGTRACKER_HOST ?? (hasLogin || openEditor ? '0.0.0.0' : '127.0.0.1');

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
