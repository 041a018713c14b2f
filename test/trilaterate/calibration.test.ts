import { strict as assert } from 'assert';
import { Random } from '../../nodes/kernel/random';
import { SiteSimulator, NO_NOISE, DEFAULT_NOISE } from '../../nodes/kernel/simulation';
import { validateSite, type Site } from '../../nodes/kernel/site-document';
import { SiteView } from '../../nodes/kernel/site-view';
import { LinkCalibration, scannerOfBeacon, type CalibrationState } from '../../nodes/trilaterate/calibration';
import { Locator } from '../../nodes/trilaterate/locator';

const TRUE_OFFSETS: Record<string, number> = { sw: 3.5, se: -2, e: 1, ne: -4, nw: 0.5, w: 1 };

/** The yard; `shiftX` moves scanners east by that many metres. */
function yard(offsets: Record<string, number> = {}, shiftX: Record<string, number> = {}): Site {
  const r = validateSite({
    name: 'yard',
    defaults: { rssiAt1m: -59, pathLossExponent: 2.2, tagHeight: 0.5 },
    scanners: [
      ['sw', 0, 0],
      ['se', 20, 0],
      ['e', 20, 15],
      ['ne', 20, 30],
      ['nw', 0, 30],
      ['w', 0, 15],
    ].map(([id, x, y]) => ({
      id,
      x: (x as number) + (shiftX[id as string] ?? 0),
      y,
      z: 1.5,
      rssiOffset: offsets[id as string] ?? 0,
    })),
    dogs: [{ id: 'rex', beacon: 'ac:23:3f:a3:80:4b' }],
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.site;
}

/** Offsets centred on zero: the fit learns them relative to each other (a common part is the collars'). */
function centred(o: Record<string, number>): Record<string, number> {
  const mean = Object.values(o).reduce((s, v) => s + v, 0) / Object.values(o).length;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v - mean]));
}

describe('scanner-to-scanner calibration', () => {
  it('names scanner beacons by the scanner: prefix only', () => {
    assert.equal(scannerOfBeacon('scanner:kitchen'), 'kitchen');
    assert.equal(scannerOfBeacon('SCANNER:hall'), 'hall');
    assert.equal(scannerOfBeacon('scanner:'), undefined);
    assert.equal(scannerOfBeacon('mac:ac:23:3f:a3:80:4b'), undefined);
    assert.equal(scannerOfBeacon(undefined), undefined);
  });

  it('recovers receive offsets within about 1 dB from noisy simulated links', () => {
    const truth = yard(TRUE_OFFSETS);
    const noise = { ...DEFAULT_NOISE, shadowingSigmaDb: 1.5, scannerOffsetSigmaDb: 0 };
    const tx = { sw: 2, se: -1, e: 0, ne: 1.5, nw: -2.5, w: 0 };
    const want = centred(TRUE_OFFSETS);
    for (const seed of [1, 2, 3, 4]) {
      const sim = new SiteSimulator(truth, { startTs: 0, seed, noise });
      const cal = new LinkCalibration();
      for (let t = 0; t < 300; t++)
        for (const a of sim.scannerBeaconAdverts(t * 1000, { rssiAt1m: -59, txErrorDb: tx }))
          cal.observe(scannerOfBeacon(a.id)!, a.scanner, a.rssi);
      const fit = cal.fit(yard().scanners, -59);
      assert.equal(fit.size, 6);
      let sq = 0;
      for (const [id, c] of fit) {
        const error = c.offsetDb - want[id]!;
        sq += error * error;
        // The link shadowing is frozen: one scanner may be off by more than its share.
        assert.ok(
          Math.abs(error) < 2,
          `seed ${seed} ${id}: ${c.offsetDb.toFixed(2)} vs ${want[id]!.toFixed(2)}`,
        );
        assert.ok(c.offsetSigmaDb > 0 && c.offsetSigmaDb < 5, `${id} sigma ${c.offsetSigmaDb}`);
        assert.ok(Math.abs(c.exponentDelta) < 0.3, `${id} exponent ${c.exponentDelta}`);
      }
      assert.ok(Math.sqrt(sq / 6) < 1, `seed ${seed}: RMS error ${Math.sqrt(sq / 6).toFixed(2)} dB`);
    }
  });

  it('in a 4-scanner site with 4 dB link shadowing, makes the offsets better than none, not worse', () => {
    // The sparse layout: 6 pairs, each with one shadowing both ways; transmit powers off by up to 3 dB.
    const corners = (offsets: Record<string, number> = {}): Site => {
      const r = validateSite({
        name: 'sparse',
        defaults: { rssiAt1m: -59, pathLossExponent: 2.2, tagHeight: 0.5 },
        scanners: [
          ['sw', 0, 0],
          ['se', 20, 0],
          ['ne', 20, 30],
          ['nw', 0, 30],
        ].map(([id, x, y]) => ({ id, x, y, z: 1.5, rssiOffset: offsets[id as string] ?? 0 })),
        dogs: [{ id: 'rex', beacon: 'ac:23:3f:a3:80:4b' }],
      });
      if (!r.ok) throw new Error(r.errors.join('; '));
      return r.site;
    };
    let none = 0;
    let fitted = 0;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const rng = new Random(seed);
      const offsets: Record<string, number> = {};
      const tx: Record<string, number> = {};
      for (const id of ['sw', 'se', 'ne', 'nw']) {
        offsets[id] = rng.uniform(-4, 4);
        tx[id] = rng.uniform(-3, 3);
      }
      const sim = new SiteSimulator(corners(offsets), {
        startTs: 0,
        seed,
        noise: { ...DEFAULT_NOISE, scannerOffsetSigmaDb: 0 },
      });
      const cal = new LinkCalibration();
      for (let t = 0; t < 600; t++)
        for (const a of sim.scannerBeaconAdverts(t * 1000, { rssiAt1m: -59, txErrorDb: tx }))
          cal.observe(scannerOfBeacon(a.id)!, a.scanner, a.rssi);
      const fit = cal.fit(corners().scanners, -59);
      const want = centred(offsets);
      for (const [id, w] of Object.entries(want)) {
        none += w * w;
        fitted += (fit.get(id)!.offsetDb - w) ** 2;
      }
    }
    const rmsNone = Math.sqrt(none / 32);
    const rmsFitted = Math.sqrt(fitted / 32);
    assert.ok(
      rmsFitted < 0.8 * rmsNone,
      `RMS offset error ${rmsFitted.toFixed(2)} vs ${rmsNone.toFixed(2)} dB`,
    );
  });

  it('learns a wrong site exponent from the links', () => {
    const truth = yard();
    const noise = { ...NO_NOISE, fastFadingSigmaDb: 2, exponentError: 0.5 };
    const sim = new SiteSimulator(truth, { startTs: 0, seed: 2, noise });
    const cal = new LinkCalibration();
    for (let t = 0; t < 100; t++)
      for (const a of sim.scannerBeaconAdverts(t * 1000, { rssiAt1m: -59 }))
        cal.observe(scannerOfBeacon(a.id)!, a.scanner, a.rssi);
    for (const [id, c] of cal.fit(truth.scanners, -59))
      assert.ok(Math.abs(c.exponentDelta - 0.5) < 0.15, `${id} exponent delta ${c.exponentDelta}`);
  });

  it('the locator applies what it learned, and it survives a restart through its state', () => {
    const truth = yard(TRUE_OFFSETS);
    const sim = new SiteSimulator(truth, {
      startTs: 1_000_000,
      seed: 3,
      noise: { ...NO_NOISE, fastFadingSigmaDb: 1 },
    });
    const locator = new Locator(new SiteView(yard()), {});
    let seq = 0;
    for (let t = 1; t <= 120; t++) {
      const ts = 1_000_000 + t * 1000;
      const adverts = [...sim.advance(ts), ...sim.scannerBeaconAdverts(ts - 500, { rssiAt1m: -59 })].sort(
        (a, b) => a.ts - b.ts,
      );
      for (const a of adverts)
        locator.add({
          v: 1,
          type: 'rssi',
          scanner: a.scanner,
          seq: ++seq,
          ts: a.ts,
          mac: a.mac,
          id: a.id,
          rssi: a.rssi,
        });
    }
    const learned = locator.calibration;
    const want = centred(TRUE_OFFSETS);
    assert.equal(learned.size, 6);
    for (const [id, c] of learned) assert.ok(Math.abs(c.offsetDb - want[id]!) < 1, `${id} ${c.offsetDb}`);
    // Scanner beacons are not tracked as beacons of their own.
    assert.equal(locator.stats.unknownBeacon, 0);
    const state = JSON.parse(JSON.stringify(locator.calibrationState())) as unknown;
    const restarted = new Locator(new SiteView(yard()), {});
    restarted.restoreCalibration(state);
    for (const [id, c] of restarted.calibration)
      assert.ok(Math.abs(c.offsetDb - learned.get(id)!.offsetDb) < 0.3);
    assert.ok(typeof restarted.calibrationState().dogs.rex === 'number');
    // A restart into a site where one scanner was moved meanwhile forgets that scanner's links, only those.
    const saved = (state as CalibrationState).links;
    const movedId = 'sw';
    const afterMove = new Locator(new SiteView(yard({}, { [movedId]: 3 })), {});
    afterMove.restoreCalibration(state);
    const kept = afterMove.calibrationState().links;
    const others = saved.filter(([tx, rx]) => tx !== movedId && rx !== movedId);
    assert.ok(others.length > 0 && others.length < saved.length);
    assert.deepEqual(
      kept.map(([tx, rx]) => `${tx}>${rx}`).sort(),
      others.map(([tx, rx]) => `${tx}>${rx}`).sort(),
    );
    restarted.resetCalibration();
    assert.equal(restarted.calibration.size, 0);
    assert.deepEqual(restarted.calibrationState().dogs, {});
    // A saved state that is not one is ignored, not thrown on.
    restarted.restoreCalibration({ v: 1, links: [['a', 'a', 1, 1, 1], 'x', null], dogs: { rex: 'loud' } });
    restarted.restoreCalibration('garbage');
    assert.equal(restarted.calibration.size, 0);
  });
});
