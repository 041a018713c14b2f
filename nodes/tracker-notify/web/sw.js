// Service worker of the dog tracker app: shows each Web Push as a notification with "I'm on it"
// (acknowledges the alert on the hub, no login needed: the push carries a token for this alert and
// person) and "Open map". Served from .../api/notify/sw.js with Service-Worker-Allowed: the map's path,
// so the map page registers it with the map's scope. It also opens the app with no network: the page
// keeps its own files (the page, its script and styles, Leaflet, icons) in SHELL_CACHE, and this worker
// answers from there when the network fails. Data (session, WebSocket, the API) is never cached here.
/* global self, fetch, URL, caches, Response, setTimeout */
'use strict';

const SHELL_CACHE = 'dogtracker-shell-v1';
const NETWORK_WAIT_MS = 6000;

/** The app's own files: the map page (the scope itself), the map's assets, the app's icons and manifest. */
function isShellFile(url) {
  if (url.origin !== self.location.origin) return false;
  const scope = new URL(self.registration.scope).pathname;
  return (
    url.pathname === scope ||
    /\/map-assets\//.test(url.pathname) ||
    /\/api\/notify\/(icon[\w.-]*|apple-touch-icon\.png|manifest\.webmanifest)$/.test(url.pathname)
  );
}

/** The network's answer (kept for next time), or the kept copy when the network fails or hangs. */
async function networkThenCache(request) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const answer = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error('network too slow')), NETWORK_WAIT_MS)),
    ]);
    if (answer.ok) await cache.put(request, answer.clone());
    return answer;
  } catch {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    return Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  if (!isShellFile(new URL(request.url))) return;
  event.respondWith(networkThenCache(request));
});

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: 'Dog tracker', body: event.data ? event.data.text() : '' };
  }
  const critical = data.severity === 'critical';
  const tag = data.tag || data.alert;
  const shown = self.registration.showNotification(data.title || 'Dog tracker', {
    body: data.body || '',
    tag,
    renotify: true,
    requireInteraction: critical,
    timestamp: data.ts,
    data,
    actions: [
      { action: 'ack', title: "I'm on it" },
      { action: 'map', title: 'Open map' },
    ],
  });
  // The open app pages hear that the notification is up (or why not): the app may show it too, and a test
  // awaits this instead of polling getNotifications().
  event.waitUntil(
    shown.then(
      () => tellPages({ type: 'push-shown', tag }),
      (err) =>
        tellPages({ type: 'push-failed', tag, error: String(err && err.message ? err.message : err) }).then(
          () => {
            throw err;
          },
        ),
    ),
  );
});

async function tellPages(message) {
  const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const page of pages) page.postMessage(message);
}

async function acknowledge(data) {
  const res = await fetch(data.ackUrl, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: data.login, token: data.ackToken }),
  });
  return res.ok || res.status === 409;
}

async function openWindow(url) {
  const all = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of all) {
    if (new URL(client.url).pathname === new URL(url, self.location.href).pathname && 'focus' in client)
      return client.focus();
  }
  return self.clients.openWindow(url);
}

/**
 * What a tap on a notification or one of its buttons does: "ack" acknowledges the alert on the hub (and
 * opens the app if the hub refuses), "map" opens the map, the notification itself the app's alerts.
 * A named function, so a test can drive it from the worker (no browser API clicks a notification).
 */
self.notificationAction = function (notification, action) {
  const data = notification.data || {};
  notification.close();
  const alertsUrl = data.mapUrl ? `${data.mapUrl}#alerts` : data.appUrl;
  if (action === 'ack')
    return acknowledge(data).then(
      (ok) => (ok ? undefined : openWindow(alertsUrl)),
      () => openWindow(alertsUrl),
    );
  return openWindow(action === 'map' ? data.mapUrl : alertsUrl || data.mapUrl);
};

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(self.notificationAction(event.notification, event.action));
});
