/* global document, window, navigator, fetch, location, URL, atob, Notification, setInterval, setTimeout */
// The alerts and "set alerts" screen of the dog tracker app: log in, see alerts with their history,
// acknowledge, choose what to hear about, and turn on push for this device. Plain browser script; every
// permission is checked again on the hub.
'use strict';
(function () {
  const api = new URL('../', location.href); // .../api/notify/
  const mapScope = new URL('../../', api); // the map page beside it
  const EVENTS = {
    escape: 'Left a safe zone',
    forbidden: 'Entered a forbidden zone',
    missing: 'Missing',
    dwell: 'Stayed too long',
    battery: 'Collar battery low',
    'scanner-offline': 'Scanner offline',
    hub: 'Hub trouble',
    zone: 'Other zone events',
  };
  const $ = (id) => document.getElementById(id);

  async function call(method, path, body) {
    const res = await fetch(new URL(path, api), {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok && res.status !== 409) throw Object.assign(new Error((json && json.error) || res.statusText), { status: res.status });
    return json;
  }

  function text(tag, content, cls) {
    const el = document.createElement(tag);
    el.textContent = content;
    if (cls) el.className = cls;
    return el;
  }

  function when(ms) {
    return ms ? new Date(ms).toLocaleString() : '';
  }

  async function showAlerts() {
    const list = await call('GET', 'alerts');
    const ul = $('alerts');
    ul.replaceChildren();
    for (const a of list) {
      const li = document.createElement('li');
      li.className = `${a.state} ${a.alert.severity}`;
      li.dataset.id = a.id;
      li.append(text('strong', a.title), text('div', a.text));
      const state =
        a.state === 'acknowledged' ? `acknowledged by ${a.ackBy} at ${when(a.ackAt)}` : a.state === 'resolved' ? `resolved ${when(a.resolvedAt)}` : 'open';
      li.append(text('div', state, 'state'));
      if (a.state === 'open') {
        const b = text('button', "I'm on it", 'ack');
        b.onclick = () => call('POST', `alerts/${encodeURIComponent(a.id)}/ack`, {}).then(showAlerts);
        li.append(b);
      }
      const details = document.createElement('details');
      details.append(text('summary', `History (${a.history.length})`));
      const hist = document.createElement('ol');
      for (const h of a.history)
        hist.append(text('li', `${when(h.t)} ${h.what}${h.login ? ` ${h.login}` : ''}${h.channel ? ` via ${h.channel}` : ''}${h.device ? ` (${h.device})` : ''}${h.status ? ` ${h.status}` : ''}${h.detail ? `: ${h.detail}` : ''}`));
      details.append(hist);
      li.append(details);
      ul.append(li);
    }
  }

  async function showPrefs() {
    const p = await call('GET', 'prefs');
    const form = $('prefs');
    const box = $('events');
    box.querySelectorAll('label').forEach((l) => l.remove());
    for (const [id, label] of Object.entries(EVENTS)) {
      const l = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.name = 'event';
      input.value = id;
      input.checked = p.events.includes(id);
      l.append(input, ` ${label}`);
      box.append(l);
    }
    form.dogs.value = p.dogs.join(', ');
    form.zones.value = p.zones.join(', ');
    form.minSeverity.value = p.minSeverity;
    form.quietStart.value = p.quiet ? p.quiet.start : '';
    form.quietEnd.value = p.quiet ? p.quiet.end : '';
    form.quietCritical.checked = p.quietCritical;
    form.paused.checked = p.paused;
  }

  const ids = (s) => s.split(/[\s,]+/).filter(Boolean);

  $('prefs').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    const body = {
      events: [...f.querySelectorAll('input[name=event]:checked')].map((i) => i.value),
      dogs: ids(f.dogs.value),
      zones: ids(f.zones.value),
      minSeverity: f.minSeverity.value,
      quiet: f.quietStart.value && f.quietEnd.value ? { start: f.quietStart.value, end: f.quietEnd.value } : null,
      quietCritical: f.quietCritical.checked,
      paused: f.paused.checked,
    };
    call('PUT', 'prefs', body).then(
      () => ($('prefs-saved').textContent = 'Saved'),
      (err) => ($('prefs-saved').textContent = err.message),
    );
  });

  function b64(s) {
    const pad = '='.repeat((4 - (s.length % 4)) % 4);
    const raw = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  async function enablePush() {
    const status = $('push-status');
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
      status.textContent = 'This browser cannot receive push (on an iPhone: add the app to the home screen first).';
      return;
    }
    status.textContent = 'Turning on alerts for this device…';
    try {
      const { publicKey } = await call('GET', 'vapid');
      const reg = await navigator.serviceWorker.register(new URL('sw.js', api), { scope: mapScope.pathname });
      await navigator.serviceWorker.ready;
      if ((await Notification.requestPermission()) !== 'granted') throw new Error('notifications are not allowed');
      // The browser asks its vendor's push service; without internet it may never answer.
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error('the browser push service did not answer (is this device online?)')), 20000),
      );
      const sub =
        (await reg.pushManager.getSubscription()) ||
        (await Promise.race([reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(publicKey) }), timeout]));
      await call('POST', 'push/subscribe', { subscription: sub.toJSON(), label: navigator.userAgent.slice(0, 60) });
      status.textContent = 'Alerts will come to this device.';
    } catch (err) {
      status.textContent = `Push could not be turned on: ${err.message}`;
    }
  }
  $('enable-push').addEventListener('click', enablePush);

  async function showStatus() {
    const s = await call('GET', 'status');
    if (s.state !== 'ok') $('push-status').textContent = `The hub cannot reach the push service: ${s.problem || ''}`;
  }

  async function start() {
    try {
      const me = await call('GET', 'me');
      $('who').textContent = `${me.name} (${me.role})`;
      $('login').hidden = true;
      $('app').hidden = false;
      $('logout').hidden = false;
      await Promise.all([showAlerts(), showPrefs(), showStatus()]);
    } catch (err) {
      if (err.status !== 401) throw err;
      $('login').hidden = false;
      $('app').hidden = true;
      $('logout').hidden = true;
    }
  }

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    call('POST', 'login', { login: f.login.value, password: f.password.value }).then(start, (err) => {
      $('login-error').textContent = err.message;
    });
  });
  $('logout').addEventListener('click', () => call('POST', 'logout').then(start));
  start();
  setInterval(() => {
    if (!$('app').hidden) showAlerts().catch(() => undefined);
  }, 15000);
})();
