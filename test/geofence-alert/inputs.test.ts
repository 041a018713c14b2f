// Zone shapes, position input and settings of geofence-alert.
import assert from 'node:assert/strict';
import { readOptions } from '../../nodes/geofence-alert/fence-options';
import { normalQuantile } from '../../nodes/geofence-alert/normal-quantile';
import { readPositions } from '../../nodes/geofence-alert/position-input';
import { compileShape, type BoundaryDistance } from '../../nodes/geofence-alert/zone-shape';
import type { Zone } from '../../nodes/kernel/site-document';

function measure(zone: Zone, x: number, y: number): BoundaryDistance {
  const out = { d: 0, nx: 0, ny: 0 };
  compileShape(zone).measure(x, y, out);
  return out;
}

const base = { id: 'z', name: 'z', kind: 'safe' } as const;
const U: Zone = {
  ...base,
  shape: 'polygon',
  polygon: [
    [0, 0],
    [30, 0],
    [30, 30],
    [20, 30],
    [20, 10],
    [10, 10],
    [10, 30],
    [0, 30],
  ],
};

describe('geofence-alert inputs', () => {
  describe('zone shapes', () => {
    it('signed distance of a concave polygon: negative in its arms, positive in its notch', () => {
      assert.equal(measure(U, 5, 20).d, -5); // west arm: 5 m from x = 0 and from x = 10
      assert.equal(measure(U, 15, 20).d, 5); // the notch is outside, 5 m from both arms
      assert.equal(measure(U, 15, 12).d, 2); // 2 m above the notch floor
      assert.equal(measure(U, 15, 8).d, -2); // 2 m below it, inside
      assert.equal(measure(U, 35, 15).d, 5);
      assert.equal(measure(U, 20, 20).d, 0);
    });

    it('gives the unit normal across the nearest edge', () => {
      const m = measure(U, 15, 12);
      assert.deepEqual([m.nx, m.ny], [0, 1]);
    });

    it('circle: distance to the rim, normal along the radius', () => {
      const circle: Zone = { ...base, shape: 'circle', circle: { x: 5, y: 5, r: 3 } };
      assert.deepEqual(measure(circle, 5, 5), { d: -3, nx: 1, ny: 0 });
      const m = measure(circle, 5, 10);
      assert.deepEqual([m.d, m.nx, m.ny], [2, 0, 1]);
      assert.equal(compileShape(circle).outsideBound(5, 10), 2);
      assert.equal(compileShape(circle).outsideBound(5, 6), 0);
    });

    it('the bounding-box bound never exceeds the true distance', () => {
      const shape = compileShape(U);
      for (const [x, y] of [
        [15, 20],
        [40, 40],
        [-3, -4],
        [15, 35],
      ]) {
        const bound = shape.outsideBound(x, y);
        assert.ok(bound <= measure(U, x, y).d + 1e-12, `${x},${y}`);
      }
      assert.equal(shape.outsideBound(-3, -4), 5);
    });
  });

  describe('positions', () => {
    const good = { v: 1, type: 'position', dog: 'rex', ts: 1, x: 2, y: 3, accuracy: 1.5 };

    it('takes one position or a batch, with an optional covariance', () => {
      assert.deepEqual(readPositions(good), {
        positions: [{ dog: 'rex', ts: 1, x: 2, y: 3, accuracy: 1.5 }],
        errors: [],
        refused: 0,
        total: 1,
      });
      const cov = [
        [2.1, 0.3],
        [0.3, 1.4],
      ];
      const batch = readPositions([good, { ...good, dog: 'bella', cov }]);
      assert.equal(batch.positions.length, 2);
      assert.deepEqual(batch.positions[1].cov, cov);
    });

    it('names each bad position and what is wrong, and keeps the good ones', () => {
      const result = readPositions([
        good,
        { ...good, x: '12' },
        { ...good, type: 'rssi' },
        'garbage',
        { ...good, dog: '', accuracy: -1 },
        {
          ...good,
          cov: [
            [1, 5],
            [0, 1],
          ],
        },
      ]);
      assert.equal(result.positions.length, 1);
      assert.deepEqual(result.errors, [
        'payload[1].x must be a finite number (m), not "12"',
        'payload[2].type must be "position", not "rssi"',
        'payload[3] must be a position object (type "position"), not "garbage"',
        'payload[4].dog must be a non-empty string, not ""; payload[4].accuracy must be between 0 and 1000000 (m, 1 sigma), not -1',
        'payload[5].cov must be symmetric, not 5 and 0 off the diagonal',
      ]);
      assert.deepEqual(readPositions(null).errors, [
        'payload must be a position object (type "position"), not null',
      ]);
    });
  });

  describe('settings', () => {
    it('reads the editor fields, blank meaning the default', () => {
      assert.deepEqual(
        readOptions({
          confidence: '95',
          marginM: '1.5',
          holdS: 4,
          missingS: '300',
          missingSeverity: 'critical',
        }),
        {
          ok: true,
          options: {
            confidence: 0.95,
            marginM: 1.5,
            holdMs: 4000,
            missingMs: 300000,
            missingSeverity: 'critical',
            maxAheadMs: 30000,
            poolMs: 60000,
            pooledConfidence: 0.99999,
            pooledHoldMs: 0,
            correlatedPositions: 0,
            followUnknown: false,
          },
        },
      );
      assert.deepEqual(readOptions({}), {
        ok: true,
        options: {
          confidence: 0.95,
          marginM: 3,
          holdMs: 15000,
          missingMs: 120000,
          missingSeverity: 'warning',
          maxAheadMs: 30000,
          poolMs: 60000,
          pooledConfidence: 0.99999,
          pooledHoldMs: 0,
          correlatedPositions: 0,
          followUnknown: false,
        },
      });
      const follow = readOptions({ maxSkew: '60', followUnknown: true });
      assert.ok(follow.ok && follow.options.maxAheadMs === 60000 && follow.options.followUnknown);
      assert.deepEqual(readOptions({ maxSkew: '-1' }), {
        ok: false,
        errors: ['maxSkew must be at least 0 s, not "-1"'],
      });
    });

    it('names every bad field', () => {
      assert.deepEqual(
        readOptions({ confidence: 40, marginM: -1, holdS: 'x', missingS: 0, missingSeverity: 'loud' }),
        {
          ok: false,
          errors: [
            'confidence must be more than 50 %, not 40',
            'marginM must be at least 0 m, not -1',
            'holdS must be a number, not "x"',
            'missingS must be more than 0 s, not 0',
            'missingSeverity must be one of info, warning, critical, not "loud"',
          ],
        },
      );
    });
  });

  it('normal quantile', () => {
    assert.ok(Math.abs(normalQuantile(0.9) - 1.2815515655) < 1e-8);
    assert.ok(Math.abs(normalQuantile(0.99) - 2.326347874) < 1e-8);
    assert.ok(Math.abs(normalQuantile(0.01) + 2.326347874) < 1e-8);
    assert.equal(normalQuantile(0.5), 0);
    assert.throws(() => normalQuantile(1), RangeError);
  });
});
