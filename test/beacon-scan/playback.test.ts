import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RssiReading } from '../../nodes/kernel/contract';
import { SourcePipeline } from '../../nodes/beacon-scan/pipeline';
import { decodeServiceData } from '../../nodes/beacon-scan/frames';
import { activityInputs } from '../../nodes/dog-activity/inputs';
import {
  Playback,
  readingFromSimulated,
  SimulatedSource,
  type EventSource,
  type PlaybackSink,
  type Scheduler,
} from '../../nodes/beacon-scan/playback';
import { parseCaptureLine, ReplayFileSource } from '../../nodes/beacon-scan/replay-file';
import { parseSite, type Site } from '../../nodes/kernel/site-document';
import { siteText } from '../tracker-site/fixtures';
import { FakeClock, settle } from './test-bindings';

const T0 = 1_763_800_000_000;

function site(): Site {
  const r = parseSite(siteText());
  assert.ok(r.ok);
  return r.site;
}

const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (h) => clearImmediate(h as NodeJS.Immediate),
};

/** Plays a source through a pipeline to the end; resolves with every reading emitted. */
function playAll(source: EventSource, speed = 0, scheduler = realScheduler): Promise<RssiReading[]> {
  return new Promise((resolve, reject) => {
    const out: RssiReading[] = [];
    const pipeline = new SourcePipeline({}, (e) =>
      out.push(...(Array.isArray(e.payload) ? e.payload : [e.payload])),
    );
    const sink: PlaybackSink = {
      reading: (r) => pipeline.accept(r),
      tick: (ts) => pipeline.tick(ts),
      end: () => {
        pipeline.flush();
        resolve(out);
      },
      error: reject,
    };
    new Playback(source, { speed, chunk: 200 }, scheduler, sink).start().catch(reject);
  });
}

describe('capture lines', () => {
  it('accepts a reading, a batch, and a recorded Node-RED message, renumbering later', () => {
    const r = {
      v: 1,
      type: 'rssi',
      scanner: 'pi',
      seq: 7,
      ts: 5,
      mac: 'AC-23-3F-A3-80-4B',
      rssi: -60,
      frame: 'ibeacon',
    };
    const one = parseCaptureLine(JSON.stringify(r));
    assert.ok(one.ok);
    assert.deepEqual(one.readings, [
      { v: 1, type: 'rssi', scanner: 'pi', ts: 5, mac: 'ac:23:3f:a3:80:4b', rssi: -60, frame: 'ibeacon' },
    ]);
    const batch = parseCaptureLine(JSON.stringify([r, { ...r, ts: 6 }]));
    assert.ok(batch.ok && batch.readings.length === 2);
    const msg = parseCaptureLine(JSON.stringify({ topic: 'dogtracker/v1/rssi/pi', payload: r }));
    assert.ok(msg.ok && msg.readings[0].ts === 5);
  });

  it('says what is wrong with a bad line', () => {
    const problem = (line: string): string => {
      const r = parseCaptureLine(line);
      assert.ok(!r.ok);
      return r.problem;
    };
    assert.match(problem('{"scanner":'), /^not JSON/);
    assert.equal(problem('42'), 'not a reading object');
    assert.equal(
      problem('{"type":"position","scanner":"a","ts":1,"mac":"m","rssi":1}'),
      'type is "position", not "rssi"',
    );
    assert.equal(
      problem('{"scanner":"a","ts":"yesterday","mac":"m","rssi":1}'),
      'ts must be a number (ms since the epoch)',
    );
    assert.equal(
      problem('[{"scanner":"a","ts":1,"mac":"m","rssi":1},{"scanner":"a","ts":1,"mac":"m"}]'),
      'item 1: rssi must be a number',
    );
  });
});

describe('replay file', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'beacon-replay-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a capture in small chunks, skipping bad lines with their line numbers', async () => {
    const lines = [];
    for (let i = 0; i < 50; i++) {
      lines.push(
        JSON.stringify({
          v: 1,
          type: 'rssi',
          scanner: 'pi-ü',
          ts: T0 + i * 100,
          mac: 'aa:bb:cc:dd:ee:ff',
          rssi: -60 - (i % 20),
          minew: { name: 'Bällchen' },
        }),
      );
    }
    lines.splice(10, 0, 'garbage');
    lines.splice(20, 0, '');
    lines.splice(30, 0, '{"scanner":"x","ts":1,"mac":"m"}');
    const file = path.join(dir, 'capture.jsonl');
    writeFileSync(file, lines.join('\n')); // no newline at the end
    const warnings: string[] = [];
    const source = new ReplayFileSource(file, {
      warn: (line, p) => warnings.push(`${line}: ${p}`),
      chunkBytes: 37,
    });
    const out = await playAll(source);
    assert.equal(out.length, 50);
    assert.deepEqual(
      out.map((r) => r.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.ok(
      out.every((r) => r.scanner === 'pi-ü' && r.minew?.name === 'Bällchen'),
      'multi-byte text across chunks',
    );
    assert.deepEqual(
      warnings.map((w) => w.split(':')[0]),
      ['11', '31'],
    );
    assert.match(warnings[1], /rssi must be a number/);
  });

  it('fails clearly on a missing file', async () => {
    await assert.rejects(
      playAll(new ReplayFileSource(path.join(dir, 'nope.jsonl'), { warn: () => undefined })),
      /ENOENT/,
    );
  });

  it('replays a recorded simulation to the same readings', async () => {
    const recorded = await playAll(
      new SimulatedSource(site(), { startTs: T0, seed: 5, durationMs: 20_000, advIntervalMs: 300 }),
    );
    assert.ok(recorded.length > 100);
    const file = path.join(dir, 'recorded.jsonl');
    writeFileSync(file, recorded.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const replayed = await playAll(new ReplayFileSource(file, { warn: () => assert.fail('no bad line') }));
    assert.deepEqual(replayed, recorded);
  });
});

describe('Playback', () => {
  it('simulates deterministically for a seed, in event time from the start time', async () => {
    const opts = { startTs: T0, seed: 9, durationMs: 10_000, scanners: ['pi-yard-ne'] };
    const a = await playAll(new SimulatedSource(site(), opts));
    const b = await playAll(new SimulatedSource(site(), opts));
    assert.deepEqual(a, b);
    assert.ok(a.every((r) => r.scanner === 'pi-yard-ne' && r.ts >= T0 && r.ts <= T0 + 10_000));
    assert.ok(new Set(a.map((r) => r.dog)).size === 2, 'both dogs heard');
    const bella = a.find((r) => r.dog === 'bella')!;
    assert.equal(bella.frame, 'ibeacon');
    assert.deepEqual(bella.ibeacon, { uuid: 'fda50693-a4e2-4fb1-afcf-c6eb07647825', major: 1, minor: 2 });
    for (let i = 1; i < a.length; i++) assert.ok(a[i].ts >= a[i - 1].ts, 'in time order');
  });

  it('as fast as possible, yields to the event loop between chunks', async () => {
    let ticks = 0;
    let running = true;
    const spin = (): void => {
      ticks++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const out = await playAll(
      new SimulatedSource(site(), { startTs: T0, seed: 1, durationMs: 120_000, advIntervalMs: 100 }),
    );
    running = false;
    assert.ok(out.length > 4000);
    assert.ok(ticks >= out.length / 200 / 2, `other work ran ${ticks} times during ${out.length} readings`);
  });

  it('paces at N times real time on the wall clock, keeping event time', async () => {
    const clock = new FakeClock();
    const scheduler: Scheduler = {
      ...realScheduler,
      now: () => clock.now(),
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (h) => clock.clearTimeout(h),
    };
    const out: RssiReading[] = [];
    const pipeline = new SourcePipeline({}, (e) => out.push(e.payload as RssiReading));
    const source = new SimulatedSource(site(), { startTs: T0, seed: 2, advIntervalMs: 200 });
    const playback = new Playback(source, { speed: 10, tickMs: 50 }, scheduler, {
      reading: (r) => pipeline.accept(r),
      tick: (ts) => pipeline.tick(ts),
      end: () => assert.fail('a paced simulation has no end'),
      error: (e) => assert.fail(String(e)),
    });
    await playback.start();
    for (let i = 0; i < 20; i++) {
      clock.advance(50);
      await settle();
    }
    // 1 s of wall time at 10x: 10 s of event time.
    assert.ok(out.length > 0);
    const last = out[out.length - 1].ts;
    assert.ok(last <= T0 + 10_000 && last > T0 + 9_000, `last reading at +${last - T0} ms`);
    playback.stop();
    assert.equal(clock.pending, 0);
  });

  it('paced, sleeps until the sink is due (one wake-up per batch) instead of polling', async () => {
    const clock = new FakeClock();
    let timers = 0;
    const scheduler: Scheduler = {
      ...realScheduler,
      now: () => clock.now(),
      setTimeout: (fn, ms) => {
        timers++;
        return clock.setTimeout(fn, ms);
      },
      clearTimeout: (h) => clock.clearTimeout(h),
    };
    const batches: RssiReading[][] = [];
    const pipeline = new SourcePipeline({ batchMs: 1000, maxPerSecond: 4 }, (e) =>
      batches.push(e.payload as RssiReading[]),
    );
    const source = new SimulatedSource(site(), {
      startTs: T0,
      seed: 2,
      advIntervalMs: 200,
      scanners: ['pi-yard-ne'],
    });
    const playback = new Playback(source, { speed: 1, tickMs: 1000 }, scheduler, {
      reading: (r) => pipeline.accept(r),
      tick: (ts) => pipeline.tick(ts),
      due: () => pipeline.nextDue(),
      end: () => assert.fail('a paced simulation has no end'),
      error: (e) => assert.fail(String(e)),
    });
    await playback.start();
    for (let i = 0; i < 100; i++) {
      clock.advance(100);
      await settle();
    }
    playback.stop();
    // 10 s of wall time: about one wake-up per batch (a fixed 50 ms tick would have been 200).
    assert.ok(timers <= 25, `${timers} wake-ups`);
    assert.ok(batches.length >= 8 && batches.length <= 11, `${batches.length} batches`);
    for (const batch of batches) {
      const span = batch[batch.length - 1].ts - batch[0].ts;
      assert.ok(span < 1000, `a batch spans ${span} ms of event time`);
    }
  });
});

describe('readingFromSimulated', () => {
  it('passes a simulated accelerometer advert on as the decoder gives a real Minew accelerometer frame', () => {
    // A real frame: version a1, type 03, battery 87 %, x 0.5 g, y -0.25 g, z 1 g (signed 8.8), MAC reversed.
    const bytes = Uint8Array.from([
      0xa1, 0x03, 87, 0x00, 0x80, 0xff, 0xc0, 0x01, 0x00, 0x4b, 0x80, 0xa3, 0x3f, 0x23, 0xac,
    ]);
    const decoded = decodeServiceData('ffe1', bytes) as { frame: string; minew: unknown; battery?: number };
    const reading = readingFromSimulated({
      ts: 1763800000000,
      scanner: 'pi-yard-ne',
      dog: 'rex',
      mac: 'ac:23:3f:a3:80:4b',
      id: 'mac:ac:23:3f:a3:80:4b',
      rssi: -70,
      txPower: -59,
      frame: 'minew-accel',
      accel: [0.5, -0.25, 1],
      battery: 87,
    });
    assert.equal(reading.frame, decoded.frame);
    assert.deepEqual(reading.minew, decoded.minew);
    assert.equal(reading.battery, decoded.battery);
    // dog-activity takes it as an accelerometer frame.
    assert.deepEqual(activityInputs(reading).problems, []);
    // A plain advert carries no accelerometer fields.
    const plain = readingFromSimulated({
      ...reading,
      frame: undefined,
      accel: undefined,
      battery: undefined,
    } as never);
    assert.equal(plain.minew, undefined);
    assert.notEqual(plain.frame, 'minew-accel');
  });
});
