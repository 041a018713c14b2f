// The phone app's site screen in Chromium (390x844, touch) on the real runtime: a tracker-site (a file),
// a tracker-map and a tracker-notify with an admin and a viewer. Not logged in: 401; the viewer: 403;
// the admin drags a scanner and saves: the file is written (one .bak) and the running site follows.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as L from 'leaflet';
import { hashSync } from 'bcryptjs';
import { chromium, type Browser } from 'playwright-core';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import trackerNotify = require('../../nodes/tracker-notify/tracker-notify');
import type { TrackerSiteNode } from '../../nodes/tracker-site/tracker-site-node';
import { logIn } from '../support/app-login';
import { helper, onTab } from '../support/flow';
import { requireBinary } from '../support/services';
import { serveHttpNode, trackerMapServed } from '../tracker-map/harness';

const CHROMIUM = '/usr/bin/chromium';
/** A 1x1 PNG. */
const PNG_1X1 =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const IMAGES = path.resolve(__dirname, '..', '..', '..', 'docs', 'images');

const SITE = {
  name: 'Home yard',
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
  ],
  backdrop: { image: PNG_1X1, x: -2, y: -2, width: 24, height: 29, opacity: 0.3 },
};

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('site admin screen of the phone app in Chromium', function () {
  this.timeout(90000);
  let browser: Browser;
  let userDir: string;
  let serving = false;

  before(async function () {
    requireBinary(this, 'chromium', 'chromium');
    userDir = mkdtempSync(path.join(os.tmpdir(), 'site-admin-'));
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
    await browser?.close();
    if (serving) {
      await helper.unload();
      await helper.stopServer();
      helper.settings({});
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('refuses strangers and viewers; the admin drags a scanner, saves, and the site follows live', async () => {
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
          tileUrl: '',
          tileAttribution: '',
          wires: [],
        },
        {
          id: 'n1',
          type: 'tracker-notify',
          path: '',
          title: 'Yard alerts',
          people: JSON.stringify([
            { login: 'ann', name: 'Ann', role: 'admin' },
            { login: 'ben', name: 'Ben', role: 'viewer' },
          ]),
          escalation: '',
          escalateAfterS: 300,
          maxEscalations: 3,
          timeZone: 'UTC',
          wires: [[], []],
        },
      ]),
      {
        n1: {
          hashes: JSON.stringify({ ann: hashSync('ann-password', 4), ben: hashSync('ben-password', 4) }),
        },
      },
    );
    const site = helper.getNode('site1') as unknown as TrackerSiteNode;
    await until(() => site.view !== undefined, 'the site file to load');

    // Not logged in: 401, for the page and for what it fetches; the backdrop too (the map's viewers only).
    const status = async (url: string, init?: RequestInit): Promise<number> =>
      (await fetch(`${helper.url()}${url}`, init)).status;
    assert.equal(await status('/dogtracker/site/'), 401);
    assert.equal(await status('/dogtracker/site/document'), 401);
    const post = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"config":"{}"}' };
    assert.equal(await status('/dogtracker/site/save', post), 401);
    assert.equal(await status('/dogtracker/site/backdrop'), 401);

    // A viewer: 403 for the screen and for saving; the map's backdrop is theirs to see.
    const viewer = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const vpage = await viewer.newPage();
    await logIn(vpage, 'ben', 'ben-password');
    const refused = await vpage.goto(`${helper.url()}/dogtracker/site/`);
    assert.equal(refused?.status(), 403);
    assert.match(await vpage.locator('body').innerText(), /viewer/);
    const viewerSave = await vpage.evaluate(async (text) => {
      const r = await fetch('/dogtracker/site/save', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ config: text }),
      });
      return r.status;
    }, JSON.stringify(SITE));
    assert.equal(viewerSave, 403);
    const backdrop = await vpage.evaluate(async () => (await fetch('/dogtracker/site/backdrop')).json());
    assert.deepEqual(backdrop, { ...SITE.backdrop, type: 'png' });
    await viewer.close();

    // The admin.
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
    const opened = await page.goto(`${helper.url()}/dogtracker/site/`);
    assert.equal(opened?.status(), 200);
    await page.waitForFunction(() => document.querySelectorAll('.dse-scanner').length === 3);
    assert.equal(await page.locator('#title').innerText(), 'Home yard');
    // The backdrop is drawn under the plan.
    await page.waitForSelector('.dse-backdrop');

    const screenOf = (x: number, y: number): Promise<{ x: number; y: number }> =>
      page.evaluate(
        ([px, py]) => {
          const plan = (window as unknown as { sitePlan: { map: L.Map } }).sitePlan;
          const c = plan.map.getContainer();
          const r = c.getBoundingClientRect();
          const p = plan.map.latLngToContainerPoint([py, px]);
          return { x: r.left + c.clientLeft + p.x, y: r.top + c.clientTop + p.y };
        },
        [x, y] as const,
      );
    const planOf = (sx: number, sy: number): Promise<{ x: number; y: number }> =>
      page.evaluate(
        ([qx, qy]) => {
          const plan = (window as unknown as { sitePlan: { map: L.Map } }).sitePlan;
          const c = plan.map.getContainer();
          const r = c.getBoundingClientRect();
          const ll = plan.map.containerPointToLatLng([qx - r.left - c.clientLeft, qy - r.top - c.clientTop]);
          return { x: ll.lng, y: ll.lat };
        },
        [sx, sy] as const,
      );
    // The plan fits its view with an animation: drag only once the scanner stays where it is drawn
    // across two animation frames (a drag started mid-animation misses the marker).
    await page.waitForFunction(
      () =>
        new Promise<boolean>((resolve) => {
          const plan = (window as unknown as { sitePlan: { map: L.Map } }).sitePlan;
          const at = (): string => JSON.stringify(plan.map.latLngToContainerPoint([25, 10]));
          const first = at();
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(at() === first)));
        }),
    );
    const from = await screenOf(10, 25);
    const to = { x: from.x + 40, y: from.y + 30 };
    const target = await planOf(to.x, to.y);
    // Under a loaded machine the first press can land while the marker is still being laid out (seen in
    // the whole suite, never alone): a drag that moved nothing is tried again, at most three times.
    const scannerMoved = (): Promise<boolean> =>
      page
        .waitForFunction(
          () => {
            const plan = (window as unknown as { sitePlan: { getValue(): string } }).sitePlan;
            const doc = JSON.parse(plan.getValue()) as { scanners: Array<{ id: string; x: number }> };
            return doc.scanners.some((s) => s.id === 'pi-n' && s.x !== 10);
          },
          undefined,
          { timeout: 10000 },
        )
        .then(
          () => true,
          () => false,
        );
    let dragged = false;
    for (let attempt = 0; attempt < 3 && !dragged; attempt++) {
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      for (let i = 1; i <= 8; i++)
        await page.mouse.move(from.x + ((to.x - from.x) * i) / 8, from.y + ((to.y - from.y) * i) / 8);
      await page.mouse.up();
      dragged = await scannerMoved();
    }
    assert.ok(dragged, 'the scanner did not move under the drag');
    mkdirSync(IMAGES, { recursive: true });
    await page.click('button[name=save]');
    await page.waitForSelector('.dse-status:has-text("Saved")');
    // A phone user is told it is saved, not where the hub keeps its files.
    assert.equal((await page.locator('.dse-status').innerText()).trim(), 'Saved');
    await page.screenshot({ path: path.join(IMAGES, 'site-admin-phone.png') });

    const saved = JSON.parse(readFileSync(file, 'utf8')) as typeof SITE;
    const moved = saved.scanners.find((s) => s.id === 'pi-n');
    assert.ok(
      moved && Math.abs(moved.x - target.x) < 0.1 && Math.abs(moved.y - target.y) < 0.1,
      JSON.stringify(moved),
    );
    assert.deepEqual(saved.backdrop, SITE.backdrop, 'the backdrop is kept through the save');
    assert.ok(existsSync(`${file}.bak`));
    assert.deepEqual(JSON.parse(readFileSync(`${file}.bak`, 'utf8')), SITE);
    // The running site follows the file (its watcher), for every node using it.
    await until(
      () => Math.abs((site.view?.scanner('pi-n')?.x ?? 10) - target.x) < 0.1,
      'the live site to follow',
    );

    // An invalid document is refused by the same checks.
    const bad = await page.evaluate(async () => {
      const r = await fetch('save', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          config: JSON.stringify({
            scanners: [],
            dogs: [],
            zones: [
              {
                id: 'z',
                kind: 'safe',
                polygon: [
                  [0, 0],
                  [9, 9],
                  [9, 0],
                  [0, 9],
                ],
              },
            ],
          }),
        }),
      });
      return { status: r.status, body: (await r.json()) as { errors: string[] } };
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.errors, [
      'zones[0].polygon crosses itself at vertex 0 (edge 0–1 meets edge 2–3)',
    ]);
    assert.deepEqual(errors, []);
    await admin.close();
  });
});
