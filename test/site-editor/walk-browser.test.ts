// The calibration walk of the phone app's site screen in Chromium (390x844, touch) on the real runtime:
// a file site, a tracker-map, a tracker-notify (an admin and a viewer) and a trilaterate, whose readings
// feed the walk. The admin picks the collar, taps five spots, collects at each while readings made from a
// known truth go into trilaterate, fits, and saves: the file holds the truth within 1 dB.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as L from 'leaflet';
import { chromium, type Browser } from 'playwright-core';
import { Random } from '../../nodes/kernel/random';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import trackerNotify = require('../../nodes/tracker-notify/tracker-notify');
import trilaterate = require('../../nodes/trilaterate/trilaterate');
import type { TrackerSiteNode } from '../../nodes/tracker-site/tracker-site-node';
import { clearWalks } from '../../nodes/tracker-site/walk-routes';
import { appNotifyCredentials, appNotifyNode, logIn } from '../support/app-login';
import { helper, onTab } from '../support/flow';
import { requireBinary } from '../support/services';
import { serveHttpNode, trackerMapServed } from '../tracker-map/harness';
import { spotReadings, type RadioTruth } from './walk-readings';

const CHROMIUM = '/usr/bin/chromium';
const IMAGES = path.resolve(__dirname, '..', '..', '..', 'docs', 'images');
const MAC = 'ac:23:3f:a3:80:4b';

const SITE = {
  name: 'Home yard',
  defaults: { pathLossExponent: 2.4 },
  scanners: [
    { id: 'pi-sw', x: 0, y: 0 },
    { id: 'pi-se', x: 20, y: 0 },
    { id: 'pi-ne', x: 20, y: 25 },
    { id: 'pi-nw', x: 0, y: 25 },
  ],
  dogs: [{ id: 'rex', name: 'Rex', beacon: MAC }],
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
  ],
};
/** What the radio really does; the site says -59 dBm and no offsets. */
const TRUTH: RadioTruth = {
  rssiAt1m: -67,
  offsets: { 'pi-sw': 3, 'pi-se': -2, 'pi-ne': 1.5, 'pi-nw': -2.5 },
  sigma: 3,
  outliers: 0.03,
};
const SPOTS = [
  { x: 4, y: 4 },
  { x: 16, y: 6 },
  { x: 10, y: 13 },
  { x: 15, y: 21 },
  { x: 4, y: 20 },
];

describe('calibration walk of the phone app in Chromium', function () {
  this.timeout(120000);
  let browser: Browser;
  let userDir: string;
  let serving = false;

  before(async function () {
    requireBinary(this, 'chromium', 'chromium');
    userDir = mkdtempSync(path.join(os.tmpdir(), 'walk-'));
    helper.settings({ userDir });
    await helper.startServer();
    serving = true;
    serveHttpNode();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    clearWalks();
    await browser?.close();
    if (serving) {
      await helper.unload();
      await helper.stopServer();
      helper.settings({});
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('walks five spots, fits, shows the residuals and saves the collar power and offsets', async () => {
    const file = path.join(userDir, 'site.json');
    writeFileSync(file, JSON.stringify(SITE, null, 2));
    await helper.load(
      [trackerSite, trackerMapServed, trackerNotify, trilaterate],
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
          tileUrl: '',
          tileAttribution: '',
          wires: [],
        },
        appNotifyNode('n1'),
        { id: 'tri1', type: 'trilaterate', site: 'site1', interval: 1, wires: [[]] },
      ]),
      appNotifyCredentials('n1'),
    );
    const site = helper.getNode('site1') as unknown as TrackerSiteNode;
    const tri = helper.getNode('tri1');
    const deadline = Date.now() + 10000;
    while (site.view === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(site.view, 'the site file loaded');

    // Not logged in: 401 for the page and its routes; a viewer: 403.
    const status = async (url: string, init?: RequestInit): Promise<number> =>
      (await fetch(`${helper.url()}${url}`, init)).status;
    const json = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"dog":"rex"}' };
    assert.equal(await status('/dogtracker/site/walk'), 401);
    assert.equal(await status('/dogtracker/site/walk/status'), 401);
    assert.equal(await status('/dogtracker/site/walk/start', json), 401);
    assert.equal(await status('/dogtracker/site/walk/apply', json), 401);
    const viewer = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const vpage = await viewer.newPage();
    await logIn(vpage, 'ben', 'ben-password');
    assert.equal((await vpage.goto(`${helper.url()}/dogtracker/site/walk`))?.status(), 403);
    const viewerTries = await vpage.evaluate(async () => {
      const post = (route: string): Promise<number> =>
        fetch(`/dogtracker/site/walk/${route}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ dog: 'rex' }),
        }).then((r) => r.status);
      return [await post('start'), await post('apply'), (await fetch('/dogtracker/site/walk/status')).status];
    });
    assert.deepEqual(viewerTries, [403, 403, 403]);
    await viewer.close();

    const admin = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await admin.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await logIn(page, 'ann', 'ann-password');
    // From the site screen's header.
    await page.goto(`${helper.url()}/dogtracker/site/`);
    await page.click('a:has-text("Calibrate")');
    await page.waitForFunction(() => (window as unknown as { walkReady?: boolean }).walkReady === true);
    assert.equal(await page.locator('#dog option').first().innerText(), `Rex (${MAC})`);
    await page.click('button[name=start]');
    await page.waitForSelector('#walk:not([hidden])');

    // Taps the plan at (x, y) in plan metres.
    const tap = async (x: number, y: number): Promise<void> => {
      const point = await page.evaluate(
        ([px, py]) => {
          const w = window as unknown as { walkMap: L.Map };
          const c = w.walkMap.getContainer();
          const r = c.getBoundingClientRect();
          const p = w.walkMap.latLngToContainerPoint([py, px]);
          return { x: r.left + c.clientLeft + p.x, y: r.top + c.clientTop + p.y };
        },
        [x, y] as const,
      );
      await page.touchscreen.tap(point.x, point.y);
    };

    const random = new Random(20261202);
    let ts = Date.now();
    for (let i = 0; i < SPOTS.length; i++) {
      const spot = SPOTS[i];
      await tap(spot.x, spot.y);
      await page.waitForSelector('button[name=collect]:not([disabled])');
      await page.click('button[name=collect]');
      await page.waitForSelector(`#progress:has-text("Spot ${i + 1}: waiting for the collar")`);
      // 6 s of packets, 8 a second from each scanner: the spot keeps its first 5 s.
      const readings = spotReadings(
        site.view.site,
        MAC,
        TRUTH,
        { ...spot, tagHeight: 0.5 },
        ts,
        48,
        125,
        random,
      );
      tri.receive({ payload: readings.map((r) => ({ v: 1, type: 'rssi', ...r })) });
      await page.waitForSelector(`#progress[data-state=done]:has-text("Spot ${i + 1} done")`);
      ts += 20_000;
    }
    assert.equal(await page.locator('#spots li').count(), SPOTS.length);
    assert.match(await page.locator('#spots li').first().innerText(), /160 readings from 4 scanners/);

    await page.click('button[name=fit]');
    await page.waitForSelector('#result:not([hidden])');
    const rows = await page.locator('#scanners tr').count();
    assert.equal(rows, 4);
    assert.match(await page.locator('#collar').innerText(), /-59\.0 → -6\d\.\d dBm/);
    // Every scanner's residuals shrink.
    assert.equal(await page.locator('#scanners td.better').count(), 4);
    mkdirSync(IMAGES, { recursive: true });
    await page.screenshot({ path: path.join(IMAGES, 'calibration-walk.png'), fullPage: true });

    await page.click('button[name=save]');
    await page.waitForSelector('#message:has-text("Saved to")');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      dogs: Array<{ rssiAt1m: number }>;
      scanners: Array<{ id: string; rssiOffset: number }>;
      zones: unknown;
    };
    assert.ok(Math.abs(saved.dogs[0].rssiAt1m - TRUTH.rssiAt1m) < 1, `rssiAt1m ${saved.dogs[0].rssiAt1m}`);
    for (const s of saved.scanners)
      assert.ok(Math.abs(s.rssiOffset - TRUTH.offsets[s.id]) < 1, `${s.id} offset ${s.rssiOffset}`);
    assert.deepEqual(saved.zones, SITE.zones);
    // The running site follows the file.
    const until = Date.now() + 10000;
    while (site.view?.dog('rex')?.rssiAt1m !== saved.dogs[0].rssiAt1m && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(site.view?.dog('rex')?.rssiAt1m, saved.dogs[0].rssiAt1m);
    // The walk ended with the save.
    assert.deepEqual(await page.evaluate(async () => (await fetch('walk/status')).json()), { walk: null });
    assert.deepEqual(errors, []);
    await admin.close();
  });
});
