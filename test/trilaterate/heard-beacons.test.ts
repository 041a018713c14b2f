// The site editor's "heard now" list keeps the MAX_BEACONS (beacon, scanner) pairs reported last, each
// with its latest reading, however many readings and beacons go by (trilaterate reports every reading).
import assert from 'node:assert/strict';
import { clearHeard, heardNow, MAX_BEACONS, reportReading } from '../../nodes/common/heard-beacons';

describe('beacons heard now: the pairs reported last', () => {
  beforeEach(clearHeard);
  afterEach(clearHeard);

  it('lists the MAX_BEACONS pairs reported last, a pair heard again counting as new', () => {
    const t = 1_763_800_000_000;
    // "keep" is heard first, then again after many others: it stays; "old" is pushed out.
    reportReading({ mac: 'old', scanner: 's', rssi: -70, ts: t });
    reportReading({ mac: 'keep', scanner: 's', rssi: -70, ts: t });
    for (let i = 0; i < MAX_BEACONS - 1; i++) reportReading({ mac: `m${i}`, scanner: 's', rssi: -80, ts: t });
    reportReading({ mac: 'keep', scanner: 's', rssi: -40, ts: t + 1 });
    for (let i = 0; i < 3 * MAX_BEACONS; i++)
      reportReading({ mac: `n${i % (MAX_BEACONS - 1)}`, scanner: 's', rssi: -60, ts: t + 2 });
    const listed = heardNow();
    assert.equal(listed.length, MAX_BEACONS);
    assert.deepEqual(listed[0], { beacon: 'keep', mac: 'keep', scanner: 's', rssi: -40, ts: t + 1 });
    assert.ok(!listed.some((h) => h.beacon === 'old' || h.beacon.startsWith('m')));
  });

  it('gives each beacon its loudest scanner from the latest reading of each pair', () => {
    const t = 1_763_800_000_000;
    reportReading({ mac: 'a', scanner: 's1', rssi: -50, ts: t });
    reportReading({ mac: 'a', scanner: 's2', rssi: -60, ts: t });
    reportReading({ mac: 'a', scanner: 's1', rssi: -75, ts: t + 500 });
    assert.deepEqual(
      heardNow().map((h) => [h.scanner, h.rssi]),
      [['s2', -60]],
    );
  });
});
