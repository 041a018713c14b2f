import assert from 'node:assert/strict';
import type { RssiReading } from '../../nodes/kernel/contract';
import { Random } from '../../nodes/kernel/random';
import { readingsFrom } from '../../nodes/kernel/rssi-reading';
import { RssiSmoother } from '../../nodes/rssi-filter/rssi-smoother';
import { SeqTracker, SEQ_WINDOW } from '../../nodes/rssi-filter/seq-tracker';

function reading(ts: number, rssi: number, extra: Partial<RssiReading> = {}): RssiReading {
  return { v: 1, type: 'rssi', scanner: 'pi-a', ts, mac: 'ac:23:3f:a3:80:4b', rssi, ...extra };
}

describe('RssiSmoother (Kalman)', () => {
  it('converges on a steady level with a variance far below one reading', () => {
    const rng = new Random(3);
    const f = new RssiSmoother();
    let last: RssiReading | undefined;
    for (let i = 0; i < 200; i++) last = f.accept(reading(i * 200, -70 + 3 * rng.normal())).reading ?? last;
    assert.ok(last);
    assert.ok(Math.abs(last.rssi + 70) < 3 * Math.sqrt(last.rssiVar!), `settled at ${last.rssi}`);
    assert.ok(last.rssiVar! < 9 / 2, `variance ${last.rssiVar}`);
    assert.equal(typeof last.rssiRaw, 'number');
  });

  it('drops a 15 dB reflection, and accepts a real step after three readings at the new level', () => {
    const f = new RssiSmoother();
    for (let i = 0; i < 20; i++) f.accept(reading(i * 200, -70));
    assert.equal(f.accept(reading(4000, -55)).verdict, 'outlier');
    assert.equal(f.accept(reading(4200, -70)).verdict, 'filtered');
    const step = [4400, 4600, 4800, 5000].map((ts) => f.accept(reading(ts, -85)));
    assert.deepEqual(
      step.map((s) => s.verdict),
      ['outlier', 'outlier', 'outlier', 'filtered'],
    );
    assert.equal(step[3].reading!.rssi, -85, 'restarted at the new level');
    assert.equal(f.stats.outliers, 4);
  });

  it('uses a reading older than the pair with no time step, and keeps the newest ts', () => {
    const f = new RssiSmoother();
    f.accept(reading(10_000, -70));
    const late = f.accept(reading(9_000, -72));
    assert.equal(late.verdict, 'filtered');
    assert.ok(late.reading!.rssi < -70 && late.reading!.rssi > -72);
    // With no process noise added the variance only shrinks.
    assert.ok(late.reading!.rssiVar! < 9);
  });

  it('forgets pairs not heard for forgetAfterMs of event time, and caps the number of pairs', () => {
    const f = new RssiSmoother({ forgetAfterMs: 10_000, maxPairs: 3 });
    for (let i = 0; i < 5; i++) f.accept(reading(i, -70, { mac: `ac:23:3f:a3:80:0${i}` }));
    assert.equal(f.pairCount, 3);
    assert.equal(f.stats.evicted, 2);
    f.accept(reading(20_000, -70, { mac: 'ac:23:3f:a3:80:09' }));
    assert.equal(f.pairCount, 1);
    assert.equal(f.stats.forgotten, 3);
  });

  it('median and trimmed-mean windows ignore a single outlier', () => {
    for (const mode of ['median', 'trimmed-mean'] as const) {
      const f = new RssiSmoother({ mode, windowSize: 5, gateSigmas: 0 });
      const values = [-70, -71, -40, -69, -70];
      let last: RssiReading | undefined;
      values.forEach((v, i) => (last = f.accept(reading(i * 100, v)).reading));
      assert.ok(Math.abs(last!.rssi + 70) <= 0.7, `${mode}: ${last!.rssi}`);
    }
  });

  it('refuses settings that make no sense, naming them', () => {
    assert.throws(
      () => new RssiSmoother({ measurementNoise: 0 }),
      /measurementNoise must be more than 0 dB², not 0/,
    );
    assert.throws(() => new RssiSmoother({ windowSize: 0 }), /windowSize must be at least 1, not 0/);
    // A filter that never rejects twice in a row is a pass-through; a variance must be a finite number.
    assert.throws(() => new RssiSmoother({ maxRejections: 0 }), /maxRejections must be at least 1, not 0/);
    assert.throws(() => new RssiSmoother({ processNoise: Infinity }), /processNoise must be a finite number/);
    assert.throws(
      () => new RssiSmoother({ measurementNoise: Number.NaN }),
      /measurementNoise must be a finite/,
    );
    assert.throws(() => new RssiSmoother({ mode: 'mean' as never }), /mode must be one of/);
  });
});

describe('SeqTracker', () => {
  it('counts gaps, drops duplicates, accepts late ones, and sees a restart', () => {
    const s = new SeqTracker();
    assert.equal(s.check('a', 1, 100).verdict, 'new');
    assert.deepEqual(s.check('a', 4, 400), { verdict: 'new', gap: 2, newestTs: 400 });
    assert.equal(s.check('a', 4, 400).verdict, 'duplicate');
    assert.equal(s.check('a', 2, 200).verdict, 'late');
    assert.equal(s.check('a', 2, 200).verdict, 'duplicate');
    // The scanner rebooted and counts from 1 again, with later times.
    assert.equal(s.check('a', 1, 900).verdict, 'restart');
    assert.equal(s.check('a', 2, 1000).verdict, 'new');
    assert.equal(s.check('a', 2 - SEQ_WINDOW + SEQ_WINDOW, 1000).verdict, 'duplicate');
    assert.equal(s.check('b', undefined, 5).verdict, 'none');
  });
});

describe('readingsFrom', () => {
  it('keeps the good readings of a batch and names each bad field', () => {
    const batch = readingsFrom([reading(1, -70), { ...reading(2, -70), rssi: Number.NaN }, 'garbage', null]);
    assert.equal(batch.readings.length, 1);
    assert.equal(batch.batch, true);
    assert.deepEqual(batch.problems, [
      'payload[1].rssi must be a finite number (dBm), not NaN',
      'payload[2] must be an rssi reading object (or an array of them), not "garbage"',
      'payload[3] must be an rssi reading object (or an array of them), not null',
    ]);
    assert.match(
      readingsFrom({ ...reading(1, -70), ts: '1' }).problems[0],
      /payload\.ts must be a finite number/,
    );
    // JSON text or bytes, as an mqtt in node gives them.
    assert.equal(readingsFrom(JSON.stringify([reading(1, -70), reading(2, -71)])).readings.length, 2);
    assert.equal(readingsFrom(Buffer.from(JSON.stringify(reading(1, -70)))).readings[0].rssi, -70);
    assert.match(readingsFrom('{"v":1,').problems[0], /^payload is text but not valid JSON: "{\\"v\\":1,"/);
  });
});
