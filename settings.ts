// Node-RED settings for running the dog tracker on a Pi scanner or the hub (`npm start` uses them).
// Every choice can be changed with an environment variable; the README lists them all.
import { copyFileSync, existsSync, mkdirSync } from 'fs';
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

// First start: give the user the demo flow to look at instead of an empty workspace.
mkdirSync(userDir, { recursive: true });
const flowPath = path.resolve(userDir, flowFile);
const demoFlow = path.join(packageRoot, env.DOGTRACKER_DEMO_FLOW ?? 'examples/demo.json');
if (!existsSync(flowPath) && existsSync(demoFlow) && env.DOGTRACKER_NO_DEMO !== '1') {
  copyFileSync(demoFlow, flowPath);
}

const settings = {
  uiPort: Number(env.PORT ?? 1880),
  uiHost,
  userDir,
  flowFile,
  flowFilePretty: true,
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
