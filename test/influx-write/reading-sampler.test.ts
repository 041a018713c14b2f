// The per-second sampling of readings on its own: what a second stands for, late readings, silent pairs.
import assert from 'node:assert/strict';
import type { JsonObject } from '../../nodes/kernel/checks';
import { parseResolution, ReadingSampler } from '../../nodes/influx-write/reading-sampler';

const T0 = 1_763_800_000_000;
const r = (ts: number, rssi: number, scanner = 'pi-a', mac = 'aa:bb:cc:dd:ee:01'): JsonObject => ({
  v: 1,
  type: 'rssi',
  scanner,
  mac,
  ts: T0 + ts,
  rssi,
});

describe('influx-write reading sampler', () => {
  it('parses the setting: absent means one point per second, anything unknown is refused', () => {
    assert.equal(parseResolution(undefined), 'second');
    assert.equal(parseResolution(''), 'second');
    assert.equal(parseResolution('all'), 'all');
    assert.equal(parseResolution('off'), 'off');
    assert.equal(parseResolution('minute'), undefined);
  });

  it('writes a second when its pair moves on, leaves out a reading of a second already written', () => {
    const s = new ReadingSampler('second');
    assert.deepEqual(s.offer(r(0, -70)), []);
    assert.deepEqual(s.offer(r(500, -72)), []);
    const [point] = s.offer(r(1000, -60));
    assert.deepEqual(point, {
      v: 1,
      type: 'rssi',
      scanner: 'pi-a',
      mac: 'aa:bb:cc:dd:ee:01',
      ts: T0,
      rssi: -71,
      n: 2,
    });
    assert.deepEqual(s.offer(r(900, -99)), [], 'late: its second is written');
    assert.equal(s.open, 1);
  });

  it('writes out pairs that went silent, by the newest reading clock, and everything on flush', () => {
    const s = new ReadingSampler('second');
    s.offer(r(0, -70, 'pi-a'));
    s.offer(r(0, -80, 'pi-b'));
    const out = s.offer(r(5000, -60, 'pi-c'));
    assert.deepEqual(
      out.map((p) => p.scanner),
      ['pi-a', 'pi-b'],
    );
    assert.deepEqual(
      s.flush().map((p) => [p.scanner, p.ts]),
      [['pi-c', T0 + 5000]],
    );
    assert.equal(s.open, 0);
  });

  it('passes through what it cannot key (for the converter to report), and keeps every reading with all', () => {
    const s = new ReadingSampler('second');
    const bad = { ...r(0, -70), ts: 'yesterday' };
    assert.deepEqual(s.offer(bad), [bad]);
    assert.deepEqual(new ReadingSampler('all').offer(r(0, -70)), [r(0, -70)]);
    assert.deepEqual(new ReadingSampler('off').offer(r(0, -70)), []);
  });
});
