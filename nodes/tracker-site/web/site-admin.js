/* global document, window, fetch, localStorage */
// The phone app's site screen: loads the map's site, runs the Plan editor on it, checks and saves through
// this page's routes (site-admin.ts). Without the app's login the routes use Node-RED's editor auth: the
// editor's token, when this browser has one, is sent along.
(function () {
  'use strict';
  var el = document.getElementById('plan');
  var kind = document.getElementById('kind');
  var loadError = document.getElementById('load-error');

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
  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify(body),
      credentials: 'same-origin',
    }).then(function (r) {
      return r.json().catch(function () {
        return { ok: false, errors: ['the hub answered ' + r.status], warnings: [], problems: [] };
      });
    });
  }
  function fail(text) {
    loadError.textContent = text;
    loadError.hidden = false;
  }

  // The map's tile URL (tracker-map's), from the map's own session: with one, the Plan places the site on
  // a geographic map. Without (no tiles, or the session refused), the plan alone.
  var tiles = fetch('../session', { cache: 'no-store', credentials: 'same-origin' })
    .then(function (r) {
      return r.ok ? r.json() : {};
    })
    .then(
      function (session) {
        return session && session.tiles && session.tiles.url ? session.tiles : undefined;
      },
      function () {
        return undefined;
      },
    );

  fetch('document', { headers: headers(), credentials: 'same-origin' })
    .then(function (r) {
      if (!r.ok)
        throw new Error(
          r.status === 401
            ? 'Log in first.'
            : r.status === 403
              ? 'Only admins may change the site.'
              : 'The hub answered ' + r.status,
        );
      return r.json();
    })
    .then(function (doc) {
      return tiles.then(function (t) {
        return { doc: doc, tiles: t };
      });
    })
    .then(function (got) {
      var doc = got.doc;
      document.getElementById('title').textContent = doc.name || 'Site';
      kind.textContent = doc.kind === 'file' ? 'site file' : 'in the flow: view only';
      if (doc.kind !== 'file')
        fail(
          'This site is kept inside the flow: changes cannot be saved from here. In the Node-RED editor, set the tracker-site\'s "Site from" to a file, then edit here.',
        );
      if (doc.problem) fail(doc.problem);
      window.sitePlan = window.DogSiteEditor.create(el, {
        value: doc.config,
        tiles: got.tiles,
        check: function (text) {
          return post('check', { config: text });
        },
        coverage: function (text, suggest) {
          return post('check', { config: text, coverage: true, suggest: !!suggest });
        },
        heard: function () {
          return fetch('heard', { headers: headers(), credentials: 'same-origin' })
            .then(function (r) {
              return r.json();
            })
            .then(function (r) {
              return r.beacons || [];
            });
        },
        save: function (text) {
          return post('save', { config: text });
        },
      });
    })
    .catch(function (err) {
      fail(err.message);
    });
})();
