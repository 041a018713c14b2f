// What the suites that run flows against a real Mosquitto share: the hooks that start the broker and the
// Node-RED test runtime once, and the shipped example flows with their tab's settings pointed at the test.
import { readFileSync } from 'fs';
import * as path from 'path';
import { helper, type FlowNode } from './flow';
import { requireBinary, startMosquitto, type RunningService } from './services';

/**
 * Registers, in the calling `describe`, hooks that start a broker and the test runtime, unload each test's
 * flow and stop both at the end. The returned function gives the broker once the `before` hook has run.
 */
export function useBrokerAndRuntime(): () => RunningService {
  let broker: RunningService | undefined;
  before(async function () {
    broker = await startMosquitto(requireBinary(this, 'mosquitto', 'mosquitto'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await broker?.dispose();
  });
  afterEach(() => helper.unload());
  return () => {
    if (!broker) throw new Error('the broker starts in the before hook');
    return broker;
  };
}

/** A flow's `mqtt-broker` config node (id `broker`) for the test's broker on `port`; `extra` adds or overrides. */
export function brokerNode(port: number, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'broker',
    type: 'mqtt-broker',
    name: 'mosquitto',
    broker: '127.0.0.1',
    port: String(port),
    clientid: '',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '60',
    cleansession: true,
    ...extra,
  };
}

/** examples/<name>.json as shipped, but for the tab's environment values given (as the tab stores them). */
export function exampleFlow(name: string, env: Record<string, string> = {}): FlowNode[] {
  const file = path.join(__dirname, '..', '..', '..', 'examples', `${name}.json`);
  const example = JSON.parse(readFileSync(file, 'utf8')) as FlowNode[];
  const tab = example.find((n) => n.type === 'tab') as
    (FlowNode & { env?: Array<{ name: string; value: string }> }) | undefined;
  for (const [key, value] of Object.entries(env)) {
    const entry = tab?.env?.find((e) => e.name === key);
    if (!entry) throw new Error(`examples/${name}.json has no tab setting ${key}`);
    entry.value = value;
  }
  return example;
}

/** Node-RED's own nodes, by their file under @node-red/nodes/core, as example flows use them. */
export function coreNodes(...files: string[]): unknown[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return files.map((file) => require(`@node-red/nodes/core/${file}`) as unknown);
}
