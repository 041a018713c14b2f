// The solver and tracker never emit a non-finite number, whatever finite input they are given, and refuse
// options a caller got wrong; the path-loss slope the solver builds on is the model's derivative.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  expectedRssi,
  logSlope,
  rssiAtSquaredRange,
  rssiSlopePerSquaredRange,
} from '../../nodes/kernel/path-loss';
import { solvePosition, type SolveInput } from '../../nodes/trilaterate/solver';
import { MotionTracker } from '../../nodes/trilaterate/tracker';

const model = { rssiAt1m: -59, pathLossExponent: 2.2, rssiOffset: -3 };

function finite(values: readonly number[]): boolean {
  return values.every(Number.isFinite);
}

describe('path-loss slope', () => {
  it('is the derivative of the model, and the squared-range form is the model', () => {
    for (const d of [0.5, 1, 3.7, 20, 150]) {
      assert.ok(
        Math.abs(
          rssiAtSquaredRange(d * d, model.rssiAt1m + model.rssiOffset, logSlope(2.2)) -
            expectedRssi(d, model),
        ) < 1e-9,
      );
      const h = 1e-4;
      const numeric =
        (expectedRssi(Math.sqrt(d * d + h), model) - expectedRssi(Math.sqrt(d * d - h), model)) / (2 * h);
      assert.ok(Math.abs(rssiSlopePerSquaredRange(d * d, logSlope(2.2)) - numeric) < 1e-5, `at ${d} m`);
    }
    assert.ok(Math.abs(logSlope(2) - 20 / Math.LN10) < 1e-12, '20 dB per decade with n = 2');
  });
});

describe('solver guards', () => {
  const anchors = [
    { id: 'a', x: 0, y: 0, z: 1.5, rssiOffset: 0, pathLossExponent: 2.2 },
    { id: 'b', x: 20, y: 0, z: 1.5, rssiOffset: 0, pathLossExponent: 2.2 },
    { id: 'c', x: 0, y: 30, z: 1.5, rssiOffset: 0, pathLossExponent: 2.2 },
    { id: 'd', x: 20, y: 30, z: 1.5, rssiOffset: 0, pathLossExponent: 2.2 },
  ];
  const input = (region = { minX: 0, minY: 0, maxX: 20, maxY: 30 }): SolveInput => ({
    observations: anchors.map((anchor, i) => ({ anchor, rssi: -65 - 3 * i, variance: 25 })),
    rssiAt1m: -59,
    tagHeight: 0.5,
    region,
  });

  it('refuses a bias sigma that is not above 0, and a region that is not finite', () => {
    for (const sigmaDb of [0, -1, Number.NaN, Infinity])
      assert.throws(
        () => solvePosition({ ...input(), bias: { priorDb: 0, sigmaDb } }),
        /bias sigmaDb must be a finite number above 0/,
      );
    assert.throws(
      () => solvePosition(input({ minX: 0, minY: 0, maxX: Infinity, maxY: 1 })),
      /region\.maxX must be finite/,
    );
  });

  it('pads a zero-size region, so the covariance is never zero', () => {
    const fix = solvePosition(input({ minX: 5, minY: 5, maxX: 5, maxY: 5 }));
    assert.ok(fix);
    assert.ok(fix.cov[0][0] > 0 && fix.cov[1][1] > 0, JSON.stringify(fix.cov));
    assert.ok(Math.abs(fix.x - 5) <= 0.5 && Math.abs(fix.y - 5) <= 0.5);
  });

  it('searches a huge region in bounded time', () => {
    const t0 = Date.now();
    const fix = solvePosition(input({ minX: -1e7, minY: -1e-3, maxX: 1e7, maxY: 1e-3 }));
    assert.ok(fix && finite([fix.x, fix.y, fix.cov[0][0], fix.cov[1][1]]));
    assert.ok(Date.now() - t0 < 1000);
  });

  it('gives no NaN or Infinity for any finite input (2 000 runs)', function () {
    this.timeout(60_000);
    const num = fc.double({ noNaN: true, noDefaultInfinity: true });
    const small = fc.double({ min: -1e4, max: 1e4, noNaN: true });
    const observation = fc.record({
      anchor: fc.record({
        id: fc.constant('s'),
        x: fc.oneof(small, num),
        y: fc.oneof(small, num),
        z: fc.oneof(small, num),
        rssiOffset: fc.oneof(small, num),
        pathLossExponent: fc.oneof(fc.double({ min: 0.5, max: 6, noNaN: true }), num),
      }),
      rssi: fc.oneof(fc.double({ min: -120, max: 0, noNaN: true }), num),
      variance: fc.oneof(fc.double({ min: 0.01, max: 100, noNaN: true }), num),
    });
    const corner = fc.tuple(
      fc.oneof(small, num),
      fc.oneof(small, num),
      fc.oneof(small, num),
      fc.oneof(small, num),
    );
    fc.assert(
      fc.property(
        fc.array(observation, { maxLength: 6 }),
        corner,
        fc.oneof(small, num),
        fc.oneof(small, num),
        fc.option(fc.tuple(fc.oneof(small, num), fc.double({ min: 0.1, max: 10, noNaN: true }))),
        fc.option(fc.tuple(fc.oneof(small, num), fc.oneof(small, num))),
        (observations, [x0, y0, x1, y1], rssiAt1m, tagHeight, bias, prior) => {
          const fix = solvePosition({
            observations: observations,
            rssiAt1m,
            tagHeight,
            region: {
              minX: Math.min(x0, x1),
              minY: Math.min(y0, y1),
              maxX: Math.max(x0, x1),
              maxY: Math.max(y0, y1),
            },
            bias: bias ? { priorDb: bias[0], sigmaDb: bias[1] } : undefined,
            prior: prior ? { x: prior[0], y: prior[1] } : undefined,
          });
          if (!fix) return true;
          const values = [fix.x, fix.y, fix.biasDb, ...fix.cov[0], ...fix.cov[1]];
          return finite(values) && fix.cov[0][0] > 0 && fix.cov[1][1] > 0;
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
  });
});

describe('tracker guards', () => {
  const cov = (v: number): [[number, number], [number, number]] => [
    [v, 0],
    [0, v],
  ];

  it('refuses a fix whose variance is not finite and above 0, and stays finite', () => {
    const t = new MotionTracker();
    assert.equal(t.update({ x: 1, y: 1, cov: cov(1) }, 1000), 'started');
    for (const bad of [0, -1, Number.NaN, Infinity])
      assert.equal(t.update({ x: 1, y: 1, cov: cov(bad) }, 2000), 'refused', `variance ${bad}`);
    assert.equal(t.update({ x: Number.NaN, y: 1, cov: cov(1) }, 2000), 'refused');
    assert.equal(t.update({ x: 1.2, y: 1, cov: cov(1) }, 2000), 'fused');
    const s = t.stateAt(3000);
    assert.ok(finite([s.x, s.y, s.vx, s.vy, ...s.cov[0], ...s.cov[1]]), JSON.stringify(s));
  });

  it('skips a Kalman update whose innovation covariance is not positive definite', () => {
    // A tiny fix covariance with a track that has settled to a tiny variance: det can round to 0.
    const t = new MotionTracker({ restModel: false });
    t.update(
      {
        x: 0,
        y: 0,
        cov: [
          [1e-300, 0],
          [0, 1e-300],
        ],
      },
      1000,
    );
    t.update(
      {
        x: 0,
        y: 0,
        cov: [
          [1e-300, 0],
          [0, 1e-300],
        ],
      },
      1000,
    );
    const s = t.state();
    assert.ok(finite([s.x, s.y, s.vx, s.vy, ...s.cov[0], ...s.cov[1]]), JSON.stringify(s));
  });
});
