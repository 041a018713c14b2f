import assert from 'node:assert/strict';
import type { RssiReading } from '../../nodes/kernel/contract';
import { decodeAdvert } from '../../nodes/beacon-scan/frames';
import {
  parseList,
  readingFromFrame,
  SourcePipeline,
  type Emission,
  type PipelineOptions,
  type RawReading,
} from '../../nodes/beacon-scan/pipeline';
import { SiteView } from '../../nodes/kernel/site-view';
import { siteText } from '../tracker-site/fixtures';
import { vector } from './vectors';

const REX = 'ac:23:3f:a3:80:4b';
const BELLA_ID = 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2';

function reading(ts: number, mac: string, rssi: number, extra: Partial<RawReading> = {}): RawReading {
  return { v: 1, type: 'rssi', scanner: 'pi-a', ts, mac, id: `mac:${mac}`, rssi, frame: 'unknown', ...extra };
}

function run(
  options: PipelineOptions,
  site?: SiteView,
): { p: SourcePipeline; out: Emission[]; sent: () => RssiReading[] } {
  const out: Emission[] = [];
  const p = new SourcePipeline(options, (e) => out.push(e));
  p.setSite(site);
  return { p, out, sent: () => out.flatMap((e) => (Array.isArray(e.payload) ? e.payload : [e.payload])) };
}

describe('reading from a decoded frame', () => {
  it('follows the contract: required fields, id, frame family object, txPower and battery', () => {
    const ib = Buffer.from(vector('ibeacon-bluecharm').manufacturerData!, 'hex');
    assert.deepEqual(
      readingFromFrame('pi-yard-ne', 1763800000123, REX, -71, decodeAdvert({ manufacturerData: ib })),
      {
        v: 1,
        type: 'rssi',
        scanner: 'pi-yard-ne',
        ts: 1763800000123,
        mac: REX,
        id: 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949',
        rssi: -71,
        frame: 'ibeacon',
        txPower: -59,
        ibeacon: { uuid: '426c7565-4368-6172-6d42-6561636f6e73', major: 3838, minor: 4949 },
      },
    );
    const info = vector('minew-info-plus').serviceData!;
    const r = readingFromFrame(
      'pi',
      1,
      REX,
      -80,
      decodeAdvert({ serviceData: [{ uuid: info.uuid, data: Buffer.from(info.data, 'hex') }] }),
    );
    assert.equal(r.battery, 100);
    assert.deepEqual(r.minew, { mac: 'c3:00:00:39:3f:e5', name: 'PLUS' });
    assert.equal(r.id, `mac:${REX}`);
    assert.equal('undecoded' in r, false);
  });
});

describe('SourcePipeline', () => {
  const site = SiteView.fromJson(siteText());

  it('numbers readings per scanner, +1 each, and sets the dog the site knows', () => {
    const { p, sent } = run({}, site);
    p.accept(reading(1, REX, -60));
    p.accept(reading(2, 'aa:aa:aa:aa:aa:aa', -60));
    p.accept(reading(3, REX, -60, { scanner: 'pi-b' }));
    p.accept(reading(4, 'bb:bb:bb:bb:bb:bb', -60, { id: BELLA_ID, frame: 'ibeacon' }));
    assert.deepEqual(
      sent().map((r) => [r.scanner, r.seq, r.dog]),
      [
        ['pi-a', 1, 'rex'],
        ['pi-a', 2, undefined],
        ['pi-b', 1, 'rex'],
        ['pi-a', 3, 'bella'],
      ],
    );
    assert.equal('dog' in sent()[1], false);
  });

  it("gives a tag's other frames the dog its identity frame named", () => {
    const { p, sent } = run({}, site);
    const tag = 'cc:cc:cc:cc:cc:cc';
    p.accept(reading(1, tag, -60, { frame: 'minew-info' }));
    p.accept(reading(2, tag, -60, { id: BELLA_ID, frame: 'ibeacon' }));
    p.accept(reading(3, tag, -60, { frame: 'minew-accel' }));
    assert.deepEqual(
      sent().map((r) => r.dog),
      [undefined, 'bella', 'bella'],
    );
    p.setSite(site); // a new site forgets what was learned
    p.accept(reading(4, tag, -60, { frame: 'minew-accel' }));
    assert.equal(sent()[3].dog, undefined);
  });

  it('filters by allow list (MACs in any spelling, ids), the dogs of the site, block list, minimum RSSI and beacon frames', () => {
    const cases: Array<[PipelineOptions, number[]]> = [
      [{}, [1, 2, 3, 4]],
      [{ allow: ['AC-23-3F-A3-80-4B'] }, [1]],
      [{ allow: [BELLA_ID.toUpperCase()] }, [4]],
      [{ allowSiteDogs: true }, [1, 4]],
      [{ allowSiteDogs: true, allow: ['mac:aa:aa:aa:aa:aa:aa'] }, [1, 2, 4]],
      [{ block: [REX] }, [2, 3, 4]],
      [{ minRssi: -75 }, [1, 4]],
      [{ beaconsOnly: true }, [4]],
    ];
    for (const [options, expected] of cases) {
      const { p, sent } = run(options, site);
      p.accept(reading(1, REX, -60));
      p.accept(reading(2, 'aa:aa:aa:aa:aa:aa', -80));
      p.accept(reading(3, 'bb:bb:bb:bb:bb:bb', -90));
      p.accept(reading(4, 'dd:dd:dd:dd:dd:dd', -70, { id: BELLA_ID, frame: 'ibeacon' }));
      assert.deepEqual(
        sent().map((r) => r.ts),
        expected,
        JSON.stringify(options),
      );
      assert.deepEqual(
        sent().map((r) => r.seq),
        expected.map((_, i) => i + 1),
        'no gaps in seq for filtered readings',
      );
    }
  });

  it('rate-limits per beacon, keeping the strongest reading of each slot, in event time', () => {
    const { p, sent } = run({ maxPerSecond: 2 });
    // Slots of 500 ms from each beacon's first reading.
    p.accept(reading(1000, REX, -70));
    p.accept(reading(1100, REX, -60));
    p.accept(reading(1200, REX, -65));
    p.accept(reading(1100, 'aa:aa:aa:aa:aa:aa', -90));
    assert.equal(sent().length, 0, 'held until the slot is over');
    p.accept(reading(1500, REX, -80)); // a new slot: releases the best of the last
    assert.deepEqual(
      sent().map((r) => [r.mac, r.ts, r.rssi, r.seq]),
      [[REX, 1100, -60, 1]],
    );
    p.tick(1599);
    assert.equal(sent().length, 1, 'the other beacon slot ends at 1600');
    p.tick(2000);
    assert.deepEqual(
      sent().map((r) => [r.mac, r.rssi]),
      [
        [REX, -60],
        ['aa:aa:aa:aa:aa:aa', -90],
        [REX, -80],
      ],
    );
    assert.equal(p.stats.rateLimited, 2);
  });

  it('says when it next has work: the first batch end, else the first slot end, else never', () => {
    const limited = run({ maxPerSecond: 4 }).p;
    assert.equal(limited.nextDue(), undefined, 'nothing held, nothing due');
    limited.accept(reading(1000, REX, -70));
    limited.accept(reading(1100, 'aa:aa:aa:aa:aa:aa', -90));
    assert.equal(limited.nextDue(), 1250);
    limited.tick(1250);
    assert.equal(limited.nextDue(), 1350, 'the other slot');
    limited.tick(1350);
    assert.equal(limited.nextDue(), undefined);

    const batched = run({ maxPerSecond: 4, batchMs: 1000 }).p;
    batched.accept(reading(1000, REX, -70));
    assert.equal(batched.nextDue(), 1250, 'no batch yet: when the slot releases into one');
    batched.tick(1250);
    assert.equal(batched.nextDue(), 2000, 'the batch started by the released reading (ts 1000)');
    batched.accept(reading(1300, REX, -70));
    assert.equal(batched.nextDue(), 2000, 'a slot ending before the batch needs no tick of its own');
    batched.tick(2000);
    assert.equal(batched.nextDue(), undefined);
  });

  it('batches readings per scanner every batchMs of event time, and flushes what is held', () => {
    const { p, out } = run({ batchMs: 1000 });
    p.accept(reading(0, REX, -60));
    p.accept(reading(400, REX, -61, { scanner: 'pi-b' }));
    p.accept(reading(900, REX, -62));
    p.tick(999);
    assert.equal(out.length, 0);
    p.tick(1000);
    assert.equal(out.length, 1);
    assert.equal(out[0].scanner, 'pi-a');
    assert.deepEqual(
      (out[0].payload as RssiReading[]).map((r) => [r.ts, r.seq]),
      [
        [0, 1],
        [900, 2],
      ],
    );
    p.accept(reading(1500, REX, -63));
    p.flush();
    assert.deepEqual(
      out.map((e) => [e.scanner, (e.payload as RssiReading[]).length]),
      [
        ['pi-a', 2],
        ['pi-b', 1],
        ['pi-a', 1],
      ],
    );
  });

  it('splits user lists on commas, spaces and new lines', () => {
    assert.deepEqual(parseList(' a, b;c\n d  '), ['a', 'b', 'c', 'd']);
    assert.deepEqual(parseList(undefined), []);
  });
});
