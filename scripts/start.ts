// `npm start`: Node-RED with dist/settings.js and this package, plus an MQTT broker for the demo.
//
// With MQTT_URL set, the flows use that broker and nothing else starts. Without it, an embedded broker
// (aedes, in this process) listens on 127.0.0.1:DOGTRACKER_MQTT_PORT (default 1883) and MQTT_URL is set
// to it before Node-RED starts, so flows whose broker is `${MQTT_URL}` find it. Node-RED then runs in
// this same process, with any arguments given after `npm start --`.
import * as path from 'path';
import { startEmbeddedBroker } from './embedded-broker';

const root = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  if (process.env.MQTT_URL) {
    console.log(`[dog tracker] MQTT broker: ${process.env.MQTT_URL} (from MQTT_URL)`);
  } else {
    const wanted = Number(process.env.DOGTRACKER_MQTT_PORT ?? 1883);
    if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
      throw new Error(
        `DOGTRACKER_MQTT_PORT must be a port number, not '${process.env.DOGTRACKER_MQTT_PORT}'`,
      );
    }
    const broker = await startEmbeddedBroker(wanted, '127.0.0.1', (m) => console.warn(`[dog tracker] ${m}`));
    process.env.MQTT_URL = broker.url;
    console.log(
      `[dog tracker] embedded MQTT broker (demo only, no logins): ${broker.url}; set MQTT_URL to use another`,
    );
  }
  const red = require.resolve('node-red/red.js');
  process.argv = [
    process.argv[0],
    red,
    '--settings',
    path.join(root, 'dist', 'settings.js'),
    ...process.argv.slice(2),
  ];
  require(red);
}

main().catch((err: unknown) => {
  console.error(`[dog tracker] cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
