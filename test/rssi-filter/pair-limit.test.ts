// rssi-filter's pair table: a full table evicts the least recently heard pairs (not the oldest created),
// a site raises the limit, and a stale pair heard again starts afresh.
import assert from 'node:assert/strict';
import type { RssiReading } from '../../nodes/kernel/contract';
import { RssiSmoother } from '../../nodes/rssi-filter/rssi-smoother';
import { LimitWatch } from '../../nodes/common/limit-watch';

function reading(ts: number, mac: string, rssi = -70, scanner = 'pi-a'): RssiReading {
  return { v: 1, type: 'rssi', scanner, ts, mac, rssi };
}

describe('RssiSmoother pair limit', () => {
  it('evicts the least recently heard pair, keeps the one heard again, and counts it', () => {
    const f = new RssiSmoother({ maxPairs: 2 });
    f.accept(reading(1, 'a'));
    f.accept(reading(2, 'b'));
    f.accept(reading(3, 'a', -72)); // a heard again: b is now the least recently heard
    f.accept(reading(4, 'c'));
    assert.equal(f.pairCount, 2);
    assert.equal(f.stats.evicted, 1);
    // a kept its state (smoothed between -70 and -72), b starts afresh at its raw value.
    assert.notEqual(f.accept(reading(5, 'a', -74)).reading!.rssiVar, 9);
    assert.equal(f.accept(reading(6, 'b', -60)).reading!.rssiVar, 9);
  });

  it('a site raises the limit, never below maxPairs', () => {
    const f = new RssiSmoother({ maxPairs: 3 });
    f.setPairLimit(1);
    assert.equal(f.maxPairs, 3);
    f.setPairLimit(10);
    for (let i = 0; i < 10; i++) f.accept(reading(i, `m${i}`, -70, `s${i % 3}`));
    assert.equal(f.pairCount, 10);
    assert.equal(f.stats.evicted, 0);
  });

  it('a stale pair heard again starts afresh, and is counted as forgotten', () => {
    const f = new RssiSmoother({ forgetAfterMs: 1000 });
    f.accept(reading(0, 'a', -70));
    f.accept(reading(100, 'a', -70));
    const again = f.accept(reading(1500, 'a', -80));
    assert.equal(again.reading!.rssi, -80);
    assert.equal(f.stats.forgotten, 1);
  });

  it('smooths in place when asked, and copies otherwise', () => {
    const f = new RssiSmoother();
    const r = reading(1, 'a', -70);
    assert.notEqual(f.accept(r).reading, r);
    const s = reading(2, 'a', -72);
    const out = f.accept(s, true).reading;
    assert.equal(out, s);
    assert.equal(s.rssiRaw, -72);
  });
});

describe('LimitWatch', () => {
  it('warns once per episode, shows it while it lasts, and ends below 90 % of the limit', () => {
    const warnings: string[] = [];
    const watch = new LimitWatch({
      node: 'rssi-filter',
      limit: 'maxPairs',
      warning: (limit) => `full at ${limit}`,
      status: (limit) => `max ${limit}`,
      warn: (t) => warnings.push(t),
    });
    watch.update(0, 5, 10);
    assert.equal(watch.attention, undefined);
    watch.update(2, 10, 10);
    watch.update(5, 10, 10);
    assert.deepEqual(warnings, ['full at 10']);
    assert.equal(watch.attention, 'max 10');
    watch.update(5, 9, 10); // 90 %: still in the episode
    assert.equal(watch.attention, 'max 10');
    watch.update(5, 8, 10);
    assert.equal(watch.attention, undefined);
    watch.update(6, 10, 10);
    assert.equal(warnings.length, 2);
  });
});
