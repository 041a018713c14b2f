// What `npm start` adds to the demo flow (examples/demo.json): the scripted story its function node
// 'the scripted story' plays (nodes/kernel/demo-scenario.ts, handed over in the global context), the
// demo copied at the first start with InfluxDB on only when INFLUX_URL is set, and the start banner.
import { existsSync, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DemoScenario } from '../nodes/kernel/demo-scenario';
import { parseSite, type Site } from '../nodes/kernel/site-document';

/** Ids of examples/demo.json that the start script knows. */
export const DEMO_IDS = {
  site: 'dt-demo-site',
  story: 'dt-demo-story',
  map: 'dt-demo-map',
  notify: 'dt-demo-notify',
  influx: 'dt-demo-db',
} as const;

/**
 * The demo's person. examples/demo.json carries no hash (a flow carries no secrets): its tracker-notify's
 * credential is `${DT_DEMO_HASHES}`, from DOGTRACKER_DEMO_HASHES, which the start script fills with a
 * bcrypt hash of this password (or of DOGTRACKER_DEMO_PASSWORD) unless it is set.
 */
export const DEMO_LOGIN = { login: 'demo', password: 'dogtracker' } as const;

export const HASHES_ENV = 'DOGTRACKER_DEMO_HASHES';

/** The global context key the function node reads the story from. */
export const STORY_KEY = 'dogtrackerDemo';

interface FlowNode {
  id: string;
  type: string;
  d?: boolean;
  config?: string;
  source?: string;
}

export function readFlow(file: string): FlowNode[] | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const nodes: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(nodes) ? (nodes as FlowNode[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The demo flow to copy at the first start: the shipped one (its InfluxDB node disabled, so nothing
 * queues on disk for a server that is not there), or with INFLUX_URL set, a copy in the temp folder
 * with that node enabled. Returns the temporary file to remove once Node-RED has read its settings.
 */
export function prepareDemoFlow(shipped: string, influxUrl: string | undefined): string | undefined {
  if (!influxUrl) return undefined;
  const nodes = readFlow(shipped);
  if (!nodes) return undefined;
  for (const n of nodes) if (n.id === DEMO_IDS.influx) delete n.d;
  const file = path.join(os.tmpdir(), `dogtracker-demo-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(nodes, null, 2));
  return file;
}

/** The demo yard from a flow (the user's, so an edited yard is the one heard), if it has it inline. */
export function demoSite(nodes: readonly FlowNode[] | undefined): Site | undefined {
  const node = nodes?.find((n) => n.id === DEMO_IDS.site && n.type === 'tracker-site');
  if (!node || (node.source !== undefined && node.source !== 'inline') || typeof node.config !== 'string')
    return undefined;
  const parsed = parseSite(node.config);
  return parsed.ok ? parsed.site : undefined;
}

/** What the function node calls: the story starts with its first tick, when the flows run. */
export interface StoryHandle {
  advance(now: number): unknown[];
  describe(now: number): string;
  restart(now: number): void;
}

export function storyHandle(site: Site): StoryHandle {
  let scenario: DemoScenario | undefined;
  const at = (now: number): DemoScenario => (scenario ??= new DemoScenario(site, { startTs: now }));
  return {
    advance: (now) => at(now).advance(now),
    describe: (now) => at(now).describe(now),
    restart: (now) => at(now).restart(now),
  };
}

export interface BannerFacts {
  /** Base URL of this Node-RED as the machine's own browser reaches it, e.g. http://127.0.0.1:1880. */
  base: string;
  adminRoot: string;
  nodeRoot: string;
  broker: string;
  flow: readonly FlowNode[] | undefined;
  influxUrl: string | undefined;
  /** The demo person's password, as hashed for this run; undefined: DOGTRACKER_DEMO_HASHES was given. */
  password: string | undefined;
}

/** The lines printed once Node-RED listens and the flows run. */
export function bannerLines(f: BannerFacts): string[] {
  const has = (id: string): FlowNode | undefined => f.flow?.find((n) => n.id === id);
  const join = (root: string, rest: string): string => `${f.base}${`/${root}/`.replace(/\/+/g, '/')}${rest}`;
  const lines: string[] = [];
  if (has(DEMO_IDS.story))
    lines.push(
      'The demo: Rex slips out of the yard about 40 s after the start and is back about 40 s later;',
      'the alert reaches the phone app and is resolved when he is home. The story repeats every 3 minutes.',
    );
  if (has(DEMO_IDS.notify)) {
    lines.push(
      `  phone app   ${join(f.nodeRoot, 'dogtracker/api/notify/app/')}`,
      `              log in as ${DEMO_LOGIN.login}, ${f.password === undefined ? `the password hashed in ${HASHES_ENV}` : `password ${f.password}`}; press "Alerts on this device"`,
      '              for a push notification in this browser (it needs the internet to reach the push service)',
    );
  }
  if (has(DEMO_IDS.map)) lines.push(`  live map    ${join(f.nodeRoot, 'dogtracker/')}`);
  lines.push(`  editor      ${join(f.adminRoot, '')}`);
  lines.push(`  MQTT        ${f.broker}`);
  const influx = has(DEMO_IDS.influx);
  if (influx)
    lines.push(
      influx.d
        ? `  InfluxDB    off: the demo's InfluxDB node is disabled${f.influxUrl ? ' (INFLUX_URL was not set at the first start: enable it in the editor)' : ' (set INFLUX_URL before the first start, or enable it in the editor)'}`
        : `  InfluxDB    ${f.influxUrl || 'http://127.0.0.1:8086'} (INFLUX_URL); queued on disk while it is away`,
    );
  lines.push('  stop with Ctrl-C');
  return lines;
}
