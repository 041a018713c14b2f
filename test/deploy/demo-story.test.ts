// The story `npm start` tells (issue 13 §4), as a user sees it: dist/scripts/start.js in a child process
// with a fresh user directory and nothing else installed (its embedded broker, no InfluxDB), PORT=0 so
// only the banner can say where Node-RED listens; the phone app logged in as the printed demo person, in
// Chromium, shows Rex's exit of the yard, and the app's API its resolution when he is home, all within two
// minutes of the flows starting, in real time (the normal story, not a sped-up one).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_STORY, DemoScenario, placeOnPath } from '../../nodes/kernel/demo-scenario';
import { parseSite } from '../../nodes/kernel/site-document';
import { freePort, requireBinary } from '../support/services';
import { root } from './shipped-broker';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(root, 'docs', 'images');

interface AppAlert {
  id: string;
  state: string;
  category: string;
  title: string;
  openedAt: number;
  resolvedAt?: number;
  alert: { event: string; dog: string; zone?: string };
}

/** Polls `probe` every 500 ms until it gives a value, or fails after `timeoutMs` saying what it waited for. */
async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  detail: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('npm start tells the story: Rex escapes, the phone app shows it, he comes back', function () {
  this.timeout(240000);
  let child: ChildProcess;
  let dir: string;
  let log = '';
  let startedAt = 0;
  let banner: { app: string; map: string; editor: string; login: string; password: string };
  let cookie = '';
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-story-'));
    child = spawn(process.execPath, [path.join(root, 'dist', 'scripts', 'start.js')], {
      env: {
        ...process.env,
        MQTT_URL: '',
        INFLUX_URL: '',
        PORT: '0',
        DOGTRACKER_MQTT_PORT: String(await freePort()),
        DOGTRACKER_USER_DIR: path.join(dir, 'user'),
        DOGTRACKER_CREDENTIAL_SECRET: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        log += d.toString();
        if (startedAt === 0 && log.includes('Started flows')) startedAt = Date.now();
        if (/stop with Ctrl-C/.test(log)) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`start.js exited with ${code}:\n${log}`)));
    });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the app, map and editor URLs on the port Node-RED really took, the demo login and what is off', async () => {
    const url = (label: string): string => {
      const m = new RegExp(`\\[dog tracker\\]\\s+${label}\\s+(http://\\S+)`).exec(log);
      assert.ok(m, `no ${label} URL in the banner:\n${log}`);
      return m[1];
    };
    const login = /log in as (\S+), password (\S+?);/.exec(log);
    assert.ok(login, log);
    banner = {
      app: url('phone app'),
      map: url('live map'),
      editor: url('editor'),
      login: login[1],
      password: login[2],
    };
    const port = Number(new URL(banner.editor).port);
    assert.ok(port > 0, `PORT=0: the banner names the port taken, not 0 (${banner.editor})`);
    assert.equal(new URL(banner.app).pathname, '/dogtracker/api/notify/app/');
    for (const page of [banner.app, banner.map, banner.editor])
      assert.equal((await fetch(page)).status, 200, page);
    assert.match(log, /InfluxDB\s+off/);
    assert.match(log, /MQTT\s+embedded broker mqtt:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(log, /\[error\]/, log);
  });

  it('the phone app, logged in as the demo person, shows Rex leaving the yard within a minute', async function () {
    requireBinary(this, 'chromium', 'chromium');
    const api = new URL('../', banner.app).href;
    const res = await fetch(`${api}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: banner.login, password: banner.password }),
    });
    assert.equal(res.status, 200, 'the printed login works');
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];

    profile = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-story-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Logged in before Rex leaves: the page itself must bring the alert (it refreshes every 15 s).
    await page.goto(banner.app);
    await page.fill('#login input[name=login]', banner.login);
    await page.fill('#login input[name=password]', banner.password);
    await page.click('#login button');
    await page.locator('#app').waitFor();
    const opened = await until(
      async () => (await alerts(api, cookie)).find((a) => a.category === 'escape' && a.alert.dog === 'rex'),
      "Rex's escape alert in the app's API",
      90000,
      () => log,
    );
    assert.equal(opened.alert.event, 'exit');
    assert.equal(opened.alert.zone, 'yard');
    const after = (opened.openedAt - startedAt) / 1000;
    assert.ok(after < 75, `the exit came ${after.toFixed(0)} s after the flows started`);
    const item = page.locator('#alerts li', { hasText: 'Rex left Yard' }).first();
    await item.waitFor({ timeout: 30000 });
    if (opened.state === 'open') assert.match(await item.innerText(), /open/i);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'demo-alert.png') });
  });

  it('resolves the alert when Rex is home, within two minutes of the start', async () => {
    const api = new URL('../', banner.app).href;
    const resolved = await until(
      async () =>
        (await alerts(api, cookie)).find(
          (a) => a.category === 'escape' && a.alert.dog === 'rex' && a.state === 'resolved',
        ),
      "the escape alert's resolution",
      120000,
      () => log,
    );
    const after = ((resolved.resolvedAt ?? Infinity) - startedAt) / 1000;
    assert.ok(after < 120, `resolved ${after.toFixed(0)} s after the flows started`);
    if (page) {
      await page.reload();
      await page
        .locator('#alerts li', { hasText: 'Rex left Yard' })
        .first()
        .filter({ hasText: /resolved/i })
        .waitFor({ timeout: 30000 });
      // The screenshot is for the README; a slow one on a loaded machine is not the demo's failure.
      await page
        .screenshot({ path: path.join(SHOTS, 'demo-resolved.png') })
        .catch((err: unknown) => console.warn(`no screenshot: ${String(err)}`));
    }
  });

  it('queues nothing on disk for InfluxDB when no INFLUX_URL is set', () => {
    assert.equal(existsSync(path.join(dir, 'user', 'dogtracker-influx')), false);
    const flow = JSON.parse(readFileSync(path.join(dir, 'user', 'flows.json'), 'utf8')) as Array<{
      type: string;
      d?: boolean;
    }>;
    assert.ok(flow.filter((n) => n.type === 'influx-write').every((n) => n.d === true));
  });
});

describe('the demo story (nodes/kernel/demo-scenario.ts) against the demo yard', () => {
  // geofence-alert's defaults in examples/demo.json: a side counts 3 m past the fence, held for 15 s.
  const demo = JSON.parse(readFileSync(path.join(root, 'examples', 'demo.json'), 'utf8')) as Array<{
    id: string;
    type: string;
    marginM?: number;
    holdS?: number;
  }>;
  const fence = demo.find((n) => n.type === 'geofence-alert');
  const marginM = fence?.marginM ?? 3;
  const holdS = fence?.holdS ?? 15;
  /** Signed distance out of the 20 x 30 m yard (negative: inside). */
  const outside = (x: number, y: number): number => Math.max(-x, x - 20, -y, y - 30);

  /** First time from which `test` holds for `holdS` seconds, by the script alone (0.5 s steps). */
  function heldFrom(test: (t: number) => boolean, from = 0): number | undefined {
    let since: number | undefined;
    for (let t = from; t <= DEMO_STORY.cycleS; t += 0.5) {
      if (!test(t)) since = undefined;
      else if ((since ??= t) + holdS <= t) return t;
    }
    return undefined;
  }

  it('takes Rex out far enough and long enough for an exit in the first minute, and home before two', () => {
    const rex = DEMO_STORY.paths.rex ?? [];
    const out = (t: number): number => {
      const p = placeOnPath(rex, t);
      return outside(p.x, p.y);
    };
    // Margins for the tracker: 2 m more than the geofence needs, and 10 s of lag.
    const exit = heldFrom((t) => out(t) >= marginM + 2);
    assert.ok(exit !== undefined && exit + 10 < 60, `exit by the script at ${exit} s`);
    const enter = heldFrom((t) => out(t) <= -(marginM + 2), exit);
    assert.ok(enter !== undefined && enter + 10 < 110, `enter by the script at ${enter} s`);
  });

  it('keeps Bella well inside the yard all the time', () => {
    const bella = DEMO_STORY.paths.bella ?? [];
    for (let t = 0; t <= DEMO_STORY.cycleS; t += 0.5) {
      const p = placeOnPath(bella, t);
      assert.ok(outside(p.x, p.y) <= -(marginM + 2), `Bella at ${t} s: (${p.x}, ${p.y})`);
    }
  });
});

describe('DemoScenario', () => {
  const demo = JSON.parse(readFileSync(path.join(root, 'examples', 'demo.json'), 'utf8')) as Array<{
    type: string;
    config?: string;
  }>;
  const parsed = parseSite(demo.find((n) => n.type === 'tracker-site')?.config ?? '');
  assert.ok(parsed.ok);
  const site = parsed.site;
  const t0 = Date.UTC(2026, 0, 1);

  it('repeats the story every cycle and starts it over on restart, with event time going on', () => {
    const story = new DemoScenario(site, { startTs: t0 });
    const at = (ts: number): string => JSON.stringify(story.position('rex', ts));
    const out = at(t0 + 30_000);
    assert.equal(out, at(t0 + 30_000 + DEMO_STORY.cycleS * 1000));
    assert.notEqual(out, at(t0 + 5_000));
    story.restart(t0 + 100_000);
    assert.equal(at(t0 + 130_000), out);
    assert.match(story.describe(t0 + 130_000), /^0:30 of 3:00 · Rex sniffing about in the field · Bella/);
  });

  it('gives contract readings of every scanner, in time order, each once, within the range asked', () => {
    const story = new DemoScenario(site, { startTs: t0 });
    let last = t0;
    const scanners = new Set<string>();
    for (let to = t0 + 1000; to <= t0 + 200_000; to += 1000) {
      const readings = story.advance(to);
      assert.ok(readings.length > 0);
      for (const r of readings) {
        assert.ok(r.ts > last && r.ts <= to, `reading at ${r.ts - t0} ms asked up to ${to - t0}`);
        assert.ok(Number.isInteger(r.rssi) && r.rssi <= 0 && r.rssi >= -127);
        assert.ok(r.dog === 'rex' || r.dog === 'bella');
        assert.equal(r.id, `mac:${r.mac}`);
        scanners.add(r.scanner);
      }
      for (let i = 1; i < readings.length; i++) assert.ok(readings[i].ts >= readings[i - 1].ts);
      last = to;
    }
    assert.equal(story.advance(last).length, 0, 'nothing twice');
    assert.deepEqual([...scanners].sort(), site.scanners.map((s) => s.id).sort());
  });
});

async function alerts(api: string, cookie: string): Promise<AppAlert[]> {
  const res = await fetch(`${api}alerts`, { headers: { cookie } });
  if (!res.ok) throw new Error(`GET alerts: ${res.status}`);
  return (await res.json()) as AppAlert[];
}
