import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LocalFrame } from '../../nodes/kernel/geo';

/** Great-circle distance (haversine on the mean Earth radius), good to 0.5 % for checking. */
function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = 6371008.8;
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

describe('local <-> WGS84 conversion', () => {
  const utrecht = new LocalFrame({ lat: 52.0907, lon: 5.1214, rotationDeg: 0 });

  it('maps the origin to itself', () => {
    assert.deepEqual(utrecht.toWgs84(0, 0), { lat: 52.0907, lon: 5.1214 });
  });

  it('puts +y north and +x east with rotation 0, at the right distance', () => {
    const north = utrecht.toWgs84(0, 100);
    assert.ok(north.lat > 52.0907 && north.lon === 5.1214);
    const east = utrecht.toWgs84(100, 0);
    assert.ok(east.lon > 5.1214 && east.lat === 52.0907);
    // One degree of latitude at 52° N is 111.26 km on the WGS84 ellipsoid.
    assert.ok(Math.abs((north.lat - 52.0907) * 111_263 - 100) < 0.05);
    assert.ok(Math.abs(haversineM(52.0907, 5.1214, east.lat, east.lon) - 100) < 0.5);
  });

  it('turns the plan by rotationDeg, the bearing of +y clockwise from north', () => {
    const turned = new LocalFrame({ lat: 52.0907, lon: 5.1214, rotationDeg: 90 });
    const p = turned.toWgs84(0, 50); // +y now points east
    assert.ok(Math.abs(p.lat - 52.0907) < 1e-12);
    assert.ok(p.lon > 5.1214);
    const q = turned.toWgs84(50, 0); // +x now points south
    assert.ok(q.lat < 52.0907);
    assert.ok(Math.abs(q.lon - 5.1214) < 1e-12);
  });

  it('round-trips any point of a 5 km site to a millimetre, at any latitude and rotation', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -80, max: 80, noNaN: true }),
        fc.double({ min: -179, max: 179, noNaN: true }),
        fc.double({ min: -360, max: 360, noNaN: true }),
        fc.double({ min: -5000, max: 5000, noNaN: true }),
        fc.double({ min: -5000, max: 5000, noNaN: true }),
        (lat, lon, rotationDeg, x, y) => {
          const frame = new LocalFrame({ lat, lon, rotationDeg });
          const ll = frame.toWgs84(x, y);
          const back = frame.fromWgs84(ll.lat, ll.lon);
          return Math.abs(back.x - x) < 1e-3 && Math.abs(back.y - y) < 1e-3;
        },
      ),
    );
  });
});
