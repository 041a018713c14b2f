// The live map in a real browser: Debian's Chromium driven by playwright-core, on a phone-sized screen,
// against the real Node-RED runtime. Positions pushed through the flow move the dog's marker the right
// way on the plan, an alert appears in the feed, a scanner goes offline. Screenshot in test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { launchPhone, type Phone } from '../support/app-login';
import { helper, onTab } from '../support/flow';
import { requireBinary } from '../support/services';
import { siteText } from '../tracker-site/fixtures';
import { baseUrl, serveHttpNode, trackerMapServed } from './harness';

const ARTIFACTS = path.resolve(__dirname, '..', '..', '..', 'test-artifacts');
const T0 = 1763800000000;

function position(x: number, y: number, ts: number, accuracy = 1.8): Record<string, unknown> {
  return {
    v: 1,
    type: 'position',
    dog: 'rex',
    ts,
    x,
    y,
    accuracy,
    vx: 0.6,
    vy: 0.8,
    scanners: 3,
    method: 'test',
  };
}

async function markerCentre(page: Page, dog: string): Promise<{ x: number; y: number }> {
  return page.$eval(`path.dog-${dog}`, (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
}

describe('tracker-map in Chromium', function () {
  this.timeout(90000);
  let phone: Phone | undefined;
  let page: Page;

  let serving = false;

  before(async function () {
    requireBinary(this, 'chromium', 'chromium');
    await helper.startServer();
    serving = true;
    serveHttpNode();
    phone = await launchPhone('dogtracker-chromium-');
    page = phone.page;
  });

  after(async () => {
    await phone?.close();
    // Skipped (no Chromium here): there is no server of ours to stop.
    if (serving) await helper.stopServer();
  });

  afterEach(() => helper.unload());

  it('loads, moves the dog with each position, shows alerts and scanner states', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    // Nothing may come from the internet: every file is served by Node-RED.
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(baseUrl()) && !req.url().startsWith('ws://127.0.0.1'))
        external.push(req.url());
    });
    await helper.load(
      [trackerSite, trackerMapServed],
      onTab([
        { id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() },
        {
          id: 'map1',
          type: 'tracker-map',
          name: 'the map',
          site: 'site1',
          path: '',
          title: 'Home yard',
          trailMinutes: 5,
          alerts: 50,
          tileUrl: '',
          tileAttribution: '',
          wires: [],
        },
      ]),
    );
    const map = helper.getNode('map1');
    await page.goto(`${baseUrl()}/dogtracker/`);
    await page.waitForSelector('#conn[data-state="live"]');
    await page.waitForSelector('path.zone-forbidden');
    assert.equal(await page.locator('path.zone').count(), 2);
    assert.equal(await page.locator('path.scanner').count(), 3);

    // A walk north-east across the yard.
    for (let i = 0; i <= 10; i++) map.receive({ payload: position(4 + i, 6 + 2 * i, T0 + i * 1000) });
    // The dogs' list is its own screen: on the map screen it is there but hidden.
    const attached = { state: 'attached' } as const;
    await page.waitForSelector('#dogs li[data-dog="rex"] .detail >> text=x 14.0 m, y 26.0 m', attached);
    const before = await markerCentre(page, 'rex');
    map.receive({ payload: position(16, 28.5, T0 + 12000, 2.5) });
    await page.waitForSelector('#dogs li[data-dog="rex"] .detail >> text=x 16.0 m, y 28.5 m', attached);
    const after = await markerCentre(page, 'rex');
    // East is right and north is up on the plan.
    assert.ok(after.x > before.x + 2, `marker moved east: ${before.x} -> ${after.x}`);
    assert.ok(after.y < before.y - 2, `marker moved north: ${before.y} -> ${after.y}`);
    assert.match((await page.locator('#dogs li[data-dog="rex"] .detail').textContent()) ?? '', /1\.0 m\/s/);
    assert.ok((await page.locator('path.dog-trail-rex').getAttribute('d'))!.length > 20, 'trail drawn');

    map.receive({
      payload: {
        v: 1,
        type: 'alert',
        event: 'exit',
        dog: 'rex',
        zone: 'yard',
        kind: 'safe',
        severity: 'critical',
        ts: T0 + 13000,
        x: 21,
        y: 31,
      },
      topic: 'dogtracker/v1/alert/rex',
    });
    map.receive({ payload: position(21, 31, T0 + 13000, 2.5) });
    await page.click('#tabs a[data-screen="alerts"]');
    const alert = page.locator('#alerts li.critical');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Rex left Yard/);

    map.receive({ payload: 'online', topic: 'dogtracker/v1/status/pi-yard-ne' });
    map.receive({ payload: 'online', topic: 'dogtracker/v1/status/pi-yard-nw' });
    map.receive({ payload: 'offline', topic: 'dogtracker/v1/status/pi-yard-s' });
    await page.waitForSelector('path.scanner-offline', attached);
    await page.click('#tabs a[data-screen="health"]');
    await page.waitForSelector('#scanner-count >> text=2/3 online');
    // No influx-write in this flow: the health screen says InfluxDB is off, not that it is unknown.
    assert.match(await page.locator('#influx li.off').innerText(), /Off: no InfluxDB is configured/);
    // The app's screens are the map's own without a tracker-notify: no login, no "me" screen.
    assert.equal(await page.locator('#tab-me').isVisible(), false);
    await page.click('#tabs a[data-screen="map"]');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'tracker-map-phone.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(external, []);
  });

  it('reconnects after a redeploy and shows the state again', async () => {
    const flow = onTab([
      { id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() },
      {
        id: 'map1',
        type: 'tracker-map',
        name: 'the map',
        site: 'site1',
        path: '',
        title: 'Home yard',
        trailMinutes: 5,
        alerts: 50,
        wires: [],
      },
    ]);
    await helper.load([trackerSite, trackerMapServed], flow);
    await page.goto(`${baseUrl()}/dogtracker/`);
    await page.waitForSelector('#conn[data-state="live"]');
    await helper.unload();
    await page.waitForSelector('#conn[data-state="offline"]');
    await helper.load([trackerSite, trackerMapServed], flow);
    helper.getNode('map1').receive({ payload: position(3, 4, T0) });
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 20000 });
    await page.waitForSelector('#dogs li[data-dog="rex"] .detail >> text=x 3.0 m, y 4.0 m', {
      state: 'attached',
    });
  });

  it('opens on the geographic map when a tile URL is set, and still draws the site when no tile loads', async () => {
    // Tiles from a path nothing serves: the page must stay usable, as with no internet.
    const tileRequests: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/no-tiles/')) tileRequests.push(req.url());
    });
    await helper.load(
      [trackerSite, trackerMapServed],
      onTab([
        { id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() },
        {
          id: 'map1',
          type: 'tracker-map',
          name: 'the map',
          site: 'site1',
          path: 'geo',
          title: 'Geo',
          trailMinutes: 5,
          alerts: 50,
          tileUrl: `${baseUrl()}/no-tiles/{z}/{x}/{y}.png`,
          tileAttribution: 'test tiles',
          wires: [],
        },
      ]),
    );
    await page.goto(`${baseUrl()}/dogtracker/geo/`);
    await page.waitForSelector('#conn[data-state="live"]');
    await page.waitForSelector('path.zone-safe');
    assert.equal(await page.locator('#mode').innerText(), 'Plan');
    assert.equal(await page.locator('path.plan-grid').count(), 0);
    helper.getNode('map1').receive({ payload: position(10, 15, T0) });
    await page.waitForSelector('path.dog-rex');
    assert.ok(tileRequests.length > 0, 'tiles were asked for');
    assert.match(await page.locator('.leaflet-control-attribution').innerText(), /test tiles/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'tracker-map-geo-no-tiles.png') });
    // The button switches to the site plan and back.
    await page.locator('#mode').click();
    await page.waitForSelector('path.plan-grid', { state: 'attached' });
    assert.equal(await page.locator('#mode').innerText(), 'Map');
    await page.waitForSelector('path.dog-rex');
    await page.locator('#mode').click();
    await page.waitForSelector('path.plan-grid', { state: 'detached' });
  });
});
