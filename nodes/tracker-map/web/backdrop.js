/* global L, window, fetch */
// The site's plan image (site document `backdrop`) under the live map's site layer, in either view:
// the plan (CRS.Simple, lat = y, lng = x) or the geographic map (local metres turned by the site's origin,
// so the image turns with the plan). Fetched from the site admin routes beside the page
// (`{map}site/backdrop`, viewers may read it); nothing is shown when the site has none.
//   DogTrackerBackdrop.attach(map, mode, site)          fetch and show (mode 'plan' | 'geo', site: the snapshot's)
//   DogTrackerBackdrop.show(map, backdrop, toDisplay)   show a backdrop; toDisplay(x, y) -> L.LatLng
(function (global) {
  'use strict';

  // WGS84 metres per degree at the origin's latitude (as nodes/kernel/geo.ts).
  function geoTransform(origin) {
    var deg = Math.PI / 180;
    var phi = origin.lat * deg;
    var e2 = 6.69437999014e-3;
    var w = 1 - e2 * Math.pow(Math.sin(phi), 2);
    var perLat = ((6378137 * (1 - e2)) / Math.pow(w, 1.5)) * deg;
    var perLon = (6378137 / Math.sqrt(w)) * Math.cos(phi) * deg;
    var c = Math.cos((origin.rotationDeg || 0) * deg);
    var s = Math.sin((origin.rotationDeg || 0) * deg);
    return function (x, y) {
      var east = x * c + y * s;
      var north = -x * s + y * c;
      return L.latLng(origin.lat + north / perLat, origin.lon + east / perLon);
    };
  }

  function planTransform(x, y) {
    return L.latLng(y, x);
  }

  /** An image placed by three corners (an affine map), so it may be turned as well as scaled. */
  var Overlay = L.Layer.extend({
    initialize: function (backdrop, toDisplay) {
      this._b = backdrop;
      this._toDisplay = toDisplay;
    },
    onAdd: function (map) {
      var img = (this._img = L.DomUtil.create('img', 'dog-backdrop leaflet-zoom-hide'));
      img.alt = '';
      img.style.position = 'absolute';
      img.style.left = '0';
      img.style.top = '0';
      img.style.transformOrigin = '0 0';
      img.style.pointerEvents = 'none';
      img.style.opacity = String(this._b.opacity == null ? 0.8 : this._b.opacity);
      var self = this;
      img.onload = function () {
        self._reset();
      };
      img.src = this._b.image;
      // Under the site's zones and scanners (their pane is above the overlay pane).
      map.getPanes().overlayPane.appendChild(img);
      map.on('zoomend viewreset moveend', this._reset, this);
      this._reset();
    },
    onRemove: function (map) {
      map.off('zoomend viewreset moveend', this._reset, this);
      L.DomUtil.remove(this._img);
      this._img = null;
    },
    _reset: function () {
      var img = this._img;
      var map = this._map;
      if (!img || !map || !img.naturalWidth) return;
      var b = this._b;
      var w = img.naturalWidth;
      var h = img.naturalHeight;
      var topLeft = map.latLngToLayerPoint(this._toDisplay(b.x, b.y + b.height));
      var topRight = map.latLngToLayerPoint(this._toDisplay(b.x + b.width, b.y + b.height));
      var bottomLeft = map.latLngToLayerPoint(this._toDisplay(b.x, b.y));
      img.style.width = w + 'px';
      img.style.height = h + 'px';
      img.style.transform =
        'matrix(' +
        [(topRight.x - topLeft.x) / w, (topRight.y - topLeft.y) / w, (bottomLeft.x - topLeft.x) / h, (bottomLeft.y - topLeft.y) / h, topLeft.x, topLeft.y].join(',') +
        ')';
    },
  });

  function show(map, backdrop, toDisplay) {
    return new Overlay(backdrop, toDisplay).addTo(map);
  }

  /** Fetches the site's backdrop and shows it on `map`; resolves to the layer, or null when there is none. */
  function attach(map, mode, site) {
    if (!site) return Promise.resolve(null);
    var toDisplay = mode === 'geo' && site.origin ? geoTransform(site.origin) : planTransform;
    return fetch('site/backdrop', { credentials: 'same-origin' })
      .then(function (r) {
        return r.status === 200 ? r.json() : null;
      })
      .then(function (backdrop) {
        // The map may have been rebuilt (a new snapshot) while this was fetched.
        if (!backdrop || !map._mapPane) return null;
        return show(map, backdrop, toDisplay);
      })
      .catch(function () {
        return null;
      });
  }

  global.DogTrackerBackdrop = { attach: attach, show: show, geoTransform: geoTransform, planTransform: planTransform };
})(window);
