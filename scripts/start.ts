// `npm start`: Node-RED with dist/settings.js and this package, plus an MQTT broker for the demo.
//
// With MQTT_URL set, the flows use that broker and nothing else starts. Without it, an embedded broker
// (aedes, in this process) listens on 127.0.0.1:DOGTRACKER_MQTT_PORT (default 1883) and MQTT_URL is set
// to it before Node-RED starts, so flows whose broker is `${MQTT_URL}` find it. Node-RED then runs in
// this same process, with any arguments given after `npm start --`. The demo flow's scripted story is
// handed to it in the global context (scripts/demo-story.ts), and once Node-RED listens and the flows
// run, a banner says where the app, the map and the editor are, on the port Node-RED really took.
import { rmSync } from 'fs';
import type { Server } from 'http';
import * as path from 'path';
import { loadBcrypt } from '../nodes/tracker-notify/bcrypt';
import {
  bannerLines,
  DEMO_LOGIN,
  demoSite,
  HASHES_ENV,
  prepareDemoFlow,
  readFlow,
  STORY_KEY,
  storyHandle,
} from './demo-story';
import { startEmbeddedBroker } from './embedded-broker';

const root = path.resolve(__dirname, '..', '..');
const say = (line: string): void => console.log(`[dog tracker] ${line}`);

/** What this script reads of dist/settings.js (the object Node-RED itself gets: require caches it). */
interface StartSettings {
  userDir: string;
  flowFile: string;
  uiHost: string;
  httpAdminRoot: string | false;
  httpNodeRoot: string | false;
  functionGlobalContext?: Record<string, unknown>;
}

/** The part of node-red's lib/red.js used for the banner. */
interface NodeRedModule {
  readonly server: Server | null;
  readonly events: { once(event: string, listener: () => void): void };
}

async function main(): Promise<void> {
  let broker: string;
  if (process.env.MQTT_URL) {
    broker = `${process.env.MQTT_URL} (from MQTT_URL)`;
    say(`MQTT broker: ${broker}`);
  } else {
    const wanted = Number(process.env.DOGTRACKER_MQTT_PORT ?? 1883);
    if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
      throw new Error(
        `DOGTRACKER_MQTT_PORT must be a port number, not '${process.env.DOGTRACKER_MQTT_PORT}'`,
      );
    }
    const embedded = await startEmbeddedBroker(wanted, '127.0.0.1', (m) => say(m));
    process.env.MQTT_URL = embedded.url;
    broker = `embedded broker ${embedded.url} (demo only, no logins; set MQTT_URL to use another)`;
    say(`embedded MQTT broker (demo only, no logins): ${embedded.url}; set MQTT_URL to use another`);
  }

  // The demo person's login, hashed now so that no flow file carries a hash.
  let password: string | undefined;
  if (!process.env[HASHES_ENV]) {
    password = process.env.DOGTRACKER_DEMO_PASSWORD || DEMO_LOGIN.password;
    process.env[HASHES_ENV] = JSON.stringify({ [DEMO_LOGIN.login]: await loadBcrypt().hash(password, 10) });
  }

  // The settings copy the demo into a fresh user directory when they are loaded: choose the copy first.
  const influxUrl = process.env.INFLUX_URL || undefined;
  const temporaryFlow = process.env.DOGTRACKER_DEMO_FLOW
    ? undefined
    : prepareDemoFlow(path.join(root, 'examples', 'demo.json'), influxUrl);
  if (temporaryFlow) process.env.DOGTRACKER_DEMO_FLOW = temporaryFlow;
  const settingsFile = path.join(root, 'dist', 'settings.js');
  let settings: StartSettings;
  try {
    settings = require(settingsFile) as StartSettings;
  } finally {
    if (temporaryFlow) rmSync(temporaryFlow, { force: true });
  }
  const flowPath = path.resolve(settings.userDir, settings.flowFile);
  const flow = readFlow(flowPath);
  const site = demoSite(flow) ?? demoSite(readFlow(path.join(root, 'examples', 'demo.json')));
  if (site && settings.functionGlobalContext?.[STORY_KEY] === undefined)
    settings.functionGlobalContext = { ...settings.functionGlobalContext, [STORY_KEY]: storyHandle(site) };

  const red = require.resolve('node-red/red.js');
  process.argv = [process.argv[0], red, '--settings', settingsFile, ...process.argv.slice(2)];
  require(red);

  // node-red's lib/red.js is the module red.js runs (one copy in the require cache).
  const RED = require(require.resolve('node-red')) as Partial<NodeRedModule>;
  if (typeof RED.events?.once !== 'function') {
    say('this Node-RED has no runtime events: no banner (see the log for its address)');
    return;
  }
  RED.events.once('flows:started', () => {
    const server = RED.server;
    if (!server) return;
    const announce = (): void => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : undefined;
      if (port === undefined) return;
      const host = /^(0\.0\.0\.0|::|)$/.test(settings.uiHost ?? '') ? '127.0.0.1' : settings.uiHost;
      const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      const lines = bannerLines({
        base,
        adminRoot: settings.httpAdminRoot === false ? '' : settings.httpAdminRoot,
        nodeRoot: settings.httpNodeRoot === false ? '' : settings.httpNodeRoot,
        broker,
        // The flow as it runs now (the first start has just written it).
        flow: readFlow(flowPath),
        influxUrl,
        password,
      });
      say('-'.repeat(100));
      for (const line of lines) say(line);
      say('-'.repeat(100));
    };
    // After Node-RED's own "Started flows" line, so the banner is the last thing on the screen.
    const later = (): void => void setImmediate(announce);
    if (server.listening) later();
    else server.once('listening', later);
  });
}

main().catch((err: unknown) => {
  console.error(`[dog tracker] cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
