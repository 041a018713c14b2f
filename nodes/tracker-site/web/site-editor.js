/* global document, window, FileReader, Image */
/* The Plan editor of a tracker-site document: scanners, zones, dogs, origin, backdrop and coverage on a
 * Leaflet plan in metres (CRS.Simple: lat = y north, lng = x east), drawing with Leaflet-Geoman.
 * One browser file, no build step, shared by the Node-RED edit dialog and any admin page:
 *   var plan = DogSiteEditor.create(element, { value, onChange, check, coverage, heard, save });
 * Every edit is checked (opts.check: the runtime's validation and the plan checks); an edit that adds a
 * problem is refused and the problem shown on the map, so the Plan never hands out a worse document.
 */
(function (global) {
  'use strict';
  var L = global.L;
  var KINDS = ['safe', 'forbidden', 'info'];
  var SEVERITIES = ['info', 'warning', 'critical'];
  var KIND_COLOURS = { safe: '#2e8b57', forbidden: '#c0392b', info: '#2c6fbb' };
  var HISTORY_MAX = 100;
  var SNAP_PX = 12;

  function round2(v) {
    return Math.round(v * 100) / 100;
  }
  function ll(x, y) {
    return L.latLng(y, x);
  }
  function clone(v) {
    return JSON.parse(JSON.stringify(v));
  }
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') el.textContent = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked') el.checked = !!v;
      else el.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return el;
  }
  function num(v) {
    if (v === '' || v === null || v === undefined) return undefined;
    var n = Number(v);
    return isFinite(n) ? n : NaN;
  }
  function uniqueId(prefix, list) {
    var ids = {};
    (list || []).forEach(function (i) {
      ids[i.id] = true;
    });
    for (var n = 1; ; n++) if (!ids[prefix + n]) return prefix + n;
  }

  // WGS84 metres per degree at a latitude (as nodes/kernel/geo.ts), for the origin from two points.
  function metresPerDeg(lat) {
    var a = 6378137;
    var e2 = 6.69437999014e-3;
    var deg = Math.PI / 180;
    var phi = lat * deg;
    var w = 1 - e2 * Math.pow(Math.sin(phi), 2);
    return { lat: ((a * (1 - e2)) / Math.pow(w, 1.5)) * deg, lon: (a / Math.sqrt(w)) * Math.cos(phi) * deg };
  }

  /**
   * The origin (lat, lon of plan (0, 0)) and rotation (bearing of +y) that put plan points p1, p2 at
   * geographic points g1, g2; `scale` is the geographic distance over the plan distance (1: the plan agrees).
   */
  function originFromTwoPoints(p1, p2, g1, g2) {
    var m = metresPerDeg(g1.lat);
    var east = (g2.lon - g1.lon) * m.lon;
    var north = (g2.lat - g1.lat) * m.lat;
    var vx = p2.x - p1.x;
    var vy = p2.y - p1.y;
    var planLen = Math.hypot(vx, vy);
    if (!(planLen > 0) || !(Math.hypot(east, north) > 0)) return undefined;
    var rot = Math.atan2(east, north) - Math.atan2(vx, vy);
    var c = Math.cos(rot);
    var s = Math.sin(rot);
    // The plan's (0, 0) is p1 moved by -p1, rotated into east/north.
    var e0 = -(p1.x * c + p1.y * s);
    var n0 = -(-p1.x * s + p1.y * c);
    var lat = g1.lat + n0 / m.lat;
    var m0 = metresPerDeg(lat);
    var lon = g1.lon + e0 / m0.lon;
    var deg = (rot * 180) / Math.PI;
    deg = ((((deg + 180) % 360) + 360) % 360) - 180;
    return {
      origin: { lat: Math.round(lat * 1e7) / 1e7, lon: Math.round(lon * 1e7) / 1e7, rotationDeg: round2(deg) },
      scale: Math.hypot(east, north) / planLen,
    };
  }

  function accuracyColour(r, cap) {
    if (r >= cap) return [60, 60, 60];
    // green (≤ 1 m) -> yellow (3 m) -> red (≥ 8 m)
    var t = Math.max(0, Math.min(1, (r - 1) / 7));
    if (t < 2 / 7) {
      var u = t / (2 / 7);
      return [Math.round(46 + u * (240 - 46)), Math.round(160 + u * (200 - 160)), 60];
    }
    var w = (t - 2 / 7) / (5 / 7);
    return [Math.round(240 - w * 40), Math.round(200 - w * 170), 50];
  }

  function create(container, opts) {
    opts = opts || {};
    var doc = { name: 'Site', scanners: [], dogs: [], zones: [] };
    var currentText = '';
    var lastErrors = [];
    var problems = [];
    var history = [];
    var historyAt = -1;
    var selected = null; // { list: 'scanners' | 'zones', index }
    var pick = null; // { kind: 'scanner' | 'origin' | 'scale', points: [] }
    var pending = Promise.resolve();
    var coverageOn = false;
    var suggestion = null;
    var heardList = [];
    var message = '';

    container.classList.add('dse');
    container.setAttribute('tabindex', '0');
    var bar = h('div', { class: 'dse-toolbar' });
    var mapEl = h('div', { class: 'dse-map' });
    var side = h('div', { class: 'dse-side' });
    var status = h('div', { class: 'dse-status', role: 'status' });
    var problemsEl = h('div', { class: 'dse-problems' });
    var mapWrap = h('div', { class: 'dse-mapwrap' }, [mapEl, status]);
    container.appendChild(bar);
    container.appendChild(h('div', { class: 'dse-body' }, [mapWrap, side]));
    container.appendChild(problemsEl);

    var map = L.map(mapEl, {
      crs: L.CRS.Simple,
      minZoom: -6,
      maxZoom: 7,
      zoomSnap: 0.25,
      attributionControl: false,
      tap: true,
    });
    map.setView([0, 0], 3);
    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
    var backdropLayer = L.layerGroup().addTo(map);
    var coverageLayer = L.layerGroup().addTo(map);
    var zoneLayer = L.featureGroup().addTo(map);
    var scannerLayer = L.layerGroup().addTo(map);
    var markLayer = L.layerGroup().addTo(map);

    map.pm.setGlobalOptions({
      snappable: true,
      snapDistance: SNAP_PX,
      allowSelfIntersection: true,
      layerGroup: zoneLayer,
    });
    map.pm.addControls({
      position: 'topleft',
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawText: false,
      drawRectangle: true,
      drawPolygon: true,
      drawCircle: true,
      editMode: true,
      dragMode: true,
      cutPolygon: false,
      removalMode: true,
      rotateMode: false,
    });

    // ---- history and commits -------------------------------------------------------------------
    function stringify(d) {
      return JSON.stringify(d, null, 2);
    }
    function pushHistory(text) {
      history = history.slice(0, historyAt + 1);
      history.push(text);
      if (history.length > HISTORY_MAX) history.shift();
      historyAt = history.length - 1;
    }
    function check(text) {
      if (!opts.check) return Promise.resolve({ ok: true, errors: [], warnings: [], problems: [] });
      return Promise.resolve(opts.check(text)).then(
        function (r) {
          return r;
        },
        function () {
          return { ok: false, errors: ['could not reach the runtime to check the site'], warnings: [], problems: [] };
        },
      );
    }
    /** Checks `next`; refuses it when it brings a problem the current document does not have. */
    function commit(next, why) {
      pending = pending.then(function () {
        var text = stringify(next);
        if (text === currentText) {
          render();
          return true;
        }
        return check(text).then(function (res) {
          var fresh = (res.errors || []).filter(function (e) {
            return lastErrors.indexOf(e) < 0;
          });
          if (fresh.length > 0) {
            problems = (res.problems || []).filter(function (p) {
              return fresh.indexOf(p.message) >= 0;
            });
            message = 'Refused' + (why ? ' (' + why + ')' : '') + ': ' + fresh.join('; ');
            render();
            return false;
          }
          doc = next;
          currentText = text;
          lastErrors = res.errors || [];
          problems = res.problems || [];
          message = why ? 'Done: ' + why : '';
          pushHistory(text);
          render();
          if (opts.onChange) opts.onChange(text);
          if (coverageOn) refreshCoverage();
          return true;
        });
      });
      return pending;
    }
    function restore(text) {
      doc = JSON.parse(text);
      currentText = text;
      return check(text).then(function (res) {
        lastErrors = res.errors || [];
        problems = res.problems || [];
        render();
        if (opts.onChange) opts.onChange(text);
      });
    }
    function undo() {
      pending = pending.then(function () {
        if (historyAt <= 0) return;
        historyAt--;
        message = 'Undone';
        return restore(history[historyAt]);
      });
      return pending;
    }
    function redo() {
      pending = pending.then(function () {
        if (historyAt >= history.length - 1) return;
        historyAt++;
        message = 'Redone';
        return restore(history[historyAt]);
      });
      return pending;
    }
    /** A document from outside (the JSON view, a file): shown as it is, problems listed, history restarts. */
    function setValue(text) {
      pending = pending.then(function () {
        if (text === currentText) return;
        var parsed;
        try {
          parsed = JSON.parse(text);
        } catch {
          message = 'The JSON has a syntax error; the Plan shows the last document that parsed.';
          renderStatus();
          return;
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
        doc = parsed;
        currentText = text;
        if (historyAt < 0 || history[historyAt] !== text) pushHistory(text);
        return check(text).then(function (res) {
          lastErrors = res.errors || [];
          problems = res.problems || [];
          message = '';
          render();
          if (!fitted) fit();
        });
      });
      return pending;
    }

    // ---- geometry from layers ------------------------------------------------------------------
    function zoneFromLayer(zone, layer) {
      var z = clone(zone);
      if (layer instanceof L.Circle) {
        var c = layer.getLatLng();
        z.circle = { x: round2(c.lng), y: round2(c.lat), r: round2(layer.getRadius()) };
        delete z.polygon;
      } else {
        var rings = layer.getLatLngs();
        var ring = Array.isArray(rings[0]) ? rings[0] : rings;
        z.polygon = ring.map(function (p) {
          return [round2(p.lng), round2(p.lat)];
        });
        delete z.circle;
      }
      return z;
    }
    function withList(list, fn) {
      var next = clone(doc);
      if (!Array.isArray(next[list])) next[list] = [];
      fn(next[list], next);
      return next;
    }

    // ---- rendering -----------------------------------------------------------------------------
    var fitted = false;
    function problemFor(list, index) {
      return problems.filter(function (p) {
        return p.list === list && p.index === index;
      });
    }
    function render() {
      renderBackdrop();
      renderZones();
      renderScanners();
      renderMarks();
      renderSide();
      renderProblems();
      renderStatus();
    }
    function renderBackdrop() {
      backdropLayer.clearLayers();
      var b = doc.backdrop;
      if (!b || typeof b.image !== 'string' || !(b.width > 0) || !(b.height > 0)) return;
      var x = Number(b.x) || 0;
      var y = Number(b.y) || 0;
      L.imageOverlay(b.image, [ll(x, y), ll(x + b.width, y + b.height)], {
        opacity: b.opacity === undefined ? 0.8 : b.opacity,
        interactive: false,
        pmIgnore: true,
        className: 'dse-backdrop',
      }).addTo(backdropLayer);
    }
    function renderZones() {
      zoneLayer.clearLayers();
      (doc.zones || []).forEach(function (z, i) {
        var bad = problemFor('zones', i);
        var colour = KIND_COLOURS[z.kind] || '#777';
        var style = {
          color: bad.length ? (bad[0].level === 'error' ? '#e00' : '#e67e00') : colour,
          weight: selected && selected.list === 'zones' && selected.index === i ? 4 : 2,
          dashArray: bad.length ? '6 4' : null,
          fillOpacity: 0.15,
          className: 'dse-zone dse-zone-' + i,
        };
        var layer;
        if (z.circle && typeof z.circle === 'object') layer = L.circle(ll(z.circle.x, z.circle.y), L.extend({ radius: z.circle.r }, style));
        else if (Array.isArray(z.polygon))
          layer = L.polygon(
            z.polygon.map(function (p) {
              return ll(p[0], p[1]);
            }),
            style,
          );
        else return;
        layer.dseIndex = i;
        layer.bindTooltip((z.name || z.id || 'zone') + (bad.length ? ' — ' + bad[0].message : ''), { sticky: true });
        layer.on('click', function () {
          select('zones', i);
        });
        var edited = function () {
          var zone = (doc.zones || [])[i];
          if (!zone) return;
          var changed = zoneFromLayer(zone, layer);
          commit(
            withList('zones', function (zs) {
              zs[i] = changed;
            }),
            'moved ' + (zone.id || 'zone'),
          );
        };
        layer.on('pm:edit', edited);
        layer.on('pm:dragend', edited);
        zoneLayer.addLayer(layer);
      });
    }
    function scannerIcon(s, i) {
      var bad = problemFor('scanners', i).length > 0;
      var sel = selected && selected.list === 'scanners' && selected.index === i;
      return L.divIcon({
        className: 'dse-scanner' + (bad ? ' dse-bad' : '') + (sel ? ' dse-selected' : ''),
        html: '<span class="dse-scanner-dot"></span><span class="dse-scanner-label">' + escapeHtml(s.id || '?') + '</span>',
        iconSize: [22, 22],
        iconAnchor: [11, 11],
      });
    }
    function renderScanners() {
      scannerLayer.clearLayers();
      (doc.scanners || []).forEach(function (s, i) {
        if (!isFinite(s.x) || !isFinite(s.y)) return;
        var m = L.marker(ll(s.x, s.y), {
          icon: scannerIcon(s, i),
          draggable: true,
          pmIgnore: true,
          snapIgnore: false,
          keyboard: false,
          title: (s.id || '') + ' (' + s.x + ' m, ' + s.y + ' m, height ' + (s.z === undefined ? 'default' : s.z + ' m') + ')',
        });
        m.dseScanner = s.id;
        m.on('click', function () {
          select('scanners', i);
        });
        m.on('dragend', function () {
          var p = snapPoint(m.getLatLng(), m);
          commit(
            withList('scanners', function (ss) {
              ss[i].x = round2(p.lng);
              ss[i].y = round2(p.lat);
            }),
            'moved scanner ' + s.id,
          );
        });
        scannerLayer.addLayer(m);
      });
    }
    /** Snaps a dragged scanner to the nearest zone vertex or other scanner within SNAP_PX pixels. */
    function snapPoint(latlng, self) {
      var at = map.latLngToContainerPoint(latlng);
      var best = null;
      var bestD = SNAP_PX;
      var consider = function (p) {
        var d = map.latLngToContainerPoint(p).distanceTo(at);
        if (d < bestD) {
          bestD = d;
          best = p;
        }
      };
      (doc.zones || []).forEach(function (z) {
        if (Array.isArray(z.polygon))
          z.polygon.forEach(function (p) {
            consider(ll(p[0], p[1]));
          });
        else if (z.circle) consider(ll(z.circle.x, z.circle.y));
      });
      scannerLayer.eachLayer(function (m) {
        if (m !== self) consider(m.getLatLng());
      });
      return best || latlng;
    }
    function renderMarks() {
      markLayer.clearLayers();
      if (pick)
        pick.points.forEach(function (p, n) {
          L.circleMarker(p, { radius: 6, color: '#8e44ad', pmIgnore: true, interactive: false })
            .bindTooltip(String(n + 1), { permanent: true, direction: 'right' })
            .addTo(markLayer);
        });
      if (suggestion) {
        [
          ['worst', suggestion.forWorst, 'best for the worst spot'],
          ['mean', suggestion.forMean, 'best on average'],
        ].forEach(function (s) {
          var m = L.marker(ll(s[1].x, s[1].y), {
            pmIgnore: true,
            icon: L.divIcon({ className: 'dse-suggest dse-suggest-' + s[0], html: '+', iconSize: [24, 24], iconAnchor: [12, 12] }),
          });
          m.bindTooltip(
            'One more scanner here: ' + s[2] + ' (worst ' + s[1].worstM.toFixed(1) + ' m, mean ' + s[1].meanM.toFixed(1) + ' m). Click to add.',
          );
          m.on('click', function () {
            addScannerAt(ll(s[1].x, s[1].y));
          });
          markLayer.addLayer(m);
        });
      }
    }
    function escapeHtml(s) {
      return String(s).replace(/[&<>"']/g, function (c) {
        return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
      });
    }
    function renderProblems() {
      problemsEl.innerHTML = '';
      problems.forEach(function (p) {
        problemsEl.appendChild(
          h('div', { class: 'dse-problem dse-' + p.level, text: (p.level === 'error' ? '✖ ' : '⚠ ') + p.message, onclick: function () {
            if (p.list === 'scanners' || p.list === 'zones') select(p.list, p.index);
          } }),
        );
      });
    }
    function renderStatus() {
      status.textContent = message;
      status.classList.toggle('dse-refused', /^Refused/.test(message));
      status.style.display = message ? '' : 'none';
    }
    function fit() {
      var pts = [];
      (doc.scanners || []).forEach(function (s) {
        if (isFinite(s.x) && isFinite(s.y)) pts.push(ll(s.x, s.y));
      });
      (doc.zones || []).forEach(function (z) {
        if (Array.isArray(z.polygon))
          z.polygon.forEach(function (p) {
            pts.push(ll(p[0], p[1]));
          });
        else if (z.circle) {
          pts.push(ll(z.circle.x - z.circle.r, z.circle.y - z.circle.r));
          pts.push(ll(z.circle.x + z.circle.r, z.circle.y + z.circle.r));
        }
      });
      if (doc.backdrop && doc.backdrop.width > 0) {
        pts.push(ll(doc.backdrop.x || 0, doc.backdrop.y || 0));
        pts.push(ll((doc.backdrop.x || 0) + doc.backdrop.width, (doc.backdrop.y || 0) + doc.backdrop.height));
      }
      if (pts.length === 0) pts = [ll(-5, -5), ll(15, 15)];
      map.invalidateSize();
      map.fitBounds(L.latLngBounds(pts).pad(0.15));
      // A map not laid out yet (a hidden tab) has no size: fit again once it has one.
      fitted = map.getSize().y > 0;
    }

    // ---- the side panel ------------------------------------------------------------------------
    function field(label, unit, value, onChange, attrs) {
      var input = h('input', L.extend({ value: value === undefined ? '' : value, onchange: function () {
        onChange(input.value);
      } }, attrs || {}));
      return h('div', { class: 'dse-field' }, [h('span', { text: label }), input, unit ? h('em', { text: unit }) : null]);
    }
    function select(list, index) {
      selected = list ? { list: list, index: index } : null;
      render();
    }
    function setNumber(obj, key, v, optional) {
      var n = num(v);
      if (n === undefined && optional) delete obj[key];
      else obj[key] = n === undefined ? NaN : n;
    }
    function renderSide() {
      side.innerHTML = '';
      if (pick) side.appendChild(pickPanel());
      if (selected && selected.list === 'scanners' && doc.scanners && doc.scanners[selected.index])
        side.appendChild(scannerPanel(selected.index));
      else if (selected && selected.list === 'zones' && doc.zones && doc.zones[selected.index])
        side.appendChild(zonePanel(selected.index));
      else {
        selected = null;
        side.appendChild(sitePanel());
      }
    }
    function panel(title, children) {
      return h('section', { class: 'dse-panel' }, [h('h4', { text: title })].concat(children));
    }
    function edit(list, i, fn, why) {
      commit(
        withList(list, function (items, next) {
          fn(items[i], next);
        }),
        why,
      );
    }
    function scannerPanel(i) {
      var s = doc.scanners[i];
      return panel('Scanner ' + (s.id || ''), [
        field('id', '', s.id, function (v) {
          edit('scanners', i, function (o) { o.id = v.trim(); }, 'renamed scanner');
        }, { name: 'scanner-id' }),
        field('name', '', s.name, function (v) {
          edit('scanners', i, function (o) { if (v) o.name = v; else delete o.name; });
        }, { name: 'scanner-name' }),
        field('x', 'm', s.x, function (v) { edit('scanners', i, function (o) { setNumber(o, 'x', v); }); }, { name: 'scanner-x', inputmode: 'decimal' }),
        field('y', 'm', s.y, function (v) { edit('scanners', i, function (o) { setNumber(o, 'y', v); }); }, { name: 'scanner-y', inputmode: 'decimal' }),
        field('height', 'm', s.z, function (v) { edit('scanners', i, function (o) { setNumber(o, 'z', v, true); }, 'scanner height'); }, {
          name: 'scanner-z',
          inputmode: 'decimal',
          placeholder: 'default ' + ((doc.defaults && doc.defaults.scannerHeight) || 1.5),
        }),
        field('gain offset', 'dB', s.rssiOffset, function (v) { edit('scanners', i, function (o) { setNumber(o, 'rssiOffset', v, true); }); }, { name: 'scanner-offset', inputmode: 'decimal' }),
        h('div', { class: 'dse-row' }, [
          h('button', { type: 'button', class: 'dse-danger', text: 'Delete scanner', onclick: deleteSelected }),
          h('button', { type: 'button', text: 'Done', onclick: function () { select(null); } }),
        ]),
      ]);
    }
    function zonePanel(i) {
      var z = doc.zones[i];
      var dogs = doc.dogs || [];
      var kind = h('select', { name: 'zone-kind', onchange: function () {
        edit('zones', i, function (o) { o.kind = kind.value; }, 'zone kind');
      } }, KINDS.map(function (k) { return h('option', { value: k, text: k }); }));
      kind.value = z.kind;
      var severity = h('select', { name: 'zone-severity', onchange: function () {
        edit('zones', i, function (o) { if (severity.value) o.severity = severity.value; else delete o.severity; });
      } }, [h('option', { value: '', text: '(default)' })].concat(SEVERITIES.map(function (k) { return h('option', { value: k, text: k }); })));
      severity.value = z.severity || '';
      var dogBoxes = dogs.map(function (d) {
        var box = h('input', { type: 'checkbox', name: 'zone-dog', value: d.id, checked: Array.isArray(z.dogs) && z.dogs.indexOf(d.id) >= 0, onchange: function () {
          edit('zones', i, function (o) {
            var ids = [];
            side.querySelectorAll('input[name=zone-dog]').forEach(function (b) { if (b.checked) ids.push(b.value); });
            if (ids.length) o.dogs = ids; else delete o.dogs;
          });
        } });
        return h('label', { class: 'dse-check' }, [box, d.name || d.id]);
      });
      var shape = z.circle
        ? [
            field('centre x', 'm', z.circle.x, function (v) { edit('zones', i, function (o) { setNumber(o.circle, 'x', v); }); }, { name: 'circle-x' }),
            field('centre y', 'm', z.circle.y, function (v) { edit('zones', i, function (o) { setNumber(o.circle, 'y', v); }); }, { name: 'circle-y' }),
            field('radius', 'm', z.circle.r, function (v) { edit('zones', i, function (o) { setNumber(o.circle, 'r', v); }); }, { name: 'circle-r' }),
          ]
        : [h('p', { class: 'dse-hint', text: (z.polygon || []).length + ' corners; turn on editing (pencil) to move them, drag a middle handle to add one.' })];
      return panel('Zone ' + (z.id || ''), [
        field('id', '', z.id, function (v) { edit('zones', i, function (o) { o.id = v.trim(); }, 'zone id'); }, { name: 'zone-id' }),
        field('name', '', z.name, function (v) { edit('zones', i, function (o) { if (v) o.name = v; else delete o.name; }); }, { name: 'zone-name' }),
        h('div', { class: 'dse-field' }, [h('span', { text: 'kind' }), kind]),
        field('dwell', 's', z.dwellS, function (v) { edit('zones', i, function (o) { setNumber(o, 'dwellS', v, true); }); }, { name: 'zone-dwell', inputmode: 'decimal', placeholder: 'no dwell alerts' }),
        h('div', { class: 'dse-field' }, [h('span', { text: 'severity' }), severity]),
        h('div', { class: 'dse-dogs' }, [h('span', { text: dogs.length ? 'applies to (none ticked: every dog)' : 'applies to every dog' })].concat(dogBoxes)),
      ].concat(shape, [
        h('div', { class: 'dse-row' }, [
          h('button', { type: 'button', class: 'dse-danger', text: 'Delete zone', onclick: deleteSelected }),
          h('button', { type: 'button', text: 'Done', onclick: function () { select(null); } }),
        ]),
      ]));
    }
    function sitePanel() {
      var d = doc.defaults || {};
      var o = doc.origin || {};
      var setDefault = function (key) {
        return function (v) {
          var next = clone(doc);
          next.defaults = next.defaults || {};
          setNumber(next.defaults, key, v, true);
          commit(next, 'defaults.' + key);
        };
      };
      var setOrigin = function (key) {
        return function (v) {
          var next = clone(doc);
          next.origin = next.origin || {};
          setNumber(next.origin, key, v, key === 'rotationDeg');
          if (next.origin.lat === undefined && next.origin.lon === undefined) delete next.origin;
          commit(next, 'origin');
        };
      };
      var b = doc.backdrop || {};
      var fileInput = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/webp', name: 'backdrop-file', class: 'dse-file', onchange: function () {
        if (fileInput.files && fileInput.files[0]) loadBackdrop(fileInput.files[0]);
      } });
      var setBackdrop = function (key) {
        return function (v) {
          var next = clone(doc);
          if (!next.backdrop) return;
          setNumber(next.backdrop, key, v);
          commit(next, 'backdrop');
        };
      };
      return h('div', {}, [
        panel('Site', [
          field('name', '', doc.name, function (v) { var n = clone(doc); n.name = v; commit(n, 'name'); }, { name: 'site-name' }),
          h('p', { class: 'dse-hint', text: 'Plan in metres: x east, y north. Tap a scanner or zone to edit it.' }),
        ]),
        panel('Radio and heights', [
          field('RSSI at 1 m', 'dBm', d.rssiAt1m, setDefault('rssiAt1m'), { name: 'def-rssi' }),
          field('path-loss exponent', '', d.pathLossExponent, setDefault('pathLossExponent'), { name: 'def-n' }),
          field('collar height', 'm', d.tagHeight, setDefault('tagHeight'), { name: 'def-tag' }),
          field('scanner height', 'm', d.scannerHeight, setDefault('scannerHeight'), { name: 'def-scanner' }),
        ]),
        panel('Where on Earth', [
          field('origin lat', '°', o.lat, setOrigin('lat'), { name: 'origin-lat' }),
          field('origin lon', '°', o.lon, setOrigin('lon'), { name: 'origin-lon' }),
          field('rotation', '°', o.rotationDeg, setOrigin('rotationDeg'), { name: 'origin-rot', placeholder: '0: +y is north' }),
          h('button', { type: 'button', name: 'origin-two-points', text: 'Set by two points…', onclick: function () { startPick('origin'); } }),
        ]),
        panel('Backdrop (plan image)', [
          fileInput,
          doc.backdrop
            ? h('div', {}, [
                field('left x', 'm', b.x, setBackdrop('x'), { name: 'backdrop-x' }),
                field('bottom y', 'm', b.y, setBackdrop('y'), { name: 'backdrop-y' }),
                field('width', 'm', b.width, setBackdrop('width'), { name: 'backdrop-width' }),
                field('height', 'm', b.height, setBackdrop('height'), { name: 'backdrop-height' }),
                h('div', { class: 'dse-row' }, [
                  h('button', { type: 'button', name: 'backdrop-scale', text: 'Scale by two points…', onclick: function () { startPick('scale'); } }),
                  h('button', { type: 'button', class: 'dse-danger', text: 'Remove', onclick: function () { var n = clone(doc); delete n.backdrop; commit(n, 'removed backdrop'); } }),
                ]),
              ])
            : h('p', { class: 'dse-hint', text: 'Choose a picture of the plan; then scale it by two points a known distance apart.' }),
        ]),
        dogsPanel(),
        coveragePanel(),
      ]);
    }
    function dogsPanel() {
      var rows = (doc.dogs || []).map(function (dg, i) {
        return h('div', { class: 'dse-dog' }, [
          h('strong', { text: dg.name || dg.id }),
          h('code', { text: dg.beacon || '' }),
          h('button', { type: 'button', class: 'dse-danger', text: '✕', title: 'Remove ' + dg.id, onclick: function () {
            commit(withList('dogs', function (ds) { ds.splice(i, 1); }), 'removed dog');
          } }),
        ]);
      });
      var name = h('input', { name: 'dog-name', placeholder: 'name, e.g. Rex' });
      var beacon = h('input', { name: 'dog-beacon', placeholder: 'beacon: MAC or ibeacon:…', list: 'dse-heard' });
      var heard = h('select', { name: 'dog-heard', onchange: function () { if (heard.value) beacon.value = heard.value; } },
        [h('option', { value: '', text: heardList.length ? 'beacons heard now (loudest first)…' : 'no beacon heard now' })].concat(
          heardList.map(function (b) {
            return h('option', { value: b.beacon, text: b.beacon + ' — ' + b.rssi + ' dBm at ' + b.scanner });
          }),
        ));
      return panel('Dogs', rows.concat([
        h('div', { class: 'dse-adddog' }, [
          name,
          h('div', { class: 'dse-row' }, [heard, h('button', { type: 'button', text: '↻', title: 'Listen again', onclick: refreshHeard })]),
          beacon,
          h('button', { type: 'button', name: 'dog-add', text: 'Add dog', onclick: function () {
            var label = name.value.trim();
            var id = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || uniqueId('dog-', doc.dogs);
            commit(withList('dogs', function (ds) {
              var dog = { id: id, beacon: beacon.value.trim() };
              if (label) dog.name = label;
              ds.push(dog);
            }), 'added dog ' + id);
          } }),
        ]),
        h('p', { class: 'dse-hint', text: 'Hold the collar next to a scanner: it comes first in the list.' }),
      ]));
    }
    var legend = null;
    function coveragePanel() {
      return panel('Coverage', [
        h('div', { class: 'dse-row' }, [
          h('button', { type: 'button', name: 'coverage', text: coverageOn ? 'Hide accuracy' : 'Show accuracy', onclick: function () {
            coverageOn = !coverageOn;
            if (coverageOn) refreshCoverage();
            else {
              coverageLayer.clearLayers();
              legend = null;
            }
            renderSide();
          } }),
          h('button', { type: 'button', name: 'suggest', text: 'Where to add a scanner?', onclick: suggest }),
        ]),
        legend,
        h('p', { class: 'dse-hint', text: 'Colours: the best accuracy (1-sigma radius) the scanners can give a collar there, from the path-loss model: green 1 m or better, yellow 3 m, red 8 m or worse; grey: fewer than two scanners hear it.' }),
      ]);
    }
    function refreshCoverage() {
      if (!opts.coverage) return;
      Promise.resolve(opts.coverage(currentText)).then(function (res) {
        coverageLayer.clearLayers();
        var g = res && res.coverage;
        if (!g || !coverageOn) return;
        var canvas = document.createElement('canvas');
        canvas.width = g.cols;
        canvas.height = g.rows;
        var ctx = canvas.getContext('2d');
        var img = ctx.createImageData(g.cols, g.rows);
        for (var i = 0; i < g.accuracyM.length; i++) {
          var col = i % g.cols;
          var row = g.rows - 1 - Math.floor(i / g.cols);
          var c = accuracyColour(g.accuracyM[i], g.capM);
          var k = 4 * (row * g.cols + col);
          img.data[k] = c[0];
          img.data[k + 1] = c[1];
          img.data[k + 2] = c[2];
          img.data[k + 3] = 255;
        }
        ctx.putImageData(img, 0, 0);
        L.imageOverlay(canvas.toDataURL(), [ll(g.area.minX, g.area.minY), ll(g.area.minX + g.cols * g.cellM, g.area.minY + g.rows * g.cellM)], {
          opacity: 0.5,
          interactive: false,
          pmIgnore: true,
          className: 'dse-coverage',
        }).addTo(coverageLayer);
        legend = h('div', { class: 'dse-legend', text: 'worst ' + g.worstM.toFixed(1) + ' m, mean ' + g.meanM.toFixed(1) + ' m' });
        renderSide();
      });
    }
    function suggest() {
      if (!opts.coverage) return;
      message = 'Looking for the best spot…';
      renderStatus();
      Promise.resolve(opts.coverage(currentText, true)).then(function (res) {
        suggestion = res && res.suggestion ? res.suggestion : null;
        message = suggestion ? 'Suggested spots marked "+": click one to add a scanner there.' : 'No suggestion (fix the problems first).';
        render();
      });
    }
    function refreshHeard() {
      if (!opts.heard) return;
      Promise.resolve(opts.heard()).then(function (list) {
        heardList = Array.isArray(list) ? list : [];
        renderSide();
      }, function () {});
    }

    // ---- picking points: a new scanner, the origin, the backdrop's scale ------------------------
    function startPick(kind) {
      pick = { kind: kind, points: [] };
      message = kind === 'scanner' ? 'Tap where the scanner is.' : 'Tap the first point on the plan.';
      render();
    }
    function pickPanel() {
      var p = pick.points;
      if (pick.kind === 'origin' && p.length === 2) {
        var lat1 = h('input', { name: 'p1-lat', placeholder: 'lat', inputmode: 'decimal' });
        var lon1 = h('input', { name: 'p1-lon', placeholder: 'lon', inputmode: 'decimal' });
        var lat2 = h('input', { name: 'p2-lat', placeholder: 'lat', inputmode: 'decimal' });
        var lon2 = h('input', { name: 'p2-lon', placeholder: 'lon', inputmode: 'decimal' });
        return panel('Origin from two points', [
          h('p', { class: 'dse-hint', text: 'Point 1 (' + round2(p[0].lng) + ' m, ' + round2(p[0].lat) + ' m):' }), h('div', { class: 'dse-row' }, [lat1, lon1]),
          h('p', { class: 'dse-hint', text: 'Point 2 (' + round2(p[1].lng) + ' m, ' + round2(p[1].lat) + ' m):' }), h('div', { class: 'dse-row' }, [lat2, lon2]),
          h('div', { class: 'dse-row' }, [
            h('button', { type: 'button', name: 'origin-apply', text: 'Apply', onclick: function () {
              var r = originFromTwoPoints({ x: p[0].lng, y: p[0].lat }, { x: p[1].lng, y: p[1].lat },
                { lat: Number(lat1.value), lon: Number(lon1.value) }, { lat: Number(lat2.value), lon: Number(lon2.value) });
              if (!r) { message = 'Refused: the two points must differ, on the plan and on Earth'; renderStatus(); return; }
              pick = null;
              var next = clone(doc);
              next.origin = r.origin;
              commit(next, 'origin set; the plan\'s distance is ' + Math.round(Math.abs(1 - r.scale) * 1000) / 10 + ' % off the geographic one');
            } }),
            h('button', { type: 'button', text: 'Cancel', onclick: cancelPick }),
          ]),
        ]);
      }
      if (pick.kind === 'scale' && p.length === 2) {
        var dist = h('input', { name: 'scale-distance', placeholder: 'real distance', inputmode: 'decimal' });
        return panel('Scale the backdrop', [
          h('p', { class: 'dse-hint', text: 'On the plan now ' + round2(L.CRS.Simple.distance(p[0], p[1])) + ' m apart. Real distance:' }),
          h('div', { class: 'dse-row' }, [dist, h('em', { text: 'm' })]),
          h('div', { class: 'dse-row' }, [
            h('button', { type: 'button', name: 'scale-apply', text: 'Apply', onclick: function () {
              var now = L.CRS.Simple.distance(p[0], p[1]);
              var real = Number(dist.value);
              if (!(now > 0) || !(real > 0) || !doc.backdrop) return;
              var f = real / now;
              var next = clone(doc);
              var bd = next.backdrop;
              // Scale about point 1, so it stays where it is on the plan.
              bd.x = round2(p[0].lng + ((bd.x || 0) - p[0].lng) * f);
              bd.y = round2(p[0].lat + ((bd.y || 0) - p[0].lat) * f);
              bd.width = round2(bd.width * f);
              bd.height = round2(bd.height * f);
              pick = null;
              commit(next, 'backdrop scaled ×' + f.toFixed(3));
            } }),
            h('button', { type: 'button', text: 'Cancel', onclick: cancelPick }),
          ]),
        ]);
      }
      return panel('Picking', [
        h('p', { class: 'dse-hint', text: pick.kind === 'scanner' ? 'Tap the plan where the scanner is.' : 'Tap point ' + (p.length + 1) + ' of 2 on the plan.' }),
        h('button', { type: 'button', text: 'Cancel', onclick: cancelPick }),
      ]);
    }
    function cancelPick() {
      pick = null;
      message = '';
      render();
    }
    map.on('click', function (e) {
      if (!pick) return;
      if (map.pm.globalDrawModeEnabled && map.pm.globalDrawModeEnabled()) return;
      if (pick.kind === 'scanner') {
        pick = null;
        addScannerAt(e.latlng);
        return;
      }
      if (pick.points.length < 2) pick.points.push(e.latlng);
      message = pick.points.length < 2 ? 'Tap the second point.' : 'Now enter the values in the panel.';
      render();
    });
    function addScannerAt(latlng) {
      var id = uniqueId('scanner-', doc.scanners);
      var n = (doc.scanners || []).length;
      suggestion = null;
      commit(withList('scanners', function (ss) {
        ss.push({ id: id, x: round2(latlng.lng), y: round2(latlng.lat) });
      }), 'added ' + id).then(function (ok) {
        if (ok) select('scanners', n);
      });
    }
    function loadBackdrop(file) {
      var reader = new FileReader();
      reader.onload = function () {
        var url = String(reader.result);
        // As the site's validation: PNG, JPEG or WebP, a data URL of at most 2 MB.
        if (!/^data:image\/(png|jpeg|webp);base64,/.test(url) || url.length > 2000000) {
          message = 'Refused: the backdrop must be a PNG, JPEG or WebP of at most about 1.5 MB';
          renderStatus();
          return;
        }
        var img = new Image();
        img.onload = function () {
          var next = clone(doc);
          var width = 20;
          next.backdrop = { image: url, x: 0, y: 0, width: width, height: round2((width * img.naturalHeight) / img.naturalWidth), opacity: 0.8 };
          commit(next, 'backdrop placed 20 m wide at (0, 0): scale it by two points').then(fit);
        };
        img.src = url;
      };
      reader.readAsDataURL(file);
    }

    // ---- drawing with geoman -------------------------------------------------------------------
    map.on('pm:create', function (e) {
      var layer = e.layer;
      zoneLayer.removeLayer(layer);
      map.removeLayer(layer);
      var id = uniqueId('zone-', doc.zones);
      var zone = zoneFromLayer({ id: id, name: id, kind: 'info' }, layer);
      var n = (doc.zones || []).length;
      commit(withList('zones', function (zs) { zs.push(zone); }), 'drew ' + id).then(function (ok) {
        if (ok) select('zones', n);
      });
    });
    map.on('pm:remove', function (e) {
      var i = e.layer && e.layer.dseIndex;
      if (typeof i !== 'number') return;
      commit(withList('zones', function (zs) { zs.splice(i, 1); }), 'removed zone');
    });
    map.on('mousemove', function (e) {
      coords.textContent = 'x ' + e.latlng.lng.toFixed(2) + ' m, y ' + e.latlng.lat.toFixed(2) + ' m';
    });
    var coords = h('div', { class: 'dse-coords' });
    mapWrap.appendChild(coords);

    // ---- toolbar and keys ----------------------------------------------------------------------
    function deleteSelected() {
      if (!selected) return;
      var s = selected;
      selected = null;
      commit(withList(s.list, function (items) { items.splice(s.index, 1); }), 'deleted');
    }
    [
      ['undo', '↶ Undo', undo, 'Undo (Ctrl+Z)'],
      ['redo', '↷ Redo', redo, 'Redo (Ctrl+Y)'],
      ['add-scanner', '+ Scanner', function () { startPick('scanner'); }, 'Add a scanner: tap where it is'],
      ['fit', '⤢ Fit', fit, 'Show the whole site'],
    ].concat(opts.save ? [['save', 'Save', function () { doSave(); }, 'Save the site file']] : []).forEach(function (b) {
      bar.appendChild(h('button', { type: 'button', name: b[0], title: b[3], text: b[1], onclick: b[2] }));
    });
    function doSave() {
      pending = pending.then(function () {
        message = 'Saving…';
        renderStatus();
        return Promise.resolve(opts.save(currentText)).then(function (res) {
          if (res && res.ok) message = 'Saved' + (res.file ? ' to ' + res.file : '');
          else {
            message = 'Refused: ' + ((res && res.errors) || ['not saved']).join('; ');
            problems = (res && res.problems) || problems;
          }
          render();
        });
      });
      return pending;
    }
    container.addEventListener('keydown', function (e) {
      var inField = /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
      var mod = e.ctrlKey || e.metaKey;
      if (mod && !inField && (e.key === 'z' || e.key === 'Z')) {
        e.preventDefault();
        e.stopPropagation();
        if (e.shiftKey) redo();
        else undo();
      } else if (mod && !inField && (e.key === 'y' || e.key === 'Y')) {
        e.preventDefault();
        e.stopPropagation();
        redo();
      } else if (!inField && (e.key === 'Delete' || e.key === 'Backspace') && selected) {
        e.preventDefault();
        deleteSelected();
      } else if (e.key === 'Escape') {
        if (pick) cancelPick();
        else select(null);
      } else if (!inField && selected && selected.list === 'scanners' && /^Arrow/.test(e.key)) {
        e.preventDefault();
        var step = e.shiftKey ? 1 : 0.1;
        var dx = e.key === 'ArrowLeft' ? -step : e.key === 'ArrowRight' ? step : 0;
        var dy = e.key === 'ArrowDown' ? -step : e.key === 'ArrowUp' ? step : 0;
        edit('scanners', selected.index, function (o) { o.x = round2(o.x + dx); o.y = round2(o.y + dy); }, 'nudged scanner');
      }
    });

    var api = {
      map: map,
      setValue: setValue,
      getValue: function () { return currentText; },
      undo: undo,
      redo: redo,
      save: doSave,
      fit: fit,
      idle: function () { return pending; },
      refresh: function () { map.invalidateSize(); if (!fitted) fit(); },
      destroy: function () {
        map.remove();
        container.innerHTML = '';
        container.classList.remove('dse');
      },
    };
    if (typeof opts.value === 'string') setValue(opts.value);
    refreshHeard();
    return api;
  }

  global.DogSiteEditor = { create: create, originFromTwoPoints: originFromTwoPoints };
})(window);
