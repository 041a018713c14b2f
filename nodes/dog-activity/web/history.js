// The history page: a dog's day (or range) replayed on the plan in site metres (L.CRS.Simple, y up),
// with the zones, a heatmap of the time spent, the alerts on the timeline and the minutes per zone.
/* global L, document, fetch, URLSearchParams, setInterval, clearInterval */
(function () {
  'use strict';
  var $ = function (id) {
    return document.getElementById(id);
  };
  var site;
  var report;
  var timer;
  var map = L.map('map', {
    crs: L.CRS.Simple,
    minZoom: -5,
    zoomSnap: 0.25,
    attributionControl: false,
    preferCanvas: true,
  });
  var zoneLayer = L.layerGroup().addTo(map);
  var heatLayer = L.layerGroup().addTo(map);
  var trackLayer = L.layerGroup().addTo(map);
  var marker;
  var ZONE_COLOURS = { safe: '#38a169', forbidden: '#c53030', watch: '#d69e2e' };
  var ll = function (x, y) {
    return L.latLng(y, x);
  };

  function say(text, info, link) {
    $('message').textContent = text || '';
    $('message').className = info ? 'info' : '';
    if (link) {
      var a = document.createElement('a');
      a.href = link;
      a.textContent = ' Open the app';
      $('message').appendChild(a);
    }
  }
  function time(ts, withDay) {
    var o = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: site.timeZone };
    if (withDay) {
      o.month = 'short';
      o.day = 'numeric';
    }
    return new Intl.DateTimeFormat(undefined, o).format(new Date(ts));
  }
  function get(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (res) {
      return res.text().then(function (body) {
        if (res.status === 401) {
          var err = new Error('Log in to the app first, then come back.');
          err.login = '../api/notify/app/';
          throw err;
        }
        if (!res.ok) throw new Error(body);
        return JSON.parse(body);
      });
    });
  }

  function drawSite() {
    var b = site.box;
    map.fitBounds([ll(b.minX, b.minY), ll(b.maxX, b.maxY)]);
    L.rectangle([ll(b.minX, b.minY), ll(b.maxX, b.maxY)], {
      color: '#a0aec0',
      weight: 1,
      fill: false,
      dashArray: '4',
    }).addTo(zoneLayer);
    site.zones.forEach(function (z) {
      var style = { color: ZONE_COLOURS[z.kind] || '#4a5568', weight: 2, fillOpacity: 0.05 };
      var shape =
        z.shape === 'circle'
          ? L.circle(ll(z.circle.x, z.circle.y), Object.assign({ radius: z.circle.r }, style))
          : L.polygon(
              z.polygon.map(function (p) {
                return ll(p[0], p[1]);
              }),
              style,
            );
      shape.bindTooltip(z.name || z.id).addTo(zoneLayer);
    });
    var select = $('dog');
    select.textContent = '';
    site.dogs.forEach(function (d) {
      var o = document.createElement('option');
      o.value = d.id;
      o.textContent = d.name;
      select.appendChild(o);
    });
    $('day').value = site.today;
  }

  function query() {
    var q = new URLSearchParams({ dog: $('dog').value });
    var from = $('from').value;
    var to = $('to').value;
    if (from && to) {
      q.set('from', new Date(from).toISOString());
      q.set('to', new Date(to).toISOString());
    } else q.set('day', $('day').value);
    return q.toString();
  }

  function drawHeat(h) {
    heatLayer.clearLayers();
    var max = Math.max.apply(null, h.seconds.concat([1]));
    h.seconds.forEach(function (s, i) {
      if (!(s > 0)) return;
      var c = i % h.cols;
      var r = Math.floor(i / h.cols);
      var x = h.minX + c * h.cellM;
      var y = h.minY + r * h.cellM;
      var f = Math.sqrt(s / max);
      L.rectangle([ll(x, y), ll(x + h.cellM, y + h.cellM)], {
        stroke: false,
        fillColor: 'hsl(' + Math.round(60 - 60 * f) + ',90%,50%)',
        fillOpacity: 0.25 + 0.5 * f,
        interactive: false,
      }).addTo(heatLayer);
    });
  }

  function drawReport() {
    trackLayer.clearLayers();
    stop();
    var t = report.track;
    if (t.length === 0) say('No positions for this dog in this range.', true);
    else
      say(
        t.length +
          ' positions' +
          (report.bucketMs ? ' (averaged over ' + Math.round(report.bucketMs / 1000) + ' s)' : '') +
          ', ' +
          report.alerts.length +
          (report.alerts.length === 1 ? ' alert' : ' alerts'),
        true,
      );
    var line = L.polyline(
      t.map(function (p) {
        return ll(p.x, p.y);
      }),
      { color: '#2b6cb0', weight: 2, opacity: 0.7 },
    ).addTo(trackLayer);
    // The plan, and wherever the dog went beyond it.
    var b = site.box;
    var view = L.latLngBounds([ll(b.minX, b.minY), ll(b.maxX, b.maxY)]);
    if (t.length) view.extend(line.getBounds());
    map.fitBounds(view);
    marker = L.marker(t.length ? ll(t[0].x, t[0].y) : ll(0, 0), {
      icon: L.divIcon({ className: 'dog-marker', iconSize: [18, 18] }),
      opacity: t.length ? 1 : 0,
    }).addTo(trackLayer);
    drawHeat(report.heatmap);
    var slider = $('slider');
    slider.max = String(t.length ? t[t.length - 1].ts : report.to);
    slider.min = String(t.length ? t[0].ts : report.from);
    // Any value: a stepped range would snap play's small advances back to where they started.
    slider.step = 'any';
    slider.value = slider.min;
    var span = Math.max(1, Number(slider.max) - Number(slider.min));
    var ticks = $('ticks');
    var list = $('alerts');
    ticks.textContent = '';
    list.textContent = '';
    report.alerts.forEach(function (a) {
      var tick = document.createElement('span');
      tick.className = a.severity || '';
      tick.style.left = Math.min(100, Math.max(0, ((a.ts - Number(slider.min)) / span) * 100)) + '%';
      tick.title = a.event + (a.zone ? ' ' + a.zone : '');
      ticks.appendChild(tick);
      var li = document.createElement('li');
      var when = document.createElement('time');
      when.textContent = time(a.ts, report.to - report.from > 86400000);
      li.appendChild(when);
      li.appendChild(document.createTextNode(a.text || alertLabel(a)));
      li.addEventListener('click', function () {
        slider.value = String(a.ts);
        seek();
      });
      list.appendChild(li);
    });
    $('replay').hidden = false;
    seek();
    drawZones();
  }

  // `enter · Pool` with the site's zone name (the alert's own text when it has one).
  function alertLabel(a) {
    var zone = site.zones.find(function (z) {
      return z.id === a.zone;
    });
    return a.event + (a.zone ? ' · ' + (zone ? zone.name || zone.id : a.zone) : '');
  }

  function drawZones() {
    var rows = $('zone-rows');
    rows.textContent = '';
    report.days.forEach(function (d) {
      d.zones.forEach(function (z) {
        var tr = document.createElement('tr');
        [d.day.slice(5), z.name, z.minutes, z.entries, z.longestStayMin].forEach(function (v, i) {
          var td = document.createElement('td');
          td.textContent = String(v);
          if (i >= 2) td.className = 'n';
          tr.appendChild(td);
        });
        rows.appendChild(tr);
      });
    });
    $('csv').href = 'api/zones.csv?' + query();
    $('zones').hidden = false;
  }

  // The last position at or before the slider's time.
  function seek() {
    var t = report.track;
    var at = Number($('slider').value);
    $('clock').textContent = time(at, report.to - report.from > 86400000);
    if (!t.length) return;
    var lo = 0;
    var hi = t.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (t[mid].ts <= at) lo = mid;
      else hi = mid - 1;
    }
    marker.setLatLng(ll(t[lo].x, t[lo].y));
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = undefined;
    $('play').textContent = '▶';
    $('play').setAttribute('aria-label', 'Play');
  }
  function play() {
    var slider = $('slider');
    if (Number(slider.value) >= Number(slider.max)) slider.value = slider.min;
    $('play').textContent = '❚❚';
    $('play').setAttribute('aria-label', 'Pause');
    var last = Date.now();
    timer = setInterval(function () {
      var now = Date.now();
      var next = Number(slider.value) + (now - last) * Number($('speed').value);
      last = now;
      slider.value = String(Math.min(next, Number(slider.max)));
      seek();
      if (next >= Number(slider.max)) stop();
    }, 100);
  }

  $('play').addEventListener('click', function () {
    if (timer) stop();
    else play();
  });
  $('slider').addEventListener('input', seek);
  $('show-track').addEventListener('change', function (e) {
    if (e.target.checked) map.addLayer(trackLayer);
    else map.removeLayer(trackLayer);
  });
  $('show-heat').addEventListener('change', function (e) {
    if (e.target.checked) map.addLayer(heatLayer);
    else map.removeLayer(heatLayer);
  });
  $('pick').addEventListener('submit', function (e) {
    e.preventDefault();
    say('Loading…', true);
    get('api/report?' + query())
      .then(function (r) {
        report = r;
        drawReport();
      })
      .catch(function (err) {
        say(err.message, false, err.login);
      });
  });

  get('api/site')
    .then(function (s) {
      site = s;
      drawSite();
    })
    .catch(function (err) {
      say(err.message, false, err.login);
    });
})();
