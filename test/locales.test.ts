// The editor's words come from locales/en-US, as in Node-RED's own nodes: the real runtime (a child process
// with the package's settings) serves each node's help from locales/en-US/<node>.html and its message
// catalogue from <node>.json under the node set's namespace, every key the editor files use is in it, and
// a real Chromium shows the palette in pipeline order and an edit dialog with words, not keys.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot, startNodeRed, type NodeRedRuntime } from './support/node-red-process';
import { requireBinary } from './support/services';

const MODULE = 'node-red-contrib-dog-tracker';
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(packageRoot, 'test-artifacts');
const NODE_SETS = Object.keys(
  (
    JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
      'node-red': { nodes: object };
    }
  )['node-red'].nodes,
);
const CONFIG_NODES = ['tracker-site', 'tracker-influx'];

type Catalogue = Record<string, unknown>;

/** The string at a dotted key of a catalogue, or undefined. */
function lookup(catalogue: Catalogue, key: string): string | undefined {
  let at: unknown = catalogue;
  for (const part of key.split('.')) at = (at as Record<string, unknown> | undefined)?.[part];
  return typeof at === 'string' ? at : undefined;
}

/** Every message key an editor file names: data-i18n attributes and this._('...') calls. */
function keysUsed(html: string): { exact: string[]; prefixes: string[] } {
  const exact = [
    ...[...html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/this\._\('([^']+)'[,)]/g)].map((m) => m[1]!),
  ];
  // this._('x.outputLabels.' + index): the prefix must have one entry per port.
  const prefixes = [...html.matchAll(/this\._\('([^']+\.)' \+/g)].map((m) => m[1]!);
  return { exact, prefixes };
}

const FLOW = [
  { id: 'loc-tab', type: 'tab', label: 'locales' },
  { id: 'loc-filter', type: 'rssi-filter', z: 'loc-tab', x: 150, y: 80, mode: 'kalman', wires: [[]] },
];

describe('editor help and labels from locales/en-US, served by the real Node-RED', function () {
  this.timeout(120000);
  let red: NodeRedRuntime;

  before(async () => {
    red = await startNodeRed({ name: 'locales', flow: FLOW, strict: false });
  });
  after(() => red?.dispose());

  async function get(url: string, accept = 'application/json'): Promise<Response> {
    const res = await fetch(red.url + url, { headers: { Accept: accept } });
    assert.equal(res.status, 200, `GET ${url}: ${res.status}\n${red.log()}`);
    return res;
  }

  it('keeps each help in locales/en-US/<node>.html only, and the runtime serves it with the editor', async () => {
    const served = await (await get('/nodes', 'text/html')).text();
    for (const type of NODE_SETS) {
      const editor = readFileSync(path.join(packageRoot, 'nodes', type, `${type}.html`), 'utf8');
      assert.doesNotMatch(editor, /data-help-name/, `${type}.html still holds help`);
      const help = readFileSync(
        path.join(packageRoot, 'nodes', type, 'locales', 'en-US', `${type}.html`),
        'utf8',
      );
      assert.match(help, new RegExp(`^<script type="text/html" data-help-name="${type}">`));
      assert.ok(served.includes(help.trim()), `the help of ${type} is not served`);
    }
  });

  // GET /nodes/messages is what the editor loads before the node definitions (RED.i18n.loadNodeCatalogs).
  it('serves each node set catalogue under its namespace, with every key the editor files use', async () => {
    const all = (await (await get('/nodes/messages?lng=en-US')).json()) as Record<string, Catalogue>;
    for (const type of NODE_SETS) {
      const catalogue = all[`${MODULE}/${type}`];
      assert.ok(catalogue, `no catalogue for ${MODULE}/${type}: ${Object.keys(all).join(', ')}`);
      const html = readFileSync(path.join(packageRoot, 'dist', 'nodes', type, `${type}.html`), 'utf8');
      const { exact, prefixes } = keysUsed(html);
      assert.ok(exact.includes(`${type}.paletteLabel`), `${type} has no translated palette label`);
      for (const key of exact) {
        assert.ok(key.startsWith(`${type}.`), `${type}: key ${key} outside the node's own messages`);
        assert.ok(lookup(catalogue, key), `${type}: no message ${key}`);
      }
      const outputs = Number(/\n\s*outputs: (\d+),/.exec(html)?.[1] ?? 0);
      for (const prefix of prefixes) {
        const ports = prefix.endsWith('outputLabels.') ? outputs : 1;
        for (let i = 0; i < ports; i++)
          assert.ok(lookup(catalogue, prefix + i), `${type}: no message ${prefix}${i}`);
      }
      // Every form label is a message (none left as bare English in the template).
      const template = /<script type="text\/html" data-template-name="[^"]+">([\s\S]*?)<\/script>/.exec(
        html,
      )?.[1];
      for (const label of template?.matchAll(/<label\b[^>]*>([\s\S]*?)<\/label>/g) ?? []) {
        const words = label[1]!
          .replace(/<[^>]*>/g, '')
          .replace(/&nbsp;/g, '')
          .trim();
        assert.equal(words, '', `${type}: label "${words}" is not from the catalogue`);
      }
    }
  });

  describe('in Chromium', () => {
    let context: BrowserContext | undefined;
    let profile: string | undefined;
    let page: Page;
    const pageErrors: string[] = [];
    const catalogue = (type: string): Catalogue =>
      JSON.parse(
        readFileSync(path.join(packageRoot, 'nodes', type, 'locales', 'en-US', `${type}.json`), 'utf8'),
      ) as Catalogue;

    before(async function () {
      requireBinary(this, 'chromium', 'chromium');
      profile = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        viewport: { width: 1280, height: 900 },
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(red.url);
      await page.waitForFunction(
        () =>
          Boolean(
            (
              window as unknown as { RED?: { nodes?: { node?: (id: string) => unknown } } }
            ).RED?.nodes?.node?.('loc-filter'),
          ),
        undefined,
        { timeout: 60000 },
      );
    });

    after(async () => {
      await context?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    it('lists the dog tracker palette in pipeline order, labelled from the catalogues', async () => {
      const palette = await page.$$eval('#red-ui-palette-dog_tracker .red-ui-palette-node', (nodes) =>
        nodes.map((n) => ({
          type: n.getAttribute('data-palette-type'),
          label: n.querySelector('.red-ui-palette-label')?.textContent?.replace(/\s+/g, ' ').trim(),
        })),
      );
      const expected = NODE_SETS.filter((t) => !CONFIG_NODES.includes(t)).map((type) => ({
        type,
        label: lookup(catalogue(type), `${type}.paletteLabel`),
      }));
      assert.deepEqual(palette, expected);
      for (const { label } of expected) assert.match(label ?? '', /^[a-z]+( [a-z]+)?$/);
    });

    it('shows words, not message keys, on the canvas and in the edit dialog', async () => {
      const words = await page.evaluate(() => {
        type Node = { _def: { outputLabels: (this: unknown, i: number) => string } };
        const RED = (
          window as unknown as {
            RED: {
              nodes: { node: (id: string) => Node };
              utils: { getNodeLabel: (n: unknown) => string };
              editor: { edit: (n: unknown) => void };
            };
          }
        ).RED;
        const node = RED.nodes.node('loc-filter');
        RED.editor.edit(node);
        return { canvas: RED.utils.getNodeLabel(node) };
      });
      assert.equal(words.canvas, 'rssi filter');
      await page.waitForSelector('label[for="node-input-mode"] span', { state: 'visible' });
      const dialog = await page.$eval('#dialog-form', (form) => ({
        mode: form.querySelector('label[for="node-input-mode"]')?.textContent?.trim(),
        labels: Array.from(form.querySelectorAll('label')).map((l) => l.textContent?.trim() ?? ''),
      }));
      assert.equal(dialog.mode, 'Smoothing');
      const messages = catalogue('rssi-filter') as { 'rssi-filter': { label: Record<string, string> } };
      for (const text of Object.values(messages['rssi-filter'].label))
        assert.ok(dialog.labels.includes(text), text);
      assert.deepEqual(
        dialog.labels.filter((l) => /rssi-filter\.|\.label\./.test(l)),
        [],
      );
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'editor-locales.png') });
      await page.click('#node-dialog-cancel');
      // The help sidebar's source: the help block the runtime took from locales/en-US.
      const help = await page.$eval('script[data-help-name="rssi-filter"]', (s) => s.innerHTML);
      assert.match(help, /Smooths the RSSI of each/);
      assert.deepEqual(pageErrors, []);
    });
  });
});
