// Where the site is on Earth, in Chromium: with a tracker-map's tile URL the Plan editor shows a
// geographic map (tiles from this test's own HTTP server: no internet), and the origin and rotation are
// set by two points, each a scanner tapped on the plan and the same spot tapped on the map. Saved, the
// site's origin puts both plan points on their map points within 0.1 m. Once in the phone app's site
// screen (390x844, touch, ◎ Here from the phone's position), once in the Node-RED editor's Plan view
// (the origin typed first, then refined by two points, Done + Deploy). Screenshots in docs/images/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { deflateSync } from 'zlib';
import type * as L from 'leaflet';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LocalFrame, type LatLon } from '../../nodes/kernel/geo';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import trackerNotify = require('../../nodes/tracker-notify/tracker-notify');
import type { TrackerSiteNode } from '../../nodes/tracker-site/tracker-site-node';
import { appNotifyCredentials, appNotifyNode, logIn } from '../support/app-login';
import { helper, onTab } from '../support/flow';
import { startNodeRed, type NodeRedRuntime } from '../support/node-red-process';
import { requireBinary } from '../support/services';
import { serveHttpNode, trackerMapServed } from '../tracker-map/harness';

const CHROMIUM = '/usr/bin/chromium';
const IMAGES = path.resolve(__dirname, '..', '..', '..', 'docs', 'images');
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-sync',
];

/** Where the yard really is: the test's truth, which the owner finds on the map. */
const TRUTH = { lat: 52.0907, lon: 5.1214, rotationDeg: 30 };
const truth = new LocalFrame(TRUTH);

const SITE = {
  name: 'Home yard',
  defaults: { rssiAt1m: -59, pathLossExponent: 2.2, tagHeight: 0.5 },
  scanners: [
    { id: 'pi-sw', x: 0, y: 0 },
    { id: 'pi-se', x: 20, y: 0 },
    { id: 'pi-n', x: 10, y: 25 },
  ],
  dogs: [{ id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' }],
  zones: [
    {
      id: 'yard',
      name: 'Yard',
      kind: 'safe',
      polygon: [
        [0, 0],
        [20, 0],
        [20, 25],
        [0, 25],
      ],
    },
    { id: 'pool', name: 'Pool', kind: 'forbidden', circle: { x: 6, y: 17, r: 3 } },
  ],
};

interface Origin {
  lat: number;
  lon: number;
  rotationDeg: number;
}

/** A 256 x 256 PNG tile: a pale colour from its tile numbers, with a darker frame (to see the tiles). */
function tilePng(x: number, y: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const size = 256;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const fill = [200 + ((x * 37) % 40), 215 + ((y * 53) % 30), 190 + (((x + y) * 17) % 40)];
  const rows: Buffer[] = [];
  for (let r = 0; r < size; r++) {
    const row = Buffer.alloc(1 + 3 * size);
    for (let c = 0; c < size; c++) {
      const edge = r === 0 || c === 0;
      for (let k = 0; k < 3; k++) row[1 + 3 * c + k] = edge ? (fill[k] ?? 0) - 60 : (fill[k] ?? 0);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The tile server: `/tiles/{z}/{x}/{y}.png`; counts what it served. */
async function startTiles(): Promise<{ url: string; served: () => number; close: () => Promise<void> }> {
  let served = 0;
  const server = http.createServer((req, res) => {
    const m = /^\/tiles\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    served++;
    res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'max-age=3600' });
    res.end(tilePng(Number(m[2]), Number(m[3])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/tiles/{z}/{x}/{y}.png`,
    served: () => served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface PlanHandle {
  map: L.Map;
  geoMap?: L.Map;
  getValue(): string;
  idle(): Promise<unknown>;
}
/** The page's Plan editor: the app's site screen sets `window.sitePlan`; in the dialog the test does. */
type PlanWindow = { sitePlan: PlanHandle };

/** Page pixel of a plan point (m) or of a map point (lat/lon) of the Plan editor on `page`. */
function pixelOf(page: Page, which: 'plan' | 'geo', a: number, b: number): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ([w, pa, pb]) => {
      const plan = (window as unknown as PlanWindow).sitePlan;
      const map = w === 'plan' ? plan.map : plan.geoMap!;
      const c = map.getContainer();
      const rect = c.getBoundingClientRect();
      const p = map.latLngToContainerPoint(w === 'plan' ? [pb, pa] : [pa, pb]);
      return { x: rect.left + c.clientLeft + p.x, y: rect.top + c.clientTop + p.y };
    },
    [which, a, b] as const,
  );
}

/** Scrolls a map into view and, for the geographic map, shows (lat, lon) at `zoom` (a user's pan and pinch). */
async function showMap(
  page: Page,
  which: 'plan' | 'geo',
  view?: { lat: number; lon: number; zoom: number },
): Promise<void> {
  await page.evaluate(
    ([w, v]) => {
      const plan = (window as unknown as PlanWindow).sitePlan;
      const map = w === 'plan' ? plan.map : plan.geoMap!;
      map.getContainer().scrollIntoView({ block: 'center' });
      if (v) map.setView([v.lat, v.lon], v.zoom, { animate: false });
    },
    [which, view] as const,
  );
  // Leaflet animates fits and zooms: wait until the view stays put across two animation frames.
  await page.evaluate(
    (w) =>
      new Promise<void>((resolve) => {
        const plan = (window as unknown as PlanWindow).sitePlan;
        const map = w === 'plan' ? plan.map : plan.geoMap!;
        const at = (): string => `${JSON.stringify(map.getCenter())}${map.getZoom()}`;
        const step = (last: string): void => {
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              const now = at();
              if (now === last) resolve();
              else step(now);
            }),
          );
        };
        step(at());
      }),
    which,
  );
}

/**
 * Taps (or clicks) a scanner on the plan and then its true spot on the map, zoomed in to 21 there (as an
 * owner pans and pinches to it); returns the map point the editor took from the tap.
 */
async function placePair(page: Page, plan: { x: number; y: number }, touch: boolean): Promise<LatLon> {
  const press = (p: { x: number; y: number }): Promise<void> =>
    touch ? page.touchscreen.tap(p.x, p.y) : page.mouse.click(p.x, p.y);
  await showMap(page, 'plan');
  await press(await pixelOf(page, 'plan', plan.x, plan.y));
  const g = truth.toWgs84(plan.x, plan.y);
  await showMap(page, 'geo', { ...g, zoom: 21 });
  const n = (await page.locator('.dse-geo-pick').count()) + 1;
  await press(await pixelOf(page, 'geo', g.lat, g.lon));
  await page.waitForSelector(`.dse-geo-pick-${n}`);
  // What the editor took from the tap (a touch lands on the browser's pixel grid, not at fractions).
  return {
    lat: Number(await page.inputValue(`input[name=p${n}-lat]`)),
    lon: Number(await page.inputValue(`input[name=p${n}-lon]`)),
  };
}

/** Metres between where `origin` puts plan point p and the map point g. */
function missM(origin: Origin, p: { x: number; y: number }, g: LatLon): number {
  const q = new LocalFrame(origin).fromWgs84(g.lat, g.lon);
  return Math.hypot(q.x - p.x, q.y - p.y);
}

function checkOrigin(origin: Origin | undefined, pairs: Array<[{ x: number; y: number }, LatLon]>): void {
  assert.ok(origin, 'no origin saved');
  for (const [p, g] of pairs) {
    const tapped = missM(origin, p, g);
    assert.ok(tapped < 0.1, `plan (${p.x}, ${p.y}) is ${tapped.toFixed(3)} m off its map point`);
    const t = truth.toWgs84(p.x, p.y);
    const real = missM(origin, p, t);
    assert.ok(real < 0.1, `plan (${p.x}, ${p.y}) is ${real.toFixed(3)} m off where it really is`);
  }
  const dRot = Math.abs(((origin.rotationDeg - TRUTH.rotationDeg + 540) % 360) - 180);
  assert.ok(dRot < 0.5, `rotation ${origin.rotationDeg}`);
}

describe('site origin by two points on a geographic map in Chromium', function () {
  this.timeout(180000);
  let tiles: Awaited<ReturnType<typeof startTiles>>;
  let browser: Browser | undefined;

  before(async function () {
    requireBinary(this, 'chromium', 'chromium');
    mkdirSync(IMAGES, { recursive: true });
    tiles = await startTiles();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });

  after(async () => {
    await browser?.close();
    await tiles?.close();
  });

  describe("the phone app's site screen", () => {
    let userDir: string;
    let serving = false;

    before(async () => {
      userDir = mkdtempSync(path.join(os.tmpdir(), 'site-origin-'));
      helper.settings({ userDir });
      await helper.startServer();
      serving = true;
      serveHttpNode();
    });

    after(async () => {
      if (serving) {
        await helper.unload();
        await helper.stopServer();
        helper.settings({});
      }
      if (userDir) rmSync(userDir, { recursive: true, force: true });
    });

    it('an admin on a phone taps two scanners and their spots on the map, saves; the site is placed within 0.1 m', async () => {
      const file = path.join(userDir, 'site.json');
      writeFileSync(file, JSON.stringify(SITE, null, 2));
      await helper.load(
        [trackerSite, trackerMapServed, trackerNotify],
        onTab([
          {
            id: 'site1',
            type: 'tracker-site',
            name: 'the site',
            source: 'file',
            path: 'site.json',
            config: '',
          },
          {
            id: 'map1',
            type: 'tracker-map',
            site: 'site1',
            path: '',
            title: 'Home yard',
            trailMinutes: 5,
            alerts: 50,
            tileUrl: tiles.url,
            tileAttribution: 'test tiles',
            wires: [],
          },
          appNotifyNode('n1'),
        ]),
        appNotifyCredentials('n1'),
      );
      const site = helper.getNode('site1') as unknown as TrackerSiteNode;
      // The owner stands in the yard: the phone's position is its middle.
      const here = truth.toWgs84(10, 12);
      const context = await browser!.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        geolocation: { latitude: here.lat, longitude: here.lon, accuracy: 5 },
      });
      await context.grantPermissions(['geolocation']);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      try {
        await logIn(page, 'ann', 'ann-password');
        await page.goto(`${helper.url()}/dogtracker/site/`);
        await page.waitForFunction(() => document.querySelectorAll('.dse-scanner').length === 3);
        // No origin yet, no map: the plan alone until the owner asks to place it.
        assert.equal(await page.locator('.dse-geowrap').isVisible(), false);
        await page.tap('button[name=origin-two-points]');
        await page.waitForSelector('.dse-geowrap:not([hidden]) .leaflet-tile-loaded');
        // ◎ Here: the map goes to the phone's position.
        await page.tap('button[name=geo-here]');
        await page.waitForFunction(() => {
          const m = (window as unknown as PlanWindow).sitePlan.geoMap!;
          return m.getZoom() === 19;
        });
        const centre = await page.evaluate(() => {
          const c = (window as unknown as PlanWindow).sitePlan.geoMap!.getCenter();
          return { lat: c.lat, lon: c.lng };
        });
        assert.ok(missM(TRUTH, { x: 10, y: 12 }, centre) < 0.5, JSON.stringify(centre));

        const a = { x: 0, y: 0 }; // pi-sw
        const b = { x: 20, y: 0 }; // pi-se
        const ga = await placePair(page, a, true);
        await page.waitForSelector('.dse-geo-pick-1');
        assert.match(await page.locator('.dse-side').innerText(), /Point 1: pi-sw \(0 m, 0 m\)/);
        const gb = await placePair(page, b, true);
        await page.waitForSelector('.dse-geo-pick-2');
        // The taps landed where the owner aimed (within a pixel at zoom 21, about 5 cm).
        assert.ok(missM(TRUTH, a, ga) < 0.07 && missM(TRUTH, b, gb) < 0.07, JSON.stringify([ga, gb]));
        // The fit is previewed, dashed, before it is applied.
        assert.ok(
          (await page.locator('.dse-geo-scanner').count()) === 3,
          'the preview draws the three scanners',
        );
        await showMap(page, 'geo', { ...here, zoom: 19 });
        await page.screenshot({ path: path.join(IMAGES, 'site-origin-phone-pick.png') });
        await page.tap('button[name=origin-apply]');
        await page.waitForSelector('.dse-status:has-text("origin set")');
        assert.match(await page.locator('.dse-status').innerText(), /agree within/);
        const shown = JSON.parse(
          await page.evaluate(() => (window as unknown as PlanWindow).sitePlan.getValue()),
        ) as { origin?: Origin };
        checkOrigin(shown.origin, [
          [a, ga],
          [b, gb],
        ]);

        await page.tap('button[name=save]');
        await page.waitForSelector('.dse-status:has-text("Saved")');
        const saved = JSON.parse(readFileSync(file, 'utf8')) as { origin?: Origin };
        checkOrigin(saved.origin, [
          [a, ga],
          [b, gb],
        ]);
        assert.deepEqual(saved.origin, shown.origin);
        // The running site follows the file.
        const deadline = Date.now() + 10000;
        while (site.view?.site.origin?.lat !== saved.origin!.lat) {
          if (Date.now() > deadline) throw new Error('the live site did not follow the saved origin');
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok(tiles.served() > 0, 'no tile was fetched');

        // The site drawn on the map where the new origin puts it.
        await showMap(page, 'geo', { ...here, zoom: 19 });
        await page.waitForSelector('.dse-geo-zone');
        await page.screenshot({ path: path.join(IMAGES, 'site-origin-phone.png') });
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  });

  describe("the Node-RED editor's Plan view", () => {
    let nodeRed: NodeRedRuntime | undefined;
    const SITE_ID = 'site1';

    before(async () => {
      nodeRed = await startNodeRed({
        name: 'site-origin',
        flow: [
          { id: 'tab1', type: 'tab', label: 'Site' },
          {
            id: SITE_ID,
            type: 'tracker-site',
            name: '',
            source: 'inline',
            path: '',
            config: JSON.stringify(SITE, null, 2),
          },
          {
            id: 'map1',
            type: 'tracker-map',
            z: 'tab1',
            site: SITE_ID,
            path: '',
            title: 'Home yard',
            trailMinutes: 5,
            alerts: 50,
            tileUrl: tiles.url,
            tileAttribution: 'test tiles',
            wires: [],
          },
        ],
      });
    });

    after(async () => {
      await nodeRed?.dispose();
    });

    it('types a rough origin, then refines it by two scanners on the map; Done + Deploy keeps it', async () => {
      const context = await browser!.newContext({ viewport: { width: 1500, height: 1000 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(nodeRed!.url);
        await page.waitForFunction(
          (id) =>
            !!(window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED?.nodes?.node(id),
          SITE_ID,
          { timeout: 60000 },
        );
        await page.waitForSelector('#red-ui-header-button-deploy', { timeout: 30000 });
        await page.evaluate((id) => {
          const red = (
            window as unknown as { RED: { editor: { editConfig(a: string, t: string, id: string): void } } }
          ).RED;
          red.editor.editConfig('', 'tracker-site', id);
        }, SITE_ID);
        await page.click('#node-config-site-tabs >> text=Plan');
        await page.waitForFunction(() => document.querySelectorAll('.dse-scanner').length === 3, undefined, {
          timeout: 30000,
        });
        // The helpers find the editor as the app's screen has it.
        await page.evaluate((id) => {
          const w = window as unknown as PlanWindow & {
            RED: { nodes: { node(id: string): { sitePlan: PlanHandle } } };
          };
          w.sitePlan = w.RED.nodes.node(id).sitePlan;
        }, SITE_ID);

        // Typing works: a rough origin about 40 m off, one field at a time, then the rotation.
        const rough = truth.toWgs84(30, -25);
        await page.fill('input[name=origin-lat]', rough.lat.toFixed(6));
        await page.press('input[name=origin-lat]', 'Enter');
        await page.waitForSelector('.dse-status:has-text("longitude")');
        await page.fill('input[name=origin-lon]', rough.lon.toFixed(6));
        await page.press('input[name=origin-lon]', 'Enter');
        await page.fill('input[name=origin-rot]', '10');
        await page.press('input[name=origin-rot]', 'Enter');
        const json = (): Promise<{ origin?: Origin }> =>
          page.evaluate(async (id) => {
            const red = (window as unknown as { RED: { nodes: { node(id: string): unknown } } }).RED;
            const n = red.nodes.node(id) as { sitePlan: PlanHandle; editor: { getValue(): string } };
            await n.sitePlan.idle();
            return JSON.parse(n.editor.getValue()) as { origin?: Origin };
          }, SITE_ID);
        let doc = await json();
        assert.deepEqual(doc.origin, {
          lat: Number(rough.lat.toFixed(6)),
          lon: Number(rough.lon.toFixed(6)),
          rotationDeg: 10,
        });

        // The map shows the site where the typed origin puts it.
        await page.click('button[name=geo-show]');
        await page.waitForSelector('.dse-geowrap:not([hidden]) .leaflet-tile-loaded');
        await page.waitForFunction(() => document.querySelectorAll('.dse-geo-scanner').length === 3);

        // Two points: scanners pi-sw and pi-n, and where they really are.
        await page.click('button[name=origin-two-points]');
        const a = { x: 0, y: 0 };
        const b = { x: 10, y: 25 };
        const ga = await placePair(page, a, false);
        const gb = await placePair(page, b, false);
        await page.waitForSelector('.dse-geo-pick-2');
        assert.match(await page.locator('.dse-side').innerText(), /Point 2: pi-n \(10 m, 25 m\)/);
        // The dialog checks the JSON 400 ms after a change; closing it before that check ran throws in the
        // dialog's own code (see plan-browser.test.ts), so the check after this edit is awaited below.
        const validated = page.waitForResponse((r) => r.url().endsWith('/dogtracker/site/validate'));
        await page.click('button[name=origin-apply]');
        await page.waitForSelector('.dse-status:has-text("origin set")');
        doc = await json();
        checkOrigin(doc.origin, [
          [a, ga],
          [b, gb],
        ]);
        // The site drawn where the new origin puts it; the screenshot of the dialog.
        await showMap(page, 'geo', { ...truth.toWgs84(10, 12), zoom: 19 });
        await page.screenshot({ path: path.join(IMAGES, 'site-origin-editor.png') });

        // Done + Deploy: the runtime holds the origin.
        await validated;
        await page.click('#node-config-dialog-ok');
        await page.click('#red-ui-header-button-deploy');
        const deadline = Date.now() + 20000;
        let deployed: { origin?: Origin } | undefined;
        while (!deployed) {
          const flows = (await (
            await fetch(`${nodeRed!.url}/flows`, { headers: { 'Node-RED-API-Version': 'v1' } })
          ).json()) as Array<{ id: string; config?: string }>;
          const config = JSON.parse(flows.find((n) => n.id === SITE_ID)?.config ?? '{}') as {
            origin?: Origin;
          };
          if (config.origin && config.origin.lat === doc.origin!.lat) deployed = config;
          else if (Date.now() > deadline) throw new Error(`not deployed: ${JSON.stringify(config.origin)}`);
          else await new Promise((r) => setTimeout(r, 100));
        }
        checkOrigin(deployed.origin, [
          [a, ga],
          [b, gb],
        ]);
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  });
});
