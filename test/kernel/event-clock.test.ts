// The event clock with a skew bound: one source's wrong clock never moves the stream's time; replays of
// any age, at any speed, and single-source streams pass untouched.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventClock, formatSkew } from '../../nodes/kernel/event-clock';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;

/** Four scanners each heard every 100 ms, in event-time order, for `seconds` from `from`. */
function siteStream(from: number, seconds: number, scanners = ['a', 'b', 'c', 'd']): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let t = 0; t < seconds * 1000; t += 100) scanners.forEach((s, i) => out.push([s, from + t + i * 7]));
  return out;
}

describe('EventClock', () => {
  it('refuses one scanner an hour ahead in a replay; the stream time stays with the others', () => {
    const clock = new EventClock();
    for (const [s, ts] of siteStream(T0, 2)) assert.equal(clock.observe(s, ts).accepted, true);
    const v = clock.observe('b', T0 + 2000 + HOUR);
    assert.equal(v.accepted, false);
    assert.ok(!v.accepted && v.first && v.reference === 'other sources');
    assert.ok(!v.accepted && Math.abs(v.aheadMs - HOUR) < 2000);
    const again = clock.observe('b', T0 + 2100 + HOUR);
    assert.ok(!again.accepted && !again.first && again.refused === 2);
    assert.ok((clock.time ?? 0) < T0 + 3000);
    assert.deepEqual(
      clock.ahead().map((a) => a.source),
      ['b'],
    );
    // Back in step: accepted at once, and the episode ends.
    const back = clock.observe('b', T0 + 2050);
    assert.ok(back.accepted && back.recovered?.refused === 2);
    assert.deepEqual(clock.ahead(), []);
    assert.equal(clock.refusedOf('b'), 2);
  });

  it('live: refuses a sample ahead of the wall clock, even the very first', () => {
    const wall = T0;
    const clock = new EventClock({ now: () => wall });
    const first = clock.observe('pi', wall + 10 * YEAR);
    assert.ok(!first.accepted && first.reference === 'wall clock');
    assert.equal(clock.time, undefined);
    assert.equal(clock.observe('pi', wall - 50).accepted, true);
    // One scanner alone (nothing else to compare with) is still held to the wall clock when live.
    assert.equal(clock.observe('pi', wall + HOUR).accepted, false);
    assert.equal(clock.time, wall - 50);
  });

  it('live: the first readings after an outage are vouched for by the wall clock', () => {
    let wall = T0;
    const clock = new EventClock({ now: () => wall });
    for (const [s, ts] of siteStream(T0 - 2000, 2)) clock.observe(s, ts);
    wall += 10 * 60_000;
    assert.equal(clock.observe('c', wall - 20).accepted, true);
    assert.equal(clock.time, wall - 20);
  });

  it('live: a simulation running ten times faster than the wall clock passes (it advances in step)', () => {
    const wall = T0;
    const clock = new EventClock({ now: () => wall });
    for (const [s, ts] of siteStream(T0, 600)) assert.equal(clock.observe(s, ts).accepted, true);
  });

  it('a year-old replay is not live; one source left alone may jump (nobody is left to disagree)', () => {
    const clock = new EventClock({ now: () => T0 });
    const start = T0 - YEAR;
    for (const [s, ts] of siteStream(start, 2)) assert.equal(clock.observe(s, ts).accepted, true);
    assert.equal(clock.isLive(), false);
    for (const [s, ts] of siteStream(start + 2000, 120, ['a']))
      assert.equal(clock.observe(s, ts).accepted, true);
    assert.equal(clock.observe('a', start + 10 * 60_000).accepted, true);
    // Held to the wall clock, though: a year-old capture holds nothing from the future.
    assert.equal(clock.observe('b', T0 + HOUR).accepted, false);
  });

  it('a gap every source resumes from: the first back waits for a second to agree', () => {
    const clock = new EventClock();
    for (const [s, ts] of siteStream(T0, 2)) clock.observe(s, ts);
    const resume = T0 + 2000 + 30_000;
    assert.equal(clock.observe('a', resume).accepted, false);
    assert.equal(clock.observe('b', resume + 10).accepted, true);
    assert.equal(clock.observe('a', resume + 20).accepted, true);
  });

  it('a single-source stream works, in replay with any gaps', () => {
    const clock = new EventClock();
    for (let i = 0; i < 50; i++) assert.equal(clock.observe('rex', T0 + i * 3_600_000).accepted, true);
  });

  it('keeps the known sources plus a few others, however many names arrive', () => {
    const clock = new EventClock({ maxOtherSources: 8 });
    clock.setKnown(['a', 'b']);
    clock.observe('a', T0);
    clock.observe('b', T0);
    for (let i = 0; i < 100_000; i++) clock.observe(`x${i}`, T0 + i);
    assert.equal(clock.sourceCount, 10);
    // The known ones are still there: refused samples are still counted against them.
    clock.observe('a', T0 + 100_000 + HOUR);
    assert.equal(clock.refusedOf('a'), 1);
  });

  it('checks its options', () => {
    assert.throws(() => new EventClock({ maxAheadMs: -1 }), /skew/);
    assert.throws(() => new EventClock({ maxAheadMs: Number.NaN }), /skew/);
    assert.throws(() => new EventClock({ live: 'yes' as never }), /live/);
  });

  it('formats skew for people', () => {
    assert.deepEqual([12_000, HOUR, 3 * 24 * HOUR, 10 * YEAR].map(formatSkew), [
      '12 s',
      '60 min',
      '3 d',
      '10 years',
    ]);
  });

  describe('properties', () => {
    const sources = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    /** Samples in any order within a few seconds of a moving base, like real interleaved scanners. */
    const jittered = fc.array(
      fc.tuple(sources, fc.integer({ min: 0, max: 400 }), fc.integer({ min: -3000, max: 3000 })),
      {
        minLength: 1,
        maxLength: 200,
      },
    );

    it('time never moves backwards, whatever arrives', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(sources, fc.double({ min: -1e13, max: 1e13, noNaN: true })), { maxLength: 200 }),
          fc.boolean(),
          (samples, live) => {
            const clock = new EventClock({ now: live ? () => T0 : undefined });
            let last = -Infinity;
            for (const [s, ts] of samples) {
              clock.observe(s, ts);
              const t = clock.time ?? -Infinity;
              if (t < last) return false;
              last = t;
            }
            return true;
          },
        ),
      );
    });

    it('a single source far ahead never moves stream time while others are heard', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: -50 * YEAR, max: 0 }),
          jittered,
          fc.array(fc.tuple(fc.integer({ min: 0, max: 199 }), fc.integer({ min: 10_000, max: 20 * YEAR })), {
            minLength: 1,
            maxLength: 20,
          }),
          fc.boolean(),
          (age, base, jumps, live) => {
            const clock = new EventClock({ now: live ? () => T0 : undefined });
            // Two steady sources first, so the stream has more than one voice.
            clock.observe('a', T0 + age);
            clock.observe('b', T0 + age);
            let t = T0 + age;
            let maxHonest = t;
            const at = new Map(jumps.map(([i, ahead]) => [i % base.length, ahead]));
            for (let i = 0; i < base.length; i++) {
              const [s, step, jitter] = base[i];
              t += step;
              const ts = t + jitter;
              clock.observe(s, ts);
              maxHonest = Math.max(maxHonest, ts);
              // Everyone but 'z' keeps being heard; 'z' claims a time far ahead.
              const ahead = at.get(i);
              if (ahead !== undefined) clock.observe('z', t + ahead);
              if ((clock.time ?? 0) > maxHonest) return false;
            }
            return true;
          },
        ),
      );
    });

    it('in-order replays of any age and speed are never refused', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: -50 * YEAR, max: 0 }),
          fc.array(fc.tuple(sources, fc.integer({ min: 0, max: 5000 })), { minLength: 1, maxLength: 300 }),
          fc.boolean(),
          (age, steps, live) => {
            const clock = new EventClock({ now: live ? () => T0 : undefined });
            let t = T0 + age;
            for (const [s, step] of steps) {
              t += step;
              if (!clock.observe(s, t).accepted) return false;
            }
            return true;
          },
        ),
      );
    });
  });
});
