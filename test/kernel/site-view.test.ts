import assert from 'node:assert/strict';
import { SiteSource } from '../../nodes/tracker-site/site-source';
import { SiteView } from '../../nodes/kernel/site-view';
import { siteText } from '../tracker-site/fixtures';

describe('SiteView', () => {
  const view = SiteView.fromJson(siteText());

  it('finds scanners and dogs by id', () => {
    assert.equal(view.scanner('pi-yard-s')?.rssiOffset, -3);
    assert.equal(view.scanner('nope'), undefined);
    assert.equal(view.dog('rex')?.name, 'Rex');
  });

  it('finds a dog by the MAC of a reading, in any case, or by its frame id', () => {
    assert.equal(view.dogByBeacon('AC:23:3F:A3:80:4B')?.id, 'rex');
    assert.equal(
      view.dogByBeacon('11:22:33:44:55:66', 'ibeacon:FDA50693-A4E2-4FB1-AFCF-C6EB07647825:1:2')?.id,
      'bella',
    );
    assert.equal(view.dogByBeacon('11:22:33:44:55:66', 'ibeacon:other:1:2'), undefined);
    assert.equal(view.dogByBeacon(undefined), undefined);
  });

  it('lists the zones that apply to a dog', () => {
    assert.deepEqual(
      view.zonesFor('rex').map((z) => z.id),
      ['yard', 'pool'],
    );
    assert.deepEqual(
      view.zonesFor('bella').map((z) => z.id),
      ['yard'],
    );
  });

  it('converts to WGS84 only when the site has an origin', () => {
    assert.ok(view.hasOrigin);
    const ll = view.toWgs84(12.4, 7.9)!;
    const back = view.fromWgs84(ll.lat, ll.lon)!;
    assert.ok(Math.abs(back.x - 12.4) < 1e-6 && Math.abs(back.y - 7.9) < 1e-6);
    const noOrigin = SiteView.fromJson(siteText({ origin: undefined }));
    assert.equal(noOrigin.hasOrigin, false);
    assert.equal(noOrigin.toWgs84(1, 1), undefined);
  });

  it('throws one error that lists every problem', () => {
    assert.throws(
      () => SiteView.fromJson('{"scanners": 1}'),
      /invalid site: scanners must be an array; dogs must be an array/,
    );
  });
});

describe('SiteSource', () => {
  it('tells subscribers about each accepted site and keeps the last good one', () => {
    const source = new SiteSource();
    const seen: string[] = [];
    source.subscribe((v) => seen.push(v.name));
    assert.equal(source.update(siteText({ name: 'A' })).ok, true);
    const late: string[] = [];
    source.subscribe((v) => late.push(v.name)); // called at once with the current site
    const bad = source.update('{"name": "B", "scanners": "x", "dogs": []}');
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.errors, ['scanners must be an array']);
    assert.equal(source.current?.name, 'A', 'an invalid document does not replace a good one');
    assert.equal(source.problem, 'invalid site: scanners must be an array');
    source.update(siteText({ name: 'C' }));
    assert.equal(source.problem, undefined);
    assert.deepEqual(seen, ['A', 'C']);
    assert.deepEqual(late, ['A', 'C']);
  });

  it('stops calling a listener once it unsubscribes', () => {
    const source = new SiteSource();
    let calls = 0;
    const off = source.subscribe(() => calls++);
    source.update(siteText());
    off();
    source.update(siteText({ name: 'again' }));
    assert.equal(calls, 1);
  });
});
