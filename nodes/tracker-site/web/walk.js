/* global document, window, fetch, localStorage, setTimeout, clearTimeout, L */
// The calibration walk (walk-routes.ts): pick a collar, tap where you stand on the plan, collect a few
// seconds of its readings there, do it at a few spots, fit, look at the residuals, save to the site.
(function () {
  'use strict';
  var $ = function (sel) {
    return document.querySelector(sel);
  };
  var message = $('#message');
  var map;
  var spotLayer;
  var pendingLayer;
  var pending = null;
  var walk = null;
  var pollTimer;
  var scanners = [];

  function headers() {
    var h = { 'Content-Type': 'application/json' };
    try {
      var tokens = JSON.parse(localStorage.getItem('auth-tokens') || 'null');
      if (tokens && tokens.access_token) h.Authorization = 'Bearer ' + tokens.access_token;
    } catch {
      // No editor login in this browser.
    }
    return h;
  }
  function answer(r) {
    return r.json().then(
      function (body) {
        if (!r.ok && body && !body.error) body.error = (body.errors || []).join('; ') || 'the hub answered ' + r.status;
        return body;
      },
      function () {
        return { ok: false, error: 'the hub answered ' + r.status };
      },
    );
  }
  function get(url) {
    return fetch(url, { headers: headers(), credentials: 'same-origin' }).then(answer);
  }
  function post(url, body) {
    return fetch(url, { method: 'POST', headers: headers(), body: JSON.stringify(body || {}), credentials: 'same-origin' }).then(answer);
  }
  function say(text, isError) {
    message.textContent = text || '';
    message.className = isError ? 'error' : '';
  }
  function ll(x, y) {
    return L.latLng(y, x);
  }
  function fixed(v) {
    return v === null || v === undefined ? '–' : (Math.round(v * 10) / 10).toFixed(1);
  }
  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function drawPlan(doc) {
    map = L.map('map', { crs: L.CRS.Simple, minZoom: -6, maxZoom: 7, zoomSnap: 0.25, attributionControl: false });
    window.walkMap = map;
    var b = doc.backdrop;
    if (b && typeof b.image === 'string')
      L.imageOverlay(b.image, [ll(b.x, b.y), ll(b.x + b.width, b.y + b.height)], { opacity: b.opacity === undefined ? 0.8 : b.opacity }).addTo(map);
    scanners = doc.scanners || [];
    var bounds = L.latLngBounds([]);
    scanners.forEach(function (s) {
      var m = L.circleMarker(ll(s.x, s.y), { radius: 9, color: '#1f4e8c', fillColor: '#3b7dd8', fillOpacity: 0.9, className: 'walk-scanner' });
      m.bindTooltip(s.name || s.id, { permanent: true, direction: 'top', offset: [0, -8] });
      // Standing next to a scanner: the spot is the scanner's own place.
      m.on('click', function (e) {
        L.DomEvent.stopPropagation(e);
        choose(s.x, s.y);
      });
      m.addTo(map);
      bounds.extend(ll(s.x, s.y));
    });
    (doc.zones || []).forEach(function (z) {
      if (Array.isArray(z.polygon))
        L.polygon(
          z.polygon.map(function (p) {
            return ll(p[0], p[1]);
          }),
          { color: '#777', weight: 1, fill: false, interactive: false },
        ).addTo(map);
    });
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.2), { animate: false });
    else map.setView([0, 0], 3);
    spotLayer = L.layerGroup().addTo(map);
    pendingLayer = L.layerGroup().addTo(map);
    map.on('click', function (e) {
      choose(e.latlng.lng, e.latlng.lat);
    });
  }

  function choose(x, y) {
    if (!walk) return;
    pending = { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 };
    pendingLayer.clearLayers();
    L.circleMarker(ll(pending.x, pending.y), { radius: 11, color: '#c06000', weight: 3, fill: false, className: 'walk-pending' }).addTo(pendingLayer);
    $('#hint').textContent = 'Here: ' + pending.x + ', ' + pending.y + ' m. Hold the collar still and press Collect.';
    update();
  }

  function lastSpot() {
    return walk && walk.spots.length ? walk.spots[walk.spots.length - 1] : null;
  }
  function busy() {
    var s = lastSpot();
    return !!s && s.state !== 'done';
  }

  function update() {
    $('button[name=collect]').disabled = !walk || !pending || busy();
    $('button[name=stop]').hidden = !busy();
    $('button[name=fit]').disabled =
      !walk ||
      !walk.spots.some(function (s) {
        return s.state === 'done';
      });
  }

  function show(next) {
    walk = next;
    $('#walk').hidden = !walk;
    $('#pick').hidden = !!walk;
    spotLayer.clearLayers();
    var list = $('#spots');
    list.textContent = '';
    if (!walk) return update();
    walk.spots.forEach(function (s, i) {
      var done = s.state === 'done';
      L.circleMarker(ll(s.x, s.y), { radius: 8, color: done ? '#1a6b1a' : '#c06000', fillOpacity: 0.8, className: 'walk-spot' })
        .bindTooltip(String(i + 1), { permanent: true, direction: 'center', className: 'walk-label' })
        .addTo(spotLayer);
      var li = document.createElement('li');
      var n = Object.keys(s.scanners).length;
      li.textContent = s.x + ', ' + s.y + ' m: ' + s.readings + ' readings from ' + n + ' scanner' + (n === 1 ? '' : 's');
      if (done) {
        var rm = document.createElement('button');
        rm.type = 'button';
        rm.textContent = 'Remove';
        rm.addEventListener('click', function () {
          act('remove', { index: i });
        });
        li.appendChild(rm);
      }
      list.appendChild(li);
    });
    var s = lastSpot();
    var progress = $('#progress');
    if (!s) progress.textContent = '';
    else if (s.state === 'waiting') progress.textContent = 'Spot ' + walk.spots.length + ': waiting for the collar…';
    else
      progress.textContent =
        'Spot ' +
        walk.spots.length +
        (s.state === 'done' ? ' done: ' : ': collecting, ') +
        s.readings +
        ' readings' +
        (s.state === 'done' ? '' : ' (' + fixed(s.collectedS) + ' of ' + s.seconds + ' s)');
    progress.setAttribute('data-state', s ? s.state : '');
    if (s && s.state === 'done' && !pending)
      $('#hint').textContent = walk.spots.length >= 3 ? 'Another spot, or Fit.' : 'Walk to the next spot and tap it on the plan.';
    update();
    clearTimeout(pollTimer);
    if (busy()) pollTimer = setTimeout(poll, 400);
  }

  function poll() {
    get('walk/status').then(
      function (r) {
        show(r.walk);
      },
      function (err) {
        say(err.message, true);
        pollTimer = setTimeout(poll, 2000);
      },
    );
  }

  function act(route, body) {
    return post('walk/' + route, body).then(function (r) {
      if (r.ok === false) {
        say(r.error, true);
        return r;
      }
      say('');
      if ('walk' in r) show(r.walk);
      return r;
    });
  }

  function showFit(fit) {
    $('#result').hidden = false;
    $('#collar').textContent =
      'Collar at 1 m: ' + fixed(fit.rssiAt1mBefore) + ' → ' + fixed(fit.rssiAt1mAfter) + ' dBm. Readings off the model (RMSE): ' + fixed(fit.rmseBefore) + ' → ' + fixed(fit.rmseAfter) + ' dB over ' + fit.readings + ' readings at ' + fit.spots + ' spots.';
    var body = $('#scanners');
    body.textContent = '';
    fit.scanners.forEach(function (s) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-scanner', s.id);
      cell(tr, s.id);
      cell(tr, String(s.readings));
      cell(tr, s.offsetAfter === undefined ? fixed(s.offsetBefore) + ' (kept)' : fixed(s.offsetBefore) + ' → ' + fixed(s.offsetAfter));
      cell(tr, fixed(s.rmseBefore) + ' → ' + fixed(s.rmseAfter), s.rmseAfter !== null && s.rmseAfter < s.rmseBefore ? 'better' : '');
      body.appendChild(tr);
    });
    $('#warnings').textContent = (fit.warnings || []).join(' ');
  }

  $('button[name=start]').addEventListener('click', function () {
    $('#result').hidden = true;
    act('start', { dog: $('#dog').value });
  });
  $('button[name=collect]').addEventListener('click', function () {
    var at = pending;
    pending = null;
    pendingLayer.clearLayers();
    act('collect', { x: at.x, y: at.y, seconds: Number($('#seconds').value) || 5 });
  });
  $('button[name=stop]').addEventListener('click', function () {
    act('stop');
  });
  $('button[name=fit]').addEventListener('click', function () {
    post('walk/fit', { offsets: $('input[name=offsets]').checked }).then(function (r) {
      if (r.ok === false) return say(r.error, true);
      say('');
      showFit(r);
    });
  });
  $('button[name=save]').addEventListener('click', function () {
    post('walk/apply', { offsets: $('input[name=offsets]').checked }).then(function (r) {
      if (r.ok === false) return say(r.error, true);
      showFit(r.fit);
      show(null);
      $('#result').hidden = false;
      $('button[name=save]').hidden = true;
      say('Saved to ' + (r.file || 'the hub (until the next deploy)') + '.');
    });
  });

  get('document')
    .then(function (doc) {
      if (doc.error) throw new Error(doc.error);
      var site = JSON.parse(doc.config || '{}');
      var select = $('#dog');
      (site.dogs || []).forEach(function (d) {
        var o = document.createElement('option');
        o.value = d.id;
        o.textContent = (d.name || d.id) + ' (' + d.beacon + ')';
        select.appendChild(o);
      });
      drawPlan(site);
      return get('walk/status');
    })
    .then(function (r) {
      if (r.walk) {
        $('#dog').value = r.walk.dog.id;
        show(r.walk);
      } else update();
      window.walkReady = true;
    })
    .catch(function (err) {
      say(err.message, true);
    });
})();
