// The phone app in Chromium tests: Debian's Chromium launched as a phone, the app's login (in the page and
// from Node), the test runtime's httpNode served, and a tracker-notify that gives a map its app people: an
// admin (ann) and a viewer (ben), with their passwords.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hashSync } from 'bcryptjs';
import type { RequestHandler } from 'express';
import type { NodeAPI } from 'node-red';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { helper, type FlowNode } from './flow';

export const CHROMIUM = '/usr/bin/chromium';

export interface Phone {
  context: BrowserContext;
  /** The context's first page. */
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Chromium, headless, as a 390x844 phone (touch, 2x pixels) in a fresh persistent profile (a service
 * worker needs one), with nothing of its own going to the internet.
 */
export async function launchPhone(prefix = 'app-chromium-'): Promise<Phone> {
  const profile = mkdtempSync(path.join(os.tmpdir(), prefix));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

let httpNode: RequestHandler | undefined;

/**
 * A node set for helper.load that registers `modules` and remembers the load's httpNode, which
 * serveHttpNode() serves (the helper gives each load a fresh Express app but does not mount it).
 */
export function servingHttpNode(...modules: Array<(RED: NodeAPI) => void>): (RED: NodeAPI) => void {
  return (RED) => {
    httpNode = RED.httpNode;
    for (const register of modules) register(RED);
  };
}

/** Call once after helper.startServer(): routes the server's requests to the latest load's httpNode. */
export function serveHttpNode(): void {
  const app = (helper as unknown as { _app: { use(h: RequestHandler): void } })._app;
  app.use((req, res, next) => (httpNode ? httpNode(req, res, next) : next()));
}

export const APP_PEOPLE = [
  { login: 'ann', name: 'Ann', role: 'admin', password: 'ann-password' },
  { login: 'ben', name: 'Ben', role: 'viewer', password: 'ben-password' },
] as const;

/** A tracker-notify node serving the default map's app (path ''), with APP_PEOPLE. */
export function appNotifyNode(id: string): FlowNode {
  return {
    id,
    type: 'tracker-notify',
    path: '',
    title: 'Yard alerts',
    people: JSON.stringify(APP_PEOPLE.map(({ login, name, role }) => ({ login, name, role }))),
    escalation: '',
    escalateAfterS: 300,
    maxEscalations: 3,
    timeZone: 'UTC',
    wires: [[], []],
  };
}

/** The credentials of appNotifyNode(id), for helper.load's third argument. */
export function appNotifyCredentials(id: string): Record<string, { hashes: string }> {
  const hashes = Object.fromEntries(APP_PEOPLE.map((p) => [p.login, hashSync(p.password, 4)]));
  return { [id]: { hashes: JSON.stringify(hashes) } };
}

/**
 * Logs `login` in on an app page's form and waits until it is in: by default on the default map's app
 * page (tracker-notify's), waiting for it to name them with their role; `url` another page (e.g. the map
 * itself, `/dogtracker/`), `until` what shows that page is in (e.g. `#conn[data-state="live"]`).
 */
export async function logIn(
  page: Page,
  login: string,
  password: string,
  options: { url?: string; until?: string; role?: string } = {},
): Promise<void> {
  const role = options.role ?? APP_PEOPLE.find((p) => p.login === login)?.role ?? 'viewer';
  await page.goto(options.url ?? `${helper.url()}/dogtracker/api/notify/app/`);
  await page.fill('#login input[name=login]', login);
  await page.fill('#login input[name=password]', password);
  await page.click('#login button');
  await page.waitForSelector(options.until ?? `#who:has-text("(${role})")`);
}

/** A Node-side login to the app's API under `base`: a fetch of `/dogtracker/<rel>` with its cookie. */
export async function apiLogIn(
  base: string,
  login: string,
  password: string,
): Promise<(method: string, rel: string, body?: unknown) => Promise<Response>> {
  const res = await fetch(`${base}/dogtracker/api/notify/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  assert.equal(res.status, 200, `log in as ${login}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return (method, rel, body) =>
    fetch(`${base}/dogtracker/${rel}`, {
      method,
      headers: { Cookie: cookie, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}
