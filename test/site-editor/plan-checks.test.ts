import assert from 'node:assert/strict';
import { clearHeard, heardNow, MAX_BEACONS, reportReading } from '../../nodes/common/heard-beacons';
import { selfCrossing } from '../../nodes/tracker-site/site-plan-checks';

describe('plan checks: polygons that cross themselves', () => {
  it('finds a bow tie and passes a concave outline', () => {
    assert.deepEqual(
      selfCrossing([
        [0, 0],
        [10, 10],
        [10, 0],
        [0, 10],
      ]),
      [0, 2],
    );
    assert.equal(
      selfCrossing([
        [0, 0],
        [10, 0],
        [10, 10],
        [5, 3],
        [0, 10],
      ]),
      undefined,
    );
    assert.equal(
      selfCrossing([
        [0, 0],
        [1, 0],
        [0, 1],
      ]),
      undefined,
    );
    // A vertex touching another edge counts.
    assert.deepEqual(
      selfCrossing([
        [0, 0],
        [10, 0],
        [10, 10],
        [5, 0],
        [0, 10],
      ]),
      [0, 3],
    );
  });
});

describe('beacons heard now', () => {
  beforeEach(clearHeard);
  afterEach(clearHeard);

  it('lists each beacon once, by its loudest scanner, loudest first, within 30 s of the newest reading', () => {
    const t = 1_763_800_000_000;
    reportReading({ mac: 'aa:aa:aa:aa:aa:01', scanner: 'a', rssi: -80, ts: t });
    reportReading({ mac: 'aa:aa:aa:aa:aa:01', scanner: 'b', rssi: -45, ts: t + 1000 });
    reportReading({ mac: 'aa:aa:aa:aa:aa:02', id: 'ibeacon:x:1:2', scanner: 'a', rssi: -60, ts: t + 2000 });
    reportReading({ mac: 'aa:aa:aa:aa:aa:03', scanner: 'a', rssi: -30, ts: t - 60_000 });
    assert.deepEqual(
      heardNow().map((h) => [h.beacon, h.scanner, h.rssi]),
      [
        ['aa:aa:aa:aa:aa:01', 'b', -45],
        ['ibeacon:x:1:2', 'a', -60],
      ],
    );
  });

  it('stays bounded under a flood of beacons', () => {
    for (let i = 0; i < 10 * MAX_BEACONS; i++)
      reportReading({ mac: `m${i}`, scanner: 's', rssi: -50, ts: 1000 + i });
    assert.equal(heardNow().length, MAX_BEACONS);
    reportReading({ mac: 'x', scanner: 's', rssi: NaN, ts: 5 });
    assert.ok(heardNow().every((h) => Number.isFinite(h.rssi)));
  });
});
