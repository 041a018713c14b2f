import assert from 'node:assert/strict';
import { accuracyAt, coverage, spearman, suggestScanner } from '../../nodes/kernel/coverage';
import { validateSite, type Site } from '../../nodes/kernel/site-document';

function site(scanners: Array<[number, number]>, extra: Record<string, unknown> = {}): Site {
  const result = validateSite({
    defaults: { rssiAt1m: -59, pathLossExponent: 2, tagHeight: 1, scannerHeight: 1 },
    scanners: scanners.map(([x, y], i) => ({ id: `s${i}`, x, y })),
    dogs: [],
    ...extra,
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.site;
}

describe('coverage (CRLB accuracy of a layout)', () => {
  const square = site([
    [0, 0],
    [10, 0],
    [10, 10],
    [0, 10],
  ]);

  it('gives the analytic bound at the centre of a square of scanners', () => {
    // Four scanners at distance d = 5√2 m, level with the tag: J = k² L² I with k = 10 n / (ln10 σ d²),
    // so the radius sqrt(trace J⁻¹) = √2 / (k L).
    const sigma = 5;
    const d2 = 50;
    const k = (10 * 2) / Math.log(10) / sigma / d2;
    const expected = Math.SQRT2 / (k * 10);
    const got = accuracyAt(square, 5, 5, { sigmaDb: sigma });
    assert.ok(Math.abs(got - expected) < 1e-9, `${got} vs ${expected}`);
  });

  it('scales with sigma and with the readings per fix', () => {
    const one = accuracyAt(square, 3, 4, { sigmaDb: 5 });
    assert.ok(Math.abs(accuracyAt(square, 3, 4, { sigmaDb: 10 }) - 2 * one) < 1e-9);
    assert.ok(Math.abs(accuracyAt(square, 3, 4, { sigmaDb: 5, readingsPerFix: 4 }) - one / 2) < 1e-9);
  });

  it('is worse far outside the scanners than inside, and one more scanner never makes a cell worse', () => {
    const grid = coverage(square, { cellM: 1, marginM: 10 });
    const at = (x: number, y: number): number =>
      grid.accuracyM[
        Math.floor((y - grid.area.minY) / grid.cellM) * grid.cols +
          Math.floor((x - grid.area.minX) / grid.cellM)
      ];
    assert.ok(at(5.5, 5.5) < at(-8.5, -8.5));
    const five = site([
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [5, 5],
    ]);
    const more = coverage(five, { cellM: 1, marginM: 10 });
    assert.equal(more.accuracyM.length, grid.accuracyM.length);
    more.accuracyM.forEach((r, i) => assert.ok(r <= grid.accuracyM[i] + 1e-12, `cell ${i}`));
    assert.ok(more.meanM < grid.meanM);
  });

  it('reports the cap, finite, where fewer than two scanners are heard or none is in reach', () => {
    const lone = site([[0, 0]]);
    const grid = coverage(lone, { cellM: 1 });
    assert.ok(grid.accuracyM.every((r) => r === grid.capM && Number.isFinite(r)));
    // -59 dBm at 1 m, n = 2: -98 dBm is reached at about 89 m; at 200 m nothing is heard.
    const far = site(
      [
        [0, 0],
        [10, 0],
        [0, 10],
      ],
      { zones: [{ id: 'far', kind: 'info', circle: { x: 300, y: 0, r: 5 } }] },
    );
    const g = coverage(far, { cellM: 5 });
    const col = Math.floor((300 - g.area.minX) / g.cellM);
    assert.equal(g.heard[col], 0);
    assert.equal(g.accuracyM[col], g.capM);
    assert.ok(g.heard[0] === 3);
  });

  it('bounds the grid by maxCells however small a cell is asked for', () => {
    const grid = coverage(square, { cellM: 0.01, maxCells: 500, marginM: 0 });
    assert.ok(grid.cols * grid.rows <= 600, `${grid.cols * grid.rows} cells`);
    assert.equal(grid.accuracyM.length, grid.cols * grid.rows);
  });

  it('suggests the next scanner where the layout is weakest, and the suggestion helps', () => {
    // Three scanners crowded into one corner of a 30 x 30 m yard.
    const crowded = site(
      [
        [0, 0],
        [4, 0],
        [0, 4],
      ],
      {
        zones: [
          {
            id: 'yard',
            kind: 'safe',
            polygon: [
              [0, 0],
              [30, 0],
              [30, 30],
              [0, 30],
            ],
          },
        ],
      },
    );
    const before = coverage(crowded, { marginM: 0 });
    const next = suggestScanner(crowded, { marginM: 0 });
    assert.ok(next.candidates > 50 && next.candidates <= 400);
    assert.ok(next.forWorst.worstM <= before.worstM);
    // Uncapped, the worst cell really improves.
    const uncapped = coverage(crowded, { marginM: 0, capM: 1e6 }).worstM;
    const better = suggestScanner(crowded, { marginM: 0, capM: 1e6 }).forWorst.worstM;
    assert.ok(better < uncapped / 2, `${better} vs ${uncapped}`);
    assert.ok(next.forMean.meanM < before.meanM * 0.8, `${next.forMean.meanM} vs ${before.meanM}`);
    assert.ok(next.forMean.meanM < before.meanM);
    // Far from the crowded corner.
    assert.ok(Math.hypot(next.forWorst.x, next.forWorst.y) > 15, JSON.stringify(next.forWorst));
    assert.ok(Math.hypot(next.forMean.x, next.forMean.y) > 10, JSON.stringify(next.forMean));
  });
});

describe("Spearman's rank correlation", () => {
  it('is 1 for any increasing relation, -1 for a decreasing one, and handles ties', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 100, 1000, 10000]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    // Ranks of [1, 2, 2, 3] are [1, 2.5, 2.5, 4]: correlation with [1, 2, 3, 4] is 0.9487.
    assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 0.9486832980505138) < 1e-12);
    assert.ok(Number.isNaN(spearman([1], [1])));
  });
});
