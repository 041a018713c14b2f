// The Node-RED editor in a real Chromium: the edit dialogs of rssi-filter, trilaterate, tracker-map and
// geofence-alert outline a numeric field in red (`input-error`) exactly when the runtime's readSettings
// refuses its value. Node-RED runs as a child process with the package's settings. Screenshot in
// test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { NODE_SETTINGS, readSettings } from '../../nodes/kernel/settings';
import { startNodeRed, type NodeRedRuntime } from '../support/node-red-process';
import { requireBinary } from '../support/services';
import { siteText } from '../tracker-site/fixtures';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', '..', '..', 'test-artifacts');

/** Every field at its default, as the editor saves a node dragged from the palette. */
function defaults(type: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(NODE_SETTINGS[type]))
    if (spec.default !== undefined) out[field] = spec.default;
  return out;
}

const FLOW = [
  { id: 'tab1', type: 'tab', label: 'settings' },
  { id: 'site1', type: 'tracker-site', name: 'home', source: 'inline', config: siteText() },
  { ...defaults('rssi-filter'), id: 'r1', type: 'rssi-filter', z: 'tab1', x: 150, y: 80, wires: [[]] },
  {
    ...defaults('trilaterate'),
    id: 't1',
    type: 'trilaterate',
    z: 'tab1',
    x: 350,
    y: 80,
    site: 'site1',
    wires: [[]],
  },
  {
    ...defaults('geofence-alert'),
    id: 'g1',
    type: 'geofence-alert',
    z: 'tab1',
    x: 550,
    y: 80,
    site: 'site1',
    wires: [[], []],
  },
  {
    ...defaults('tracker-map'),
    id: 'm1',
    type: 'tracker-map',
    z: 'tab1',
    x: 350,
    y: 180,
    site: 'site1',
    path: 'edit',
  },
];

/** Node, field, and values to type (each checked against readSettings). */
const CASES: Array<[string, string, string, string[]]> = [
  ['r1', 'rssi-filter', 'processNoise', ['-1', '', '0', '4', 'abc']],
  ['r1', 'rssi-filter', 'window', ['0', '2.5', '', '7', '101']],
  ['t1', 'trilaterate', 'maxSpeed', ['-1', '', '0', '8']],
  ['t1', 'trilaterate', 'margin', ['-1', '', '0', '3']],
  ['g1', 'geofence-alert', 'confidence', ['50', '', '99.5', '100']],
  ['m1', 'tracker-map', 'trailMinutes', ['-1', '', '0', '10']],
  ['m1', 'tracker-map', 'maxClients', ['0', '', '-1', '20', '1.5']],
];

describe('the editor checks settings as the runtime does (Chromium)', function () {
  this.timeout(120000);
  let red: NodeRedRuntime | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async function () {
    requireBinary(this, 'chromium', 'chromium');
    red = await startNodeRed({ name: 'editor', flow: FLOW, strict: false });
    profile = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    // A script error in an injected validator would break the dialog silently.
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(red.url);
    await page.waitForFunction(
      () => {
        const RED = (window as unknown as { RED?: { nodes?: { node: (id: string) => unknown } } }).RED;
        return Boolean(RED?.nodes?.node?.('m1'));
      },
      undefined,
      { timeout: 60000 },
    );
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await red?.dispose();
  });

  async function openDialog(id: string): Promise<void> {
    await page.evaluate((nodeId) => {
      const RED = (
        window as unknown as {
          RED: { editor: { edit: (n: unknown) => void }; nodes: { node: (i: string) => unknown } };
        }
      ).RED;
      RED.editor.edit(RED.nodes.node(nodeId));
    }, id);
  }

  async function closeDialog(): Promise<void> {
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#node-dialog-cancel', { state: 'detached' });
  }

  it('outlines a field in red exactly when readSettings refuses its value', async function () {
    let shot = false;
    for (const [id, type, field, values] of CASES) {
      await openDialog(id);
      const input = `#node-input-${field}`;
      // The window is shown for the median and trimmed-mean modes.
      if (field === 'window') await page.selectOption('#node-input-mode', 'median');
      // A loaded machine opens the dialog slowly (seen > 5 s with other jobs running): wait generously.
      await page.waitForSelector(input, { state: 'visible', timeout: 20000 }).catch(async (err: unknown) => {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, 'editor-settings-debug.png') });
        throw err;
      });
      for (const value of values) {
        await page.fill(input, value);
        await page.dispatchEvent(input, 'change');
        const runtime = readSettings({ [field]: NODE_SETTINGS[type][field] }, { [field]: value });
        // The editor validates on its own change handlers: wait (briefly) for the outline to settle on
        // the runtime's verdict, then read it; a wrong outline still fails below.
        await page
          .waitForFunction(
            ([sel, want]) => document.querySelector(sel)?.classList.contains('input-error') === want,
            [input, !runtime.ok] as const,
            { timeout: 2000 },
          )
          .catch(() => undefined);
        const red = await page.$eval(input, (el) => el.classList.contains('input-error'));
        assert.equal(
          red,
          !runtime.ok,
          `${type}.${field} = ${JSON.stringify(value)}: red ${red}, runtime ${JSON.stringify(runtime)}`,
        );
        if (!shot && type === 'tracker-map' && value === '0') {
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: path.join(ARTIFACTS, 'editor-settings-invalid.png') });
          shot = true;
        }
      }
      await closeDialog();
    }
    assert.ok(shot);
    assert.deepEqual(pageErrors, []);
  });
});
