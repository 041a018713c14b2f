// Readings that reach the hub as the Pis send them (a batch per scanner per second, each Pi on its own
// phase, delivered late by the mesh) are located about as well as the same readings in event-time order.
import assert from 'node:assert/strict';
import type { Position, RssiReading } from '../../nodes/kernel/contract';
import { Random } from '../../nodes/kernel/random';
import { SiteSimulator } from '../../nodes/kernel/simulation';
import { validateSite, type Site } from '../../nodes/kernel/site-document';
import { SiteView } from '../../nodes/kernel/site-view';
import { Locator } from '../../nodes/trilaterate/locator';

describe('Locator fed as the Pis send: a batch per scanner per second', () => {
  function yard(): Site {
    const result = validateSite({
      name: 'yard',
      scanners: [
        [0, 0],
        [20, 0],
        [20, 15],
        [20, 30],
        [0, 30],
        [0, 15],
      ].map(([x, y], i) => ({ id: `s${i}`, x, y, z: 1.5 })),
      dogs: [
        { id: 'rex', beacon: 'ac:23:3f:a3:80:4b' },
        { id: 'bella', beacon: 'ac:23:3f:a3:80:4c' },
      ],
    });
    assert.ok(result.ok);
    return result.site;
  }

  /** Simulated readings in event-time order, and the same readings as the hub gets them from the Pis. */
  function streams(site: Site): {
    inOrder: RssiReading[];
    batched: RssiReading[];
    truth: Map<string, { x: number; y: number }>;
  } {
    const sim = new SiteSimulator(site, { startTs: 1_000_000, seed: 4 });
    const inOrder: RssiReading[] = [];
    const truth = new Map<string, { x: number; y: number }>();
    for (let t = 1_001_000; t <= 1_000_000 + 300_000; t += 1000) {
      for (const a of sim.advance(t)) {
        inOrder.push({ v: 1, type: 'rssi', scanner: a.scanner, ts: a.ts, mac: a.mac, rssi: a.rssi });
      }
      for (const d of sim.truth()) truth.set(`${d.dog}@${t}`, d);
    }
    // Each Pi batches a second at a time from its own start (its own phase), and the mesh delivers a
    // batch 0-300 ms after it ends.
    const rng = new Random(9);
    const phase = new Map(site.scanners.map((sc) => [sc.id, Math.floor(rng.next() * 1000)]));
    const batches = new Map<string, { deliver: number; readings: RssiReading[] }>();
    for (const reading of inOrder) {
      const p = phase.get(reading.scanner) ?? 0;
      const end = Math.floor((reading.ts - p) / 1000) * 1000 + 1000 + p;
      const key = `${reading.scanner}@${end}`;
      const batch = batches.get(key) ?? { deliver: end + Math.floor(rng.next() * 300), readings: [] };
      batches.set(key, batch);
      batch.readings.push(reading);
    }
    const batched = [...batches.values()].sort((a, b) => a.deliver - b.deliver).flatMap((b) => b.readings);
    return { inOrder, batched, truth };
  }

  const feed = (locator: Locator, readings: RssiReading[]): Position[] =>
    readings.flatMap((x) => locator.add(x));

  it('is as accurate as with the same readings in event-time order', () => {
    const site = yard();
    const { inOrder, batched, truth } = streams(site);
    assert.notDeepEqual(batched, inOrder);
    const rmse = (ps: Position[]): number => {
      const errors = ps.map((p) => {
        const t = truth.get(`${p.dog}@${p.ts}`);
        assert.ok(t, `no truth for ${p.dog} at ${p.ts}`);
        return (p.x - t.x) ** 2 + (p.y - t.y) ** 2;
      });
      return Math.sqrt(errors.reduce((a, b) => a + b, 0) / errors.length);
    };
    const ordered = rmse(feed(new Locator(new SiteView(site)), inOrder));
    const arrival = rmse(feed(new Locator(new SiteView(site)), batched));
    // A late reading counts in the window still open; with one-second batches that costs little.
    assert.ok(
      arrival < ordered * 1.1,
      `RMSE ${arrival} m as the Pis send vs ${ordered} m in event-time order`,
    );
  });
});
