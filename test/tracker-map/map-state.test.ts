// The map's state, directly: site geometry for the page, trails cut by event time, stale positions,
// scanner states, the alerts kept, and errors that name the bad field.
import assert from 'node:assert/strict';
import {
  BatchError,
  MapState,
  cutTrail,
  type MapUpdate,
  type Snapshot,
} from '../../nodes/tracker-map/map-state';
import {
  ASSETS_SEGMENT,
  mapPathSegment,
  nodeRoot,
  pagePath,
  routeOf,
  socketPath,
} from '../../nodes/tracker-map/map-pages';
import { SiteView } from '../../nodes/kernel/site-view';
import { CONTRACT_SITE, siteText } from '../tracker-site/fixtures';

const T0 = 1763800000000;

function pos(
  dog: string,
  ts: number,
  x = 1,
  y = 2,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { v: 1, type: 'position', dog, ts, x, y, accuracy: 1, scanners: 3, method: 'test', ...extra };
}

function withSite(options = { trailS: 60, alertsKept: 3 }): MapState {
  const state = new MapState(options);
  state.setSite(SiteView.fromJson(siteText()));
  return state;
}

describe('MapState', () => {
  it('gives the page the site with WGS84 added and a bounding box in metres', () => {
    const snapshot = withSite().snapshot();
    const site = snapshot.site!;
    assert.deepEqual(site.bounds, { minX: 0, minY: 0, maxX: 20, maxY: 30 });
    assert.deepEqual(
      site.dogs.map((d) => d.id),
      ['rex', 'bella'],
    );
    const ne = site.scanners.find((s) => s.id === 'pi-yard-ne')!;
    assert.ok(ne.lat! > 52.0907 && ne.lon! > 5.1214, 'north-east of the origin');
    const yard = site.zones.find((z) => z.id === 'yard')!;
    assert.equal(yard.latlngs?.length, 4);
    assert.deepEqual(yard.latlngs[0], [52.0907, 5.1214]);
    const pool = site.zones.find((z) => z.id === 'pool')!;
    assert.equal(pool.circle?.r, 3);
    assert.ok(pool.circle?.lat !== undefined);
    assert.deepEqual(
      snapshot.nodes.map((n) => `${n.id}:${n.status}`),
      ['pi-yard-ne:unknown', 'pi-yard-nw:unknown', 'pi-yard-s:unknown'],
    );
  });

  it('leaves out WGS84 when the site has no origin', () => {
    const state = new MapState({ trailS: 60, alertsKept: 3 });
    const { origin: _origin, ...noOrigin } = CONTRACT_SITE;
    state.setSite(SiteView.fromJson(JSON.stringify(noOrigin)));
    const site = state.snapshot().site!;
    assert.equal(site.origin, undefined);
    assert.equal(site.scanners[0].lat, undefined);
    assert.equal(site.zones[0].latlngs, undefined);
    const [update] = state.apply(pos('rex', T0));
    assert.equal((update as { position: { lat?: number } }).position.lat, undefined);
  });

  it('keeps a trail of the last trailS seconds of event time, however fast the messages come', () => {
    const state = withSite({ trailS: 60, alertsKept: 3 });
    for (let s = 0; s <= 300; s += 10) state.apply(pos('rex', T0 + s * 1000, s, 0));
    const rex = state.snapshot().dogs.find((d) => d.id === 'rex')!;
    assert.deepEqual(
      rex.trail.map((p) => p.x),
      [240, 250, 260, 270, 280, 290, 300],
    );
    assert.equal(rex.position?.x, 300);
  });

  it('ignores a position older than the one shown, and adds dogs the site does not name', () => {
    const state = withSite();
    assert.equal(state.apply(pos('rex', T0 + 2000, 5, 5)).length, 1);
    assert.deepEqual(state.apply(pos('rex', T0 + 1000, 9, 9)), []);
    assert.deepEqual(state.apply(pos('rex', T0 + 2000, 9, 9)), []);
    assert.equal(state.snapshot().dogs.find((d) => d.id === 'rex')!.position?.x, 5);
    state.apply(pos('stray', T0));
    assert.equal(state.snapshot().dogs.find((d) => d.id === 'stray')?.name, 'stray');
  });

  it('takes a bounded number of dogs the site does not name', () => {
    const state = new MapState({ trailS: 60, alertsKept: 3, maxUnlistedDogs: 2 });
    state.setSite(SiteView.fromJson(siteText()));
    state.apply(pos('stray1', T0));
    state.apply(pos('stray2', T0));
    assert.throws(
      () => state.apply(pos('stray3', T0)),
      /dog "stray3" is not in the site, and the map already shows 2/,
    );
    // Site dogs and known strays still move.
    assert.equal(state.apply(pos('rex', T0)).length, 1);
    assert.equal(state.apply(pos('stray1', T0 + 1)).length, 1);
  });

  it('keeps only the newest alerts', () => {
    const state = withSite({ trailS: 60, alertsKept: 3 });
    for (let i = 0; i < 5; i++)
      state.apply({
        v: 1,
        type: 'alert',
        event: 'enter',
        dog: 'rex',
        zone: 'pool',
        severity: 'warning',
        ts: T0 + i,
      });
    assert.deepEqual(
      state.snapshot().alerts.map((a) => a.ts),
      [T0 + 2, T0 + 3, T0 + 4],
    );
  });

  it('tracks scanner state from status strings and health', () => {
    const state = withSite();
    const [offline] = state.apply('offline', 'dogtracker/v1/status/pi-yard-s');
    assert.deepEqual(offline, { kind: 'node', node: { id: 'pi-yard-s', status: 'offline' } });
    const [healthy] = state.apply({ v: 1, type: 'health', node: 'pi-yard-ne', ts: T0, tempC: 51.2, cpu: 20 });
    assert.deepEqual(healthy, {
      kind: 'node',
      node: { id: 'pi-yard-ne', status: 'online', healthTs: T0, tempC: 51.2, cpu: 20 },
    });
    // A health message does not overrule the last will.
    const [still] = state.apply({ v: 1, type: 'health', node: 'pi-yard-s', ts: T0 });
    assert.equal((still as { node: { status: string } }).node.status, 'offline');
    state.apply(' ONLINE ', 'dogtracker/v1/status/pi-yard-s');
    assert.equal(state.snapshot().nodes.find((n) => n.id === 'pi-yard-s')?.status, 'online');
  });

  it('ignores rssi readings and names what is wrong with bad input', () => {
    const state = withSite();
    assert.deepEqual(state.apply({ v: 1, type: 'rssi', scanner: 's', ts: T0, mac: 'x', rssi: -70 }), []);
    const bad: Array<[unknown, unknown, RegExp]> = [
      [42, undefined, /payload must be a contract message/],
      [{ type: 'nope' }, undefined, /payload\.type must be one of position, alert, health, not "nope"/],
      [pos('rex', T0, Number.NaN), undefined, /payload\.x must be a finite number \(m\), not NaN/],
      [pos('', T0), undefined, /payload\.dog must be a non-empty string/],
      [pos('rex', T0, 1, 2, { accuracy: -1 }), undefined, /payload\.accuracy must be between 0 and/],
      [pos('rex', T0, 1, 2, { lat: 'north' }), undefined, /payload\.lat must be a finite number/],
      [{ type: 'alert', ts: T0 }, undefined, /payload\.event is required/],
      [{ type: 'alert', event: 'exit', ts: T0, severity: 'dire' }, undefined, /payload\.severity must be/],
      [{ type: 'health', ts: T0 }, undefined, /payload\.node is required/],
      ['online', undefined, /msg\.topic dogtracker\/v1\/status\/\{node\}/],
      ['asleep', 'dogtracker/v1/status/pi', /must be "online" or "offline", not "asleep"/],
    ];
    for (const [payload, topic, expected] of bad) assert.throws(() => state.apply(payload, topic), expected);
  });

  it('takes messages as JSON text or bytes, as an MQTT in node set to a string or a buffer gives them', () => {
    const state = withSite();
    const [moved] = state.apply(JSON.stringify(pos('rex', T0, 7, 8)), 'dogtracker/v1/position/rex');
    assert.equal((moved as { position: { x: number } }).position.x, 7);
    state.apply(Buffer.from('offline'), 'dogtracker/v1/status/pi-yard-ne');
    assert.equal(state.snapshot().nodes.find((n) => n.id === 'pi-yard-ne')?.status, 'offline');
    assert.throws(() => state.apply('{"type": "position",', 'x'), /payload is text but not valid JSON/);
  });

  it('applies the good items of a batch and reports the bad ones together', () => {
    const state = withSite();
    let error: unknown;
    try {
      state.apply([pos('rex', T0), 'junk', pos('bella', T0), { type: 'position' }]);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof BatchError);
    assert.equal(error.problems.length, 2);
    assert.match(error.message, /payload\[1\] must be a contract message .*; payload\[3\]\.dog/);
    assert.deepEqual(
      error.updates.map((u: MapUpdate) => (u.kind === 'position' ? u.position.dog : u.kind)),
      ['rex', 'bella'],
    );
  });

  it('keeps what it knows when the site changes', () => {
    const state = withSite();
    state.apply(pos('rex', T0, 3, 4));
    const renamed = JSON.parse(siteText()) as { dogs: Array<{ name?: string }> };
    renamed.dogs[0].name = 'Rexy';
    const snapshot: Snapshot = state.setSite(SiteView.fromJson(JSON.stringify(renamed)));
    const rex = snapshot.dogs.find((d) => d.id === 'rex')!;
    assert.equal(rex.name, 'Rexy');
    assert.equal(rex.position?.x, 3);
  });

  it('returns snapshots the caller cannot use to change the state', () => {
    const state = withSite();
    state.apply(pos('rex', T0));
    const snapshot = state.snapshot();
    snapshot.dogs[0].trail.push({ ts: 0, x: 0, y: 0 });
    snapshot.alerts.push({ v: 1, type: 'alert', event: 'x', severity: 'info', ts: 0 });
    assert.equal(state.snapshot().dogs[0].trail.length, 1);
    assert.equal(state.snapshot().alerts.length, 0);
  });
});

describe('cutTrail', () => {
  const trail = [10, 20, 30, 40].map((ts) => ({ ts, x: ts, y: 0 }));
  it('keeps points from a time and at most a number of points', () => {
    assert.deepEqual(
      cutTrail(trail, 25, 100).map((p) => p.ts),
      [30, 40],
    );
    assert.deepEqual(
      cutTrail(trail, 0, 3).map((p) => p.ts),
      [20, 30, 40],
    );
    assert.equal(cutTrail(trail, 0, 100), trail);
  });
});

describe('map pages', () => {
  it('turns the path setting into one URL segment, refusing reserved and odd ones', () => {
    assert.equal(mapPathSegment(''), '');
    assert.equal(mapPathSegment(undefined), '');
    assert.equal(mapPathSegment(' /kennel/ '), 'kennel');
    assert.throws(() => mapPathSegment('a/b'), /one segment/);
    assert.throws(() => mapPathSegment('Kennel'), /lower-case/);
    assert.throws(() => mapPathSegment(ASSETS_SEGMENT), /reserved/);
    assert.throws(() => mapPathSegment('metrics'), /reserved/);
  });

  it('routes requests below /dogtracker/ to pages, sessions and files, and leaves the rest', () => {
    assert.deepEqual(routeOf(''), { kind: 'page', segment: '' });
    assert.deepEqual(routeOf('session'), { kind: 'session', segment: '' });
    assert.deepEqual(routeOf('kennel/'), { kind: 'page', segment: 'kennel' });
    assert.deepEqual(routeOf('kennel'), { kind: 'slashless', segment: 'kennel' });
    assert.deepEqual(routeOf('kennel/session'), { kind: 'session', segment: 'kennel' });
    assert.deepEqual(routeOf('map-assets/leaflet/leaflet.js'), { kind: 'asset', name: 'leaflet/leaflet.js' });
    for (const notOurs of ['metrics', 'ws', 'kennel/ws', 'kennel/x/', 'Kennel/', 'a/b/c', 'map-assets'])
      assert.equal(routeOf(notOurs), undefined, notOurs);
  });

  it('puts the socket under httpNodeRoot', () => {
    assert.equal(nodeRoot(undefined), '/');
    assert.equal(nodeRoot('/'), '/');
    assert.equal(nodeRoot('/nodes'), '/nodes/');
    assert.equal(nodeRoot('api/'), '/api/');
    assert.equal(nodeRoot(false), undefined);
    assert.equal(pagePath(''), '/dogtracker/');
    assert.equal(socketPath('/', ''), '/dogtracker/ws');
    assert.equal(socketPath('/nodes/', 'kennel'), '/nodes/dogtracker/kennel/ws');
  });
});
