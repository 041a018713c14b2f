// What influx-write makes of its queue, without Node-RED or a server: the queue options from the
// settings, the error of a partly stored input, the log lines and output of queue events (an outage said
// once, drops summed into one warning a minute), the status (only when its text changes) and the health
// screen's entry.
import assert from 'node:assert/strict';
import { influxQueues } from '../../nodes/influx-write/queue-board';
import {
  folderName,
  notStoredProblem,
  QueueReporter,
  queueOptions,
  unconfiguredEntry,
  type QueueView,
} from '../../nodes/influx-write/queue-reporter';
import type { QueueState, QueueTotals } from '../../nodes/influx-write/write-queue';

class FakeQueue implements QueueView {
  state: QueueState = 'starting';
  queuedPoints = 0;
  problem: string | undefined;
  totals: QueueTotals = { written: 0, rejected: 0, dropped: 0, failedRequests: 0 };
  get status(): QueueView['status'] {
    return {
      state: this.state,
      queued: this.queuedPoints,
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }
}

function reporter(now: { t: number }) {
  const queue = new FakeQueue();
  const logs: string[] = [];
  const r = new QueueReporter(
    {
      id: 'reporter-test',
      name: '',
      description: 'http://influx:8086 db',
      dir: '/q/dir',
      now: () => now.t,
      t: (key, vars) => (vars ? `${key} ${JSON.stringify(vars)}` : key),
      log: {
        log: (text) => logs.push(`log: ${text}`),
        warn: (text) => logs.push(`warn: ${text}`),
        error: (text) => logs.push(`error: ${text}`),
      },
    },
    queue,
  );
  return { r, queue, logs };
}

const entry = () => influxQueues.list().find((e) => e.id === 'reporter-test');

describe('QueueReporter', () => {
  afterEach(() => influxQueues.remove('reporter-test'));

  it('bounds the queue by the settings', () => {
    assert.deepEqual(
      queueOptions({ batchSize: 500, flushMs: 1000, maxQueuedPoints: 100, retryMinS: 5, retryMaxS: 2 }),
      {
        batchSize: 500,
        flushIntervalMs: 1000,
        maxQueuedPoints: 500,
        retryMinMs: 5000,
        retryMaxMs: 5000,
      },
    );
    assert.equal(folderName('a1b2/../c d'), 'a1b2_.._c_d');
  });

  it('lists at most three errors of an input, and the count of the rest', () => {
    assert.equal(notStoredProblem([], {}), undefined);
    assert.equal(notStoredProblem(['bad'], {}), '1 of 1 messages not stored: bad');
    assert.equal(
      notStoredProblem(['a', 'b', 'c', 'd', 'e'], new Array(9)),
      '5 of 9 messages not stored: a; b; c (and 2 more)',
    );
  });

  it('says an outage once, and that the server is back', () => {
    const now = { t: 1000 };
    const { r, logs } = reporter(now);
    r.event({ type: 'unavailable', reason: 'ECONNREFUSED', retryInMs: 1000 });
    r.event({ type: 'unavailable', reason: 'ECONNREFUSED', retryInMs: 2000 });
    const msg = r.event({ type: 'written', points: 3 });
    assert.deepEqual(logs, [
      'warn: http://influx:8086 db unavailable (ECONNREFUSED): queueing points on disk, retrying',
      'log: http://influx:8086 db is back after ECONNREFUSED',
    ]);
    assert.equal(msg.topic, 'influx-write/written');
    assert.deepEqual(msg.payload, {
      type: 'written',
      points: 3,
      queued: 0,
      totals: { written: 0, rejected: 0, dropped: 0, failedRequests: 0 },
      server: 'http://influx:8086 db',
    });
  });

  it('says a refusal once per reason and keeps the last error for the health screen', () => {
    const now = { t: 1000 };
    const { r, queue, logs } = reporter(now);
    r.event({ type: 'refused', reason: 'unauthorized', status: 401, retryInMs: 30_000 });
    now.t = 2000;
    r.event({ type: 'refused', reason: 'unauthorized', status: 401, retryInMs: 30_000 });
    assert.equal(logs.length, 1);
    assert.match(logs[0], /refuses writes \(HTTP 401: unauthorized\).*every 30 s/);
    queue.state = 'refused';
    queue.problem = 'unauthorized';
    queue.queuedPoints = 7;
    assert.deepEqual(r.status(), {
      fill: 'red',
      shape: 'ring',
      text: 'error {"problem":"unauthorized","count":7}',
    });
    assert.deepEqual(entry()?.lastError, { text: 'HTTP 401: unauthorized', at: 2000 });
    assert.equal(entry()?.queued, 7);
  });

  it('sums drops into one warning a minute', () => {
    const now = { t: 100_000 };
    const { r, queue, logs } = reporter(now);
    queue.queuedPoints = 10;
    queue.totals.dropped = 4;
    r.event({ type: 'dropped', points: 4, reason: 'queue full' });
    now.t += 30_000;
    r.event({ type: 'dropped', points: 2, reason: 'queue full' });
    now.t += 30_000;
    queue.totals.dropped = 9;
    r.event({ type: 'dropped', points: 3, reason: 'queue full' });
    assert.deepEqual(logs, [
      'warn: queue full (10 points): dropped the 4 oldest (4 in all); raise "max queued points" or fix the connection',
      'warn: queue full (10 points): dropped the 5 oldest (9 in all); raise "max queued points" or fix the connection',
    ]);
  });

  it('shows a status only when its text changes, and leaves the health screen on close', () => {
    const { r, queue } = reporter({ t: 0 });
    assert.deepEqual(r.status(), { fill: 'grey', shape: 'ring', text: 'readingQueue' });
    assert.equal(r.status(), undefined);
    queue.state = 'buffering';
    queue.queuedPoints = 3;
    assert.deepEqual(r.status(), { fill: 'yellow', shape: 'ring', text: 'buffering {"count":3}' });
    assert.equal(entry()?.state, 'buffering');
    r.close();
    assert.equal(entry(), undefined);
  });

  it('describes a node that cannot write', () => {
    assert.deepEqual(unconfiguredEntry('n1', '', 'no connection', 'why', 5), {
      id: 'n1',
      name: 'no connection',
      server: 'no connection',
      state: 'unconfigured',
      queued: 0,
      lastError: { text: 'why', at: 5 },
      written: 0,
      dropped: 0,
    });
  });
});
