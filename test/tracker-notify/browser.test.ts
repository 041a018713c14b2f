// The tracker-notify app in a real browser (Debian's Chromium via playwright-core, phone-sized) against the
// real runtime: log in, see an alert and its history, press "I'm on it", save "set alerts", and register the
// service worker with the map's scope. (A push subscription itself needs the browser vendor's push service,
// which a test machine cannot reach: the page must say so instead of failing silently.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';
import trackerNotify = require('../../nodes/tracker-notify/tracker-notify');
import {
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

const served = servingHttpNode(trackerNotify);

describe('tracker-notify app in Chromium', function () {
  this.timeout(90000);
  let phone: Phone | undefined;
  let context: BrowserContext;
  let userDir: string;
  let page: Page;
  let serving = false;

  before(async function () {
    requireBinary(this, 'chromium', 'chromium');
    userDir = mkdtempSync(path.join(os.tmpdir(), 'notify-browser-'));
    helper.settings({ userDir });
    await helper.startServer();
    serving = true;
    serveHttpNode();
    phone = await launchPhone('notify-chromium-');
    ({ context, page } = phone);
  });

  after(async () => {
    await phone?.close();
    if (serving) {
      await helper.unload();
      await helper.stopServer();
      helper.settings({});
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('logs in, shows and acknowledges an alert, saves alerts settings, registers the service worker', async function () {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await helper.load(
      served,
      onTab([{ ...appNotifyNode('n1'), name: 'the notifier' }]),
      appNotifyCredentials('n1'),
    );
    helper.getNode('n1').receive({
      payload: {
        v: 1,
        type: 'alert',
        event: 'exit',
        dog: 'rex',
        zone: 'yard',
        zoneName: 'Yard',
        kind: 'safe',
        severity: 'critical',
        ts: Date.UTC(2026, 0, 10, 9, 30),
      },
    });
    await logIn(page, 'ben', 'ben-password', { until: '#who:has-text("Ben (viewer)")' });
    assert.equal(await page.title(), 'Yard alerts');
    const item = page.locator('#alerts li').first();
    await item.locator('strong:has-text("rex left Yard")').waitFor();
    assert.match(await item.locator('.state').innerText(), /open/);
    await item.locator('button.ack').click();
    await page.waitForSelector('#alerts li .state:has-text("acknowledged by ben")');

    await page.locator('#events input[value=dwell]').check();
    await page.fill('#prefs input[name=quietStart]', '22:00');
    await page.fill('#prefs input[name=quietEnd]', '07:00');
    await page.click('#prefs button');
    await page.waitForSelector('#prefs-saved:has-text("Saved")');
    const prefs = await page.evaluate(async () => (await fetch('../prefs')).json());
    assert.deepEqual(prefs.quiet, { start: '22:00', end: '07:00' });
    assert.ok(prefs.events.includes('dwell'));

    await context.grantPermissions(['notifications']);
    await page.click('#enable-push');
    // Wait on the registration itself: `ready` resolves once a worker controlling this page's scope is
    // active, or the app says why push could not be turned on.
    const scope = await page.evaluate(async () => {
      const failed = new Promise<string>((resolve) => {
        const status = document.getElementById('push-status');
        const check = (): void => {
          if (status?.textContent?.startsWith('Push could not')) resolve(status.textContent);
        };
        new MutationObserver(check).observe(status ?? document.body, {
          childList: true,
          subtree: true,
          characterData: true,
        });
        check();
      });
      return Promise.race([navigator.serviceWorker.ready.then((reg) => reg.scope), failed]);
    });
    assert.equal(scope, `${helper.url()}/dogtracker/`);
    assert.match(
      await page.locator('#push-status').innerText(),
      /Turning on|Alerts will come|could not be turned on/,
    );
    assert.deepEqual(errors, []);
  });
});
