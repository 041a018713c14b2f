// tracker-map on the real Node-RED runtime: the page and its files over HTTP, the WebSocket (token,
// snapshot on connect, live updates), bad input, several maps, and nothing left behind on redeploy.
import assert from 'node:assert/strict';
import type { Server } from 'http';
import type { Node } from 'node-red';
import WebSocket from 'ws';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { helper, nextError, onTab, type FlowNode } from '../support/flow';
import { siteText } from '../tracker-site/fixtures';
import { baseUrl, serveHttpNode, trackerMapServed } from './harness';

/** The parts of the map's WebSocket messages these tests read; `kind` says which parts a message has. */
interface ViewerMsg {
  kind: string;
  site: { name: string; scanners: Array<{ id: string }>; zones: Array<{ id: string; kind: string }> };
  trailS: number;
  alertsKept: number;
  position: { dog: string; x: number; lat: number };
  alert: { event: string };
  node: { id: string; status: string };
  dogs: Array<{ id: string; trail: Array<{ x: number }> }>;
  alerts: unknown[];
  nodes: Array<{ id: string; status: string }>;
}

const NODES = [trackerSite, trackerMapServed];

function flow(maps: Array<Partial<FlowNode>> = [{}]): FlowNode[] {
  return onTab([
    { id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() },
    ...maps.map((m, i) => ({
      id: `map${i + 1}`,
      type: 'tracker-map',
      name: `the map ${i + 1}`,
      site: 'site1',
      path: '',
      title: 'Test yard',
      trailMinutes: 5,
      alerts: 50,
      tileUrl: '',
      tileAttribution: '',
      wires: [],
      ...m,
    })),
  ]);
}

function server(): Server {
  return (helper as unknown as { _server: Server })._server;
}

/** A browser stand-in: fetches the session token like the page does and queues what the socket sends. */
class Viewer {
  private readonly queue: unknown[] = [];
  private waiting: ((msg: unknown) => void) | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg: unknown = JSON.parse(String(data));
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(msg);
      } else this.queue.push(msg);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static async open(page = '/dogtracker/'): Promise<Viewer> {
    const session = (await (await fetch(`${baseUrl()}${page}session`)).json()) as { token: string };
    const ws = new WebSocket(`${baseUrl().replace('http', 'ws')}${page}ws?token=${session.token}`);
    const viewer = new Viewer(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return viewer;
  }

  next<T = ViewerMsg>(): Promise<T> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift() as T);
    return new Promise((resolve) => (this.waiting = resolve as (msg: unknown) => void));
  }

  close(): void {
    this.ws.close();
  }
}

function position(dog: string, ts: number, x: number, y: number): Record<string, unknown> {
  return {
    v: 1,
    type: 'position',
    dog,
    ts,
    x,
    y,
    accuracy: 1.5,
    vx: 0.5,
    vy: 0,
    scanners: 3,
    method: 'test',
  };
}

describe('tracker-map node', () => {
  before(async () => {
    await helper.startServer();
    serveHttpNode();
  });
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('serves the page, its script and styles, and Leaflet from node_modules', async () => {
    await helper.load(NODES, flow());
    const page = await fetch(`${baseUrl()}/dogtracker/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<title>Test yard<\/title>/);
    assert.match(html, /src="map-assets\/leaflet\/leaflet\.js"/);
    for (const asset of [
      'map.js',
      'map.css',
      'leaflet/leaflet.js',
      'leaflet/leaflet.css',
      'leaflet/images/layers.png',
    ]) {
      const res = await fetch(`${baseUrl()}/dogtracker/map-assets/${asset}`);
      assert.equal(res.status, 200, asset);
      assert.ok((await res.arrayBuffer()).byteLength > 100, asset);
    }
    const redirect = await fetch(`${baseUrl()}/dogtracker`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/dogtracker/');
    // Not ours: left for the next route (the package's metrics, registered by tracker-site).
    const metrics = await fetch(`${baseUrl()}/dogtracker/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /# TYPE dogtracker_readings_total counter/);
    assert.equal((await fetch(`${baseUrl()}/dogtracker/map-assets/../tracker-map.js`)).status, 404);
    assert.equal((await fetch(`${baseUrl()}/dogtracker/nosuchmap/`)).status, 404);
  });

  it('refuses a socket without the page token', async () => {
    await helper.load(NODES, flow());
    const ws = new WebSocket(`${baseUrl().replace('http', 'ws')}/dogtracker/ws?token=guess`);
    ws.on('error', () => undefined);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('open', () => resolve(undefined));
    });
    ws.terminate();
    assert.equal(status, 401);
  });

  it('greets a browser with the site and pushes positions, alerts and scanner states', async () => {
    await helper.load(NODES, flow());
    const map = helper.getNode('map1');
    const viewer = await Viewer.open();
    const snapshot = await viewer.next();
    assert.equal(snapshot.kind, 'snapshot');
    assert.equal(snapshot.site.name, 'Home');
    assert.deepEqual(
      snapshot.site.scanners.map((s) => s.id),
      ['pi-yard-ne', 'pi-yard-nw', 'pi-yard-s'],
    );
    assert.deepEqual(
      snapshot.site.zones.map((z) => `${z.id}:${z.kind}`),
      ['yard:safe', 'pool:forbidden'],
    );
    assert.equal(snapshot.trailS, 300);
    assert.equal(snapshot.alertsKept, 50);

    map.receive({ payload: position('rex', 1763800001000, 12.4, 7.9), topic: 'dogtracker/v1/position/rex' });
    const moved = await viewer.next();
    assert.equal(moved.kind, 'position');
    assert.equal(moved.position.x, 12.4);
    // The site has an origin, so the map node adds WGS84 for the geographic view.
    assert.ok(Math.abs(moved.position.lat - 52.0907) < 0.001);

    map.receive({
      payload: {
        v: 1,
        type: 'alert',
        event: 'exit',
        dog: 'rex',
        zone: 'yard',
        severity: 'critical',
        ts: 1763800009000,
      },
    });
    assert.equal((await viewer.next()).alert.event, 'exit');

    map.receive({ payload: 'offline', topic: 'dogtracker/v1/status/pi-yard-s' });
    assert.deepEqual((await viewer.next()).node, { id: 'pi-yard-s', status: 'offline' });
    viewer.close();

    // A browser that comes later gets it all at once.
    map.receive({ payload: position('rex', 1763800002000, 13, 8) });
    const late = await Viewer.open();
    const state = await late.next();
    const rex = state.dogs.find((d) => d.id === 'rex')!;
    assert.deepEqual(
      rex.trail.map((p) => p.x),
      [12.4, 13],
    );
    assert.equal(state.alerts.length, 1);
    assert.equal(state.nodes.find((n) => n.id === 'pi-yard-s')!.status, 'offline');
    late.close();
  });

  it('reports bad input through done(err) and keeps working', async () => {
    await helper.load(NODES, flow());
    const map = helper.getNode('map1');
    const viewer = await Viewer.open();
    await viewer.next();

    let error = nextError(map);
    map.receive({ payload: { v: 1, type: 'position', dog: 'rex', ts: 1763800001000, y: 3 } });
    assert.match(String(await error), /payload\.x is required/);

    error = nextError(map);
    map.receive({ payload: 'online', topic: 'some/other/topic' });
    assert.match(String(await error), /dogtracker\/v1\/status\/\{node\}/);

    error = nextError(map);
    map.receive({
      payload: [
        position('rex', 1763800001000, 1, 2),
        { type: 'gibberish' },
        position('bella', 1763800001000, 3, 4),
      ],
    });
    assert.match(String(await error), /payload\[1\]\.type must be/);
    // The good items of the batch still reach the page.
    assert.equal((await viewer.next()).position.dog, 'rex');
    assert.equal((await viewer.next()).position.dog, 'bella');

    map.receive({ payload: position('rex', 1763800003000, 5, 6) });
    assert.equal((await viewer.next()).position.x, 5);
    viewer.close();
  });

  it('serves several maps on their own paths and refuses a second map on a taken path', async () => {
    await helper.load(NODES, flow([{}, { path: 'kennel', title: 'Kennel' }, { path: 'kennel' }]));
    assert.match(await (await fetch(`${baseUrl()}/dogtracker/kennel/`)).text(), /<title>Kennel<\/title>/);
    assert.match(
      await (await fetch(`${baseUrl()}/dogtracker/kennel/`)).text(),
      /src="\.\.\/map-assets\/map\.js"/,
    );
    const slashless = await fetch(`${baseUrl()}/dogtracker/kennel`, { redirect: 'manual' });
    assert.equal(slashless.headers.get('location'), '/dogtracker/kennel/');
    const home = await Viewer.open('/dogtracker/');
    const kennel = await Viewer.open('/dogtracker/kennel/');
    await home.next();
    await kennel.next();
    helper.getNode('map2').receive({ payload: position('bella', 1763800001000, 1, 1) });
    helper.getNode('map1').receive({ payload: position('rex', 1763800001000, 2, 2) });
    assert.equal((await kennel.next()).position.dog, 'bella');
    assert.equal((await home.next()).position.dog, 'rex');
    const third = helper.getNode('map3') as Node & { error: { args: unknown[][] } };
    assert.match(String(third.error.args[0][0]), /another tracker-map already serves \/dogtracker\/kennel\//);
    home.close();
    kennel.close();
  });

  it('closes its sockets and removes its upgrade listener on redeploy, leaving no listener behind', async () => {
    const before = server().listenerCount('upgrade');
    await helper.load(NODES, flow([{}, { path: 'second' }]));
    assert.equal(server().listenerCount('upgrade'), before + 2);
    const viewer = await Viewer.open();
    await viewer.next();
    await helper.unload();
    assert.equal(await viewer.closed, 1001);
    assert.equal(server().listenerCount('upgrade'), before);
    assert.equal((await fetch(`${baseUrl()}/dogtracker/`)).status, 404);

    // Deployed again, the page is back with a new token; the old one is refused.
    await helper.load(NODES, flow());
    assert.equal(server().listenerCount('upgrade'), before + 1);
    const again = await Viewer.open();
    assert.equal((await again.next()).kind, 'snapshot');
    again.close();
  });
});
