// trilaterate on the real Node-RED runtime learns from scanners' own beacons, keeps it in its context,
// shows it in its status, and forgets it on reset-calibration.
import assert from 'node:assert/strict';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import trilaterate = require('../../nodes/trilaterate/trilaterate');
import { NO_NOISE, SiteSimulator } from '../../nodes/kernel/simulation';
import { parseSite } from '../../nodes/kernel/site-document';
import { helper, onTab, statusWhere } from '../support/flow';

const T0 = 1_763_800_000_000;
const SITE = JSON.stringify({
  name: 'Yard',
  scanners: [
    [0, 0, 3],
    [20, 0, -2],
    [20, 30, 0],
    [0, 30, -1],
  ].map(([x, y, rssiOffset], i) => ({ id: `pi-${i}`, x, y, z: 1.5, rssiOffset })),
  dogs: [{ id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' }],
});

describe('trilaterate node calibration', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('calibrates from scanner beacons, saves to its context and resets on reset-calibration', async () => {
    const untold = SITE.replace(/"rssiOffset":-?\d+/g, '"rssiOffset":0');
    await helper.load(
      [trackerSite, trilaterate],
      onTab([
        { id: 'site1', type: 'tracker-site', name: 'yard', config: untold },
        { id: 't1', type: 'trilaterate', name: 'locate', site: 'site1', wires: [[]] },
      ]),
    );
    const t1 = helper.getNode('t1');
    const truth = parseSite(SITE);
    assert.ok(truth.ok);
    const sim = new SiteSimulator(truth.site, { startTs: T0, seed: 1, noise: NO_NOISE });
    const readings = [];
    let seq = 0;
    for (let s = 0; s < 30; s++)
      for (const a of sim.scannerBeaconAdverts(T0 + s * 1000, { rssiAt1m: -59 }))
        readings.push({
          v: 1,
          type: 'rssi',
          scanner: a.scanner,
          seq: ++seq,
          ts: a.ts,
          mac: a.mac,
          id: a.id,
          rssi: a.rssi,
        });
    const calibrated = statusWhere(t1, (s) => String(s.text).includes('4 scanners calibrated'));
    t1.receive({ payload: readings });
    await calibrated;
    const reset = statusWhere(t1, (s) => String(s.text) === '0 tracked');
    t1.receive({ topic: 'reset-calibration', payload: '' });
    await reset;
    const saved = t1.context().get('calibration') as { v: number; links: unknown[] };
    assert.equal(saved.v, 1);
    assert.deepEqual(saved.links, []);
  });
});
