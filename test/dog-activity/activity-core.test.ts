import assert from 'node:assert/strict';
import { formatConfusion, readingOf, runActivity, activitySite } from '../../bench/activity-run';
import { decodeAdvert } from '../../nodes/beacon-scan/frames';
import { CONTRACT_VERSION, type Position, type RssiReading } from '../../nodes/kernel/contract';
import { minewAccelServiceData, SiteSimulator } from '../../nodes/kernel/simulation';
import { ActivityTracker, type Activity } from '../../nodes/dog-activity/activity-core';
import { activityLine } from '../../nodes/dog-activity/activity-points';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0); // 08:00 UTC, daytime

function accel(ts: number, v: [number, number, number], scanner = 's1'): RssiReading {
  return {
    v: CONTRACT_VERSION,
    type: 'rssi',
    scanner,
    ts,
    mac: 'ac:23:3f:a3:80:4b',
    rssi: -70,
    frame: 'minew-accel',
    minew: { accel: v },
    dog: 'rex',
  };
}

function position(ts: number, speed: number): Position {
  return {
    v: 1,
    type: 'position',
    dog: 'rex',
    ts,
    x: 1,
    y: 2,
    vx: speed,
    vy: 0,
    accuracy: 1,
    scanners: 3,
    method: 'tracker',
  };
}

/** Frames once a second: still (noise 0.01 g) or shaking with amplitude `g`. */
function frames(
  core: ActivityTracker,
  from: number,
  seconds: number,
  g: number,
  out: Activity[],
): ReturnType<ActivityTracker['ingest']>['alerts'] {
  const alerts = [];
  for (let i = 0; i < seconds; i++) {
    const wobble = g * (i % 2 === 0 ? 1 : -1) + 0.01 * Math.sin(i * 1.7);
    const r = core.ingest(accel(from + i * 1000, [0.01 * Math.cos(i), wobble, 1]));
    out.push(...r.activity);
    alerts.push(...r.alerts);
  }
  return alerts;
}

describe('dog-activity core', () => {
  it('classifies at least 90 % of simulated minutes right (long rests and play sessions)', function () {
    this.timeout(60_000);
    const day = runActivity({ seed: 11, hours: 2, dogs: 2 });
    const play = runActivity({ seed: 12, hours: 1, dogs: 2, restSeconds: [5, 40] });
    for (const run of [day, play]) {
      assert.ok(run.minutes > 100, `only ${run.minutes} minutes classified`);
      assert.ok(run.correct / run.minutes >= 0.9, formatConfusion(run));
      for (const a of run.activity) assert.equal(a.source, 'accel');
    }
  });

  it("simulated frames are Minew accelerometer bytes beacon-scan's decoder reads back", () => {
    const sim = new SiteSimulator(activitySite(1), { startTs: T0, seed: 3, accel: {} });
    const adverts = sim.advance(T0 + 10_000).filter((a) => a.frame === 'minew-accel');
    assert.ok(adverts.length >= 8, `${adverts.length} accelerometer adverts in 10 s`);
    for (const a of adverts) {
      const decoded = decodeAdvert({
        serviceData: [{ uuid: 'ffe1', data: minewAccelServiceData(a.accel!, 90, a.mac) }],
      });
      assert.equal(decoded.frame, 'minew-accel');
      assert.deepEqual(decoded.minew?.accel, a.accel);
      assert.equal(decoded.minew?.mac, a.mac);
      assert.equal(readingOf(a).frame, 'minew-accel');
    }
  });

  it('leaves the iBeacon stream of a seed unchanged when accelerometer frames are switched on', () => {
    const plain = new SiteSimulator(activitySite(2), { startTs: T0, seed: 5 }).advance(T0 + 30_000);
    const withAccel = new SiteSimulator(activitySite(2), { startTs: T0, seed: 5, accel: {} })
      .advance(T0 + 30_000)
      .filter((a) => a.frame === undefined);
    assert.deepEqual(withAccel, plain);
  });

  it('counts a frame heard by several scanners once, and says rest for a still collar', () => {
    const core = new ActivityTracker();
    const out: Activity[] = [];
    for (let i = 0; i < 60; i++) {
      const v: [number, number, number] = [0.004 * (i % 3), 0, 1];
      for (const s of ['a', 'b', 'c'])
        out.push(...core.ingest(accel(T0 + i * 1000 + (s === 'c' ? 40 : 0), v, s)).activity);
    }
    out.push(...core.ingest(accel(T0 + 61_000, [0, 0, 1])).activity);
    assert.equal(out.length, 1);
    assert.equal(out[0].state, 'rest');
    assert.equal(out[0].samples, 59); // 60 frames, 59 differences
    assert.equal(out[0].ts, T0);
    assert.equal(out[0].today.restMin, 1);
  });

  it('tells moving from running by the dynamic level', () => {
    const core = new ActivityTracker();
    const out: Activity[] = [];
    frames(core, T0, 60, 0.12, out);
    frames(core, T0 + 60_000, 60, 0.6, out);
    frames(core, T0 + 120_000, 2, 0, out);
    assert.deepEqual(
      out.map((a) => a.state),
      ['moving', 'running'],
    );
    assert.deepEqual(out[1].today, {
      day: '2026-11-02',
      activeMin: 2,
      restMin: 0,
      longestRestMin: 0,
      nightRestlessMin: 0,
      observedMin: 2,
    });
  });

  it('falls back to the tracker speed for a tag without accelerometer frames, and says so', () => {
    const core = new ActivityTracker();
    const out: Activity[] = [];
    for (let i = 0; i < 60; i++) out.push(...core.ingest(position(T0 + i * 1000, 1.2)).activity);
    out.push(...core.ingest(position(T0 + 60_000, 0)).activity);
    assert.equal(out.length, 1);
    assert.equal(out[0].state, 'moving');
    assert.equal(out[0].source, 'position');
    assert.equal(out[0].level, 1.2);
  });

  it('raises inactive after the configured rest by day, and active when the dog moves again', () => {
    const core = new ActivityTracker({ inactiveMin: 30 });
    const out: Activity[] = [];
    const alerts = frames(core, T0, 40 * 60, 0, out);
    const inactive = alerts.filter((a) => a.event === 'inactive');
    assert.equal(inactive.length, 1);
    assert.equal(inactive[0].ts, T0 + 30 * 60_000);
    assert.equal(inactive[0].since, T0);
    assert.equal(inactive[0].severity, 'warning');
    const again = frames(core, T0 + 40 * 60_000, 122, 0.2, out);
    assert.deepEqual(
      again.map((a) => a.event),
      ['active'],
    );
    assert.equal(out[out.length - 1].today.longestRestMin, 40);
  });

  it('no inactive alert at night; restless once the night has enough active minutes', () => {
    const night = Date.UTC(2026, 10, 2, 23, 0, 0);
    const core = new ActivityTracker({ inactiveMin: 30, restlessMin: 20 });
    const out: Activity[] = [];
    const still = frames(core, night, 60 * 60, 0, out);
    assert.equal(still.length, 0);
    const busy = frames(core, night + 3_600_000, 30 * 60, 0.2, out);
    const restless = busy.filter((a) => a.event === 'restless');
    assert.equal(restless.length, 1);
    assert.equal(restless[0].minutes, 20);
    // The night of 2 to 3 November belongs to 3 November's totals.
    const last = out[out.length - 1];
    assert.equal(last.today.day, '2026-11-03');
    assert.equal(last.today.nightRestlessMin, 29);
  });

  it('raises accel-silent when the collar is heard but sends no accelerometer frame, then accel-back', () => {
    const core = new ActivityTracker({ accelSilentMin: 10 });
    frames(core, T0, 10, 0, []);
    const ibeacon = (ts: number): RssiReading => ({
      v: 1,
      type: 'rssi',
      scanner: 's',
      ts,
      mac: 'm',
      rssi: -60,
      frame: 'ibeacon',
      dog: 'rex',
    });
    assert.equal(core.ingest(ibeacon(T0 + 5 * 60_000)).alerts.length, 0);
    const silent = core.ingest(ibeacon(T0 + 9_000 + 10 * 60_000)).alerts;
    assert.deepEqual(
      silent.map((a) => [a.event, a.since]),
      [['accel-silent', T0 + 9000]],
    );
    assert.equal(core.ingest(ibeacon(T0 + 11 * 60_000)).alerts.length, 0); // once
    const back = core.ingest(accel(T0 + 12 * 60_000, [0, 0, 1])).alerts;
    assert.deepEqual(
      back.map((a) => a.event),
      ['accel-back'],
    );
  });

  it("compares a day with the dog's own baseline of the past days", () => {
    const core = new ActivityTracker({ baselineMinObservedMin: 1 });
    core.seedBaseline('rex', [
      {
        day: '2026-10-30',
        activeMin: 100,
        restMin: 1000,
        longestRestMin: 300,
        nightRestlessMin: 10,
        observedMin: 1100,
      },
      {
        day: '2026-10-31',
        activeMin: 200,
        restMin: 900,
        longestRestMin: 200,
        nightRestlessMin: 20,
        observedMin: 1100,
      },
    ]);
    const out: Activity[] = [];
    frames(core, T0, 62, 0, out);
    assert.deepEqual(out[0].baseline, {
      days: 2,
      activeMin: 150,
      restMin: 950,
      longestRestMin: 250,
      nightRestlessMin: 15,
    });
    // The next day: today joins the baseline.
    frames(core, T0 + 86_400_000, 62, 0, out);
    assert.equal(out[out.length - 1].baseline?.days, 3);
  });

  it('ignores readings without a dog, late frames, and stays bounded under a flood of dog names', () => {
    const core = new ActivityTracker({ maxDogs: 10 });
    assert.equal(core.ingest({ ...accel(T0, [0, 0, 1]), dog: undefined }).ignored, 'no dog');
    for (let i = 0; i < 100; i++) core.ingest({ ...accel(T0, [0, 0, 1]), dog: `d${i}` });
    assert.equal(core.dogCount, 10);
    assert.equal(core.ingest(accel(T0, [0, 0, 1])).ignored, 'too many dogs');
    assert.equal(core.ingest({ ...accel(T0 + 61_000, [0, 0, 1]), dog: 'd0' }).ignored, undefined);
    assert.equal(core.ingest({ ...accel(T0 + 1000, [0, 0, 1]), dog: 'd0' }).ignored, 'late');
  });
});

describe('activity points for InfluxDB', () => {
  it('maps an activity message to measurement activity with dog/state/source tags and typed fields', () => {
    const line = activityLine({
      v: 1,
      type: 'activity',
      dog: 'rex',
      ts: T0,
      state: 'rest',
      source: 'accel',
      restS: 60,
      movingS: 0,
      runningS: 0,
      samples: 59,
      level: 0.021,
      stillMin: 12,
      today: {
        day: '2026-11-02',
        activeMin: 30,
        restMin: 400,
        longestRestMin: 120,
        nightRestlessMin: 4,
        observedMin: 430,
      },
      baseline: { days: 3, activeMin: 35.5, restMin: 380, longestRestMin: 110, nightRestlessMin: 6 },
    });
    assert.equal(
      line,
      'activity,dog=rex,source=accel,state=rest restS=60,movingS=0,runningS=0,level=0.021,samples=59i,stillMin=12i,' +
        'activeMin=30i,restMin=400i,longestRestMin=120i,nightRestlessMin=4i,baselineDays=3i,baselineActiveMin=35.5,' +
        `baselineRestMin=380,baselineLongestRestMin=110,baselineNightRestlessMin=6 ${T0}`,
    );
  });
});
