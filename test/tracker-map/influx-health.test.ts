// The InfluxDB queue on the map's health screen, on the real Node-RED runtime: with no influx-write the
// map says it is off; with one whose server does not answer, the map's socket tells the queue's depth,
// the event time of its oldest point and the last write error, and the entry goes with the node. And
// the write queue's oldest point itself: out of order, and restored from disk.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'fs';
import { createServer } from 'net';
import * as os from 'os';
import * as path from 'path';
import WebSocket from 'ws';
import influxWrite = require('../../nodes/influx-write/influx-write');
import trackerInflux = require('../../nodes/tracker-influx/tracker-influx');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { influxQueues, type InfluxQueueHealth } from '../../nodes/influx-write/queue-board';
import { WriteQueue } from '../../nodes/influx-write/write-queue';
import type { InfluxSink, WriteOutcome } from '../../nodes/tracker-influx/sink';
import { helper, onTab, type FlowNode } from '../support/flow';
import { siteText } from '../tracker-site/fixtures';
import { baseUrl, serveHttpNode, trackerMapServed } from './harness';

const NODES = [trackerSite, trackerMapServed, trackerInflux, influxWrite];
const TS = Date.UTC(2026, 0, 10, 9, 30);

interface Update {
  kind: string;
  influx?: InfluxQueueHealth[];
}

/** The map's socket as the page opens it; resolves with the first message that satisfies `match`. */
class Viewer {
  private readonly seen: Update[] = [];
  private readonly waiters: Array<{ match: (u: Update) => boolean; resolve: (u: Update) => void }> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const update = JSON.parse(String(data)) as Update;
      this.seen.push(update);
      for (const w of [...this.waiters])
        if (w.match(update)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(update);
        }
    });
  }

  static async open(): Promise<Viewer> {
    const session = (await (await fetch(`${baseUrl()}/dogtracker/session`)).json()) as { token: string };
    const ws = new WebSocket(`${baseUrl().replace('http', 'ws')}/dogtracker/ws?token=${session.token}`);
    const viewer = new Viewer(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return viewer;
  }

  until(match: (u: Update) => boolean): Promise<Update> {
    const found = this.seen.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  close(): void {
    this.ws.close();
  }
}

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function flow(extra: FlowNode[]): FlowNode[] {
  return onTab([
    { id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() },
    {
      id: 'map1',
      type: 'tracker-map',
      name: 'the map',
      site: 'site1',
      path: '',
      title: 'Test yard',
      trailMinutes: 5,
      alerts: 50,
      tileUrl: '',
      tileAttribution: '',
      wires: [],
    },
    ...extra,
  ]);
}

describe('tracker-map: the InfluxDB queue on the health screen', function () {
  this.timeout(30_000);
  let userDir: string;
  let viewer: Viewer | undefined;

  before(async () => {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'map-influx-'));
    helper.settings({ userDir });
    await helper.startServer();
    serveHttpNode();
  });
  after(async () => {
    await helper.stopServer();
    helper.settings({});
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    viewer?.close();
    viewer = undefined;
    await helper.unload();
  });

  it('says off (an empty list) when no influx-write runs, as in the demo', async () => {
    await helper.load(NODES, flow([]));
    viewer = await Viewer.open();
    const snapshot = await viewer.until((u) => u.kind === 'snapshot');
    assert.deepEqual(snapshot.influx, []);
  });

  it("tells the queue's depth, its oldest point and the last write error of a server that does not answer", async () => {
    const port = await closedPort();
    await helper.load(
      NODES,
      flow([
        {
          id: 'conn1',
          type: 'tracker-influx',
          name: 'away influx',
          version: '1',
          url: `http://127.0.0.1:${port}`,
          database: 'dogs',
          timeoutS: 2,
        },
        {
          id: 'w1',
          type: 'influx-write',
          name: 'store',
          server: 'conn1',
          batchSize: 10,
          flushMs: 20,
          maxQueuedPoints: 1000,
          retryMinS: 30,
          retryMaxS: 60,
          rawReadings: 'all',
          wires: [[]],
        },
      ]),
    );
    viewer = await Viewer.open();
    const snapshot = await viewer.until((u) => u.kind === 'snapshot');
    assert.equal(snapshot.influx?.length, 1);
    assert.equal(snapshot.influx?.[0].id, 'w1');
    assert.equal(snapshot.influx?.[0].queued, 0);

    const w1 = helper.getNode('w1');
    for (const [i, ts] of [TS + 2000, TS, TS + 1000].entries())
      w1.receive({
        payload: { v: 1, type: 'position', dog: 'rex', ts, x: i, y: 2, accuracy: 1.5, scanners: 3 },
      });
    const update = await viewer.until(
      (u) => u.kind === 'influx' && u.influx?.[0]?.state === 'buffering' && u.influx[0].queued === 3,
    );
    const queue = update.influx?.[0];
    assert.ok(queue);
    assert.equal(queue.name, 'store');
    assert.match(queue.server, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.equal(queue.oldestTs, TS, 'the oldest point by event time, not the first queued');
    assert.ok(queue.lastError, 'the failed write is told');
    assert.ok(queue.lastError.text.length > 0 && queue.lastError.text.length <= 120);
    assert.equal(queue.written, 0);

    await helper.unload();
    assert.deepEqual(
      influxQueues.list().filter((q) => q.id === 'w1'),
      [],
      'a closed node leaves the board',
    );
  });

  it('shows an influx-write without a connection as not set up, with why', async () => {
    await helper.load(
      NODES,
      flow([{ id: 'w2', type: 'influx-write', name: 'nowhere', server: '', wires: [[]] }]),
    );
    viewer = await Viewer.open();
    const snapshot = await viewer.until((u) => u.kind === 'snapshot');
    assert.equal(snapshot.influx?.[0]?.state, 'unconfigured');
    assert.match(snapshot.influx?.[0]?.lastError?.text ?? '', /no tracker-influx connection/);
  });
});

describe('influx-write: the oldest point waiting', () => {
  let dir: string;
  const down: InfluxSink = {
    description: 'away',
    write: (): Promise<WriteOutcome> => Promise.resolve({ kind: 'unavailable', reason: 'ECONNREFUSED' }),
  };
  const options = {
    sink: down,
    batchSize: 2,
    flushIntervalMs: 5,
    maxQueuedPoints: 100,
    retryMinMs: 60_000,
    retryMaxMs: 60_000,
  };

  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'oldest-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the smallest timestamp queued, in memory and on disk, and again after a restart', async () => {
    const first = new WriteQueue({ ...options, dir });
    assert.equal(first.status.oldestTs, undefined);
    await first.open();
    first.add(['m f=1 1700000000500', 'm f=2 1700000000100', 'm f=3 1700000000900']);
    assert.equal(first.status.oldestTs, 1700000000100);
    await first.close(1000);

    // Restored from disk: known once the head is read for its (failing) write.
    let failed = (): void => undefined;
    const attempted = new Promise<void>((resolve) => (failed = resolve));
    const second = new WriteQueue({
      ...options,
      dir,
      onEvent: (e) => (e.type === 'unavailable' ? failed() : undefined),
    });
    await second.open();
    assert.equal(second.status.queued, 3);
    await attempted;
    assert.equal(second.status.oldestTs, 1700000000100);
    await second.close(1000);
  });
});
