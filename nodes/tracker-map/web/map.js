/* global L, document, window, fetch, WebSocket, location, setTimeout, setInterval, clearTimeout, URL, navigator, localStorage, caches, Notification, atob */
// The dog tracker's live map page, and where a tracker-notify serves it, the phone app. Takes a snapshot
// and then updates from the tracker-map node's WebSocket. Two views: the site plan in local metres
// (Leaflet's CRS.Simple, needs nothing from the internet) and, when the site has an origin and a tile URL
// is configured, a geographic map. Screens (bottom bar): map, alerts, dogs, health and, in the app, me.
// The app keeps its last state in localStorage and its files in a cache the service worker answers from,
// so it opens with no network, showing that state marked offline with its age.
(function () {
  'use strict';

  var DOG_COLORS = ['#d9480f', '#1c7ed6', '#7048e8', '#2b8a3e', '#c2255c', '#0b7285', '#e67700', '#5f3dc4'];
  var ZONE_COLORS = { safe: '#2f9e44', forbidden: '#e03131', info: '#1971c2' };
  var EVENT_WORDS = { enter: 'entered', exit: 'left', dwell: 'is staying in', missing: 'is missing', found: 'is back' };
  var STALE_MS = 60000;

  // `influx`: the hub's InfluxDB queues (one per influx-write node; empty: InfluxDB is off), null until known.
  var state = { site: null, trailS: 300, alertsKept: 50, dogs: {}, nodes: {}, alerts: [], influx: null };
  var tiles = { url: '', attribution: '' };
  var mode = 'plan';
  // The view the user picked with the button; until then: the geographic map when there is one.
  var chosenMode = null;
  var map = null;
  var siteLayer = null;
  var dogLayers = {};
  var fitted = false;
  /** `app`: a tracker-notify serves this map (its login, alerts, push); `map`: the plain live map. */
  var appMode = document.documentElement.dataset.mode === 'app';
  var api = new URL('api/notify/', location.href);
  var person = null;
  var hubAlerts = [];
  var hubStatus = null;
  /** Wall-clock time of the newest data shown (live, or from the saved state when offline). */
  var dataAt = 0;
  var live = false;

  var el = {
    map: document.getElementById('map'),
    dogs: document.getElementById('dogs'),
    alerts: document.getElementById('alerts'),
    scanners: document.getElementById('scanners'),
    scannerCount: document.getElementById('scanner-count'),
    influx: document.getElementById('influx'),
    conn: document.getElementById('conn'),
    mode: document.getElementById('mode'),
    offline: document.getElementById('offline'),
    offlineAge: document.getElementById('offline-age'),
    hubAlertsBox: document.getElementById('hub-alerts-box'),
    hubAlerts: document.getElementById('hub-alerts'),
    alertBadge: document.getElementById('alert-badge'),
    hubBox: document.getElementById('hub-box'),
    hub: document.getElementById('hub'),
    login: document.getElementById('login'),
    loginError: document.getElementById('login-error'),
    who: document.getElementById('who'),
    pushStatus: document.getElementById('push-status'),
    tabMe: document.getElementById('tab-me'),
  };

  // ---- state ------------------------------------------------------------------------------------

  function dogColor(id) {
    var ids = Object.keys(state.dogs);
    var i = ids.indexOf(id);
    return DOG_COLORS[(i < 0 ? 0 : i) % DOG_COLORS.length];
  }

  function dogName(id) {
    return (state.dogs[id] && state.dogs[id].name) || id;
  }

  function zoneName(id) {
    var zones = (state.site && state.site.zones) || [];
    for (var i = 0; i < zones.length; i++) if (zones[i].id === id) return zones[i].name;
    return id;
  }

  function applySnapshot(s) {
    state.site = s.site || null;
    state.trailS = s.trailS;
    state.alertsKept = s.alertsKept || state.alertsKept;
    state.dogs = {};
    s.dogs.forEach(function (d) {
      state.dogs[d.id] = d;
    });
    state.nodes = {};
    s.nodes.forEach(function (n) {
      state.nodes[n.id] = n;
    });
    state.alerts = s.alerts.slice();
    if (s.influx) state.influx = s.influx;
    fitted = false;
    buildMap();
    renderDogs();
    renderAlerts();
    renderScanners();
    renderInflux();
  }

  function applyPosition(p) {
    var dog = state.dogs[p.dog];
    if (!dog) {
      dog = state.dogs[p.dog] = { id: p.dog, name: p.dog, trail: [] };
    }
    if (dog.position && p.ts <= dog.position.ts) return;
    dog.position = p;
    dog.trail.push({ ts: p.ts, x: p.x, y: p.y, lat: p.lat, lon: p.lon });
    var from = p.ts - state.trailS * 1000;
    while (dog.trail.length && dog.trail[0].ts < from) dog.trail.shift();
    drawDog(dog);
    renderDogs();
  }

  function handle(update) {
    dataAt = Date.now();
    scheduleSave();
    if (update.kind === 'snapshot') applySnapshot(update);
    else if (update.kind === 'position') applyPosition(update.position);
    else if (update.kind === 'alert') {
      state.alerts.push(update.alert);
      if (state.alerts.length > state.alertsKept) state.alerts.shift();
      renderAlerts();
      renderDogs();
      // The hub's record of it (who is on it) follows.
      if (person) refreshHub();
    } else if (update.kind === 'node') {
      state.nodes[update.node.id] = update.node;
      renderScanners();
      drawSite();
    } else if (update.kind === 'influx') {
      state.influx = update.influx;
      renderInflux();
    }
  }

  // ---- map ----------------------------------------------------------------------------------------

  function canShowGeo() {
    return !!(state.site && state.site.origin && tiles.url);
  }

  /** A point of the contract ({x, y, lat?, lon?}) as a Leaflet LatLng of the current view. */
  function ll(p) {
    if (mode === 'geo') return p.lat == null || p.lon == null ? null : L.latLng(p.lat, p.lon);
    return L.latLng(p.y, p.x);
  }

  function buildMap() {
    mode = canShowGeo() ? chosenMode || 'geo' : 'plan';
    el.mode.hidden = !canShowGeo();
    el.mode.textContent = mode === 'geo' ? 'Plan' : 'Map';
    if (map) map.remove();
    dogLayers = {};
    if (mode === 'geo') {
      map = L.map(el.map, { zoomControl: true, maxZoom: 22 });
      L.tileLayer(tiles.url, { maxZoom: 22, maxNativeZoom: 19, attribution: tiles.attribution }).addTo(map);
    } else {
      map = L.map(el.map, { crs: L.CRS.Simple, minZoom: -4, maxZoom: 6, zoomSnap: 0.25, attributionControl: false });
    }
    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
    // Dogs stay above the site however often scanners are redrawn. A backdrop (the site's plan drawing,
    // backdrop.js when present) goes under both, in its own pane.
    map.createPane('backdrop').style.zIndex = 405;
    map.createPane('site').style.zIndex = 410;
    map.createPane('dogs').style.zIndex = 420;
    // Leaflet needs a view before vector layers are added.
    fit();
    siteLayer = L.layerGroup().addTo(map);
    if (window.DogTrackerBackdrop) {
      try {
        window.DogTrackerBackdrop.attach(map, mode, state.site);
      } catch (err) {
        window.console.error('backdrop failed', err);
      }
    }
    drawSite();
    Object.keys(state.dogs).forEach(function (id) {
      drawDog(state.dogs[id]);
    });
  }

  function fit() {
    if (fitted || !map) return;
    // On another screen the map has no size: fit when it shows.
    if (!el.map.clientWidth) {
      if (!map._loaded) map.setView([0, 0], mode === 'plan' ? 0 : 2);
      return;
    }
    var bounds = L.latLngBounds([]);
    var site = state.site;
    if (site && mode === 'plan') {
      bounds.extend([site.bounds.minY, site.bounds.minX]).extend([site.bounds.maxY, site.bounds.maxX]);
    } else if (site) {
      site.scanners.forEach(function (s) {
        if (s.lat != null) bounds.extend([s.lat, s.lon]);
      });
      site.zones.forEach(function (z) {
        (z.latlngs || []).forEach(function (p) {
          bounds.extend(p);
        });
        if (z.circle && z.circle.lat != null) bounds.extend([z.circle.lat, z.circle.lon]);
      });
    }
    Object.keys(state.dogs).forEach(function (id) {
      var p = state.dogs[id].position;
      var point = p && ll(p);
      if (point) bounds.extend(point);
    });
    if (!bounds.isValid()) {
      if (!map._loaded) map.setView([0, 0], mode === 'plan' ? 0 : 2);
      return;
    }
    map.fitBounds(bounds.pad(0.15));
    fitted = true;
  }

  function drawSite() {
    if (!siteLayer) return;
    siteLayer.clearLayers();
    var site = state.site;
    if (!site) return;
    if (mode === 'plan') drawGrid(site.bounds);
    site.zones.forEach(function (z) {
      var color = ZONE_COLORS[z.kind] || '#666';
      var style = { pane: 'site', color: color, weight: 2, fillColor: color, fillOpacity: z.kind === 'safe' ? 0.08 : 0.18 };
      style.className = 'zone zone-' + z.kind;
      var shape = null;
      if (z.polygon) {
        var points =
          mode === 'geo'
            ? z.latlngs
            : z.polygon.map(function (p) {
                return [p[1], p[0]];
              });
        if (points) shape = L.polygon(points, style);
      } else if (z.circle) {
        var center = ll(z.circle);
        if (center) shape = L.circle(center, Object.assign({ radius: z.circle.r }, style));
      }
      if (shape) shape.bindTooltip(text('span', null, z.name + ' (' + z.kind + ')')).addTo(siteLayer);
    });
    site.scanners.forEach(function (s) {
      var at = ll(s);
      if (!at) return;
      var status = (state.nodes[s.id] && state.nodes[s.id].status) || 'unknown';
      var color = status === 'online' ? '#2e9b3a' : status === 'offline' ? '#d33' : '#888';
      L.circleMarker(at, {
        pane: 'site',
        radius: 6,
        color: '#fff',
        weight: 2,
        fillColor: color,
        fillOpacity: 1,
        className: 'scanner scanner-' + status,
      })
        .bindTooltip(text('span', null, (s.name || s.id) + ': ' + status))
        .addTo(siteLayer);
    });
  }

  /** Light grid lines every 5 or 10 m, so distances on the plan can be read. */
  function drawGrid(b) {
    var span = Math.max(b.maxX - b.minX, b.maxY - b.minY);
    var step = span > 120 ? 20 : span > 50 ? 10 : 5;
    // Well past the site, so the grid does not end where a dog that left the site is.
    var margin = Math.ceil(span / step) * step;
    var x0 = Math.floor(b.minX / step) * step - margin;
    var x1 = Math.ceil(b.maxX / step) * step + margin;
    var y0 = Math.floor(b.minY / step) * step - margin;
    var y1 = Math.ceil(b.maxY / step) * step + margin;
    var style = { pane: 'site', color: '#c8cdc0', weight: 1, interactive: false, className: 'plan-grid' };
    for (var x = x0; x <= x1; x += step)
      L.polyline(
        [
          [y0, x],
          [y1, x],
        ],
        style,
      ).addTo(siteLayer);
    for (var y = y0; y <= y1; y += step)
      L.polyline(
        [
          [y, x0],
          [y, x1],
        ],
        style,
      ).addTo(siteLayer);
  }

  function drawDog(dog) {
    if (!map || !dog.position) return;
    var at = ll(dog.position);
    if (!at) return;
    var color = dogColor(dog.id);
    var trail = dog.trail.map(ll).filter(Boolean);
    var layers = dogLayers[dog.id];
    if (!layers) {
      layers = dogLayers[dog.id] = {
        trail: L.polyline(trail, { pane: 'dogs', color: color, weight: 3, opacity: 0.55, className: 'dog-trail dog-trail-' + dog.id }),
        accuracy: L.circle(at, {
          pane: 'dogs',
          radius: dog.position.accuracy || 0,
          color: color,
          weight: 1,
          fillOpacity: 0.12,
          className: 'dog-accuracy',
        }),
        marker: L.circleMarker(at, {
          pane: 'dogs',
          radius: 8,
          color: '#fff',
          weight: 2,
          fillColor: color,
          fillOpacity: 1,
          className: 'dog-marker dog-' + dog.id,
        }).bindTooltip(text('span', null, dog.name), { permanent: true, direction: 'auto', offset: [8, 0], className: 'dog-label' }),
      };
      layers.trail.addTo(map);
      layers.accuracy.addTo(map);
      layers.marker.addTo(map);
    } else {
      layers.trail.setLatLngs(trail);
      layers.accuracy.setLatLng(at).setRadius(dog.position.accuracy || 0);
      layers.marker.setLatLng(at);
    }
    if (!fitted) fit();
  }

  // ---- lists --------------------------------------------------------------------------------------

  // Names come from the site and from messages: always set as text, never as HTML (tooltips included).
  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content != null) node.textContent = content;
    return node;
  }

  function age(ts) {
    var s = Math.max(0, Math.round((Date.now() - ts) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return new Date(ts).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
  }

  function speed(dog) {
    var p = dog.position;
    if (p.vx != null && p.vy != null) return Math.sqrt(p.vx * p.vx + p.vy * p.vy);
    var t = dog.trail;
    if (t.length < 2) return null;
    var a = t[t.length - 2];
    var b = t[t.length - 1];
    var dt = (b.ts - a.ts) / 1000;
    return dt > 0 ? Math.sqrt((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)) / dt : null;
  }

  function renderDogs() {
    el.dogs.textContent = '';
    var ids = Object.keys(state.dogs);
    if (ids.length === 0) el.dogs.appendChild(text('li', 'empty', 'No dogs in the site'));
    ids.forEach(function (id) {
      var dog = state.dogs[id];
      var p = dog.position;
      var li = text('li', 'dog');
      li.dataset.dog = id;
      var swatch = text('span', 'swatch');
      swatch.style.background = dogColor(id);
      li.appendChild(swatch);
      li.appendChild(text('span', 'name', dog.name));
      var seen = text('span', 'seen', p ? age(p.ts) : 'not seen');
      if (p) seen.dataset.ts = p.ts;
      li.appendChild(seen);
      if (p) {
        var v = speed(dog);
        var parts = [
          'x ' + p.x.toFixed(1) + ' m, y ' + p.y.toFixed(1) + ' m',
          v == null ? null : v.toFixed(1) + ' m/s',
          '±' + (p.accuracy || 0).toFixed(1) + ' m',
          battery(id),
        ].filter(Boolean);
        li.appendChild(text('span', 'detail', parts.join(' · ')));
        if (Date.now() - p.ts > STALE_MS) li.classList.add('stale');
        li.addEventListener('click', function () {
          var at = ll(p);
          if (at && map) map.panTo(at);
        });
      }
      el.dogs.appendChild(li);
    });
  }

  /** The collar battery as the latest battery alert of the dog tells it (positions do not carry it). */
  function battery(id) {
    for (var i = state.alerts.length - 1; i >= 0; i--) {
      var a = state.alerts[i];
      if (a.dog !== id || (a.event !== 'battery-low' && a.event !== 'battery-ok')) continue;
      var level = typeof a.battery === 'number' && isFinite(a.battery) ? ' ' + Math.round(a.battery) + ' %' : '';
      return (a.event === 'battery-low' ? 'battery low' : 'battery ok') + level;
    }
    return null;
  }

  function alertText(a) {
    // Alerts from Alertmanager (see the example flow) carry their own text.
    if (a.text && !a.dog) return a.text;
    var who = a.dog ? dogName(a.dog) : a.node || 'System';
    var verb = EVENT_WORDS[a.event] || a.event;
    var where = a.zone ? ' ' + zoneName(a.zone) : '';
    return who + ' ' + verb + where;
  }

  function renderAlerts() {
    el.alerts.textContent = '';
    if (state.alerts.length === 0) el.alerts.appendChild(text('li', 'empty', 'No alerts'));
    state.alerts
      .slice()
      .reverse()
      .forEach(function (a) {
        var li = text('li', 'alert ' + (a.severity || 'info'));
        var time = text('time', null, new Date(a.ts).toLocaleTimeString());
        time.dateTime = new Date(a.ts).toISOString();
        li.appendChild(time);
        li.appendChild(document.createTextNode(alertText(a)));
        el.alerts.appendChild(li);
      });
  }

  function duration(s) {
    if (s < 3600) return Math.round(s / 60) + ' min';
    if (s < 86400) return Math.round(s / 3600) + ' h';
    return Math.round(s / 86400) + ' d';
  }

  function renderScanners() {
    el.scanners.textContent = '';
    var ids = Object.keys(state.nodes);
    var online = 0;
    if (ids.length === 0) el.scanners.appendChild(text('li', 'empty', 'No scanners yet'));
    ids.forEach(function (id) {
      var n = state.nodes[id];
      if (n.status === 'online') online++;
      var li = text('li', n.status);
      li.dataset.node = id;
      li.appendChild(text('span', 'name', id));
      var info = [n.status];
      if (n.healthTs != null) info.push('health ' + age(n.healthTs));
      if (n.tempC != null) info.push(n.tempC.toFixed(0) + ' °C');
      if (n.cpu != null) info.push('CPU ' + n.cpu.toFixed(0) + ' %');
      if (n.uptimeS != null) info.push('up ' + duration(n.uptimeS));
      if (n.mesh) {
        var mesh = n.mesh.neighbors + ' mesh link' + (n.mesh.neighbors === 1 ? '' : 's');
        if (n.mesh.originators != null) mesh += ', ' + n.mesh.originators + ' nodes known';
        if (n.mesh.gateway) mesh += ', gateway ' + n.mesh.gateway;
        info.push(mesh);
      }
      li.title = info.join(', ');
      li.appendChild(text('span', 'detail', info.join(' · ')));
      el.scanners.appendChild(li);
    });
    el.scannerCount.textContent = ids.length ? online + '/' + ids.length + ' online' : '';
  }

  var INFLUX_STATES = {
    starting: 'reading its disk queue',
    idle: 'ready',
    connected: 'writing',
    buffering: 'server unavailable, queueing on disk',
    refused: 'server refuses writes, queueing on disk',
    unconfigured: 'not set up, nothing stored',
  };

  /** The hub's InfluxDB queues: depth, the oldest point waiting, the last write error; or off. */
  function renderInflux() {
    el.influx.textContent = '';
    if (!state.influx) {
      el.influx.appendChild(text('li', 'unknown', 'not known yet'));
      return;
    }
    if (state.influx.length === 0) {
      el.influx.appendChild(text('li', 'off', 'Off: no InfluxDB is configured, nothing is stored or queued'));
      return;
    }
    state.influx.forEach(function (q) {
      var li = text('li', q.state);
      li.dataset.node = q.id;
      li.appendChild(text('span', 'name', q.name));
      var info = [INFLUX_STATES[q.state] || q.state];
      info.push(q.queued > 0 ? q.queued + ' point' + (q.queued === 1 ? '' : 's') + ' queued' : 'queue empty');
      if (q.queued > 0 && q.oldestTs != null) info.push('oldest from ' + age(q.oldestTs));
      if (q.dropped > 0) info.push(q.dropped + ' dropped');
      if (q.server && q.server !== q.name) info.push(q.server);
      li.appendChild(text('span', 'detail', info.join(' · ')));
      if (q.lastError) li.appendChild(text('span', 'error', 'last error ' + age(q.lastError.at) + ': ' + q.lastError.text));
      el.influx.appendChild(li);
    });
  }

  // ---- screens ------------------------------------------------------------------------------------

  var SCREENS = ['map', 'alerts', 'dogs', 'health', 'me'];

  function showScreen() {
    var name = location.hash.replace(/^#/, '');
    if (SCREENS.indexOf(name) < 0 || (name === 'me' && !appMode)) name = 'map';
    var screens = document.querySelectorAll('.screen');
    for (var i = 0; i < screens.length; i++) screens[i].classList.toggle('active', screens[i].dataset.screen === name);
    var tabs = document.querySelectorAll('#tabs a');
    for (var j = 0; j < tabs.length; j++) tabs[j].classList.toggle('active', tabs[j].dataset.screen === name);
    el.mode.style.visibility = name === 'map' ? '' : 'hidden';
    // Leaflet measures its box: it was hidden while another screen showed.
    if (name === 'map' && map) {
      map.invalidateSize();
      fit();
    }
  }

  // ---- last known state (opens with no network) ---------------------------------------------------

  var SAVE_KEY = 'dogtracker:' + location.pathname;
  var SAVED_TRAIL = 100;
  var saveTimer = null;

  function scheduleSave() {
    if (saveTimer) return;
    saveTimer = setTimeout(function () {
      saveTimer = null;
      save();
    }, 2000);
  }

  function save() {
    var dogs = Object.keys(state.dogs).map(function (id) {
      var d = state.dogs[id];
      return Object.assign({}, d, { trail: d.trail.slice(-SAVED_TRAIL) });
    });
    var nodes = Object.keys(state.nodes).map(function (id) {
      return state.nodes[id];
    });
    var saved = {
      dataAt: dataAt,
      snapshot: { kind: 'snapshot', site: state.site, trailS: state.trailS, alertsKept: state.alertsKept, dogs: dogs, nodes: nodes, alerts: state.alerts, influx: state.influx },
      tiles: tiles,
      hubAlerts: hubAlerts,
      hubStatus: hubStatus,
      person: person,
    };
    try {
      localStorage.setItem(SAVE_KEY, JSON.stringify(saved));
    } catch {
      // Full or forbidden (private browsing): the app still works, only not offline.
    }
  }

  /** Shows the saved state when nothing live has come yet; false when there is none. */
  function restore() {
    if (dataAt) return true;
    var saved;
    try {
      saved = JSON.parse(localStorage.getItem(SAVE_KEY) || 'null');
    } catch {
      saved = null;
    }
    if (!saved || !saved.snapshot) return false;
    tiles = saved.tiles || tiles;
    applySnapshot(saved.snapshot);
    dataAt = saved.dataAt || 0;
    person = saved.person || null;
    hubAlerts = saved.hubAlerts || [];
    hubStatus = saved.hubStatus || null;
    renderHub();
    return true;
  }

  function renderOffline() {
    var show = !live && dataAt > 0;
    el.offline.hidden = !show;
    if (show) el.offlineAge.textContent = age(dataAt) + ' (' + new Date(dataAt).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }) + ')';
    el.offline.dataset.at = String(dataAt);
  }

  // ---- the app: login, the hub's alerts, push -----------------------------------------------------

  function call(method, path, body) {
    return fetch(new URL(path, api), {
      method: method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (res) {
      return res.text().then(function (t) {
        var json = t ? JSON.parse(t) : undefined;
        if (!res.ok && res.status !== 409) {
          var err = new Error((json && json.error) || res.statusText);
          err.status = res.status;
          throw err;
        }
        return json;
      });
    });
  }

  function showLogin() {
    person = null;
    el.login.hidden = false;
    live = false;
    setConn('offline', 'log in');
  }

  el.login.addEventListener('submit', function (e) {
    e.preventDefault();
    var f = e.target;
    call('POST', 'login', { login: f.login.value, password: f.password.value }).then(
      function () {
        el.login.hidden = true;
        el.loginError.textContent = '';
        f.password.value = '';
        connect();
      },
      function (err) {
        el.loginError.textContent = err.message;
      },
    );
  });

  document.getElementById('logout').addEventListener('click', function () {
    call('POST', 'logout').then(function () {
      try {
        localStorage.removeItem(SAVE_KEY);
      } catch {
        // nothing saved
      }
      if (socket) socket.close();
      location.hash = '#map';
      showLogin();
    });
  });

  function refreshHub() {
    return Promise.all([call('GET', 'alerts'), call('GET', 'status').catch(function () {
      return null;
    })]).then(
      function (answers) {
        hubAlerts = answers[0] || [];
        hubStatus = answers[1];
        renderHub();
        scheduleSave();
      },
      function (err) {
        if (err.status === 401) showLogin();
      },
    );
  }

  function when(ms) {
    return ms ? new Date(ms).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }) : '';
  }

  function renderHub() {
    el.hubAlertsBox.hidden = !appMode;
    el.hubBox.hidden = !appMode;
    if (!appMode) return;
    el.who.textContent = person ? person.name + ' (' + person.login + ', ' + person.role + ')' : '';
    el.hubAlerts.textContent = '';
    if (hubAlerts.length === 0) el.hubAlerts.appendChild(text('li', 'empty', 'No alerts'));
    var open = 0;
    hubAlerts.forEach(function (a) {
      if (a.state === 'open') open++;
      var li = text('li', a.state + ' ' + ((a.alert && a.alert.severity) || 'info'));
      li.dataset.id = a.id;
      li.appendChild(text('div', 'title', a.title));
      if (a.text && a.text !== a.title) li.appendChild(text('div', 'text', a.text));
      var status =
        a.state === 'acknowledged'
          ? 'acknowledged by ' + a.ackBy + ' at ' + when(a.ackAt)
          : a.state === 'resolved'
            ? 'resolved ' + when(a.resolvedAt)
            : 'open since ' + when(a.openedAt);
      li.appendChild(text('div', 'state', status));
      if (a.state === 'open' && person) {
        var ack = text('button', 'ack', "I'm on it");
        ack.type = 'button';
        ack.onclick = function () {
          ack.disabled = true;
          call('POST', 'alerts/' + encodeURIComponent(a.id) + '/ack', {}).then(refreshHub, refreshHub);
        };
        li.appendChild(ack);
      }
      if (a.state !== 'resolved' && person && person.role === 'admin') {
        var resolve = text('button', 'resolve', 'Resolved');
        resolve.type = 'button';
        resolve.onclick = function () {
          resolve.disabled = true;
          call('POST', 'alerts/' + encodeURIComponent(a.id) + '/resolve', {}).then(refreshHub, refreshHub);
        };
        li.appendChild(resolve);
      }
      el.hubAlerts.appendChild(li);
    });
    el.alertBadge.hidden = open === 0;
    el.alertBadge.textContent = String(open);
    el.hub.textContent = '';
    if (hubStatus) {
      el.hub.appendChild(
        text(
          'li',
          'push ' + hubStatus.state,
          hubStatus.state === 'ok'
            ? 'Push service reachable'
            : hubStatus.state === 'off'
              ? 'Push is not set up'
              : 'Push service unreachable' + (hubStatus.problem ? ': ' + hubStatus.problem : ''),
        ),
      );
      if (hubStatus.pending) el.hub.appendChild(text('li', 'pending', hubStatus.pending + ' notifications waiting to be sent'));
      el.hub.appendChild(text('li', 'devices', hubStatus.people + ' people, ' + hubStatus.devices + ' devices with push'));
    }
    hubAlerts
      .filter(function (a) {
        return a.state !== 'resolved' && (a.category === 'hub' || a.category === 'scanner-offline');
      })
      .forEach(function (a) {
        el.hub.appendChild(text('li', 'hub-alert', a.title + ' (' + a.state + ')'));
      });
  }

  function b64(s) {
    var pad = '='.repeat((4 - (s.length % 4)) % 4);
    var raw = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(raw, function (c) {
      return c.charCodeAt(0);
    });
  }

  /** The app's service worker (tracker-notify's sw.js, with the map's scope) and its files, for offline. */
  function installApp() {
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.register(new URL('sw.js', api), { scope: './' }).then(
      function () {},
      function (err) {
        window.console.warn('service worker not registered: ' + err.message);
      },
    );
    if (!window.caches) return;
    var files = [location.pathname, new URL('manifest.webmanifest', api).pathname];
    var links = document.querySelectorAll('script[src], link[rel=stylesheet], link[rel=apple-touch-icon]');
    for (var i = 0; i < links.length; i++) files.push(links[i].src || links[i].href);
    caches.open('dogtracker-shell-v1').then(function (cache) {
      return cache.addAll(files);
    }).catch(function (err) {
      window.console.warn('app files not kept for offline: ' + err.message);
    });
  }

  document.getElementById('enable-push').addEventListener('click', function () {
    var status = el.pushStatus;
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
      status.textContent = 'This browser cannot receive push (on an iPhone or iPad: add the app to the home screen first, then open it from there).';
      return;
    }
    status.textContent = 'Turning on alerts for this device…';
    var reg;
    var key;
    call('GET', 'vapid')
      .then(function (v) {
        key = v.publicKey;
        return navigator.serviceWorker.ready;
      })
      .then(function (r) {
        reg = r;
        return Notification.requestPermission();
      })
      .then(function (permission) {
        if (permission !== 'granted') throw new Error('notifications are not allowed');
        return reg.pushManager.getSubscription();
      })
      .then(function (sub) {
        if (sub) return sub;
        // The browser asks its vendor's push service; without internet it may never answer.
        return Promise.race([
          reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(key) }),
          new Promise(function (resolve, reject) {
            setTimeout(function () {
              reject(new Error('the browser push service did not answer (is this device online?)'));
            }, 20000);
          }),
        ]);
      })
      .then(function (sub) {
        return call('POST', 'push/subscribe', { subscription: sub.toJSON(), label: navigator.userAgent.slice(0, 60) });
      })
      .then(
        function () {
          status.textContent = 'Alerts will come to this device.';
        },
        function (err) {
          status.textContent = 'Push could not be turned on: ' + err.message;
        },
      );
  });

  // ---- connection ---------------------------------------------------------------------------------

  var retryMs = 1000;
  var retryTimer = null;
  var socket = null;

  function setConn(s, label) {
    el.conn.dataset.state = s;
    el.conn.textContent = label;
    live = s === 'live';
    renderOffline();
  }

  function connect() {
    clearTimeout(retryTimer);
    setConn('connecting', 'connecting');
    fetch('session', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (res) {
        if (res.status === 401 && appMode) return null;
        if (!res.ok) throw new Error('session ' + res.status);
        return res.json();
      })
      .then(function (session) {
        if (!session) return showLogin();
        tiles = session.tiles || tiles;
        if (session.person) {
          person = session.person;
          refreshHub();
        }
        var url = new URL('ws', location.href);
        url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
        url.searchParams.set('token', session.token);
        var ws = (socket = new WebSocket(url.toString()));
        ws.onopen = function () {
          retryMs = 1000;
          setConn('live', 'live');
        };
        ws.onmessage = function (event) {
          try {
            handle(JSON.parse(event.data));
          } catch (err) {
            window.console.error('map update failed', err);
          }
        };
        ws.onclose = function (event) {
          if (socket !== ws) return;
          socket = null;
          if (!el.login.hidden) return;
          // 1013: the map has as many viewers as it serves; say so, and try again later. Every other
          // close (redeploy, network, an expired or refused token) reconnects with a fresh session token.
          if (event.code === 1013) retry(event.reason || 'this map is full; try again later', 30000);
          else retry();
        };
      })
      .catch(function () {
        // No network (or no hub): what was known last, marked offline with its age.
        restore();
        retry();
      });
  }

  function retry(reason, delayMs) {
    setConn(reason ? 'full' : 'offline', reason || 'offline');
    if (reason) el.conn.title = reason;
    retryTimer = setTimeout(connect, delayMs || retryMs);
    retryMs = Math.min(retryMs * 2, 15000);
  }

  el.mode.addEventListener('click', function () {
    chosenMode = mode === 'geo' ? 'plan' : 'geo';
    fitted = false;
    buildMap();
  });

  // Ages ("12 s ago") follow the phone's clock; positions themselves carry their own event time.
  setInterval(function () {
    var seen = el.dogs.querySelectorAll('.seen[data-ts]');
    for (var i = 0; i < seen.length; i++) seen[i].textContent = age(Number(seen[i].dataset.ts));
    renderOffline();
  }, 1000);
  // The hub's alerts change without a map message too (someone else acknowledged).
  setInterval(function () {
    if (person && live) refreshHub();
  }, 15000);

  window.addEventListener('hashchange', showScreen);
  el.tabMe.hidden = !appMode;
  showScreen();
  renderHub();
  if (appMode) installApp();
  connect();
})();
