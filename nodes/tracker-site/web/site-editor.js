/* global document, window, navigator, FileReader, Image */
/* The Plan editor of a tracker-site document: scanners, zones, dogs, origin, backdrop and coverage on a
 * Leaflet plan in metres (CRS.Simple: lat = y north, lng = x east), drawing with Leaflet-Geoman.
 * One browser file, no build step, shared by the Node-RED edit dialog and any admin page:
 *   var plan = DogSiteEditor.create(element, { value, onChange, check, coverage, heard, save, tiles });
 * With `tiles` ({ url, attribution }, a tile URL as tracker-map's), a geographic map beside the plan places
 * the site on Earth: two plan points (clicks or scanners) and the same two on the map set origin and rotation.
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

  // ---- local metres <-> WGS84: a line-for-line copy of nodes/kernel/geo.ts (LocalFrame,
  // originFromTwoPoints), which has no browser build; test/site-editor/two-points.test.ts holds the two
  // to the same answers.
  var WGS84_A = 6378137;
  var WGS84_E2 = 6.69437999014e-3;
  var DEG = Math.PI / 180;
  var SCALE_TOLERANCE = 0.1;

  /** Plan metres (x east, y north, rotated by origin.rotationDeg) <-> lat/lon around `origin`. */
  function localFrame(origin) {
    var phi = origin.lat * DEG;
    var w = 1 - WGS84_E2 * Math.pow(Math.sin(phi), 2);
    var mLat = ((WGS84_A * (1 - WGS84_E2)) / Math.pow(w, 1.5)) * DEG;
    var mLon = (WGS84_A / Math.sqrt(w)) * Math.cos(phi) * DEG;
    // rotationDeg is the compass bearing of the plan's +y axis (clockwise from north).
    var c = Math.cos((origin.rotationDeg || 0) * DEG);
    var s = Math.sin((origin.rotationDeg || 0) * DEG);
    return {
      toWgs84: function (x, y) {
        var east = x * c + y * s;
        var north = -x * s + y * c;
        return { lat: origin.lat + north / mLat, lon: origin.lon + east / mLon };
      },
      fromWgs84: function (lat, lon) {
        var north = (lat - origin.lat) * mLat;
        var east = (lon - origin.lon) * mLon;
        return { x: east * c - north * s, y: east * s + north * c };
      },
    };
  }

  /**
   * The origin and rotation that put two plan points (m) on two map points (lat/lon), as geo.ts: the
   * rotation from the two directions, the origin so the midpoints agree; `warning` when the two distances
   * differ by more than 10 %. Throws when either pair is less than 1 m apart or a number is not finite.
   */
  function originFromTwoPoints(plan, geo) {
    [plan[0], plan[1], { x: geo[0].lon, y: geo[0].lat }, { x: geo[1].lon, y: geo[1].lat }].forEach(function (p) {
      if (!isFinite(p.x) || !isFinite(p.y)) throw new Error('a point is not a finite number');
    });
    var dx = plan[1].x - plan[0].x;
    var dy = plan[1].y - plan[0].y;
    var planDistanceM = Math.hypot(dx, dy);
    if (planDistanceM < 1) throw new Error('the two plan points are less than 1 m apart');
    var mid = { lat: (geo[0].lat + geo[1].lat) / 2, lon: (geo[0].lon + geo[1].lon) / 2 };
    var north0 = localFrame({ lat: mid.lat, lon: mid.lon, rotationDeg: 0 });
    var a = north0.fromWgs84(geo[0].lat, geo[0].lon);
    var b = north0.fromWgs84(geo[1].lat, geo[1].lon);
    var mapDistanceM = Math.hypot(b.x - a.x, b.y - a.y);
    if (mapDistanceM < 1) throw new Error('the two map points are less than 1 m apart');
    var rotationDeg = ((Math.atan2(b.x - a.x, b.y - a.y) - Math.atan2(dx, dy)) / DEG) % 360;
    if (rotationDeg < 0) rotationDeg += 360;
    var planMid = { x: (plan[0].x + plan[1].x) / 2, y: (plan[0].y + plan[1].y) / 2 };
    var origin = { lat: mid.lat, lon: mid.lon, rotationDeg: rotationDeg };
    for (var i = 0; i < 3; i++) {
      var frame = localFrame(origin);
      var p0 = frame.fromWgs84(geo[0].lat, geo[0].lon);
      var p1 = frame.fromWgs84(geo[1].lat, geo[1].lon);
      var moved = frame.toWgs84((p0.x + p1.x) / 2 - planMid.x, (p0.y + p1.y) / 2 - planMid.y);
      origin = { lat: moved.lat, lon: moved.lon, rotationDeg: rotationDeg };
    }
    var scale = mapDistanceM / planDistanceM;
    var fit = { origin: origin, planDistanceM: planDistanceM, mapDistanceM: mapDistanceM, scale: scale };
    if (Math.abs(scale - 1) > SCALE_TOLERANCE)
      fit.warning =
        'the points are ' + planDistanceM.toFixed(1) + ' m apart on the plan but ' + mapDistanceM.toFixed(1) +
        ' m on the map (' + Math.round(Math.abs(scale - 1) * 100) + ' % off): check the four points';
    return fit;
  }

  /** An origin as stored: lat/lon to 1e-8° (about 1 mm), lon within ±180, rotation to 0.001° in ±180. */
  function storedOrigin(o) {
    var lon = ((((o.lon + 180) % 360) + 360) % 360) - 180;
    var rot = ((((o.rotationDeg + 180) % 360) + 360) % 360) - 180;
    return { lat: Math.round(o.lat * 1e8) / 1e8, lon: Math.round(lon * 1e8) / 1e8, rotationDeg: Math.round(rot * 1000) / 1000 };
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
    // { kind: 'scanner' | 'origin' | 'scale', points: [plan LatLng], labels: [scanner id], typed: [{ lat, lon }] }
    var pick = null;
    var tiles = opts.tiles && typeof opts.tiles.url === 'string' && opts.tiles.url ? opts.tiles : null;
    var geoMap = null; // created the first time it is shown
    var geoSiteLayer = null;
    var geoPickLayer = null;
    var geoShown = false;
    var originDraft = {}; // lat or lon typed for a site without an origin yet
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
    var geoEl = h('div', { class: 'dse-geo' });
    var geoWrap = h('div', { class: 'dse-geowrap', hidden: true }, [geoEl]);
    container.appendChild(bar);
    container.appendChild(h('div', { class: 'dse-body' }, [h('div', { class: 'dse-maps' }, [mapWrap, geoWrap]), side]));
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
      renderGeo();
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
          // Picking two points: a tapped scanner is one, exactly where it is.
          if (pick && pick.kind !== 'scanner') pickPlanPoint(ll(s.x, s.y), s.id);
          else select('scanners', i);
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
      var o = doc.origin || originDraft;
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
          next.origin = next.origin || clone(originDraft);
          setNumber(next.origin, key, v, key === 'rotationDeg');
          if (next.origin.lat === undefined && next.origin.lon === undefined) {
            originDraft = {};
            delete next.origin;
          } else if (next.origin.lat === undefined || next.origin.lon === undefined) {
            // A site without an origin gets one typed field at a time: held until both lat and lon are in.
            originDraft = next.origin;
            message = 'Now type the origin\'s ' + (next.origin.lat === undefined ? 'latitude' : 'longitude') + '.';
            renderStatus();
            return;
          }
          originDraft = {};
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
          h('div', { class: 'dse-row' }, [
            h('button', { type: 'button', name: 'origin-two-points', text: tiles ? 'Place on the map…' : 'Set by two points…', onclick: function () { startPick('origin'); } }),
            tiles && validOrigin(doc.origin)
              ? h('button', { type: 'button', name: 'geo-show', text: geoShown ? 'Hide the map' : 'Show on the map', onclick: function () {
                  geoShown = !geoShown;
                  render();
                } })
              : null,
          ]),
          h('p', { class: 'dse-hint', text: tiles
            ? 'Two spots you can find on the plan and on the map (two scanners, two corners) set the origin and rotation.'
            : 'No map tiles (a tracker-map\'s tile URL): type the origin, or two spots on the plan and their lat/lon.' }),
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

    // ---- the geographic map (with tiles): the site drawn where its origin puts it, the origin's pick --
    function validOrigin(o) {
      return o && isFinite(o.lat) && isFinite(o.lon) && Math.abs(o.lat) <= 90 ? { lat: Number(o.lat), lon: Number(o.lon), rotationDeg: Number(o.rotationDeg) || 0 } : null;
    }
    function geoVisible() {
      return !!tiles && (geoShown || (!!pick && pick.kind === 'origin'));
    }
    function ensureGeo() {
      if (geoMap) return;
      geoMap = L.map(geoEl, { maxZoom: 22, tap: true });
      if (api) api.geoMap = geoMap;
      L.tileLayer(tiles.url, { maxZoom: 22, maxNativeZoom: 19, attribution: tiles.attribution || '' }).addTo(geoMap);
      L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(geoMap);
      geoSiteLayer = L.layerGroup().addTo(geoMap);
      geoPickLayer = L.layerGroup().addTo(geoMap);
      if (navigator.geolocation) {
        var here = L.control({ position: 'topright' });
        here.onAdd = function () {
          var button = h('button', { type: 'button', name: 'geo-here', class: 'dse-geo-here', title: 'Go to where this phone is', text: '◎ Here', onclick: function (e) {
            L.DomEvent.stop(e);
            navigator.geolocation.getCurrentPosition(function (pos) {
              geoMap.setView([pos.coords.latitude, pos.coords.longitude], 19);
            }, function (err) {
              message = 'No position from this device: ' + err.message;
              renderStatus();
            }, { enableHighAccuracy: true, timeout: 15000 });
          } });
          L.DomEvent.disableClickPropagation(button);
          return button;
        };
        here.addTo(geoMap);
      }
      geoMap.on('click', function (e) {
        if (!pick || pick.kind !== 'origin') return;
        var i = !pickGeo(0) ? 0 : !pickGeo(1) ? 1 : -1;
        if (i < 0) {
          message = 'Both map points are placed: drag a numbered marker to move it.';
          renderStatus();
          return;
        }
        pick.typed[i] = { lat: e.latlng.lat.toFixed(8), lon: e.latlng.lng.toFixed(8) };
        message = pickMessage();
        render();
      });
      fitGeo();
    }
    /** The geographic view: the site where its origin puts it, else the points picked so far, else the world. */
    function fitGeo() {
      var o = validOrigin(doc.origin);
      var pts = [];
      if (pick && pick.kind === 'origin')
        [0, 1].forEach(function (i) {
          var g = pickGeo(i);
          if (g) pts.push([g.lat, g.lon]);
        });
      if (pts.length === 0 && o) {
        var f = localFrame(o);
        (doc.scanners || []).forEach(function (sc) {
          if (isFinite(sc.x) && isFinite(sc.y)) {
            var g = f.toWgs84(sc.x, sc.y);
            pts.push([g.lat, g.lon]);
          }
        });
        if (pts.length === 0) pts.push([o.lat, o.lon]);
      }
      geoMap.invalidateSize();
      if (pts.length === 0) geoMap.setView([20, 0], 2);
      else if (pts.length === 1) geoMap.setView(pts[0], 19);
      else geoMap.fitBounds(L.latLngBounds(pts).pad(0.3), { maxZoom: 20 });
    }
    /** The site's zones and scanners on the geographic map, placed by `origin`. */
    function drawOnGeo(layer, origin, preview) {
      var f = localFrame(origin);
      var g = function (x, y) {
        var p = f.toWgs84(x, y);
        return [p.lat, p.lon];
      };
      var style = function (colour) {
        return { color: colour, weight: 2, fillOpacity: preview ? 0 : 0.12, dashArray: preview ? '5 5' : null, interactive: false, pmIgnore: true };
      };
      (doc.zones || []).forEach(function (z) {
        var colour = preview ? '#8e44ad' : KIND_COLOURS[z.kind] || '#777';
        if (z.circle && isFinite(z.circle.x) && isFinite(z.circle.y) && z.circle.r > 0)
          L.circle(g(z.circle.x, z.circle.y), L.extend({ radius: z.circle.r, className: 'dse-geo-zone' }, style(colour))).addTo(layer);
        else if (Array.isArray(z.polygon))
          L.polygon(z.polygon.map(function (p) { return g(p[0], p[1]); }), L.extend({ className: 'dse-geo-zone' }, style(colour))).addTo(layer);
      });
      (doc.scanners || []).forEach(function (sc) {
        if (!isFinite(sc.x) || !isFinite(sc.y)) return;
        L.circleMarker(g(sc.x, sc.y), { radius: 5, color: preview ? '#8e44ad' : '#2c3e50', fillOpacity: preview ? 0 : 1, weight: 2, pmIgnore: true, className: 'dse-geo-scanner' })
          .bindTooltip(sc.id || '?', { permanent: !preview, direction: 'right', className: 'dse-geo-label' })
          .addTo(layer);
      });
    }
    function renderGeo() {
      var show = geoVisible();
      if (geoWrap.hidden === show) {
        geoWrap.hidden = !show;
        if (show && geoMap) fitGeo();
      }
      if (!show) return;
      ensureGeo();
      geoMap.invalidateSize();
      geoSiteLayer.clearLayers();
      geoPickLayer.clearLayers();
      var o = validOrigin(doc.origin);
      if (o) drawOnGeo(geoSiteLayer, o, false);
      if (!pick || pick.kind !== 'origin') return;
      // The fit of the four points so far, dashed: how the site would sit before it is applied.
      var r = pickFit();
      if (r.fit) drawOnGeo(geoPickLayer, r.fit.origin, true);
      [0, 1].forEach(function (i) {
        var gp = pickGeo(i);
        if (!gp) return;
        var m = L.marker([gp.lat, gp.lon], {
          draggable: true,
          pmIgnore: true,
          icon: L.divIcon({ className: 'dse-geo-pick dse-geo-pick-' + (i + 1), html: String(i + 1), iconSize: [24, 24], iconAnchor: [12, 12] }),
        });
        m.on('dragend', function () {
          var at = m.getLatLng();
          pick.typed[i] = { lat: at.lat.toFixed(8), lon: at.lng.toFixed(8) };
          render();
        });
        geoPickLayer.addLayer(m);
      });
    }

    // ---- picking points: a new scanner, the origin, the backdrop's scale ------------------------
    function startPick(kind) {
      pick = { kind: kind, points: [], labels: [], typed: [{ lat: '', lon: '' }, { lat: '', lon: '' }] };
      message =
        kind === 'scanner'
          ? 'Tap where the scanner is.'
          : kind === 'origin' && tiles
            ? 'Tap a spot on the plan (or a scanner), then the same spot on the map.'
            : 'Tap the first point on the plan' + (kind === 'origin' ? ' (or a scanner).' : '.');
      render();
    }
    /** A point of the pick on the plan: a click, or a scanner (tapped in pick mode). */
    function pickPlanPoint(latlng, label) {
      if (pick.points.length >= 2) return;
      pick.labels[pick.points.length] = label;
      pick.points.push(latlng);
      message = pickMessage();
      render();
    }
    /** The i-th geographic point of an origin pick, typed or placed on the map; undefined until both numbers are. */
    function pickGeo(i) {
      var t = pick && pick.typed && pick.typed[i];
      if (!t || t.lat === '' || t.lon === '') return undefined;
      var g = { lat: Number(t.lat), lon: Number(t.lon) };
      return isFinite(g.lat) && isFinite(g.lon) && Math.abs(g.lat) <= 90 ? g : undefined;
    }
    function pickMessage() {
      var p = pick.points.length;
      if (pick.kind !== 'origin') return p < 2 ? 'Tap the second point.' : 'Now enter the values in the panel.';
      var g = (pickGeo(0) ? 1 : 0) + (pickGeo(1) ? 1 : 0);
      if (p === 2 && g === 2) return 'All four points placed: Apply (drag a numbered marker to correct it).';
      if (!tiles) return p < 2 ? 'Tap the second point.' : 'Now type where the two points are on Earth.';
      if (g < p) return 'Now tap the same spot ' + (g + 1) + ' on the map' + (g === 0 ? ' (zoom in; ◎ Here goes to where you are).' : '.');
      return 'Tap spot ' + (p + 1) + ' on the plan (or a scanner).';
    }
    /** The fit of an origin pick with all four points, or the reason there is none. */
    function pickFit() {
      var p = pick.points;
      var g = [pickGeo(0), pickGeo(1)];
      if (p.length < 2 || !g[0] || !g[1]) return { error: 'place two points on the plan and give both their lat/lon' };
      try {
        return { fit: originFromTwoPoints([{ x: p[0].lng, y: p[0].lat }, { x: p[1].lng, y: p[1].lat }], g) };
      } catch (err) {
        return { error: err.message };
      }
    }
    function applyOrigin() {
      var r = pickFit();
      if (r.error) {
        message = 'Refused: ' + r.error;
        renderStatus();
        return;
      }
      pick = null;
      // The map stays open, the site drawn where the new origin puts it.
      geoShown = !!tiles;
      var next = clone(doc);
      next.origin = storedOrigin(r.fit.origin);
      commit(
        next,
        r.fit.warning
          ? 'origin set, but ' + r.fit.warning
          : 'origin set; the plan and the map agree within ' + (Math.ceil(Math.abs(r.fit.scale - 1) * 1000) / 10) + ' %',
      );
    }
    function pickPanel() {
      var p = pick.points;
      if (pick.kind === 'origin') {
        var rows = [0, 1].map(function (i) {
          var t = pick.typed[i];
          var input = function (key) {
            return h('input', { name: 'p' + (i + 1) + '-' + key, placeholder: key, inputmode: 'decimal', value: t[key], oninput: function (e) {
              t[key] = e.target.value.trim();
            }, onchange: function () {
              message = pickMessage();
              renderStatus();
              renderGeo();
            } });
          };
          var at = p[i]
            ? (pick.labels[i] ? pick.labels[i] + ' ' : '') + '(' + round2(p[i].lng) + ' m, ' + round2(p[i].lat) + ' m)'
            : 'tap the plan';
          return [h('p', { class: 'dse-hint', text: 'Point ' + (i + 1) + ': ' + at }), h('div', { class: 'dse-row' }, [input('lat'), input('lon')])];
        });
        return panel('Origin from two points', [
          h('p', { class: 'dse-hint', text: tiles
            ? 'Two spots far apart that you can find on both: tap one on the plan (or a scanner), then the same spot on the map; then the other. Or type their lat/lon.'
            : 'Two spots far apart: tap them on the plan (or two scanners) and type where they are on Earth (read them off any map).' }),
        ].concat(rows[0], rows[1], [
          h('div', { class: 'dse-row' }, [
            h('button', { type: 'button', name: 'origin-apply', text: 'Apply', onclick: applyOrigin }),
            h('button', { type: 'button', text: 'Cancel', onclick: cancelPick }),
          ]),
        ]));
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
      pickPlanPoint(e.latlng);
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
        if (geoMap) geoMap.remove();
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
