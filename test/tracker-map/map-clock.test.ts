// The map's clock: one position stamped in the future must not freeze a dog until it comes true.
import assert from 'node:assert/strict';
import type { Position } from '../../nodes/kernel/contract';
import { SiteView } from '../../nodes/kernel/site-view';
import { MapState } from '../../nodes/tracker-map/map-state';

const T0 = 1_763_800_000_000;
const HOUR = 3_600_000;

const site = SiteView.fromJson(
  JSON.stringify({
    name: 'Yard',
    scanners: [{ id: 's1', x: 0, y: 0 }],
    dogs: [
      { id: 'rex', beacon: 'ac:23:3f:a3:80:4b' },
      { id: 'bella', beacon: 'ac:23:3f:a3:80:4c' },
    ],
  }),
);

const pos = (dog: string, ts: number, x: number): Position => ({
  v: 1,
  type: 'position',
  dog,
  ts,
  x,
  y: 5,
  accuracy: 1,
  scanners: 3,
  method: 'test',
});

describe('MapState clock', () => {
  it('refuses a position an hour ahead of the other dogs; the dog keeps moving with its real positions', () => {
    const refused: string[] = [];
    const state = new MapState({
      trailS: 60,
      alertsKept: 5,
      onRefused: (p, v) => refused.push(`${p.dog} ${v.aheadMs} ${v.first}`),
    });
    state.setSite(site);
    for (let t = 0; t < 10; t++) {
      state.apply([pos('rex', T0 + t * 1000, t), pos('bella', T0 + t * 1000, t)]);
      if (t === 5) assert.deepEqual(state.apply(pos('rex', T0 + t * 1000 + HOUR, 99)), []);
    }
    assert.deepEqual(refused, [`rex ${HOUR} true`]);
    const rex = state.snapshot().dogs.find((d) => d.id === 'rex');
    assert.equal(rex?.position?.x, 9);
    assert.equal(rex?.trail.length, 10);
  });

  it('live: refuses even a first position ahead of the wall clock', () => {
    const state = new MapState({ trailS: 60, alertsKept: 5, now: () => T0 });
    state.setSite(site);
    assert.deepEqual(state.apply(pos('rex', T0 + 10 * 365 * 24 * HOUR, 1)), []);
    assert.equal(state.apply(pos('rex', T0 - 1000, 2)).length, 1);
    assert.deepEqual(state.clock.ahead(), []);
  });
});
