import assert from 'node:assert/strict';
import type { Position, RssiReading } from '../../nodes/kernel/contract';
import { expectedRssi, distance3d } from '../../nodes/kernel/path-loss';
import { Random } from '../../nodes/kernel/random';
import { DEFAULT_NOISE, SiteSimulator } from '../../nodes/kernel/simulation';
import { RssiSmoother } from '../../nodes/rssi-filter/rssi-smoother';
import { validateSite, type Site } from '../../nodes/kernel/site-document';
import { SiteView } from '../../nodes/kernel/site-view';
import { Locator, regionAround } from '../../nodes/trilaterate/locator';
import { solvePosition, type Anchor, type Observation } from '../../nodes/trilaterate/solver';
import { MotionTracker } from '../../nodes/trilaterate/tracker';

const REGION = { minX: -5, minY: -5, maxX: 25, maxY: 35 };
const YARD: Anchor[] = [
  [0, 0],
  [20, 0],
  [20, 15],
  [20, 30],
  [0, 30],
  [0, 15],
].map(([x, y], i) => ({ id: `s${i}`, x, y, z: 1.5, rssiOffset: 0, pathLossExponent: 2.2 }));

function observe(
  anchors: Anchor[],
  x: number,
  y: number,
  noise = 0,
  rng = new Random(1),
  variance = 25,
): Observation[] {
  return anchors.map((anchor) => ({
    anchor,
    rssi:
      expectedRssi(distance3d(x, y, 0.5, anchor.x, anchor.y, anchor.z), {
        rssiAt1m: -59,
        pathLossExponent: anchor.pathLossExponent,
        rssiOffset: anchor.rssiOffset,
      }) +
      noise * rng.normal(),
    variance,
  }));
}

describe('solvePosition', () => {
  it('finds the exact point from exact RSSI, with or without the level offset', () => {
    for (const [x, y] of [
      [10, 15],
      [3, 4],
      [18, 27],
    ]) {
      for (const bias of [undefined, { priorDb: 0, sigmaDb: 4 }]) {
        const fix = solvePosition({
          observations: observe(YARD, x, y),
          rssiAt1m: -59,
          tagHeight: 0.5,
          region: REGION,
          bias,
        })!;
        assert.equal(fix.method, 'nlls');
        assert.ok(Math.hypot(fix.x - x, fix.y - y) < 0.05, `${x},${y} -> ${fix.x},${fix.y}`);
      }
    }
  });

  it('on noisy RSSI, errs about as its covariance says (calibrated within a factor of 2)', () => {
    const rng = new Random(9);
    let sq = 0;
    let predicted = 0;
    const n = 300;
    for (let i = 0; i < n; i++) {
      const x = 3 + rng.next() * 14;
      const y = 3 + rng.next() * 24;
      const fix = solvePosition({
        observations: observe(YARD, x, y, 4, rng, 16),
        rssiAt1m: -59,
        tagHeight: 0.5,
        region: REGION,
      })!;
      sq += (fix.x - x) ** 2 + (fix.y - y) ** 2;
      predicted += fix.cov[0][0] + fix.cov[1][1];
    }
    const rmse = Math.sqrt(sq / n);
    const claimed = Math.sqrt(predicted / n);
    assert.ok(rmse < 8, `rmse ${rmse}`);
    assert.ok(rmse / claimed > 0.5 && rmse / claimed < 2, `rmse ${rmse} vs claimed ${claimed}`);
  });

  it('absorbs a common level error (a weak collar) with the level offset', () => {
    const obs = observe(YARD, 6, 20).map((o) => ({ ...o, rssi: o.rssi - 6 }));
    const plain = solvePosition({ observations: obs, rssiAt1m: -59, tagHeight: 0.5, region: REGION })!;
    const withBias = solvePosition({
      observations: obs,
      rssiAt1m: -59,
      tagHeight: 0.5,
      region: REGION,
      bias: { priorDb: 0, sigmaDb: 6 },
    })!;
    assert.ok(Math.hypot(withBias.x - 6, withBias.y - 20) < 0.5, JSON.stringify(withBias));
    // The prior at 0 dB pulls the estimate a little towards it.
    assert.ok(Math.abs(withBias.biasDb + 6) < 1, JSON.stringify(withBias));
    assert.ok(Math.hypot(plain.x - 6, plain.y - 20) > 1);
  });

  it('with collinear scanners, answers the point or its mirror image, with a finite covariance', () => {
    const line = [0, 10, 20].map((x, i) => ({
      id: `l${i}`,
      x,
      y: 0,
      z: 1.5,
      rssiOffset: 0,
      pathLossExponent: 2,
    }));
    const fix = solvePosition({
      observations: observe(line, 8, 6),
      rssiAt1m: -59,
      tagHeight: 0.5,
      region: REGION,
    })!;
    assert.ok(Math.abs(fix.x - 8) < 0.1 && Math.abs(Math.abs(fix.y) - 6) < 0.1, `${fix.x},${fix.y}`);
    assert.ok(fix.cov.flat().every(Number.isFinite));
  });

  it('with one scanner answers the scanner, with an accuracy as large as the range', () => {
    const fix = solvePosition({
      observations: observe(YARD.slice(0, 1), 8, 6),
      rssiAt1m: -59,
      tagHeight: 0.5,
      region: REGION,
    })!;
    assert.equal(fix.method, 'nearest-scanner');
    assert.deepEqual([fix.x, fix.y], [0, 0]);
    assert.ok(Math.sqrt(fix.cov[0][0] + fix.cov[1][1]) >= 10, 'at least the 10 m range');
  });

  it('with two scanners gives a weighted centroid between them, nearer the stronger one', () => {
    const fix = solvePosition({
      observations: observe(YARD.slice(0, 2), 4, 1),
      rssiAt1m: -59,
      tagHeight: 0.5,
      region: REGION,
    })!;
    assert.equal(fix.method, 'centroid');
    assert.ok(fix.x < 10 && fix.x >= 0);
    assert.ok(Math.sqrt(fix.cov[0][0] + fix.cov[1][1]) > 3);
  });

  it('with no scanners, or only NaN RSSI, gives no fix', () => {
    assert.equal(
      solvePosition({ observations: [], rssiAt1m: -59, tagHeight: 0.5, region: REGION }),
      undefined,
    );
    const nan = observe(YARD, 5, 5).map((o) => ({ ...o, rssi: Number.NaN }));
    assert.equal(
      solvePosition({ observations: nan, rssiAt1m: -59, tagHeight: 0.5, region: REGION }),
      undefined,
    );
  });
});

describe('MotionTracker', () => {
  const cov = (v: number): [[number, number], [number, number]] => [
    [v, 0],
    [0, v],
  ];

  it('follows a straight run at 3 m/s, moving the right way, and beats the noisy fixes', () => {
    const rng = new Random(4);
    const t = new MotionTracker();
    let fixErr = 0;
    let trackErr = 0;
    for (let s = 0; s <= 60; s++) {
      const x = 3 * s;
      const fx = x + 2 * rng.normal();
      const fy = 2 * rng.normal();
      t.update({ x: fx, y: fy, cov: cov(4) }, s * 1000);
      if (s > 10) {
        const st = t.state();
        fixErr += (fx - x) ** 2 + fy ** 2;
        trackErr += (st.x - x) ** 2 + st.y ** 2;
      }
    }
    assert.ok(trackErr < fixErr, `track ${Math.sqrt(trackErr / 50)} vs fixes ${Math.sqrt(fixErr / 50)}`);
  });

  it('reads a 3 m/s straight run within 20 %, over noisy fixes (the rest model lets go)', () => {
    // Fix noise of 2 m per axis at 1 Hz leaves about 1 m/s of noise on any one velocity: judge the mean.
    for (const seed of [1, 2, 3]) {
      const rng = new Random(seed);
      const t = new MotionTracker();
      let vx = 0;
      let vy = 0;
      let restP = 0;
      for (let s = 0; s <= 60; s++) {
        t.update({ x: 3 * s + 2 * rng.normal(), y: 2 * rng.normal(), cov: cov(4) }, s * 1000);
        if (s > 20) {
          const st = t.state();
          vx += st.vx / 40;
          vy += st.vy / 40;
          restP += st.restProbability / 40;
        }
      }
      assert.ok(Math.abs(vx - 3) < 0.6 && Math.abs(vy) < 0.6, `seed ${seed}: v ${vx}, ${vy}`);
      assert.ok(restP < 0.2, `seed ${seed}: rest probability ${restP}`);
    }
  });

  it('on rest -> sprint -> rest: still at rest, fast in the sprint, still again after it', () => {
    const rng = new Random(7);
    const t = new MotionTracker();
    // 20 s lying at (5, 5), 6 s sprinting at 8 m/s along x, 20 s lying at (53, 5); fixes 1.5 m sigma.
    const truth = (s: number): [number, number] =>
      s <= 20 ? [5, 5] : s <= 26 ? [5 + 8 * (s - 20), 5] : [53, 5];
    const at: Array<{ s: number; x: number; vx: number; restP: number }> = [];
    for (let s = 0; s <= 46; s++) {
      const [x, y] = truth(s);
      t.update({ x: x + 1.5 * rng.normal(), y: y + 1.5 * rng.normal(), cov: cov(2.25) }, s * 1000);
      const st = t.state();
      at.push({ s, x: st.x, vx: st.vx, restP: st.restProbability });
    }
    const restBefore = at.filter((a) => a.s >= 10 && a.s <= 20);
    assert.ok(
      restBefore.every((a) => Math.abs(a.vx) < 1 && a.restP > 0.5),
      JSON.stringify(restBefore),
    );
    // Within 3 s of the start the tracker knows the dog runs, and keeps up with it.
    const sprint = at.filter((a) => a.s >= 23 && a.s <= 26);
    assert.ok(
      sprint.every((a) => a.vx > 4 && a.restP < 0.5 && Math.abs(a.x - truth(a.s)[0]) < 5),
      JSON.stringify(sprint),
    );
    // Still again 10 s after the stop. One fix 2.7 sigma out (at 46 s with this seed) briefly makes the
    // move model likelier: the IMM's price for reacting to a real start within a few seconds.
    const restAfter = at.filter((a) => a.s >= 36);
    const still = restAfter.filter((a) => Math.abs(a.vx) < 1 && a.restP > 0.5 && Math.abs(a.x - 53) < 2);
    assert.ok(still.length >= restAfter.length - 1, JSON.stringify(restAfter));
    assert.ok(
      restAfter.every((a) => Math.abs(a.x - 53) < 3),
      JSON.stringify(restAfter),
    );
  });

  it('a resting dog is steadier with the rest model than with constant velocity alone', () => {
    const errors = (restModel: boolean): number => {
      const rng = new Random(11);
      const t = new MotionTracker({ restModel });
      let sq = 0;
      for (let s = 0; s <= 60; s++) {
        t.update({ x: 10 + 3 * rng.normal(), y: 10 + 3 * rng.normal(), cov: cov(9) }, s * 1000);
        if (s > 10) sq += (t.state().x - 10) ** 2 + (t.state().y - 10) ** 2;
      }
      return Math.sqrt(sq / 50);
    };
    assert.ok(errors(true) < 0.8 * errors(false), `${errors(true)} vs ${errors(false)}`);
  });

  it('follows a 90 degree turn within a few metres', () => {
    const t = new MotionTracker();
    let worst = 0;
    for (let s = 0; s <= 40; s++) {
      const [x, y] = s <= 20 ? [2 * s, 0] : [40, 2 * (s - 20)];
      t.update({ x, y, cov: cov(1) }, s * 1000);
      worst = Math.max(worst, Math.hypot(t.state().x - x, t.state().y - y));
    }
    assert.ok(worst < 3, `worst ${worst}`);
  });

  it('refuses a jump no dog can make, then restarts after three in a row', () => {
    const t = new MotionTracker({ maxSpeed: 12 });
    for (let s = 0; s < 5; s++) t.update({ x: 0, y: 0, cov: cov(1) }, s * 1000);
    assert.equal(t.update({ x: 100, y: 0, cov: cov(1) }, 5000), 'refused');
    assert.equal(t.state().x < 5, true);
    assert.equal(t.update({ x: 100, y: 0, cov: cov(1) }, 6000), 'refused');
    assert.equal(t.update({ x: 100, y: 0, cov: cov(1) }, 7000), 'restarted');
    assert.equal(t.state().x, 100);
  });

  it('comes to rest when the dog stops, and its covariance shrinks while fixes agree', () => {
    const t = new MotionTracker();
    for (let s = 0; s <= 10; s++) t.update({ x: 3 * s, y: 0, cov: cov(1) }, s * 1000);
    const moving = t.state().cov[0][0];
    for (let s = 11; s <= 30; s++) t.update({ x: 30, y: 0, cov: cov(1) }, s * 1000);
    const st = t.state();
    assert.ok(Math.hypot(st.vx, st.vy) < 0.5, `v ${st.vx}`);
    assert.ok(Math.abs(st.x - 30) < 1);
    assert.ok(st.cov[0][0] <= moving + 1e-9);
  });
});

describe('regionAround', () => {
  it('is the scanners box plus the margin, however small the site (a 10 x 15 m house stays one)', () => {
    const house = new SiteView(
      siteWith([
        [0, 0],
        [10, 0],
        [10, 15],
        [0, 15],
      ]),
    );
    assert.deepEqual(regionAround(house, 0), { minX: 0, minY: 0, maxX: 10, maxY: 15 });
    assert.deepEqual(regionAround(house, 2), { minX: -2, minY: -2, maxX: 12, maxY: 17 });
  });

  it('takes in the zones, and gives an axis the scanners do not span 20 m', () => {
    const site = siteWith(
      [
        [0, 0],
        [20, 0],
      ],
      {
        zones: [
          { id: 'pond', name: 'Pond', kind: 'forbidden', circle: { x: 30, y: 5, r: 2 } },
          {
            id: 'run',
            name: 'Run',
            kind: 'safe',
            polygon: [
              [-4, 1],
              [0, 1],
              [0, 3],
            ],
          },
        ],
      },
    );
    // y: the scanners span nothing, but with the zones the box is 0..7 m: wide enough, just the margin.
    assert.deepEqual(regionAround(new SiteView(site), 1), { minX: -5, minY: -1, maxX: 33, maxY: 8 });
    const line = new SiteView(
      siteWith([
        [0, 0],
        [20, 0],
      ]),
    );
    assert.deepEqual(regionAround(line, 1), { minX: -1, minY: -10, maxX: 21, maxY: 10 });
    assert.deepEqual(regionAround(new SiteView(siteWith([[3, 4]])), 0), {
      minX: -7,
      minY: -6,
      maxX: 13,
      maxY: 14,
    });
  });
});

function siteWith(scanners: Array<[number, number]>, extra: Record<string, unknown> = {}): Site {
  const result = validateSite({
    name: 'test',
    origin: { lat: 52.0907, lon: 5.1214 },
    scanners: scanners.map(([x, y], i) => ({ id: `s${i}`, x, y, z: 1.5 })),
    dogs: [{ id: 'rex', beacon: 'ac:23:3f:a3:80:4b' }],
    ...extra,
  });
  assert.ok(result.ok, JSON.stringify(result));
  return result.site;
}

describe('Locator', () => {
  const yard = siteWith([
    [0, 0],
    [20, 0],
    [20, 15],
    [20, 30],
    [0, 30],
    [0, 15],
  ]);

  function feed(locator: Locator, readings: RssiReading[]): Position[] {
    return readings.flatMap((r) => locator.add(r));
  }

  it('emits one position per dog per second of event time, stamped with the second, with lat/lon', () => {
    const sim = new SiteSimulator(yard, { startTs: 1_000_000, seed: 2, noise: { ...DEFAULT_NOISE } });
    const smoother = new RssiSmoother();
    const locator = new Locator(new SiteView(yard));
    const readings = sim
      .advance(1_000_000 + 30_000)
      .map(
        (a) =>
          smoother.accept({ v: 1, type: 'rssi', scanner: a.scanner, ts: a.ts, mac: a.mac, rssi: a.rssi })
            .reading,
      )
      .filter((r): r is RssiReading => r !== undefined);
    const positions = feed(locator, readings);
    assert.ok(positions.length >= 28 && positions.length <= 30, `${positions.length}`);
    for (const [i, p] of positions.entries()) {
      assert.equal(p.ts % 1000, 0);
      if (i > 0) assert.equal(p.ts - positions[i - 1].ts, 1000);
      assert.equal(p.dog, 'rex');
      assert.ok(p.accuracy > 0 && Number.isFinite(p.accuracy));
      assert.ok(p.lat! > 52 && p.lon! > 5);
      assert.ok(p.method === 'tracker' && p.scanners >= 3);
    }
    const truth = sim.truth()[0];
    const last = positions[positions.length - 1];
    assert.ok(Math.hypot(last.x - truth.x, last.y - truth.y) < 12);
  });

  it('ignores unknown beacons and scanners unless told to track every beacon', () => {
    const reading = (ts: number, mac: string, scanner = 's0'): RssiReading => ({
      v: 1,
      type: 'rssi',
      scanner,
      ts,
      mac,
      rssi: -70,
    });
    const strict = new Locator(new SiteView(yard));
    feed(strict, [
      reading(500, 'aa:bb:cc:dd:ee:ff'),
      reading(600, 'ac:23:3f:a3:80:4b', 'nope'),
      reading(1500, 'aa:bb:cc:dd:ee:ff'),
    ]);
    assert.equal(strict.stats.unknownBeacon, 2);
    assert.equal(strict.stats.unknownScanner, 1);
    const all = new Locator(new SiteView(yard), { trackAll: true });
    const out = feed(all, [reading(500, 'aa:bb:cc:dd:ee:ff'), reading(1500, 'aa:bb:cc:dd:ee:ff')]);
    assert.deepEqual(
      out.map((p) => [p.dog, p.method]),
      [['mac:aa:bb:cc:dd:ee:ff', 'nearest-scanner']],
    );
  });

  it('applies a new site: the dog is tracked on in the new layout', () => {
    const locator = new Locator(new SiteView(yard));
    const r = (ts: number, scanner: string, rssi: number): RssiReading => ({
      v: 1,
      type: 'rssi',
      scanner,
      ts,
      mac: 'ac:23:3f:a3:80:4b',
      rssi,
    });
    feed(locator, [r(100, 's0', -60), r(200, 's1', -80), r(300, 's5', -80)]);
    const moved = siteWith([
      [100, 100],
      [120, 100],
      [120, 115],
      [120, 130],
      [100, 130],
      [100, 115],
    ]);
    locator.setSite(new SiteView(moved));
    const out = feed(locator, [
      r(1100, 's0', -60),
      r(1200, 's1', -80),
      r(1300, 's5', -80),
      r(2100, 's0', -60),
    ]);
    // The window open at the change is dropped (its readings were of the old layout); the next one counts.
    assert.equal(out.length, 1);
    assert.ok(out[0].x > 90 && out[0].y > 90, JSON.stringify(out[0]));
  });

  it('keeps every position inside the search area, even when the tracker would carry a sprint past it', () => {
    const sim = new SiteSimulator(yard, { startTs: 1_000_000, seed: 5, noise: { ...DEFAULT_NOISE } });
    const locator = new Locator(new SiteView(yard), { regionMarginM: 0 });
    const smoother = new RssiSmoother();
    const out: Position[] = [];
    for (const a of sim.advance(1_600_000)) {
      const r = smoother.accept({
        v: 1,
        type: 'rssi',
        scanner: a.scanner,
        ts: a.ts,
        mac: a.mac,
        rssi: a.rssi,
      });
      if (r.reading) out.push(...locator.add(r.reading));
    }
    assert.ok(out.length > 500, `${out.length}`);
    const outside = out.filter((p) => p.x < 0 || p.x > 20 || p.y < 0 || p.y > 30);
    assert.deepEqual(outside, []);
  });

  it('refuses tracker settings that make no sense, naming them', () => {
    const view = new SiteView(yard);
    assert.throws(() => new Locator(view, { tracker: { meanRestS: 0 } }), /mean rest time/);
    assert.throws(() => new Locator(view, { tracker: { accelerationNoise: Number.NaN } }), /acceleration/);
    assert.throws(() => new Locator(view, { tracker: { restDriftNoise: -1 } }), /rest drift/);
  });

  it('learns the scanners gain errors that the site does not know', () => {
    const sim = new SiteSimulator(yard, {
      startTs: 0,
      seed: 5,
      noise: { ...DEFAULT_NOISE, scannerOffsetSigmaDb: 4 },
    });
    const smoother = new RssiSmoother();
    const locator = new Locator(new SiteView(yard));
    for (const a of sim.advance(900_000)) {
      const r = smoother.accept({
        v: 1,
        type: 'rssi',
        scanner: a.scanner,
        ts: a.ts,
        mac: a.mac,
        rssi: a.rssi,
      }).reading;
      if (r) locator.add(r);
    }
    const truth = [...sim.scannerOffsets];
    const mean = truth.reduce((s, [, v]) => s + v, 0) / truth.length;
    // Correlation between the true (centred) gain errors and the learned corrections.
    const pairs = truth.map(([id, v]) => [v - mean, locator.scannerGains.get(id) ?? 0]);
    const dot = pairs.reduce((s, [a, b]) => s + a * b, 0);
    const na = Math.sqrt(pairs.reduce((s, [a]) => s + a * a, 0));
    const nb = Math.sqrt(pairs.reduce((s, [, b]) => s + b * b, 0));
    assert.ok(dot / (na * nb) > 0.7, `correlation ${dot / (na * nb)}: ${JSON.stringify(pairs)}`);
  });
});
