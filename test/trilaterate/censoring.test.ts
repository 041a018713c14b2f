// The truncated-normal maths of censoring.ts, and that the solver using it finds a collar whose far
// scanners hear only their strongest packets where it is, not pulled towards them.
import assert from 'node:assert/strict';
import { distance3d, expectedRssi } from '../../nodes/kernel/path-loss';
import { Random } from '../../nodes/kernel/random';
import { SiteView } from '../../nodes/kernel/site-view';
import { validateSite } from '../../nodes/kernel/site-document';
import {
  censoredMean,
  censoredSlope,
  inverseMills,
  normalPdf,
  normalUpperTail,
} from '../../nodes/trilaterate/censoring';
import { Locator } from '../../nodes/trilaterate/locator';
import { solvePosition, type Anchor, type Observation } from '../../nodes/trilaterate/solver';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);
}

describe('censoring maths', () => {
  it('gives the normal tail and density at known points', () => {
    close(normalUpperTail(0), 0.5, 1e-7, '1 - Φ(0)');
    close(normalUpperTail(1), 0.158655254, 1e-7, '1 - Φ(1)');
    close(normalUpperTail(-1), 0.841344746, 1e-7, '1 - Φ(-1)');
    close(normalUpperTail(2), 0.022750132, 1e-7, '1 - Φ(2)');
    close(normalUpperTail(3) / 0.001349898, 1, 1e-5, '1 - Φ(3), relative');
    close(normalPdf(0), 1 / Math.sqrt(2 * Math.PI), 1e-12, 'φ(0)');
  });

  it('has an inverse Mills ratio that is continuous where the method changes and right far out', () => {
    close(inverseMills(0), Math.sqrt(2 / Math.PI), 1e-6, 'λ(0)');
    close(inverseMills(3 + 1e-9), inverseMills(3), 1e-5, 'λ across 3');
    // λ(α) = α + 1/α - 2/α³ + ... for large α; and about φ(α) for very negative α.
    for (const a of [8, 20, 1e3]) close(inverseMills(a), a + 1 / a - 2 / a ** 3, 20 / a ** 5, `λ(${a})`);
    close(inverseMills(-8), normalPdf(-8), 1e-16, 'λ(-8)');
    for (const a of [-50, -5, 0, 2.99, 3.01, 40, 1e6]) assert.ok(Number.isFinite(inverseMills(a)));
  });

  it('is the mean of the samples above the floor (Monte Carlo)', () => {
    const rng = new Random(7);
    const floor = -95;
    const sigma = 3;
    for (const mean of [-85, -93, -95, -99, -104]) {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < 400_000; i++) {
        const x = mean + sigma * rng.normal();
        if (x > floor) {
          sum += x;
          n++;
        }
      }
      close(censoredMean(mean, floor, sigma), sum / n, 0.05, `truncated mean at ${mean} dBm`);
    }
  });

  it('changes nothing far above the floor or with no floor, and never falls below the floor', () => {
    assert.equal(censoredMean(-60, -95, 3), -60);
    assert.equal(censoredMean(-120, -Infinity, 3), -120);
    for (let m = -130; m <= -60; m += 0.5) {
      const c = censoredMean(m, -95, 3);
      assert.ok(c >= m && c > -95, `at ${m}: ${c}`);
      assert.ok(c >= censoredMean(m - 0.5, -95, 3), 'increasing in the model');
    }
  });

  it('has a slope that is the derivative, between 0 and 1', () => {
    // (Not at α = 3 exactly: the two methods of λ meet there within 1e-5, which a difference magnifies.)
    for (const m of [-120, -103.9, -98, -95, -92, -85, -60]) {
      // A step large enough that the tail's 1e-7 error does not show in the difference.
      const h = 1e-2;
      const numeric = (censoredMean(m + h, -95, 3) - censoredMean(m - h, -95, 3)) / (2 * h);
      const s = censoredSlope(m, -95, 3);
      close(s, numeric, 1e-3, `slope at ${m}`);
      assert.ok(s > 0 && s <= 1);
    }
  });
});

describe('solver with censoring', () => {
  // A 40 x 40 m square: from near one corner, the far scanners are 40-55 m away and near the floor.
  const anchors: Anchor[] = [
    [0, 0],
    [40, 0],
    [40, 40],
    [0, 40],
    [20, 20],
  ].map(([x, y], i) => ({ id: `s${i}`, x, y, z: 1.5, rssiOffset: 0, pathLossExponent: 2.7 }));
  const floor = -95;
  const sigma = 3;
  // What each scanner reports on average: the mean of the packets above its floor.
  const heard = (x: number, y: number): Observation[] =>
    anchors.map((anchor) => ({
      anchor,
      rssi: censoredMean(
        expectedRssi(distance3d(x, y, 0.5, anchor.x, anchor.y, anchor.z), {
          rssiAt1m: -59,
          pathLossExponent: 2.7,
          rssiOffset: 0,
        }),
        floor,
        sigma,
      ),
      variance: 25,
    }));
  const region = { minX: 0, minY: 0, maxX: 40, maxY: 40 };

  it('finds the collar where it is; without the floor the far scanners pull it away', () => {
    const [tx, ty] = [6, 8];
    const observations = heard(tx, ty);
    // The far corner's reading is well above the model there: the censoring is real in this case.
    assert.ok(observations[2].rssi > -96);
    const base = { observations, rssiAt1m: -59, tagHeight: 0.5, region };
    const plain = solvePosition(base)!;
    const censored = solvePosition({ ...base, censoring: { floorDbm: floor, sigmaDb: sigma } })!;
    const errPlain = Math.hypot(plain.x - tx, plain.y - ty);
    const errCensored = Math.hypot(censored.x - tx, censored.y - ty);
    assert.ok(errCensored < 0.1, `censored fix ${errCensored} m off`);
    assert.ok(errPlain > 1, `plain fix only ${errPlain} m off: the case does not test censoring`);
    assert.ok(Number.isFinite(censored.cov[0][0]) && censored.cov[0][0] > 0);
  });

  it('refuses a censoring it cannot use', () => {
    const base = { observations: heard(10, 10), rssiAt1m: -59, tagHeight: 0.5, region };
    assert.throws(() => solvePosition({ ...base, censoring: { floorDbm: -95, sigmaDb: 0 } }), RangeError);
    assert.throws(() => solvePosition({ ...base, censoring: { floorDbm: NaN, sigmaDb: 3 } }), RangeError);
  });
});

describe('locator censoring options', () => {
  const site = validateSite({
    name: 't',
    scanners: [{ id: 'a', x: 0, y: 0 }],
    dogs: [{ id: 'rex', beacon: 'ac:23:3f:a3:80:4b' }],
  });
  if (!site.ok) throw new Error(site.errors.join('; '));
  const view = new SiteView(site.site);

  it('defaults to a -95 dBm floor with a 3 dB packet sigma', () => {
    const l = new Locator(view);
    assert.equal(l.options.sensitivityDbm, -95);
    assert.equal(l.options.censoringSigmaDb, 3);
  });

  it('throws naming a bad floor or sigma', () => {
    assert.throws(() => new Locator(view, { sensitivityDbm: Number.NaN }), /sensitivityDbm/);
    assert.throws(() => new Locator(view, { sensitivityDbm: 5 }), /sensitivityDbm/);
    assert.throws(() => new Locator(view, { censoringSigmaDb: -1 }), /censoringSigmaDb/);
    assert.doesNotThrow(() => new Locator(view, { censoringSigmaDb: 0 }));
  });
});
