import assert from 'node:assert/strict';
import { expectedRssi, rangeFromRssi, distance3d } from '../../nodes/kernel/path-loss';
import { Random } from '../../nodes/kernel/random';
import { NO_NOISE, SiteSimulator } from '../../nodes/kernel/simulation';
import { parseSite, type Site } from '../../nodes/kernel/site-document';
import { siteText } from '../tracker-site/fixtures';

function site(): Site {
  const result = parseSite(siteText());
  assert.ok(result.ok);
  return result.site;
}

describe('path-loss model', () => {
  const model = { rssiAt1m: -59, pathLossExponent: 2, rssiOffset: 0 };
  it('reads rssiAt1m at 1 m and loses 20 dB per decade with n = 2', () => {
    assert.equal(expectedRssi(1, model), -59);
    assert.equal(expectedRssi(10, model), -79);
    assert.equal(expectedRssi(10, { ...model, rssiOffset: -3 }), -82);
  });
  it('inverts to a range', () => {
    assert.ok(Math.abs(rangeFromRssi(expectedRssi(7.3, model), model) - 7.3) < 1e-9);
  });
  it('clamps ranges under 10 cm', () => {
    assert.equal(expectedRssi(0, model), expectedRssi(0.1, model));
  });
});

describe('Random', () => {
  it('repeats for a seed and has a standard normal', () => {
    const a = new Random(42);
    const b = new Random(42);
    assert.deepEqual([a.next(), a.next()], [b.next(), b.next()]);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const z = a.normal();
      sum += z;
      sq += z * z;
    }
    assert.ok(Math.abs(sum / n) < 0.03);
    assert.ok(Math.abs(sq / n - 1) < 0.05);
  });
});

describe('SiteSimulator', () => {
  it('is deterministic for a seed', () => {
    const a = new SiteSimulator(site(), { startTs: 0, seed: 7 }).advance(10_000);
    const b = new SiteSimulator(site(), { startTs: 0, seed: 7 }).advance(10_000);
    const c = new SiteSimulator(site(), { startTs: 0, seed: 8 }).advance(10_000);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('without noise, reports exactly the path-loss model of the site', () => {
    const s = site();
    const sim = new SiteSimulator(s, {
      startTs: 0,
      seed: 3,
      noise: NO_NOISE,
      start: { rex: [10, 15], bella: [2, 2] },
    });
    const adverts = sim.advance(1000);
    assert.ok(adverts.length > 0);
    for (const a of adverts.filter((x) => x.ts === adverts[0].ts)) {
      const scanner = s.scanners.find((x) => x.id === a.scanner)!;
      const dog = s.dogs.find((x) => x.id === a.dog)!;
      // The dog may have moved a little before the first advert; compare at the reported truth when resting.
      const truth = sim.truth().find((t) => t.dog === a.dog)!;
      if (truth.mode !== 'rest') continue;
      const d = distance3d(truth.x, truth.y, dog.tagHeight, scanner.x, scanner.y, scanner.z);
      const model = {
        rssiAt1m: dog.rssiAt1m,
        pathLossExponent: scanner.pathLossExponent,
        rssiOffset: scanner.rssiOffset,
      };
      assert.equal(a.rssi, Math.round(expectedRssi(d, model)));
    }
  });

  it('emits adverts in time order at the advertising interval, from every scanner, with contract ids', () => {
    const sim = new SiteSimulator(site(), {
      startTs: 1_000_000,
      seed: 1,
      advIntervalMs: 100,
      noise: NO_NOISE,
    });
    const adverts = sim.advance(1_000_000 + 60_000);
    for (let i = 1; i < adverts.length; i++) assert.ok(adverts[i].ts >= adverts[i - 1].ts);
    const rex = adverts.filter((a) => a.dog === 'rex' && a.scanner === 'pi-yard-ne');
    // 100 ms plus a mean 5 ms of BLE random delay: about 571 in a minute.
    assert.ok(Math.abs(rex.length - 60_000 / 105) < 15, `${rex.length}`);
    assert.equal(rex[0].mac, 'ac:23:3f:a3:80:4b');
    assert.equal(rex[0].id, 'mac:ac:23:3f:a3:80:4b');
    const bella = adverts.find((a) => a.dog === 'bella')!;
    assert.equal(bella.id, 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2');
    assert.equal(new Set(adverts.map((a) => a.scanner)).size, 3);
  });

  it('keeps dogs inside the bounds and under the sprint speed, and uses every gait', () => {
    const sim = new SiteSimulator(site(), { startTs: 0, seed: 11 });
    const gaits = new Set<string>();
    let prev = sim.truth();
    for (let t = 1000; t <= 1_800_000; t += 1000) {
      sim.advance(t);
      const now = sim.truth();
      for (const [i, d] of now.entries()) {
        assert.ok(d.x >= 0 && d.x <= 20 && d.y >= 0 && d.y <= 30, JSON.stringify(d));
        assert.ok(Math.hypot(d.x - prev[i].x, d.y - prev[i].y) <= 10.01);
        gaits.add(d.mode);
      }
      prev = now;
    }
    assert.deepEqual([...gaits].sort(), ['rest', 'sniff', 'sprint', 'trot', 'walk']);
  });

  it('keeps the shadowing of a dog that lies still, so it does not average out', () => {
    const sim = new SiteSimulator(site(), {
      startTs: 0,
      seed: 5,
      dogs: ['rex'],
      noise: { ...NO_NOISE, shadowingSigmaDb: 6 },
      motion: { maxSprintMps: 0 },
      start: { rex: [10, 15] },
    });
    const byScanner = new Map<string, number[]>();
    for (const a of sim.advance(120_000))
      byScanner.set(a.scanner, [...(byScanner.get(a.scanner) ?? []), a.rssi]);
    for (const values of byScanner.values())
      assert.equal(new Set(values).size, 1, 'one frozen shadowing value');
    const means = [...byScanner.values()].map((v) => v[0]);
    assert.notEqual(new Set(means).size, 1);
  });

  it('only lets the chosen scanners listen', () => {
    const sim = new SiteSimulator(site(), { startTs: 0, seed: 2, scanners: ['pi-yard-s'] });
    assert.deepEqual([...new Set(sim.advance(5000).map((a) => a.scanner))], ['pi-yard-s']);
  });
});
