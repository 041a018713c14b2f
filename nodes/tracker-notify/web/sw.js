// Service worker of the dog tracker app: shows each Web Push as a notification with "I'm on it"
// (acknowledges the alert on the hub, no login needed: the push carries a token for this alert and
// person) and "Open map". Served from .../api/notify/sw.js with Service-Worker-Allowed: the map's path,
// so the map page may register it with the map's scope.
/* global self, fetch, URL */
'use strict';

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
  event.waitUntil(
    self.registration.showNotification(data.title || 'Dog tracker', {
      body: data.body || '',
      tag: data.tag || data.alert,
      renotify: true,
      requireInteraction: critical,
      timestamp: data.ts,
      data,
      actions: [
        { action: 'ack', title: "I'm on it" },
        { action: 'map', title: 'Open map' },
      ],
    }),
  );
});

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

self.addEventListener('notificationclick', (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  if (event.action === 'ack') {
    event.waitUntil(
      acknowledge(data).then(
        (ok) => (ok ? undefined : openWindow(data.appUrl)),
        () => openWindow(data.appUrl),
      ),
    );
  } else {
    // "Open map", or a tap on the notification itself.
    event.waitUntil(openWindow(event.action === 'map' ? data.mapUrl : data.appUrl || data.mapUrl));
  }
});
