// settings.ts as a user expects of a secure default, on a real Node-RED (child process): the host rule,
// the node endpoints (map page, its session and socket, /dogtracker/metrics) behind the admin login or a
// login of their own, the loopback metrics opt-out, and the editor's site check as a read-only user and
// as a writer.
import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { request as httpRequest } from 'http';
import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { packageRoot, startNodeRed, type NodeRedRuntime } from '../support/node-red-process';
import { requireBinary } from '../support/services';
import { siteText } from '../tracker-site/fixtures';

const run = promisify(execFile);
const settingsJs = path.join(packageRoot, 'dist', 'settings.js');
const bcrypt = createRequire(require.resolve('node-red/package.json'))('bcryptjs') as {
  hashSync: (password: string, rounds: number) => string;
};

/** Loads dist/settings.js in a fresh Node with `env`; resolves with its exit code and stderr. */
async function loadSettings(
  env: Record<string, string>,
): Promise<{ code: number; stderr: string; host?: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'settings-'));
  try {
    const { stdout } = await run(
      process.execPath,
      ['-e', `process.stdout.write(String(require(${JSON.stringify(settingsJs)}).uiHost))`],
      { env: { PATH: process.env.PATH ?? '', DOGTRACKER_USER_DIR: dir, DOGTRACKER_NO_DEMO: '1', ...env } },
    );
    return { code: 0, stderr: '', host: stdout };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const basic = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** A GET from a given local address (to reach the server as a non-loopback client). */
function getFrom(url: string, localAddress?: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function externalAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

function mapFlow(): object[] {
  return [
    { id: 'tab1', type: 'tab', label: 'map' },
    { id: 'site1', type: 'tracker-site', name: 'home', source: 'inline', config: siteText() },
    {
      id: 'map1',
      type: 'tracker-map',
      z: 'tab1',
      site: 'site1',
      path: '',
      title: 'T',
      trailMinutes: 5,
      alerts: 50,
    },
  ];
}

/** Opens the map socket with `token` and `authorization`; resolves 'open' or the HTTP status refusing it. */
function openSocket(base: string, token: string, authorization?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(
      `${base.replace('http', 'ws')}/dogtracker/ws?token=${encodeURIComponent(token)}`,
      {
        headers: authorization ? { Authorization: authorization } : {},
      },
    );
    ws.once('message', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

describe('security of the shipped settings', function () {
  this.timeout(120000);

  describe('the host rule', () => {
    it('refuses a host other than loopback without a login, naming both ways out', async () => {
      for (const host of ['0.0.0.0', '192.168.1.5', '::']) {
        const r = await loadSettings({ DOGTRACKER_HOST: host });
        assert.notEqual(r.code, 0, host);
        assert.match(
          r.stderr,
          new RegExp(`DOGTRACKER_HOST=${host.replace(/\./g, '\\.')} would open the Node-RED editor`),
        );
        assert.match(r.stderr, /DOGTRACKER_ADMIN_USER and DOGTRACKER_ADMIN_PASSWORD_HASH/);
        assert.match(r.stderr, /DOGTRACKER_OPEN_EDITOR=1/);
      }
    });

    it('starts on loopback without a login, and elsewhere with a login or the explicit opt-in', async () => {
      assert.equal((await loadSettings({})).host, '127.0.0.1');
      assert.equal((await loadSettings({ DOGTRACKER_HOST: '127.0.0.1' })).host, '127.0.0.1');
      assert.equal((await loadSettings({ DOGTRACKER_HOST: '::1' })).host, '::1');
      assert.equal(
        (await loadSettings({ DOGTRACKER_HOST: '0.0.0.0', DOGTRACKER_OPEN_EDITOR: '1' })).host,
        '0.0.0.0',
      );
      const login = { DOGTRACKER_ADMIN_USER: 'admin', DOGTRACKER_ADMIN_PASSWORD_HASH: '$2a$08$x' };
      assert.equal((await loadSettings({ DOGTRACKER_HOST: '0.0.0.0', ...login })).host, '0.0.0.0');
    });

    it('refuses half a node login and an unknown metrics opt-out', async () => {
      assert.match(
        (await loadSettings({ DOGTRACKER_HTTP_USER: 'map' })).stderr,
        /DOGTRACKER_HTTP_PASSWORD_HASH is not/,
      );
      assert.match(
        (await loadSettings({ DOGTRACKER_HTTP_PASSWORD_HASH: 'x' })).stderr,
        /DOGTRACKER_HTTP_USER is not/,
      );
      assert.match((await loadSettings({ DOGTRACKER_METRICS_OPEN: 'yes' })).stderr, /must be 'loopback'/);
    });
  });

  describe('with the admin login (reused for the node endpoints), a read-only user and the loopback metrics opt-out', () => {
    let red: NodeRedRuntime;
    let dir: string;
    const admin = basic('admin', 'admin-pw');

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'security-'));
      const userDir = path.join(dir, 'user');
      mkdirSync(userDir);
      // A settings file that is the package's plus a read-only editor user.
      const settingsFile = path.join(dir, 'settings.js');
      writeFileSync(
        settingsFile,
        `const s = require(${JSON.stringify(settingsJs)});\n` +
          `s.adminAuth.users.push({ username: 'reader', password: ${JSON.stringify(bcrypt.hashSync('reader-pw', 4))}, permissions: 'read' });\n` +
          'module.exports = s;\n',
      );
      red = await startNodeRed({
        name: 'security',
        userDir,
        settingsFile,
        flow: mapFlow(),
        env: {
          DOGTRACKER_ADMIN_USER: 'admin',
          DOGTRACKER_ADMIN_PASSWORD_HASH: bcrypt.hashSync('admin-pw', 4),
          DOGTRACKER_METRICS_OPEN: 'loopback',
        },
      });
      writeFileSync(path.join(userDir, 'site.json'), siteText());
      writeFileSync(
        path.join(userDir, 'mqtt.json'),
        JSON.stringify({ mqtt: { user: 'hub', password: 'hunter2' } }),
      );
    });
    after(async () => {
      await red?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    async function token(username: string, password: string, scope = '*'): Promise<string> {
      const res = await fetch(`${red.url}/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: 'node-red-admin',
          grant_type: 'password',
          scope,
          username,
          password,
        }),
      });
      assert.equal(res.status, 200, `login of ${username}`);
      return ((await res.json()) as { access_token: string }).access_token;
    }

    async function siteCheck(bearer: string, body: object): Promise<{ status: number; text: string }> {
      const res = await fetch(`${red.url}/dogtracker/site/validate`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    }

    it('the map page, its session and the metrics need the login (401 without, 200 with)', async () => {
      for (const p of ['/dogtracker/', '/dogtracker/session', '/dogtracker/map-assets/map.js']) {
        const anonymous = await fetch(`${red.url}${p}`);
        assert.equal(anonymous.status, 401, p);
        assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
        assert.equal(
          (await fetch(`${red.url}${p}`, { headers: { Authorization: basic('admin', 'wrong') } })).status,
          401,
        );
        assert.equal((await fetch(`${red.url}${p}`, { headers: { Authorization: admin } })).status, 200, p);
      }
      const metrics = await fetch(`${red.url}/dogtracker/metrics`, { headers: { Authorization: admin } });
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /dogtracker_readings_total/);
    });

    it('lets loopback read /dogtracker/metrics without a login, and nothing else', async () => {
      assert.equal((await fetch(`${red.url}/dogtracker/metrics`)).status, 200);
      assert.equal((await fetch(`${red.url}/dogtracker/`)).status, 401);
      const port = new URL(red.url).port;
      const lan = externalAddress();
      if (lan) {
        // Node-RED listens on 0.0.0.0 with a login: from the LAN address, the metrics need the login.
        assert.equal(await getFrom(`http://${lan}:${port}/dogtracker/metrics`, lan), 401);
        assert.equal(
          await getFrom(`http://${lan}:${port}/dogtracker/metrics`, lan, { Authorization: admin }),
          200,
        );
      }
    });

    it('the socket token works only with the login it was fetched with', async () => {
      const session = (await (
        await fetch(`${red.url}/dogtracker/session`, { headers: { Authorization: admin } })
      ).json()) as {
        token: string;
        expiresAt: number;
      };
      assert.ok(session.expiresAt > Date.now() && session.expiresAt <= Date.now() + 5 * 60 * 1000 + 1000);
      assert.equal(await openSocket(red.url, session.token, admin), 'open');
      // Copied out of the session, without the login (or with another), the token opens nothing.
      assert.equal(await openSocket(red.url, session.token), 401);
      assert.equal(await openSocket(red.url, session.token, basic('reader', 'reader-pw')), 401);
      assert.equal(await openSocket(red.url, 'guess', admin), 401);
    });

    it('a browser with the login gets the live map (Chromium sends the login on the socket upgrade too)', async function () {
      requireBinary(this, 'chromium', 'chromium');
      const profile = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        httpCredentials: { username: 'admin', password: 'admin-pw' },
      });
      try {
        const page = context.pages()[0] ?? (await context.newPage());
        await page.goto(`${red.url}/dogtracker/`);
        await page.waitForSelector('#conn[data-state="live"]', { timeout: 20000 });
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      }
    });

    it('the site check needs write permission: a read-only user gets 401 and no file', async () => {
      const reader = await token('reader', 'reader-pw', 'read');
      // The token itself is good: the reader reads the flows.
      assert.equal(
        (await fetch(`${red.url}/flows`, { headers: { Authorization: `Bearer ${reader}` } })).status,
        200,
      );
      for (const p of ['/etc/passwd', 'site.json']) {
        const r = await siteCheck(reader, { path: p });
        assert.equal(r.status, 401, p);
        assert.doesNotMatch(r.text, /root:|scanners/);
      }
    });

    it('as a writer: paths outside the user directory and Node-RED files are refused, other JSON is not returned', async () => {
      const writer = await token('admin', 'admin-pw');
      for (const p of [
        '/etc/passwd',
        '../../../../etc/passwd',
        'flows.json',
        'flows_cred.json',
        '.config.runtime.json',
      ]) {
        const r = await siteCheck(writer, { path: p });
        assert.equal(r.status, 200, p);
        const body = JSON.parse(r.text) as { ok: boolean; config?: string; errors: string[] };
        assert.equal(body.ok, false, p);
        assert.equal(body.config, undefined, p);
        assert.doesNotMatch(r.text, /root:x|credentialSecret|_credentialSecret|"id"/, p);
      }
      const other = JSON.parse((await siteCheck(writer, { path: 'mqtt.json' })).text) as {
        ok: boolean;
        config?: string;
        errors: string[];
      };
      assert.equal(other.ok, false);
      assert.equal(other.config, undefined);
      assert.equal(other.errors[0], 'not a valid site document');
      assert.doesNotMatch(JSON.stringify(other), /hunter2/);
      const site = JSON.parse((await siteCheck(writer, { path: 'site.json' })).text) as {
        ok: boolean;
        config?: string;
      };
      assert.equal(site.ok, true);
      assert.equal(site.config, siteText());
    });
  });

  describe('with a login of their own for the node endpoints', () => {
    let red: NodeRedRuntime;

    before(async () => {
      red = await startNodeRed({
        name: 'security-http',
        flow: mapFlow(),
        env: {
          DOGTRACKER_ADMIN_USER: 'admin',
          DOGTRACKER_ADMIN_PASSWORD_HASH: bcrypt.hashSync('admin-pw', 4),
          DOGTRACKER_HTTP_USER: 'family',
          DOGTRACKER_HTTP_PASSWORD_HASH: bcrypt.hashSync('map-pw', 4),
        },
      });
    });
    after(() => red?.dispose());

    it('the map and the metrics take DOGTRACKER_HTTP_USER, not the admin login; no loopback exemption by default', async () => {
      for (const p of ['/dogtracker/', '/dogtracker/metrics']) {
        assert.equal((await fetch(`${red.url}${p}`)).status, 401, p);
        assert.equal(
          (await fetch(`${red.url}${p}`, { headers: { Authorization: basic('admin', 'admin-pw') } })).status,
          401,
          p,
        );
        assert.equal(
          (await fetch(`${red.url}${p}`, { headers: { Authorization: basic('family', 'map-pw') } })).status,
          200,
          p,
        );
      }
    });
  });

  describe('a map at its viewer cap, in Chromium', () => {
    let red: NodeRedRuntime;
    before(async function () {
      requireBinary(this, 'chromium', 'chromium');
      const flow = mapFlow().map((n) => ((n as { id: string }).id === 'map1' ? { ...n, maxClients: 1 } : n));
      red = await startNodeRed({ name: 'security-cap', flow });
    });
    after(() => red?.dispose());

    it('the page beyond the cap shows why it is not live; the first stays live', async () => {
      const profile = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      });
      try {
        const first = context.pages()[0] ?? (await context.newPage());
        await first.goto(`${red.url}/dogtracker/`);
        await first.waitForSelector('#conn[data-state="live"]', { timeout: 20000 });
        const second = await context.newPage();
        await second.goto(`${red.url}/dogtracker/`);
        await second.waitForSelector('#conn[data-state="full"]', { timeout: 20000 });
        assert.equal(await second.textContent('#conn'), 'this map already has 1 viewer; try again later');
        assert.equal(await first.getAttribute('#conn', 'data-state'), 'live');
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      }
    });
  });
});
