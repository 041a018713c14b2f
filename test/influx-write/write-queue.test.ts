// The write queue against a scripted server: batching, backoff, the disk queue, its bound, bad points.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { InfluxSink, WriteOutcome } from '../../nodes/tracker-influx/sink';
import { WriteQueue, type QueueEvent, type WriteQueueOptions } from '../../nodes/influx-write/write-queue';

/** A server that answers as `answer` says and records every request. */
class ScriptedServer implements InfluxSink {
  readonly description = 'scripted';
  requests: string[][] = [];
  stored: string[] = [];
  answer: (lines: readonly string[]) => WriteOutcome = () => ({ kind: 'written' });

  async write(lines: readonly string[]): Promise<WriteOutcome> {
    await new Promise((r) => setImmediate(r));
    this.requests.push([...lines]);
    const outcome = this.answer(lines);
    if (outcome.kind === 'written') this.stored.push(...lines);
    return outcome;
  }

  /** Resolves once `test` holds: the queue's state changes on its own timers and disk work, so look often. */
  async until(test: () => boolean): Promise<void> {
    while (!test()) await new Promise((r) => setTimeout(r, 2));
  }
}

const points = (from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `m f=${from + i} ${from + i}`);
const down: WriteOutcome = { kind: 'unavailable', reason: 'ECONNREFUSED' };

describe('influx-write: write queue', () => {
  let dir: string;
  let server: ScriptedServer;
  let events: QueueEvent[];
  const queues: WriteQueue[] = [];

  const makeQueue = (options: Partial<WriteQueueOptions> = {}): WriteQueue => {
    const queue = new WriteQueue({
      sink: server,
      dir,
      batchSize: 1000,
      flushIntervalMs: 20,
      maxQueuedPoints: 100_000,
      retryMinMs: 5,
      retryMaxMs: 40,
      onEvent: (e) => events.push(e),
      ...options,
    });
    queues.push(queue);
    return queue;
  };
  const segmentFiles = (): string[] =>
    existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.lp')) : [];

  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'influx-queue-')), 'node1');
    server = new ScriptedServer();
    events = [];
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close(100)));
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('sends full batches at once and the rest when the flush interval has passed, in order', async () => {
    const queue = makeQueue();
    await queue.open();
    queue.add(points(0, 2500));
    await server.until(() => server.stored.length === 2500);
    assert.deepEqual(
      server.requests.map((r) => r.length),
      [1000, 1000, 500],
    );
    assert.deepEqual(server.stored, points(0, 2500));
    assert.equal(queue.queuedPoints, 0);
    assert.equal(queue.status.state, 'connected');
    assert.deepEqual(segmentFiles(), [], 'nothing went to disk while the server kept up');
  });

  it('while the server is down, retries with growing delays, keeps the batches on disk, then replays them in order', async () => {
    const queue = makeQueue({ retryMinMs: 5, retryMaxMs: 20 });
    await queue.open();
    server.answer = () => down;
    queue.add(points(0, 3000));
    await server.until(() => server.requests.length >= 5);
    const delays = events.flatMap((e) => (e.type === 'unavailable' ? [e.retryInMs] : []));
    assert.deepEqual(delays.slice(0, 4), [5, 10, 20, 20]);
    assert.equal(queue.status.state, 'buffering');
    queue.add(points(3000, 10));
    await server.until(() => segmentFiles().length === 4);
    server.answer = () => ({ kind: 'written' });
    await server.until(() => server.stored.length === 3010);
    assert.deepEqual(server.stored, points(0, 3010));
    await server.until(() => segmentFiles().length === 0);
    assert.equal(queue.queuedPoints, 0);
    assert.equal(queue.totals.written, 3010);
  });

  it('drops only the lines the server rejects, finding them by halving the batch', async () => {
    const queue = makeQueue({ batchSize: 8 });
    await queue.open();
    server.answer = (lines) =>
      lines.some((l) => l.includes('f=3 ') || l.includes('f=6 '))
        ? { kind: 'rejected', reason: 'field type conflict', status: 400 }
        : { kind: 'written' };
    queue.add(points(0, 8));
    await server.until(() => server.stored.length === 6);
    assert.deepEqual(server.stored, ['m f=0 0', 'm f=1 1', 'm f=2 2', 'm f=4 4', 'm f=5 5', 'm f=7 7']);
    const rejected = events.filter((e) => e.type === 'rejected');
    assert.deepEqual(
      rejected.map((e) => e.type === 'rejected' && e.reason),
      ['field type conflict (point: m f=3 3)', 'field type conflict (point: m f=6 6)'],
    );
    assert.equal(queue.totals.rejected, 2);
    assert.equal(queue.totals.written, 6);
  });

  it('counts what InfluxDB dropped in a partial write, without sending the batch again', async () => {
    const queue = makeQueue({ batchSize: 4 });
    await queue.open();
    server.answer = () => ({
      kind: 'partial',
      dropped: 1,
      reason: 'partial write: field type conflict dropped=1',
      status: 400,
    });
    queue.add(points(0, 4));
    await server.until(() => queue.totals.written === 3);
    assert.equal(server.requests.length, 1);
    assert.equal(queue.totals.rejected, 1);
  });

  it('when full, drops the oldest points, counts them, and keeps the newest in order', async () => {
    const queue = makeQueue({ batchSize: 100, maxQueuedPoints: 250 });
    await queue.open();
    server.answer = () => down;
    queue.add(points(0, 100));
    await server.until(() => server.requests.length >= 1);
    queue.add(points(100, 300));
    await server.until(() => segmentFiles().length >= 3);
    // The batch in flight (or waiting to be retried) is the oldest; beyond it the oldest go first.
    const dropped = events.reduce((n, e) => n + (e.type === 'dropped' ? e.points : 0), 0);
    assert.equal(dropped, 150);
    assert.equal(queue.queuedPoints, 250);
    server.answer = () => ({ kind: 'written' });
    await server.until(() => server.stored.length === 250);
    assert.equal(new Set(server.stored).size, 250);
    assert.deepEqual(
      server.stored,
      server.stored.slice().sort((a, b) => Number(a.split(' ')[2]) - Number(b.split(' ')[2])),
    );
    assert.deepEqual(server.stored.slice(-150), points(250, 150));
  });

  it('puts what is unsent on disk at close, and a new queue on the same folder writes it, each point once', async () => {
    const first = makeQueue({ batchSize: 500 });
    await first.open();
    server.answer = () => down;
    first.add(points(0, 1234));
    await server.until(() => server.requests.length >= 1);
    await first.close(100);
    assert.equal(
      segmentFiles().reduce((n, f) => n + Number(f.split('-')[1].split('.')[0]), 0),
      1234,
    );

    server.answer = () => ({ kind: 'written' });
    const second = makeQueue({ batchSize: 500 });
    assert.equal(await second.open(), 1234);
    second.add(points(1234, 6));
    await server.until(() => server.stored.length === 1240);
    assert.deepEqual(server.stored, points(0, 1240));
    assert.deepEqual(
      events.find((e) => e.type === 'restored'),
      { type: 'restored', points: 1234 },
    );
  });

  it('flushes what is in memory on close when the server is up', async () => {
    const queue = makeQueue({ flushIntervalMs: 60_000 });
    await queue.open();
    queue.add(points(0, 10));
    await queue.close(5000);
    assert.deepEqual(server.stored, points(0, 10));
    assert.deepEqual(segmentFiles(), []);
  });

  it('gives up on a server that never answers when the close budget runs out, and keeps the batch on disk', async () => {
    const hanging: InfluxSink = {
      description: 'hanging',
      write: (_lines, signal) =>
        new Promise((resolve) =>
          signal?.addEventListener('abort', () => resolve({ kind: 'unavailable', reason: 'aborted' })),
        ),
    };
    const queue = makeQueue({ sink: hanging, flushIntervalMs: 1 });
    await queue.open();
    queue.add(points(0, 7));
    const started = Date.now();
    await queue.close(2500); // 2 s of it are kept for the disk
    const took = Date.now() - started;
    assert.ok(took >= 450 && took < 2000, `closed in ${took} ms`);
    assert.deepEqual(segmentFiles(), ['000000000000-7.lp']);
  });

  it('keeps points the server refuses (bad credentials) and retries at the longest delay', async () => {
    const queue = makeQueue({ retryMaxMs: 30 });
    await queue.open();
    server.answer = () => ({ kind: 'refused', reason: 'authorization failed', status: 401 });
    queue.add(points(0, 5));
    await server.until(() => server.requests.length >= 2);
    assert.equal(queue.status.state, 'refused');
    assert.equal(queue.status.problem, 'authorization failed');
    const refused = events.find((e) => e.type === 'refused');
    assert.equal(refused?.type === 'refused' && refused.retryInMs, 30);
    server.answer = () => ({ kind: 'written' });
    await server.until(() => server.stored.length === 5);
    assert.equal(queue.totals.rejected + queue.totals.dropped, 0);
  });
});
