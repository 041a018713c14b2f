// The history page end to end: dog-activity with a tracker-site and a tracker-influx on the real Node-RED
// runtime, a real InfluxDB 1.x holding positions and an alert written with influx-write's conversion, and
// Chromium on a phone screen picking the dog and day and moving the slider. Screenshot in docs/images/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI } from 'node-red';
import { chromium, type BrowserContext } from 'playwright-core';
import dogActivity = require('../../nodes/dog-activity/dog-activity');
import trackerInflux = require('../../nodes/tracker-influx/tracker-influx');
import trackerNotify = require('../../nodes/tracker-notify/tracker-notify');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { hashSync } from 'bcryptjs';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { helper, onTab, type Status } from '../support/flow';
import { requireBinary, startInfluxdb, type InfluxService } from '../support/services';
import { baseUrl, serveHttpNode, trackerMapServed } from '../tracker-map/harness';
import { siteText } from '../tracker-site/fixtures';
import { poolAlert } from './fixtures';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const DB = 'dogtracker';
const IMAGES = path.resolve(__dirname, '..', '..', '..', 'docs', 'images');

/** Rex, one position every 5 s for an hour: a loop round the yard, then 10 min in the pool, then out. */
function positions(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 720; i++) {
    const ts = T0 + i * 5000;
    const a = (i / 240) * 2 * Math.PI;
    const [x, y] =
      i < 480
        ? [10 + 7 * Math.cos(a), 15 + 12 * Math.sin(a)]
        : i < 600
          ? [5 + Math.sin(i), 5]
          : [24, 20 + (i - 600) / 20];
    out.push({ v: 1, type: 'position', dog: 'rex', ts, x, y, accuracy: 1.5, scanners: 3, method: 'tracker' });
  }
  return out;
}

const ALERT = poolAlert(T0 + 480 * 5000);

function flow(
  influxUrl: string,
  activity: Record<string, unknown> = {},
  influx: Record<string, unknown> = {},
): Array<Record<string, unknown> & { id: string; type: string }> {
  return onTab([
    { id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() },
    { id: 'db1', type: 'tracker-influx', version: '1', url: influxUrl, database: DB, timeoutS: 5, ...influx },
    {
      id: 'a1',
      type: 'dog-activity',
      timeZone: 'UTC',
      site: 'site1',
      influx: 'db1',
      path: '',
      wires: [[], []],
      ...activity,
    },
  ]);
}

/** The texts of every status the node has shown (the test helper spies on Node.prototype.status). */
function statusTexts(node: Node): string[] {
  const spy = node.status as unknown as { getCalls(): Array<{ thisValue: unknown; args: Status[] }> };
  return spy
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args[0]?.text ?? '');
}

describe('dog-activity history page', function () {
  this.timeout(90_000);
  let influx: InfluxService;
  let serving = false;
  let userDir = '';

  before(async function () {
    influx = await startInfluxdb(requireBinary(this, 'influxd', 'influxdb'));
    await influx.query(`CREATE DATABASE ${DB}`);
    const { lines, errors } = toLineProtocol([...positions(), ALERT]);
    assert.deepEqual(errors, []);
    const res = await fetch(`${influx.url}/write?db=${DB}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    assert.equal(res.status, 204, await res.text());
    userDir = mkdtempSync(path.join(os.tmpdir(), 'history-page-'));
    helper.settings({ userDir });
    await helper.startServer();
    serving = true;
    serveHttpNode();
  });
  after(async () => {
    if (serving) await helper.stopServer();
    helper.settings({});
    if (userDir) rmSync(userDir, { recursive: true, force: true });
    await influx?.dispose();
  });
  afterEach(() => helper.unload());

  // tracker-map serves Leaflet for the page (map-assets/); dog-activity registers on the same httpNode.
  const NODES = [trackerSite, trackerInflux, trackerMapServed, (RED: NodeAPI) => dogActivity(RED)];

  it('serves the page, the site and the seeded track (day averaged, hour raw) through the runtime', async () => {
    await helper.load(NODES, flow(influx.url));
    const page = await fetch(`${baseUrl()}/dogtracker/history/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script src="\.\.\/map-assets\/leaflet\/leaflet\.js">/);
    assert.equal((await fetch(`${baseUrl()}/dogtracker/map-assets/leaflet/leaflet.js`)).status, 200);
    const site = (await (await fetch(`${baseUrl()}/dogtracker/history/api/site`)).json()) as {
      dogs: Array<{ id: string; name: string }>;
      zones: unknown[];
    };
    assert.deepEqual(site.dogs, [
      { id: 'rex', name: 'Rex' },
      { id: 'bella', name: 'bella' },
    ]);
    assert.equal(site.zones.length, 2);
    // A whole day is averaged server-side; the hour the dog was seen, raw.
    const day = (await (
      await fetch(`${baseUrl()}/dogtracker/history/api/report?dog=rex&day=2026-11-02`)
    ).json()) as {
      bucketMs?: number;
      track: unknown[];
    };
    assert.ok(
      day.bucketMs !== undefined && day.track.length < 720 && day.track.length > 100,
      String(day.bucketMs),
    );
    const hour = `from=${T0}&to=${T0 + 3_600_000}`;
    const res = await fetch(`${baseUrl()}/dogtracker/history/api/report?dog=rex&${hour}`);
    assert.equal(res.status, 200, await res.clone().text());
    const report = (await res.json()) as {
      track: Array<{ ts: number; x: number; y: number }>;
      alerts: Array<{ event: string; zone: string }>;
      days: Array<{ day: string; zones: Array<{ zone: string; longestStayMin: number }> }>;
    };
    assert.equal(report.track.length, 720);
    assert.equal(report.track[0].ts, T0);
    assert.ok(Math.abs(report.track[0].x - 17) < 0.01);
    assert.deepEqual(
      report.alerts.map((a) => [a.event, a.zone]),
      [['enter', 'pool']],
    );
    const pool = report.days[0].zones.find((z) => z.zone === 'pool');
    // 10 min in the pool, and the loop round the yard crosses it twice as well.
    assert.equal(pool?.longestStayMin, 10, JSON.stringify(report.days));
    const csv = await fetch(`${baseUrl()}/dogtracker/history/api/zones.csv?dog=rex&${hour}`);
    assert.equal(csv.status, 200);
    assert.match(await csv.text(), /^dog,day,zone/);
    const bad = await fetch(`${baseUrl()}/dogtracker/history/api/report?dog=rex&day=nope`);
    assert.equal(bad.status, 400);
  });

  it('serves under the map path only while deployed, and refuses a connection it cannot read (activity runs on)', async () => {
    await helper.load(NODES, flow(influx.url, { path: 'kennel' }));
    assert.ok(statusTexts(helper.getNode('a1')).includes('waiting · history /dogtracker/kennel/history/'));
    const page = await fetch(`${baseUrl()}/dogtracker/kennel/history/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script src="\.\.\/\.\.\/map-assets\/leaflet\/leaflet\.js">/);
    const slashless = await fetch(`${baseUrl()}/dogtracker/kennel/history`, { redirect: 'manual' });
    assert.equal(slashless.status, 301);
    assert.equal((await fetch(`${baseUrl()}/dogtracker/history/`)).status, 404);
    await helper.unload();

    // A redeploy in the same runtime (same handler) without the history: the node's entry is gone.
    await helper.load(NODES, flow(influx.url, { path: 'kennel' }));
    assert.equal((await fetch(`${baseUrl()}/dogtracker/kennel/history/`)).status, 200);
    await helper.setFlows(flow(influx.url, { path: 'kennel', influx: '' }), 'full');
    assert.ok(statusTexts(helper.getNode('a1')).includes('waiting'));
    assert.equal((await fetch(`${baseUrl()}/dogtracker/kennel/history/`)).status, 404);
    await helper.setFlows(flow(influx.url, { path: 'kennel' }), 'full');
    assert.equal((await fetch(`${baseUrl()}/dogtracker/kennel/history/`)).status, 200);
    await helper.unload();

    // A 2.x/3.x connection serves the history too (Flux or SQL: history-v2v3.test.ts); an incomplete one not.
    // Here a 2.x that holds nothing: the page asks it with Flux, with the org and the token of the credentials.
    const asked: string[] = [];
    const v2 = createServer((req, res) => {
      asked.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/csv' }).end('\r\n'));
    });
    await new Promise<void>((resolve) => v2.listen(0, '127.0.0.1', resolve));
    try {
      const v2Url = `http://127.0.0.1:${(v2.address() as AddressInfo).port}`;
      await helper.load(NODES, flow(v2Url, {}, { version: '2', org: 'kennel', bucket: 'b' }), {
        db1: { token: 'tok' },
      });
      assert.ok(statusTexts(helper.getNode('a1')).includes('waiting · history /dogtracker/history/'));
      const flux = await fetch(`${baseUrl()}/dogtracker/history/api/report?dog=rex&day=2026-11-02`);
      assert.equal(flux.status, 200, await flux.clone().text());
      const empty = (await flux.json()) as { track: unknown[]; alerts: unknown[] };
      assert.deepEqual([empty.track, empty.alerts], [[], []]);
      assert.deepEqual(asked, Array(2).fill('POST /api/v2/query?org=kennel Token tok'));
    } finally {
      v2.close();
    }
    await helper.unload();
    await helper.load(NODES, flow(influx.url, {}, { version: '2', bucket: '' }));
    const node = helper.getNode('a1');
    assert.ok(statusTexts(node).includes('waiting · no history'), statusTexts(node).join('|'));
    const errors = (node.error as unknown as { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> })
      .getCalls()
      .filter((c) => c.thisValue === node)
      .map((c) => String(c.args[0]));
    assert.match(errors.join('\n'), /history needs a tracker-influx with a complete connection/);
    // The activity itself runs on: only the page is missing.
    assert.doesNotMatch(errors.join('\n'), /dog-activity not started/);
    await helper.unload();
    await helper.load(NODES, flow(influx.url, { site: '' }));
    assert.ok(statusTexts(helper.getNode('a1')).includes('waiting · no history'));
    assert.equal((await fetch(`${baseUrl()}/dogtracker/history/`)).status, 404);
    assert.equal((await fetch(`${baseUrl()}/dogtracker/history/`)).status, 404);
  });

  it('needs the app login when a tracker-notify serves the map', async () => {
    const notify = {
      id: 'n1',
      type: 'tracker-notify',
      path: '',
      title: 'Yard alerts',
      people: JSON.stringify([{ login: 'ben', name: 'Ben', role: 'viewer' }]),
      escalation: '',
      timeZone: 'UTC',
      wires: [[], []],
    };
    await helper.load([...NODES, trackerNotify], [...flow(influx.url), { z: 'tab1', ...notify }], {
      n1: { hashes: JSON.stringify({ ben: hashSync('ben-password', 4) }) },
    });
    const report = `${baseUrl()}/dogtracker/history/api/report?dog=rex&from=${T0}&to=${T0 + 3_600_000}`;
    assert.equal((await fetch(report)).status, 401);
    assert.equal((await fetch(`${baseUrl()}/dogtracker/history/api/site`)).status, 401);
    const login = await fetch(`${baseUrl()}/dogtracker/api/notify/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'ben', password: 'ben-password' }),
    });
    assert.equal(login.status, 200, await login.clone().text());
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(cookie, /^dogtracker_session=/);
    const answer = await fetch(report, { headers: { cookie } });
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as { track: unknown[] }).track.length, 720);
  });

  it('replays the day in Chromium on a phone screen', async function () {
    requireBinary(this, 'chromium', 'chromium');
    await helper.load(NODES, flow(influx.url));
    const profile = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-history-'));
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const page = context.pages()[0] ?? (await context.newPage());
      /** Moves the replay slider to `ts`, as dragging it does. */
      const seek = (ts: number): Promise<void> =>
        page.$eval(
          '#slider',
          (el, t) => {
            const input = el as HTMLInputElement;
            input.value = String(t);
            input.dispatchEvent(new Event('input'));
          },
          ts,
        );
      const problems: string[] = [];
      const external: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
      page.on('response', (r) => void (r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`)));
      page.on('request', (r) => void (!r.url().startsWith(baseUrl()) && external.push(r.url())));
      await page.goto(`${baseUrl()}/dogtracker/history/`);
      await page.waitForSelector('#dog option[value="rex"]', { state: 'attached' });
      await page.selectOption('#dog', 'rex');
      await page.fill('#day', '2026-11-02');
      await page.click('#show');
      await page.waitForSelector('#replay:not([hidden])');
      assert.equal(await page.locator('#ticks span').count(), 1);
      assert.equal(await page.locator('#alerts li').count(), 1);
      const before = await page.$eval('.dog-marker', (el) => el.getBoundingClientRect().toJSON() as DOMRect);
      // Halfway through the pool stay (10:45 UTC): the marker jumps to the pool's corner of the yard.
      await seek(T0 + 540 * 5000);
      assert.equal(await page.textContent('#clock'), '09:45');
      const after = await page.$eval('.dog-marker', (el) => el.getBoundingClientRect().toJSON() as DOMRect);
      assert.ok(
        after.x < before.x - 20 && after.y > before.y + 20,
        `marker ${JSON.stringify([before, after])}`,
      );
      assert.ok((await page.locator('#zone-rows tr').count()) >= 2);
      assert.match(
        (await page.getAttribute('#csv', 'href')) ?? '',
        /^api\/zones\.csv\?dog=rex&day=2026-11-02$/,
      );
      // Play runs the clock on from there (60x: a minute of the day per second), pause holds it.
      await page.click('#play');
      await page.waitForFunction(() => document.getElementById('clock')?.textContent !== '09:45');
      await page.click('#play');
      assert.equal(await page.getAttribute('#play', 'aria-label'), 'Play');
      await seek(T0 + 540 * 5000);
      mkdirSync(IMAGES, { recursive: true });
      await page.screenshot({ path: path.join(IMAGES, 'history-replay.png'), fullPage: true });
      assert.deepEqual(problems, []);
      assert.deepEqual(external, []);
    } finally {
      await context?.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
