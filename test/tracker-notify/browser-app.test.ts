// The live map as the installable phone app, in a real browser (Debian's Chromium via playwright-core, a
// 390x844 phone) against the real runtime with tracker-site, tracker-map and tracker-notify on one map
// path: the data needs the app login (401 without), the manifest passes Chromium's installability check,
// the service worker controls the page and opens it with the network cut (the last known state marked
// offline), a viewer cannot do an admin's things, and a Web Push sent by the hub (to a local push service,
// handed to the page's service worker over CDP) shows a notification whose "I'm on it" acknowledges the
// alert on the hub. Screenshots of each screen go to docs/images/app-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'fs';
import { Agent } from 'https';
import { createServer } from 'net';
import * as os from 'os';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import influxWrite = require('../../nodes/influx-write/influx-write');
import trackerInflux = require('../../nodes/tracker-influx/tracker-influx');
import trackerMap = require('../../nodes/tracker-map/tracker-map');
import trackerNotify = require('../../nodes/tracker-notify/tracker-notify');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { usePushAgent } from '../../nodes/tracker-notify/runtime-hooks';
import {
  apiLogIn,
  appNotifyCredentials,
  appNotifyNode,
  launchPhone,
  logIn,
  serveHttpNode,
  servingHttpNode,
  type Phone,
} from '../support/app-login';
import { helper, onTab } from '../support/flow';
import { requireBinary } from '../support/services';
import { siteText } from '../tracker-site/fixtures';
import { PushService } from './push-service';
import { TEST_CERT } from './test-cert';

const IMAGES = path.resolve(__dirname, '..', '..', '..', 'docs', 'images');
const T0 = Date.now() - 60_000;

const served = servingHttpNode(trackerSite, trackerMap, trackerNotify, trackerInflux, influxWrite);

/** A loopback port nothing listens on: the InfluxDB the hub writes to is away. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function position(dog: string, x: number, y: number, ts: number): Record<string, unknown> {
  return {
    v: 1,
    type: 'position',
    dog,
    ts,
    x,
    y,
    accuracy: 1.6,
    vx: 0.3,
    vy: 0.4,
    scanners: 3,
    method: 'test',
  };
}

function alert(
  event: string,
  dog: string,
  zone: string,
  severity: string,
  ts: number,
): Record<string, unknown> {
  return { v: 1, type: 'alert', event, dog, zone, kind: 'safe', severity, ts, x: 21, y: 31 };
}

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

describe('the live map as the phone app, in Chromium', function () {
  this.timeout(120000);
  let phone: Phone | undefined;
  let context: BrowserContext;
  let userDir: string;
  let page: Page;
  let base: string;
  let serving = false;
  const push = new PushService();
  let restoreAgent = (): void => undefined;
  const pageErrors: string[] = [];

  before(async function () {
    requireBinary(this, 'chromium', 'chromium');
    await push.start();
    restoreAgent = usePushAgent(new Agent({ ca: TEST_CERT }));
    userDir = mkdtempSync(path.join(os.tmpdir(), 'app-browser-'));
    helper.settings({ userDir });
    await helper.startServer();
    serving = true;
    serveHttpNode();
    // 127.0.0.1, not localhost: the page, the cookie and the push origin all on one origin.
    base = helper.url().replace('localhost', '127.0.0.1');
    await helper.load(
      served,
      onTab([
        { id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() },
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
        { ...appNotifyNode('n1'), site: 'site1', title: 'Home yard' },
        // An InfluxDB that is away: the health screen shows the queue building up and why.
        {
          id: 'influx1',
          type: 'tracker-influx',
          name: 'hub InfluxDB',
          version: '1',
          url: `http://127.0.0.1:${await closedPort()}`,
          database: 'dogtracker',
          timeoutS: 2,
        },
        {
          id: 'w1',
          type: 'influx-write',
          name: 'InfluxDB',
          server: 'influx1',
          batchSize: 100,
          flushMs: 50,
          maxQueuedPoints: 10000,
          retryMinS: 30,
          retryMaxS: 60,
          rawReadings: 'all',
          wires: [[]],
        },
      ]),
      appNotifyCredentials('n1'),
    );
    phone = await launchPhone('app-chromium-');
    ({ context, page } = phone);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await phone?.close();
    if (serving) {
      await helper.unload();
      await helper.stopServer();
      helper.settings({});
    }
    restoreAgent();
    await push.stop();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('keeps the data behind the app login: 401 for the session, the API and the WebSocket', async () => {
    const shell = await fetch(`${base}/dogtracker/`);
    assert.equal(shell.status, 200);
    const html = await shell.text();
    assert.match(html, /<link rel="manifest" href="api\/notify\/manifest.webmanifest"/);
    assert.match(html, /data-mode="app"/);
    assert.doesNotMatch(html, /pi-yard|Rex/, 'the shell carries no site data');
    assert.equal((await fetch(`${base}/dogtracker/session`)).status, 401);
    assert.equal((await fetch(`${base}/dogtracker/api/notify/alerts`)).status, 401);
    const wsUrl = `${base.replace('http', 'ws')}/dogtracker/ws`;
    assert.equal(await upgradeStatus(`${wsUrl}?token=1.x`), 401);
    // A token of one login opens the socket for that login's cookie only.
    const ben = await apiLogIn(base, 'ben', 'ben-password');
    const session = (await (await ben('GET', 'session')).json()) as {
      token: string;
      person: { role: string };
    };
    assert.equal(session.person.role, 'viewer');
    assert.equal(await upgradeStatus(`${wsUrl}?token=${session.token}`), 401, 'token without its cookie');
  });

  it('logs in on the map page, registers the service worker and passes the installability check', async () => {
    await logIn(page, 'ben', 'ben-password', {
      url: `${base}/dogtracker/`,
      until: '#conn[data-state="live"]',
    });
    await page.waitForSelector('path.zone-safe');

    const manifest = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel=manifest]');
      const m = (await (await fetch(link?.href ?? '')).json()) as {
        icons: Array<{ src: string; sizes: string; purpose: string }>;
        name: string;
        display: string;
        start_url: string;
        scope: string;
        theme_color: string;
      };
      const sizes = await Promise.all(
        m.icons.map(
          (icon) =>
            new Promise<string>((resolve) => {
              const img = new Image();
              img.onload = () => resolve(`${img.naturalWidth}x${img.naturalHeight}`);
              img.onerror = () => resolve('failed');
              img.src = new URL(icon.src, location.href).href;
            }),
        ),
      );
      return { ...m, loaded: sizes };
    });
    assert.equal(manifest.name, 'Home yard');
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/dogtracker/');
    assert.equal(manifest.scope, '/dogtracker/');
    assert.match(String(manifest.theme_color), /^#[0-9a-f]{6}$/);
    const icons = manifest.icons.map((i) => `${i.sizes} ${i.purpose}`);
    assert.ok(icons.includes('192x192 any') && icons.includes('512x512 any'), icons.join(', '));
    assert.ok(icons.includes('512x512 maskable'), icons.join(', '));
    // Each PNG loads at the size it claims (the SVG has no intrinsic size to check).
    manifest.icons.forEach((icon, i) => {
      if (icon.sizes !== 'any') assert.equal(manifest.loaded[i], icon.sizes, icon.src);
    });
    const touch = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel=apple-touch-icon]')?.href ?? '';
      const res = await fetch(href);
      const bitmap = await createImageBitmap(await res.blob());
      return `${res.headers.get('content-type')} ${bitmap.width}x${bitmap.height}`;
    });
    assert.equal(touch, 'image/png 180x180');

    const scope = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller)
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
      return reg.scope;
    });
    assert.equal(scope, `${base}/dogtracker/`);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: Array<{ errorId: string }>;
    };
    assert.deepEqual(installabilityErrors, []);
    await cdp.detach();
  });

  it('shows the map, the alerts, the dogs and the system health on their screens', async () => {
    const map = helper.getNode('map1');
    const notify = helper.getNode('n1');
    for (let i = 0; i <= 6; i++) map.receive({ payload: position('rex', 6 + i, 8 + 2 * i, T0 + i * 1000) });
    map.receive({ payload: position('bella', 15, 6, T0 + 5000) });
    for (const node of ['pi-yard-ne', 'pi-yard-nw', 'pi-yard-s'])
      map.receive({ payload: 'online', topic: `dogtracker/v1/status/${node}` });
    map.receive({
      payload: {
        v: 1,
        type: 'health',
        node: 'pi-yard-ne',
        ts: T0 + 20000,
        cpu: 12,
        tempC: 48.2,
        uptimeS: 7200,
        mesh: {
          iface: 'bat0',
          originators: 3,
          neighbors: [{ mac: '02:00:00:00:00:02' }, { mac: '02:00:00:00:00:03' }],
        },
      },
    });
    map.receive({ payload: 'offline', topic: 'dogtracker/v1/status/pi-yard-s' });
    const escape = alert('exit', 'rex', 'yard', 'critical', T0 + 30000);
    map.receive({ payload: escape, topic: 'dogtracker/v1/alert/rex' });
    notify.receive({ payload: escape });
    const battery = {
      v: 1,
      type: 'alert',
      event: 'battery-low',
      dog: 'bella',
      severity: 'warning',
      ts: T0 + 31000,
      battery: 18,
    };
    map.receive({ payload: battery, topic: 'dogtracker/v1/alert/bella' });
    notify.receive({ payload: battery });
    await page.waitForSelector('path.dog-rex');
    await page.waitForSelector('path.scanner-offline', { state: 'attached' });
    mkdirSync(IMAGES, { recursive: true });
    await page.screenshot({ path: path.join(IMAGES, 'app-map.png') });

    await page.click('#tabs a[data-screen="alerts"]');
    const open = page.locator('#hub-alerts li.open.critical');
    await open.waitFor();
    assert.match(await open.innerText(), /Rex left Yard/);
    assert.equal(await page.locator('#alert-badge').innerText(), '2');
    // A viewer may acknowledge, not resolve: no button for it, and the hub refuses it.
    assert.equal(await page.locator('#hub-alerts button.resolve').count(), 0);
    const id = await open.getAttribute('data-id');
    const refused = await page.evaluate(
      async (alertId) => (await fetch(`api/notify/alerts/${alertId}/resolve`, { method: 'POST' })).status,
      id,
    );
    assert.equal(refused, 403);
    assert.equal(await page.evaluate(async () => (await fetch('api/notify/people')).status), 403);
    await page.screenshot({ path: path.join(IMAGES, 'app-alerts.png') });

    await page.click('#tabs a[data-screen="dogs"]');
    const rex = page.locator('#dogs li[data-dog="rex"]');
    await rex.locator('.detail >> text=x 12.0 m, y 20.0 m').waitFor();
    assert.match(await rex.innerText(), /±1\.6 m/);
    await page.screenshot({ path: path.join(IMAGES, 'app-dogs.png') });

    await page.click('#tabs a[data-screen="health"]');
    await page.waitForSelector('#scanner-count >> text=2/3 online');
    const ne = await page.locator('#scanners li[data-node="pi-yard-ne"]').innerText();
    assert.match(ne, /2 mesh links, 3 nodes known/);
    assert.match(ne, /48 °C/);
    assert.match(await page.locator('#scanners li[data-node="pi-yard-s"]').innerText(), /offline/);
    await page.locator('#hub li.devices').waitFor();
    // The InfluxDB queue: its depth, the oldest point waiting, the last write error.
    const w1 = helper.getNode('w1');
    for (let i = 0; i <= 6; i++) w1.receive({ payload: position('rex', 6 + i, 8 + 2 * i, T0 + i * 1000) });
    const queue = page.locator('#influx li.buffering[data-node="w1"]', { hasText: '7 points queued' });
    await queue.waitFor();
    const told = await queue.innerText();
    assert.match(told, /server unavailable, queueing on disk/);
    assert.match(told, /oldest from \d+ (s|min) ago/);
    assert.match(told, /last error \d+ s ago: \S+/);
    await page.screenshot({ path: path.join(IMAGES, 'app-health.png') });

    // An admin may do what the viewer may not.
    const ann = await apiLogIn(base, 'ann', 'ann-password');
    assert.equal((await ann('GET', 'api/notify/people')).status, 200);
    assert.deepEqual(pageErrors, []);
  });

  it('shows a push from the hub as a notification whose "I\'m on it" acknowledges the alert', async () => {
    // Read the notifications only once the worker says it showed one (its push handler posts to the open
    // pages after showNotification resolves): polling getNotifications() from the page while the push was
    // being handled saw an empty list for 10 s in most runs on headless Chromium 150.
    await context.grantPermissions(['notifications'], { origin: base });
    // The browser's own subscription needs its vendor's push service; the hub sends to a local one
    // instead, and the test hands what arrived there to the page's service worker, as the browser would.
    const subscription = push.subscribe('bens-phone');
    const added = await page.evaluate(
      async (sub) =>
        (
          await fetch('api/notify/push/subscribe', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ subscription: sub, label: 'Ben phone' }),
          })
        ).status,
      subscription,
    );
    assert.equal(added, 201);
    const missing = {
      v: 1,
      type: 'alert',
      event: 'missing',
      dog: 'bella',
      severity: 'critical',
      ts: T0 + 40000,
    };
    helper.getNode('map1').receive({ payload: missing, topic: 'dogtracker/v1/alert/bella' });
    helper.getNode('n1').receive({ payload: missing });
    await push.until(() => push.received.some((r) => /bella is missing/i.test(String(r.payload.title))));
    const sent = push.received.find((r) => /bella is missing/i.test(String(r.payload.title)));
    assert.ok(sent);

    // The worker tells the open pages once its notification is up (or why not): listen before delivering.
    await page.evaluate(() => {
      const w = window as unknown as { pushReports: unknown[] };
      w.pushReports = [];
      navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => w.pushReports.push(e.data));
    });
    const cdp = await context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on(
        'ServiceWorker.workerRegistrationUpdated',
        (e: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
          const reg = e.registrations.find((r) => r.scopeURL === `${base}/dogtracker/` && !r.isDeleted);
          if (reg) resolve(reg.registrationId);
        },
      );
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: base,
      registrationId: await registrationId,
      data: JSON.stringify(sent.payload),
    });
    const report = await page.waitForFunction(
      () =>
        (window as unknown as { pushReports: Array<{ type: string }> }).pushReports.find((r) =>
          /^push-/.test(r.type),
        ),
      undefined,
      { timeout: 20000 },
    );
    const reported = (await report.jsonValue()) as { type: string; error?: string };
    assert.equal(reported.type, 'push-shown', reported.error);
    const shown = await page.evaluate(async () => {
      const list = await (await navigator.serviceWorker.ready).getNotifications();
      return list.map((n) => ({
        title: n.title,
        body: n.body,
        actions: (n as Notification & { actions?: Array<{ action: string }> }).actions?.map((a) => a.action),
      }));
    });
    assert.equal(shown.length, 1, 'the worker showed no notification within 10 s');
    assert.match(shown[0].title, /bella is missing/i);
    assert.deepEqual(shown[0].actions, ['ack', 'map']);
    await cdp.detach();

    // No browser API clicks a notification's button: run the worker's handler for it, in the worker.
    const worker = context.serviceWorkers().find((w) => w.url().endsWith('/api/notify/sw.js'));
    assert.ok(worker, 'the service worker runs');
    await worker.evaluate(async () => {
      const sw = self as unknown as {
        registration: { getNotifications(): Promise<unknown[]> };
        notificationAction(n: unknown, action: string): Promise<unknown>;
      };
      const [notification] = await sw.registration.getNotifications();
      await sw.notificationAction(notification, 'ack');
    });
    const ann = await apiLogIn(base, 'ann', 'ann-password');
    const alerts = (await (await ann('GET', 'api/notify/alerts')).json()) as Array<{
      id: string;
      title: string;
      state: string;
      ackBy?: string;
    }>;
    const record = alerts.find((a) => /bella is missing/i.test(a.title));
    assert.equal(record?.state, 'acknowledged');
    assert.equal(record?.ackBy, 'ben');
    assert.equal(
      await page.evaluate(
        async () => (await (await navigator.serviceWorker.ready).getNotifications()).length,
      ),
      0,
      'the notification is closed',
    );
  });

  it('opens with the network cut, showing the last known state marked offline with its age', async () => {
    // The state to keep: an alert of its own (to the map and the hub), so this does not depend on the
    // optional push check's.
    const missing = {
      v: 1,
      type: 'alert',
      event: 'missing',
      dog: 'bella',
      severity: 'critical',
      ts: T0 + 40000,
    };
    helper.getNode('map1').receive({ payload: missing, topic: 'dogtracker/v1/alert/bella' });
    helper.getNode('n1').receive({ payload: missing });
    await page.click('#tabs a[data-screen="map"]');
    // The page keeps its state a moment after each update.
    await page.waitForFunction(() => {
      const saved = localStorage.getItem(`dogtracker:${location.pathname}`);
      return saved !== null && /bella is missing/i.test(saved);
    });
    await context.setOffline(true);
    try {
      await page.reload();
      const banner = page.locator('#offline');
      await banner.waitFor();
      assert.match(await banner.innerText(), /Offline · showing what was known \d+ (s|min) ago/);
      await page.waitForSelector('path.dog-rex');
      assert.equal(await page.locator('#conn').getAttribute('data-state'), 'offline');
      await page.screenshot({ path: path.join(IMAGES, 'app-offline.png') });
      await page.click('#tabs a[data-screen="alerts"]');
      await page.locator('#hub-alerts li.open.critical .title >> text=Rex left Yard').waitFor();
    } finally {
      await context.setOffline(false);
    }
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 30000 });
    assert.equal(await page.locator('#offline').isVisible(), false);
    assert.deepEqual(pageErrors, []);
  });
});
