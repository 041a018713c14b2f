// Where the site is on Earth from two points on the plan and the same two on a map (geo.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import { runInNewContext } from 'vm';
import { LocalFrame, originFromTwoPoints, type LatLon, type LocalPoint } from '../../nodes/kernel/geo';
import { Random } from '../../nodes/kernel/random';

describe('origin from two points', () => {
  const truth = { lat: 47.3769, lon: 8.5417, rotationDeg: 33 };
  const frame = new LocalFrame(truth);

  for (const [name, o] of [
    ['Zürich, rotated 33°', truth],
    ['south, rotated 300°', { lat: -33.9, lon: 18.4, rotationDeg: 300 }],
    ['near the date line', { lat: 64.1, lon: 179.999, rotationDeg: 179.5 }],
  ] as const) {
    it(`recovers the origin and rotation (${name}) within 1 cm and 0.01°`, () => {
      const f = new LocalFrame(o);
      const plan: [{ x: number; y: number }, { x: number; y: number }] = [
        { x: 12, y: -7 },
        { x: -40, y: 55 },
      ];
      const fit = originFromTwoPoints(plan, [f.toWgs84(12, -7), f.toWgs84(-40, 55)]);
      const back = new LocalFrame(fit.origin);
      for (const p of plan) {
        const g = f.toWgs84(p.x, p.y);
        const q = back.fromWgs84(g.lat, g.lon);
        assert.ok(Math.hypot(q.x - p.x, q.y - p.y) < 0.01, JSON.stringify({ p, q }));
      }
      // The plan origin itself lands within 1 cm of the true one.
      const o2 = f.fromWgs84(fit.origin.lat, fit.origin.lon);
      assert.ok(Math.hypot(o2.x, o2.y) < 0.01, JSON.stringify(o2));
      const dRot = Math.abs(((fit.origin.rotationDeg - o.rotationDeg + 540) % 360) - 180);
      assert.ok(dRot < 0.01, `${fit.origin.rotationDeg} vs ${o.rotationDeg}`);
      assert.ok(Math.abs(fit.scale - 1) < 1e-4);
      assert.equal(fit.warning, undefined);
    });
  }

  it('warns when the plan and map distances differ by more than 10 %', () => {
    const plan: [{ x: number; y: number }, { x: number; y: number }] = [
      { x: 0, y: 0 },
      { x: 20, y: 0 },
    ];
    const ok = originFromTwoPoints(plan, [frame.toWgs84(0, 0), frame.toWgs84(21.5, 0)]);
    assert.equal(ok.warning, undefined, 'a 7.5 % difference passes');
    const off = originFromTwoPoints(plan, [frame.toWgs84(0, 0), frame.toWgs84(23, 0)]);
    assert.match(off.warning ?? '', /20\.0 m apart on the plan but 23\.0 m on the map \(15 % off\)/);
    // The rotation still follows the direction.
    assert.ok(Math.abs(off.origin.rotationDeg - truth.rotationDeg) < 0.01);
  });

  it('refuses points too close together or not finite', () => {
    const g = frame.toWgs84(0, 0);
    assert.throws(
      () =>
        originFromTwoPoints(
          [
            { x: 0, y: 0 },
            { x: 0.5, y: 0 },
          ],
          [g, frame.toWgs84(10, 0)],
        ),
      /plan points are less than 1 m apart/,
    );
    assert.throws(
      () =>
        originFromTwoPoints(
          [
            { x: 0, y: 0 },
            { x: 10, y: 0 },
          ],
          [g, g],
        ),
      /map points are less than 1 m apart/,
    );
    assert.throws(
      () =>
        originFromTwoPoints(
          [
            { x: Number.NaN, y: 0 },
            { x: 10, y: 0 },
          ],
          [g, g],
        ),
      /not a finite number/,
    );
  });

  // The Plan editor (browser JS, no build step) carries a copy of originFromTwoPoints: the same answers.
  it("the Plan editor's copy gives the kernel's answers (200 random fits, to 1e-9 degrees)", () => {
    type Fit = ReturnType<typeof originFromTwoPoints>;
    const file = path.resolve(__dirname, '..', '..', 'nodes', 'tracker-site', 'web', 'site-editor.js');
    const window: { DogSiteEditor?: { originFromTwoPoints(p: LocalPoint[], g: LatLon[]): Fit } } = {};
    runInNewContext(readFileSync(file, 'utf8'), { window });
    const browser = window.DogSiteEditor?.originFromTwoPoints;
    assert.ok(browser, 'site-editor.js exports originFromTwoPoints');
    const random = new Random(14);
    const rnd = (): number => random.next();
    for (let n = 0; n < 200; n++) {
      const o = { lat: -70 + 140 * rnd(), lon: -179 + 358 * rnd(), rotationDeg: 360 * rnd() };
      const f = new LocalFrame(o);
      const plan: [LocalPoint, LocalPoint] = [
        { x: 100 * rnd() - 50, y: 100 * rnd() - 50 },
        { x: 100 * rnd() - 50, y: 100 * rnd() - 50 },
      ];
      if (Math.hypot(plan[1].x - plan[0].x, plan[1].y - plan[0].y) < 2) continue;
      // Up to 20 % scale error, so some fits warn.
      const k = 0.8 + 0.4 * rnd();
      const map: [LatLon, LatLon] = [
        f.toWgs84(plan[0].x, plan[0].y),
        f.toWgs84(plan[1].x * k, plan[1].y * k),
      ];
      let want: Fit | undefined;
      let wantError = '';
      try {
        want = originFromTwoPoints(plan, map);
      } catch (err) {
        wantError = (err as Error).message;
      }
      let got: Fit | undefined;
      let gotError = '';
      try {
        got = browser(plan, map);
      } catch (err) {
        gotError = (err as Error).message;
      }
      assert.equal(gotError, wantError);
      if (!want || !got) continue;
      assert.ok(Math.abs(got.origin.lat - want.origin.lat) < 1e-9, `${n}: lat`);
      assert.ok(Math.abs(got.origin.lon - want.origin.lon) < 1e-9, `${n}: lon`);
      assert.ok(Math.abs(got.origin.rotationDeg - want.origin.rotationDeg) < 1e-9, `${n}: rotation`);
      assert.equal(got.warning, want.warning);
      assert.ok(Math.abs(got.scale - want.scale) < 1e-12);
    }
  });
});
