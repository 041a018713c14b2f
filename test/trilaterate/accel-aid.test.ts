import assert from 'node:assert/strict';
import type { RssiReading } from '../../nodes/kernel/contract';
import { SiteView } from '../../nodes/kernel/site-view';
import { Locator } from '../../nodes/trilaterate/locator';
import { AccelMotion, MotionTracker } from '../../nodes/trilaterate/tracker';
import { CASES, simulate } from '../../bench/trilaterate-cases';

const T0 = 1_763_800_000_000;
const COV: [[number, number], [number, number]] = [
  [4, 0],
  [0, 4],
];

describe('trilaterate accelerometer aid', () => {
  it('reads still, moving and running from consecutive frames', () => {
    const m = new AccelMotion();
    assert.equal(m.hint(T0), undefined, 'no frames: no hint');
    m.frame(T0, [0, 0, 1]);
    m.frame(T0 + 1000, [0.01, 0, 1]);
    assert.equal(m.hint(T0 + 1000), undefined, 'one quiet change is not enough');
    m.frame(T0 + 2000, [0.01, 0.01, 1]);
    assert.equal(m.hint(T0 + 2000), 'still');
    assert.equal(m.hint(T0 + 6000), undefined, 'stale frames say nothing');
    m.frame(T0 + 3000, [0.2, 0, 1.2]);
    assert.equal(m.hint(T0 + 3000), 'moving', 'one big change says moving at once');
    m.frame(T0 + 4000, [-0.5, 0, 2]);
    m.frame(T0 + 5000, [0.6, 0.3, 0.2]);
    m.frame(T0 + 6000, [-0.6, 0, 1.9]);
    assert.equal(m.hint(T0 + 6000), 'running');
  });

  it('skips repeats of a frame from other scanners, late frames and bad vectors', () => {
    const m = new AccelMotion();
    m.frame(T0, [0, 0, 1]);
    m.frame(T0 + 1000, [0, 0, 1.01]);
    m.frame(T0 + 1010, [0, 0, 1.01]); // the same frame through another scanner
    m.frame(T0 + 500, [1, 1, 1]); // late
    m.frame(T0 + 1020, [Number.NaN, 0, 1]);
    assert.equal(m.hint(T0 + 1000), undefined, 'still one change only');
    m.frame(T0 + 2000, [0, 0, 1.0]);
    assert.equal(m.hint(T0 + 2000), 'still');
  });

  it('a still hint makes the rest model win at once; no hint changes nothing', () => {
    const plain = new MotionTracker();
    const again = new MotionTracker();
    const hinted = new MotionTracker();
    for (let s = 0; s < 5; s++) {
      // A dog that trotted east, then lies down at x = 8.
      const fix = { x: Math.min(2 * s, 8), y: 0, cov: COV };
      plain.update(fix, T0 + s * 1000);
      again.update(fix, T0 + s * 1000, undefined);
      hinted.update(fix, T0 + s * 1000, s >= 4 ? 'still' : undefined);
    }
    assert.deepEqual(again.state(), plain.state());
    assert.ok(hinted.state().restProbability > plain.state().restProbability + 0.2);
    assert.ok(hinted.state().restProbability > 0.8);
  });

  it('positions with frames but the aid off equal the aid on without frames reaching it', () => {
    const c = CASES[0];
    const run = simulate(c, 120, 3, undefined, true);
    assert.ok(
      run.readings.some((r) => r.frame === 'minew-accel'),
      'the simulator sends frames',
    );
    const positions = (readings: RssiReading[], accelAid: boolean): string[] => {
      const locator = new Locator(new SiteView(c.site), { regionMarginM: 0, accelAid });
      return readings.flatMap((r) => locator.add(r)).map((p) => `${p.dog} ${p.ts} ${p.x} ${p.y}`);
    };
    const stripped = run.readings.map((r) => ({ ...r, frame: undefined, minew: undefined }));
    const off = positions(run.readings, false);
    assert.deepEqual(positions(stripped, true), off, 'no frames: the aid is off');
    assert.notDeepEqual(positions(run.readings, true), off, 'frames change the track');
  });
});
