import assert from 'node:assert/strict';
import { Random } from '../../nodes/kernel/random';
import { parseSite, type Site } from '../../nodes/kernel/site-document';
import { CalibrationWalk, WALK_LIMITS, withFit } from '../../nodes/tracker-site/calibration-walk';
import { spotReadings, type RadioTruth } from './walk-readings';

const MAC = 'ac:23:3f:a3:80:4b';
const TEXT = JSON.stringify({
  name: 'yard',
  defaults: { pathLossExponent: 2.4 },
  scanners: [
    { id: 'a', x: 0, y: 0 },
    { id: 'b', x: 20, y: 0 },
    { id: 'c', x: 20, y: 15 },
    { id: 'd', x: 0, y: 15, pathLossExponent: 2.8 },
  ],
  dogs: [{ id: 'rex', beacon: MAC }],
  zones: [],
  extra: { kept: true },
});

function site(text = TEXT): Site {
  const r = parseSite(text);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.site;
}

const TRUTH: RadioTruth = {
  rssiAt1m: -66,
  offsets: { a: 3, b: -2.5, c: 1.5, d: -2 },
  sigma: 4,
  outliers: 0.05,
};
const SPOTS = [
  { x: 3, y: 3 },
  { x: 17, y: 4 },
  { x: 10, y: 8 },
  { x: 16, y: 12 },
  { x: 4, y: 12 },
];

/** Walks the spots: 5 s at each, 8 packets a second per scanner, 20 s of walking between spots. */
function walk(w: CalibrationWalk, s: Site, seed: number, truth = TRUTH): void {
  const random = new Random(seed);
  let ts = 1_700_000_000_000;
  for (const spot of SPOTS) {
    w.collect(spot.x, spot.y, 5);
    // Packets before the spot's first one and after its time are not taken.
    for (const r of spotReadings(s, MAC, truth, { ...spot, tagHeight: 0.5 }, ts, 60, 125, random)) w.add(r);
    ts += 30_000;
  }
}

describe('calibration walk: the fit', () => {
  it('recovers the collar power and the scanner offsets within 1 dB from five spots', () => {
    const s = site();
    const w = new CalibrationWalk(s, 'rex');
    walk(w, s, 7);
    const status = w.status();
    assert.equal(status.spots.length, 5);
    for (const spot of status.spots) {
      assert.equal(spot.state, 'done');
      // 5 s at 8 Hz per scanner: 40 each (the 41st is at exactly 5 s, outside).
      assert.deepEqual(spot.scanners, { a: 40, b: 40, c: 40, d: 40 });
      assert.equal(spot.collectedS, 5);
    }
    const fit = w.fit();
    assert.ok(fit.ok);
    assert.ok(Math.abs(fit.rssiAt1mAfter - TRUTH.rssiAt1m) < 1, `rssiAt1m ${fit.rssiAt1mAfter}`);
    for (const sc of fit.scanners) {
      const err = (sc.offsetAfter as number) - (TRUTH.offsets[sc.id] ?? 0);
      assert.ok(Math.abs(err) < 1, `${sc.id} offset ${sc.offsetAfter}`);
      assert.ok((sc.rmseAfter as number) < (sc.rmseBefore as number));
    }
    assert.equal(fit.rssiAt1mBefore, -59);
    assert.ok(fit.rmseBefore > 7, `before ${fit.rmseBefore}`);
    // What is left is the packets' noise and outliers.
    assert.ok(fit.rmseAfter < 5.5, `after ${fit.rmseAfter}`);
    assert.deepEqual(fit.warnings, []);
  });

  it('keeps the mean offset the site had: with offsets already calibrated, the collar alone', () => {
    // The site's offsets are the truth shifted by +1 dB each: the fit keeps that shift in the offsets.
    const doc = JSON.parse(TEXT) as { scanners: Array<Record<string, unknown>> };
    for (const sc of doc.scanners) sc.rssiOffset = (TRUTH.offsets[sc.id as string] ?? 0) + 1;
    const s = site(JSON.stringify(doc));
    const w = new CalibrationWalk(s, 'rex');
    walk(w, s, 11);
    const both = w.fit();
    assert.ok(both.ok);
    assert.ok(Math.abs(both.rssiAt1mAfter - (TRUTH.rssiAt1m - 1)) < 1, `${both.rssiAt1mAfter}`);
    const collarOnly = w.fit({ offsets: false });
    assert.ok(collarOnly.ok);
    assert.equal(collarOnly.fittedOffsets, false);
    assert.ok(Math.abs(collarOnly.rssiAt1mAfter - (TRUTH.rssiAt1m - 1)) < 1, `${collarOnly.rssiAt1mAfter}`);
    for (const sc of collarOnly.scanners) assert.equal(sc.offsetAfter, sc.offsetBefore);
  });

  it('writes the fit into the document and keeps the rest of it', () => {
    const s = site();
    const w = new CalibrationWalk(s, 'rex');
    walk(w, s, 3);
    const fit = w.fit();
    assert.ok(fit.ok);
    const next = JSON.parse(withFit(TEXT, fit)) as {
      dogs: Array<{ rssiAt1m: number }>;
      scanners: Array<{ id: string; rssiOffset: number; x: number }>;
      extra: unknown;
    };
    assert.equal(next.dogs[0].rssiAt1m, fit.rssiAt1mAfter);
    assert.deepEqual(
      next.scanners.map((x) => x.rssiOffset),
      fit.scanners.map((x) => x.offsetAfter),
    );
    assert.deepEqual(next.extra, { kept: true });
    assert.ok(parseSite(JSON.stringify(next)).ok);
  });

  it('fits each scanner path-loss exponent when asked, and writes it', () => {
    // The radio: exponents 2.0 / 2.4 / 2.9 / 3.1 where the site says 2.4 / 2.4 / 2.4 / 2.8.
    const trueExponents: Record<string, number> = { a: 2.0, b: 2.4, c: 2.9, d: 3.1 };
    const doc = JSON.parse(TEXT) as { scanners: Array<Record<string, unknown>> };
    for (const sc of doc.scanners) sc.pathLossExponent = trueExponents[sc.id as string];
    const radio = site(JSON.stringify(doc));
    const s = site();
    const errors = { before: 0, after: 0 };
    for (const seed of [1, 2, 3]) {
      const w = new CalibrationWalk(s, 'rex');
      const random = new Random(seed);
      let ts = 1_700_000_000_000;
      // Five spots and one next to each scanner: the near ones pin the levels, the far ones the slopes.
      const spots = [...SPOTS, { x: 1, y: 1 }, { x: 19, y: 1 }, { x: 19, y: 14 }, { x: 1, y: 14 }];
      for (const spot of spots) {
        w.collect(spot.x, spot.y, 5);
        for (const r of spotReadings(
          radio,
          MAC,
          { ...TRUTH, sigma: 3 },
          { ...spot, tagHeight: 0.5 },
          ts,
          40,
          125,
          random,
        ))
          w.add(r);
        ts += 30_000;
      }
      const plain = w.fit();
      assert.ok(plain.ok);
      assert.equal(plain.fittedExponents, undefined);
      assert.ok(plain.scanners.every((x) => x.exponentAfter === undefined));
      const fit = w.fit({ exponents: true });
      assert.ok(fit.ok);
      assert.equal(fit.fittedExponents, true);
      for (const sc of fit.scanners) {
        const want = trueExponents[sc.id];
        assert.equal(sc.exponentBefore, s.scanners.find((x) => x.id === sc.id)!.pathLossExponent);
        assert.ok(sc.exponentSigma! > 0 && sc.exponentSigma! < 0.3, `${sc.id} sigma ${sc.exponentSigma}`);
        errors.before += (sc.exponentBefore! - want) ** 2;
        errors.after += (sc.exponentAfter! - want) ** 2;
      }
      // The exponents fitted, the residuals shrink further than with the offsets alone.
      assert.ok(fit.rmseAfter < plain.rmseAfter, `${fit.rmseAfter} vs ${plain.rmseAfter}`);
      const next = JSON.parse(withFit(TEXT, fit)) as { scanners: Array<{ pathLossExponent: number }> };
      assert.deepEqual(
        next.scanners.map((x) => x.pathLossExponent),
        fit.scanners.map((x) => x.exponentAfter),
      );
    }
    const rmsBefore = Math.sqrt(errors.before / 12);
    const rmsAfter = Math.sqrt(errors.after / 12);
    // The prior (0.3 around the pooled change) keeps part of each scanner's own: nine spots tell a slope only so well.
    assert.ok(
      rmsAfter < 0.7 * rmsBefore,
      `exponent RMS error ${rmsAfter.toFixed(2)} vs ${rmsBefore.toFixed(2)}`,
    );
  });

  it('takes only its collar, from site scanners, inside a spot; stop ends a spot early', () => {
    const s = site();
    const w = new CalibrationWalk(s, 'rex');
    assert.equal(w.add({ mac: MAC, scanner: 'a', rssi: -70, ts: 1000 }), false, 'no spot yet');
    w.collect(5, 5, 2);
    assert.equal(w.status().spots[0].state, 'waiting');
    assert.equal(w.add({ mac: 'aa:bb:cc:dd:ee:ff', scanner: 'a', rssi: -70, ts: 1000 }), false);
    assert.equal(w.add({ mac: MAC, scanner: 'nope', rssi: -70, ts: 1000 }), false);
    assert.equal(w.add({ mac: MAC, scanner: 'a', rssi: Number.NaN, ts: 1000 }), false);
    assert.equal(w.add({ mac: MAC.toUpperCase(), scanner: 'a', rssi: -70, ts: 1000 }), true);
    assert.equal(w.add({ mac: MAC, scanner: 'b', rssi: -80, rssiRaw: -75, ts: 1500 }), true);
    assert.equal(w.status().spots[0].state, 'collecting');
    assert.equal(w.add({ mac: MAC, scanner: 'a', rssi: -70, ts: 900 }), false, 'before the spot');
    w.stop();
    assert.equal(w.status().spots[0].state, 'done');
    assert.equal(w.add({ mac: MAC, scanner: 'a', rssi: -70, ts: 1600 }), false, 'after stop');
    // A new spot starts at the next packet; a late packet of the previous spot still lands there.
    w.collect(10, 5, 2);
    assert.equal(w.add({ mac: MAC, scanner: 'c', rssi: -70, ts: 1200 }), true);
    assert.equal(w.add({ mac: MAC, scanner: 'a', rssi: -71, ts: 5000 }), true);
    const [first, second] = w.status().spots;
    assert.deepEqual(first.scanners, { a: 1, b: 1, c: 1 });
    assert.deepEqual(second.scanners, { a: 1 });
    // A spot stopped before it heard anything is dropped.
    w.collect(1, 1, 2);
    w.stop();
    w.stop();
    assert.equal(w.status().spots.length, 2);
    assert.ok(w.removeSpot(0));
    assert.equal(w.removeSpot(5), false);
    assert.equal(w.status().spots.length, 1);
    // Too few readings per scanner: nothing to fit, and it says so.
    const fit = w.fit();
    assert.equal(fit.ok, false);
  });

  it('matches a collar named by its frame id', () => {
    const doc = JSON.parse(TEXT) as { dogs: Array<Record<string, unknown>> };
    doc.dogs[0].beacon = 'iBeacon:E2C56DB5-DFFB-48D2-B060-D0F5A71096E0:1:2';
    const w = new CalibrationWalk(site(JSON.stringify(doc)), 'rex');
    w.collect(1, 1);
    assert.ok(
      w.add({
        mac: '11:22:33:44:55:66',
        id: 'ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:1:2',
        scanner: 'a',
        rssi: -60,
        ts: 1,
      }),
    );
  });

  it('is bounded and refuses bad spots', () => {
    const s = site();
    const w = new CalibrationWalk(s, 'rex');
    assert.throws(() => w.collect(Number.NaN, 1), /x and y/);
    assert.throws(() => w.collect(1, 1, 0.1), /seconds/);
    assert.throws(() => new CalibrationWalk(s, 'nobody'), /no dog/);
    w.collect(1, 1, 60);
    let taken = 0;
    for (let i = 0; i < WALK_LIMITS.maxReadingsPerSpot + 100; i++)
      if (w.add({ mac: MAC, scanner: 'a', rssi: -60, ts: i })) taken++;
    assert.equal(taken, WALK_LIMITS.maxReadingsPerSpot);
    for (let i = 1; i < WALK_LIMITS.maxSpots; i++) {
      w.collect(i, 1);
      assert.ok(w.add({ mac: MAC, scanner: 'a', rssi: -60, ts: 100_000 * i }));
    }
    assert.equal(w.status().spots.length, WALK_LIMITS.maxSpots);
    assert.throws(() => w.collect(0, 0), /at most/);
  });

  it('says when the site changed under the walk', () => {
    const s = site();
    const w = new CalibrationWalk(s, 'rex');
    assert.equal(w.staleFor(site()), undefined);
    const moved = JSON.parse(TEXT) as { scanners: Array<Record<string, unknown>> };
    moved.scanners[1].x = 21;
    assert.equal(w.staleFor(site(JSON.stringify(moved))), 'scanner b moved');
  });
});
