// The phone app's login in Chromium tests, and a tracker-notify that gives a map its app people: an admin
// (ann) and a viewer (ben), with their passwords.
import { hashSync } from 'bcryptjs';
import type { Page } from 'playwright-core';
import { helper, type FlowNode } from './flow';

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

/** Logs `login` in on the default map's app page and waits for the app to name them with their role. */
export async function logIn(page: Page, login: string, password: string): Promise<void> {
  const role = APP_PEOPLE.find((p) => p.login === login)?.role ?? 'viewer';
  await page.goto(`${helper.url()}/dogtracker/api/notify/app/`);
  await page.fill('#login input[name=login]', login);
  await page.fill('#login input[name=password]', password);
  await page.click('#login button');
  await page.waitForSelector(`#who:has-text("(${role})")`);
}
