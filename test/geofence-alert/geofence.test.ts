// The geofence core: uncertainty, hysteresis, noisy walks, missing dogs, site changes, saved state.
import assert from 'node:assert/strict';
import { Random } from '../../nodes/kernel/random';
import { FenceOutput, Geofence, severityOf } from '../../nodes/geofence-alert/geofence';
import { DEFAULT_OPTIONS } from '../../nodes/geofence-alert/fence-options';
import {
  fenceOn,
  noisyWalk,
  position,
  run,
  siteWith,
  summary,
  T0,
  TEST_OPTIONS,
  YARD,
  yardAndPool,
} from './fixtures';

const SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + i * 7919);
const s = (seconds: number): number => T0 + seconds * 1000;

describe('geofence core', () => {
  describe('one position: which side, with its uncertainty', () => {
    // Hold 0 so each single position decides; the yard's east fence is x = 20.
    function sideAfter(
      x: number,
      accuracy: number,
      options = {},
      cov?: [[number, number], [number, number]],
    ) {
      const fence = fenceOn(yardAndPool(), { holdMs: 0, ...options });
      run(fence, [position('rex', s(0), 10, 15, 1)]);
      const alerts = run(fence, [position('rex', s(1), x, 15, accuracy, cov)]);
      return {
        alerts: summary(alerts),
        state: fence.dogState('rex')?.zones.find((z) => z.zone === 'yard')?.state,
      };
    }

    it('counts a precise position 1.5 m outside as outside (90 %: 1.28 sigma)', () => {
      assert.deepEqual(sideAfter(21.5, 0.5), { alerts: ['rex/exit/yard'], state: 'outside' });
    });

    it('cannot tell for a vague position 1.5 m outside, inside the 2 m margin', () => {
      assert.deepEqual(sideAfter(21.5, 3), { alerts: [], state: 'inside' });
    });

    it('counts a vague position beyond the margin as outside, but not when the margin is off', () => {
      assert.deepEqual(sideAfter(22.5, 3).state, 'outside');
      assert.deepEqual(sideAfter(22.5, 3, { marginM: 0 }).state, 'inside');
      // 3 sigma = 9 m of 10 m: outside with 90 % confidence even without a margin.
      assert.deepEqual(sideAfter(30, 3, { marginM: 0 }).state, 'outside');
    });

    it('takes the confidence from the setting', () => {
      // 1.5 m out at sigma 1: 1.5 sigma is beyond 90 % (1.28) but short of 99 % (2.33).
      assert.equal(sideAfter(21.5, 1, { marginM: 0 }).state, 'outside');
      assert.equal(sideAfter(21.5, 1, { marginM: 0, confidence: 0.99 }).state, 'inside');
    });

    it('uses the covariance across the boundary, not its largest axis', () => {
      // Spread 3 m along the fence (y) but 0.3 m across it (x): 1 m out is clearly out.
      const along: [[number, number], [number, number]] = [
        [0.09, 0],
        [0, 9],
      ];
      const across: [[number, number], [number, number]] = [
        [9, 0],
        [0, 0.09],
      ];
      assert.equal(sideAfter(21, 3, { marginM: 0 }, along).state, 'outside');
      assert.equal(sideAfter(21, 3, { marginM: 0 }, across).state, 'inside');
    });

    it('never takes a position as more precise than 0.3 m', () => {
      // accuracy 0 would make 0.1 m outside certain; with the floor it needs 0.38 m.
      assert.equal(sideAfter(20.1, 0, { marginM: 0 }).state, 'inside');
      assert.equal(sideAfter(20.5, 0, { marginM: 0 }).state, 'outside');
    });
  });

  describe('hysteresis in time', () => {
    it('fires once the new side has held for the hold time, with since = its first position', () => {
      const fence = fenceOn(yardAndPool(), { holdMs: 10000 });
      run(fence, [position('rex', s(0), 10, 15)]);
      const out = run(
        fence,
        [1, 2, 3, 5, 8, 11, 12, 13].map((t) => position('rex', s(t), 25, 15)),
      );
      assert.deepEqual(summary(out), ['rex/exit/yard']);
      assert.equal(out[0].ts, s(11));
      assert.equal(out[0].since, s(1));
      assert.equal(out[0].severity, 'critical');
      assert.equal(out[0].kind, 'safe');
      assert.deepEqual([out[0].x, out[0].y], [25, 15]);
    });

    it('a position that cannot tell cancels a change in progress', () => {
      const fence = fenceOn(yardAndPool(), { holdMs: 10000 });
      run(fence, [position('rex', s(0), 10, 15)]);
      const alerts = run(fence, [
        position('rex', s(1), 25, 15),
        position('rex', s(6), 25, 15),
        position('rex', s(9), 20.2, 15), // on the fence: cannot tell
        position('rex', s(12), 25, 15),
        position('rex', s(20), 25, 15),
      ]);
      assert.deepEqual(alerts, []);
      const yard = fence.dogState('rex')?.zones.find((z) => z.zone === 'yard');
      assert.deepEqual(yard?.pending, { state: 'outside', since: s(12) });
      const later = run(fence, [position('rex', s(22), 25, 15)]);
      assert.deepEqual(summary(later), ['rex/exit/yard']);
      assert.equal(later[0].since, s(12));
    });
  });

  describe('noisy walks (seeded): exactly the expected events, no flapping', () => {
    it('a dog sitting on the fence line for an hour sends nothing', () => {
      for (const seed of SEEDS) {
        const fence = fenceOn(yardAndPool());
        const walk = noisyWalk(
          new Random(seed),
          [10, 15],
          [
            [10, 15, 30],
            [20, 15, 20],
            [20, 15, 3600],
          ],
        );
        assert.deepEqual(summary(run(fence, walk)), [], `seed ${seed}`);
      }
    });

    it('a dog walking up and down along the fence line sends nothing', () => {
      for (const seed of SEEDS) {
        const fence = fenceOn(yardAndPool());
        const walk = noisyWalk(
          new Random(seed),
          [10, 15],
          [
            [20, 2, 30],
            [20, 28, 120],
            [20, 2, 120],
            [20, 28, 120],
          ],
        );
        assert.deepEqual(summary(run(fence, walk)), [], `seed ${seed}`);
      }
    });

    it('a dog crossing the fence out and back gives exactly one exit and one enter, near the crossings', () => {
      for (const seed of SEEDS) {
        const fence = fenceOn(yardAndPool());
        // Crosses x = 20 going out at t = 40 s, stays out, crosses back at t = 180 s.
        const walk = noisyWalk(
          new Random(seed),
          [10, 15],
          [
            [10, 15, 20],
            [30, 15, 40],
            [30, 15, 100],
            [10, 15, 40],
            [10, 15, 60],
          ],
        );
        const alerts = run(fence, walk);
        assert.deepEqual(summary(alerts), ['rex/exit/yard', 'rex/enter/yard'], `seed ${seed}`);
        const [exit, enter] = alerts;
        // Decided once 1.9 m (1.28 sigma) past the fence, plus noise: within 20 s of the crossing.
        assert.ok(
          exit.since! >= s(40) && exit.since! <= s(60),
          `seed ${seed}: exit since ${exit.since! - T0}`,
        );
        assert.ok(
          exit.ts - exit.since! >= 10000 && exit.ts <= s(75),
          `seed ${seed}: exit at ${exit.ts - T0}`,
        );
        assert.ok(
          enter.since! >= s(180) && enter.since! <= s(200),
          `seed ${seed}: enter since ${enter.since! - T0}`,
        );
        assert.equal(enter.severity, 'info');
      }
    });

    it('a concave yard: walking through its notch leaves and re-enters it; along the notch edge, nothing', () => {
      // A U: two arms (x 0-10 and 20-30) joined at the bottom (y 0-10); the notch x 10-20, y 10-30 is outside.
      const u = [
        [0, 0],
        [30, 0],
        [30, 30],
        [20, 30],
        [20, 10],
        [10, 10],
        [10, 30],
        [0, 30],
      ];
      const site = siteWith([{ id: 'u', name: 'U', kind: 'safe', polygon: u }]);
      for (const seed of SEEDS) {
        const random = new Random(seed);
        const across = noisyWalk(
          random,
          [5, 22],
          [
            [5, 22, 20],
            [25, 22, 60],
            [25, 22, 30],
          ],
          { accuracy: 1 },
        );
        assert.deepEqual(summary(run(fenceOn(site), across)), ['rex/exit/u', 'rex/enter/u'], `seed ${seed}`);
        // Along the notch's inner edge x = 10, y 12..28, and along its floor y = 10.
        const along = noisyWalk(
          random,
          [5, 20],
          [
            [5, 20, 20],
            [10, 28, 20],
            [10, 12, 200],
            [15, 10, 40],
            [18, 10, 200],
          ],
          { accuracy: 1 },
        );
        assert.deepEqual(summary(run(fenceOn(site), along)), [], `seed ${seed}`);
      }
    });

    it('zones sharing an edge: crossing gives one exit and one enter; walking the shared edge gives nothing', () => {
      const site = siteWith([
        {
          id: 'lawn',
          name: 'Lawn',
          kind: 'info',
          polygon: [
            [0, 0],
            [20, 0],
            [20, 20],
            [0, 20],
          ],
        },
        {
          id: 'patio',
          name: 'Patio',
          kind: 'info',
          polygon: [
            [20, 0],
            [40, 0],
            [40, 20],
            [20, 20],
          ],
        },
      ]);
      for (const seed of SEEDS) {
        const random = new Random(seed);
        const crossing = noisyWalk(
          random,
          [10, 10],
          [
            [10, 10, 30],
            [30, 10, 40],
            [30, 10, 40],
          ],
        );
        const alerts = run(fenceOn(site), crossing);
        assert.deepEqual([...summary(alerts)].sort(), ['rex/enter/patio', 'rex/exit/lawn'], `seed ${seed}`);
        const along = noisyWalk(
          random,
          [10, 10],
          [
            [10, 10, 30],
            [20, 3, 20],
            [20, 17, 300],
            [20, 3, 300],
          ],
        );
        assert.deepEqual(summary(run(fenceOn(site), along)), [], `seed ${seed}`);
      }
    });

    it('a forbidden pond: nothing while the dog lies at its edge, one enter when it goes in', () => {
      // Noise as large as the stated accuracy, i.i.d.: the pond (r 5 m) is wide enough for the dog to be
      // inside with 90 % confidence at its middle. (A zone much narrower than ~3x the noise confirms an
      // entry slowly: every position over the hold time must be sure.)
      const site = siteWith([
        { id: 'yard', name: 'Yard', kind: 'safe', polygon: YARD },
        { id: 'pond', name: 'Pond', kind: 'forbidden', circle: { x: 10, y: 15, r: 5 } },
      ]);
      for (const seed of SEEDS) {
        const random = new Random(seed);
        const fence = fenceOn(site);
        const atEdge = noisyWalk(
          random,
          [3, 3],
          [
            [3, 3, 10],
            [10, 20, 20], // on the edge
            [10, 20, 600],
          ],
          { accuracy: 1 },
        );
        assert.deepEqual(summary(run(fence, atEdge)), [], `seed ${seed}`);
        const inside = noisyWalk(
          random,
          [10, 20],
          [
            [10, 15, 10],
            [10, 15, 60],
          ],
          { accuracy: 1, from: s(700) },
        );
        const alerts = run(fence, inside);
        assert.deepEqual(summary(alerts), ['rex/enter/pond'], `seed ${seed}`);
        assert.equal(alerts[0].severity, 'critical');
      }
    });
  });

  describe('the default settings, on tracker output whose error wanders', () => {
    // A tracker smooths, so its error is correlated from one position to the next (AR(1), 0.8 per
    // second, stationary sigma = the reported 1.5 m): an excursion past the band can last several seconds.
    const wandering = { accuracy: 1.5, correlation: 0.8 };
    const defaults = { ...DEFAULT_OPTIONS, missingMs: 86400000 };
    const fenceSitter = (seed: number) =>
      noisyWalk(
        new Random(seed),
        [10, 15],
        [
          [10, 15, 60],
          [20, 15, 10],
          [20, 15, 3600],
        ],
        wandering,
      );

    it('a dog lying on the fence line for 20 dog-hours sends nothing (90 % / 2 m / 10 s would not hold)', () => {
      let withDefaults = 0;
      let withNarrow = 0;
      for (const seed of SEEDS) {
        withDefaults += run(fenceOn(yardAndPool(), defaults), fenceSitter(seed)).length;
        withNarrow += run(fenceOn(yardAndPool()), fenceSitter(seed)).length;
      }
      assert.equal(withDefaults, 0);
      assert.ok(withNarrow > 10, `90 % / 2 m / 10 s: ${withNarrow} false alerts`);
    });

    it('a dog walking out at 1 m/s is told within 25 s of crossing, once', () => {
      for (const seed of SEEDS) {
        const walk = noisyWalk(
          new Random(seed),
          [10, 15],
          [
            [10, 15, 60],
            [40, 15, 30], // crosses x = 20 at 70 s
            [40, 15, 60],
          ],
          wandering,
        );
        const alerts = run(fenceOn(yardAndPool(), defaults), walk);
        assert.deepEqual(summary(alerts), ['rex/exit/yard'], `seed ${seed}`);
        assert.ok(
          alerts[0].ts - s(70) <= 25000,
          `seed ${seed}: told ${(alerts[0].ts - s(70)) / 1000} s after`,
        );
      }
    });
  });

  describe('dwell', () => {
    it('once per stay, since the dog entered, again after leaving and coming back', () => {
      const site = siteWith([
        { id: 'gate', name: 'Gate', kind: 'info', circle: { x: 10, y: 10, r: 4 }, dwellS: 60 },
      ]);
      const fence = fenceOn(site, { holdMs: 0 });
      const stay = (from: number, to: number) =>
        Array.from({ length: (to - from) / 5 + 1 }, (_, i) => position('rex', s(from + i * 5), 10, 10));
      const alerts = [
        ...run(fence, [position('rex', s(0), 30, 30)]),
        ...run(fence, stay(10, 200)),
        ...run(fence, [position('rex', s(210), 30, 30)]),
        ...run(fence, stay(220, 300)),
      ];
      assert.deepEqual(summary(alerts), [
        'rex/enter/gate',
        'rex/dwell/gate',
        'rex/exit/gate',
        'rex/enter/gate',
        'rex/dwell/gate',
      ]);
      assert.deepEqual(
        alerts.filter((a) => a.event === 'dwell').map((a) => [a.since! - T0, a.ts - T0]),
        [
          [10000, 70000],
          [220000, 280000],
        ],
      );
    });
  });

  describe('severity', () => {
    it('defaults by kind and event; a zone severity replaces only its alarming events', () => {
      assert.equal(severityOf({ kind: 'safe' }, 'exit'), 'critical');
      assert.equal(severityOf({ kind: 'safe' }, 'enter'), 'info');
      assert.equal(severityOf({ kind: 'forbidden' }, 'enter'), 'critical');
      assert.equal(severityOf({ kind: 'forbidden' }, 'dwell'), 'critical');
      assert.equal(severityOf({ kind: 'forbidden' }, 'exit'), 'info');
      assert.equal(severityOf({ kind: 'info' }, 'enter'), 'info');
      assert.equal(severityOf({ kind: 'safe', severity: 'warning' }, 'exit'), 'warning');
      assert.equal(severityOf({ kind: 'safe', severity: 'warning' }, 'enter'), 'info');
      assert.equal(severityOf({ kind: 'info', severity: 'warning' }, 'exit'), 'warning');
      assert.equal(severityOf({ kind: 'forbidden', severity: 'warning' }, 'exit'), 'info');
    });
  });

  describe('first sight', () => {
    it('tells a dog first seen outside its safe zone or inside a forbidden one, and nothing else', () => {
      const fence = fenceOn(yardAndPool());
      const held = (dog: string, x: number, y: number) =>
        run(
          fence,
          [0, 5, 10].map((t) => position(dog, s(t), x, y)),
        );
      assert.deepEqual(summary(held('rex', 10, 15)), []);
      assert.deepEqual(summary(held('bella', 5, 5)), ['bella/enter/pool']);
      const other = fenceOn(yardAndPool());
      assert.deepEqual(
        summary(
          run(
            other,
            [0, 5, 10].map((t) => position('rex', s(t), 40, 15)),
          ),
        ),
        ['rex/exit/yard'],
      );
    });

    it('applies zones limited to some dogs only to them, and tracks dogs not in the site', () => {
      const site = siteWith([
        { id: 'yard', kind: 'safe', polygon: YARD, dogs: ['rex'] },
        { id: 'shed', kind: 'forbidden', circle: { x: 50, y: 50, r: 5 } },
      ]);
      const fence = fenceOn(site, { holdMs: 0, followUnknown: true });
      assert.deepEqual(summary(run(fence, [position('bella', s(0), 40, 15)])), []);
      assert.deepEqual(summary(run(fence, [position('rex', s(0), 40, 15)])), ['rex/exit/yard']);
      assert.deepEqual(summary(run(fence, [position('stray', s(0), 50, 50)])), ['stray/enter/shed']);
      assert.deepEqual(
        fence.dogState('bella')?.zones.map((z) => z.zone),
        ['shed'],
      );
    });
  });

  describe('missing and found', () => {
    it('reports a site dog with no positions once, in event time moved on by other dogs, and finds it', () => {
      const fence = fenceOn(yardAndPool(), { missingMs: 60000 });
      const rex = Array.from({ length: 200 }, (_, i) => position('rex', s(i), 10, 15));
      const alerts = run(fence, rex);
      assert.deepEqual(summary(alerts), ['bella/missing']);
      assert.equal(alerts[0].ts, s(61)); // absence counted from the first position seen (t = 0)
      assert.equal(alerts[0].since, s(0));
      assert.equal(alerts[0].severity, 'warning');
      assert.equal(alerts[0].x, undefined);
      const found = run(fence, [position('bella', s(201), 3, 3)]);
      assert.deepEqual(summary(found), ['bella/found']);
      assert.equal(found[0].severity, 'info');
    });

    it('reports a dog that stops sending, with its last position, since it was last seen', () => {
      const fence = fenceOn(yardAndPool(), { missingMs: 30000 });
      const alerts = run(fence, [
        position('bella', s(0), 8, 9),
        position('bella', s(5), 8, 10),
        ...Array.from({ length: 60 }, (_, i) => position('rex', s(i), 10, 15)),
      ]);
      assert.deepEqual(summary(alerts), ['bella/missing']);
      assert.deepEqual([alerts[0].since, alerts[0].ts, alerts[0].x, alerts[0].y], [s(5), s(36), 8, 10]);
      const found = run(fence, [position('bella', s(70), 8, 11)]);
      assert.deepEqual([found[0].event, found[0].since, found[0].ts], ['found', s(5), s(70)]);
      assert.equal(fence.dogState('bella')?.missing, false);
    });

    it('when the whole input is silent, the clock moved on from outside reports each dog once', () => {
      const fence = fenceOn(yardAndPool(), { missingMs: 60000 });
      run(fence, [position('rex', s(0), 10, 15), position('bella', s(1), 10, 16)]);
      const advance = (t: number) => {
        const out = new FenceOutput();
        fence.advanceClock(s(t), s(1), out);
        return out.alerts;
      };
      assert.deepEqual(advance(30), []);
      assert.deepEqual(summary(advance(60.5)), ['rex/missing']);
      assert.deepEqual(summary(advance(90)), ['bella/missing']);
      assert.deepEqual(advance(3600), []);
      assert.equal(fence.clock, s(3600));
    });

    it('does not report dogs that are not in the site', () => {
      const fence = fenceOn(yardAndPool(), { missingMs: 10000 });
      const alerts = run(fence, [
        position('stray', s(0), 40, 40),
        ...Array.from({ length: 30 }, (_, i) => [
          position('rex', s(i), 10, 15),
          position('bella', s(i), 10, 16),
        ]).flat(),
      ]);
      assert.deepEqual(alerts, []);
    });
  });

  describe('site change mid-stream', () => {
    function settledFence() {
      const fence = fenceOn(yardAndPool());
      run(
        fence,
        [0, 5, 10, 15].map((t) => position('rex', s(t), 18, 15)),
      );
      run(
        fence,
        [0, 5, 10, 15].map((t) => position('bella', s(t), 5, 5)),
      );
      return fence;
    }
    const change = (fence: Geofence, site: ReturnType<typeof yardAndPool>) => {
      const out = new FenceOutput();
      fence.setSite(site, out);
      return out;
    };

    it('the same site again, a larger yard, or a removed zone: no alerts', () => {
      const fence = settledFence();
      assert.deepEqual(change(fence, yardAndPool()).alerts, []);
      const bigger = siteWith([
        {
          id: 'yard',
          name: 'Yard',
          kind: 'safe',
          polygon: [
            [-5, -5],
            [40, -5],
            [40, 40],
            [-5, 40],
          ],
        },
      ]);
      const out = change(fence, bigger);
      assert.deepEqual(out.alerts, []);
      assert.deepEqual([...out.changed], ['rex', 'bella']); // the pool is gone from their states
      assert.deepEqual(
        run(
          fence,
          [20, 25, 30].map((t) => position('rex', s(t), 18, 15)),
        ),
        [],
      );
    });

    it('a yard shrunk away from the dog: one exit once the hold has passed', () => {
      const fence = settledFence();
      const smaller = siteWith([
        {
          id: 'yard',
          name: 'Yard',
          kind: 'safe',
          polygon: [
            [0, 0],
            [10, 0],
            [10, 30],
            [0, 30],
          ],
        },
      ]);
      assert.deepEqual(change(fence, smaller).alerts, []);
      const alerts = run(
        fence,
        [20, 25, 30].map((t) => position('rex', s(t), 18, 15)),
      );
      assert.deepEqual(summary(alerts), ['rex/exit/yard']);
      assert.equal(alerts[0].since, s(15)); // re-evaluated from the last position at the change
    });

    it('a zone that changes kind is decided afresh', () => {
      const fence = settledFence();
      const poolInfo = siteWith([
        { id: 'yard', name: 'Yard', kind: 'safe', polygon: YARD },
        { id: 'pool', name: 'Pool', kind: 'info', circle: { x: 5, y: 5, r: 3 } },
      ]);
      change(fence, poolInfo);
      assert.deepEqual(
        run(
          fence,
          [20, 25, 30].map((t) => position('bella', s(t), 5, 5)),
        ),
        [],
      );
      change(fence, yardAndPool());
      assert.deepEqual(
        summary(
          run(
            fence,
            [35, 40, 45].map((t) => position('bella', s(t), 5, 5)),
          ),
        ),
        ['bella/enter/pool'],
      );
    });
  });

  describe('saved state', () => {
    it('survives a JSON round trip: no alert twice, and the next change still fires', () => {
      const fence = fenceOn(yardAndPool(), { missingMs: 60000 });
      const first = run(
        fence,
        [0, 5, 10, 15, 20].map((t) => position('rex', s(t), 30, 15)),
      );
      assert.deepEqual(summary(first), ['rex/exit/yard']);
      run(fence, [position('bella', s(20), 5, 15)]);
      run(
        fence,
        Array.from({ length: 70 }, (_, i) => position('rex', s(21 + i), 30, 15)),
      );
      const saved = JSON.parse(JSON.stringify(fence.snapshot()));

      const restarted = new Geofence({ ...TEST_OPTIONS, missingMs: 60000 });
      restarted.setSite(yardAndPool(), new FenceOutput());
      assert.deepEqual(restarted.restore(saved), []);
      assert.equal(restarted.clock, s(90));
      assert.equal(restarted.dogState('bella')?.missing, true);
      // Still outside after the restart (an hour later): nothing new, bella is not missing twice.
      const later = run(
        restarted,
        [3600, 3605, 3610, 3620].map((t) => position('rex', s(t), 30, 15)),
      );
      assert.deepEqual(later, []);
      const back = run(
        restarted,
        [3630, 3635, 3640, 3645].map((t) => position('rex', s(t), 10, 15)),
      );
      assert.deepEqual(summary(back), ['rex/enter/yard']);
    });

    it('after a restart, absence counts from the first position seen, not from before the downtime', () => {
      const fence = fenceOn(yardAndPool(), { missingMs: 60000 });
      run(fence, [position('rex', s(0), 10, 15), position('bella', s(0), 10, 16)]);
      const restarted = fenceOn(yardAndPool(), { missingMs: 60000 });
      restarted.restore(JSON.parse(JSON.stringify(fence.snapshot())));
      assert.deepEqual(run(restarted, [position('rex', s(7200), 10, 15)]), []);
      assert.deepEqual(summary(run(restarted, [position('rex', s(7261), 10, 15)])), ['bella/missing']);
    });

    it('skips malformed saved entries and says so', () => {
      const fence = fenceOn(yardAndPool());
      assert.deepEqual(fence.restore('junk'), ['saved state has an unknown shape']);
      assert.deepEqual(fence.restore({ v: 1, dogs: { rex: { missing: 'no' } } }), [
        'saved state of dog "rex" is malformed',
      ]);
      assert.deepEqual(fence.restore(undefined), []);
    });
  });

  it('ignores a position not newer than the dog’s last one', () => {
    const fence = fenceOn(yardAndPool(), { holdMs: 0 });
    run(fence, [position('rex', s(10), 10, 15)]);
    const out = new FenceOutput();
    assert.equal(fence.observe(position('rex', s(5), 40, 15), out), false);
    assert.equal(fence.observe(position('rex', s(10), 40, 15), out), false);
    assert.equal(out.stale, 2);
    assert.deepEqual(out.alerts, []);
  });
});
