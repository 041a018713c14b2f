import assert from 'node:assert/strict';
import { beaconKey, parseSite, validateSite } from '../../nodes/kernel/site-document';
import { CONTRACT_SITE, siteText } from '../tracker-site/fixtures';
import type { Doc } from './site-edits';

function errorsOf(doc: unknown): string[] {
  const result = validateSite(doc);
  assert.equal(result.ok, false, 'expected the document to be refused');
  return result.ok ? [] : result.errors;
}

describe('site document validation', () => {
  it('accepts the contract example and fills in defaults', () => {
    const result = parseSite(siteText());
    assert.ok(result.ok, JSON.stringify(result));
    const { site } = result;
    assert.equal(site.name, 'Home');
    assert.deepEqual(site.origin, { lat: 52.0907, lon: 5.1214, rotationDeg: 0 });
    assert.equal(site.scanners[1].z, 1.5, 'scanner height defaults to defaults.scannerHeight');
    assert.equal(site.scanners[1].rssiOffset, 0);
    assert.equal(site.scanners[1].pathLossExponent, 2.2);
    assert.equal(site.scanners[2].rssiOffset, -3);
    assert.equal(site.dogs[0].rssiAt1m, -61, 'per-dog rssiAt1m wins');
    assert.equal(site.dogs[1].rssiAt1m, -59, 'else the site default');
    assert.equal(site.dogs[1].name, 'bella', 'name defaults to id');
    assert.equal(site.zones[0].shape, 'polygon');
    assert.equal(site.zones[1].shape, 'circle');
    assert.deepEqual(site.zones[1].dogs, ['rex']);
    assert.deepEqual(result.warnings, []);
  });

  it('returns a frozen site so no node can change what others see', () => {
    const result = parseSite(siteText());
    assert.ok(result.ok);
    assert.ok(Object.isFrozen(result.site.scanners[0]));
    assert.throws(() => {
      (result.site.scanners[0] as { x: number }).x = 99;
    }, TypeError);
  });

  it('names the field of each problem', () => {
    const doc: Doc = structuredClone(CONTRACT_SITE);
    doc.scanners[2].x = 'ten';
    doc.scanners[0].pathLossExponent = 12;
    doc.dogs[0].beacon = 'not a beacon';
    delete doc.dogs[1].id;
    doc.zones[0].kind = 'garden';
    doc.zones[1].circle.r = -1;
    doc.origin.lat = 95;
    const errors = errorsOf(doc);
    assert.deepEqual(errors, [
      'origin.lat must be between -90 and 90, not 95',
      'scanners[0].pathLossExponent must be between 1 and 6, not 12',
      'scanners[2].x must be a number',
      'dogs[0].beacon must be a MAC address (aa:bb:cc:dd:ee:ff) or a beacon id (ibeacon:…, eddystone:…, altbeacon:…, mac:…)',
      'dogs[1].id is required',
      'zones[0].kind must be one of safe, forbidden, info',
      'zones[1].circle.r must be above 0, not -1',
    ]);
  });

  it('reports JSON syntax errors, non-objects and missing lists', () => {
    const bad = parseSite('{"name": "x",');
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.errors[0], /^site is not valid JSON: /);
    const misplaced = parseSite('{\n  "name": "x",\n  "scanners": [] ]\n}');
    assert.match(misplaced.ok ? '' : misplaced.errors[0], /at line 3, column 18$/);
    assert.deepEqual(errorsOf([]), ['site must be a JSON object']);
    assert.deepEqual(errorsOf(null), ['site must be a JSON object']);
    assert.deepEqual(errorsOf({}), ['scanners must be an array', 'dogs must be an array']);
    assert.deepEqual(errorsOf({ scanners: [42], dogs: 'rex' }), [
      'scanners[0] must be an object',
      'dogs must be an array',
    ]);
  });

  it('refuses duplicate ids and beacons, matching MACs however they are written', () => {
    const errors = errorsOf({
      scanners: [
        { id: 'a', x: 0, y: 0 },
        { id: 'a', x: 1, y: 1 },
      ],
      dogs: [
        { id: 'rex', beacon: 'AC:23:3F:A3:80:4B' },
        { id: 'max', beacon: 'mac:ac-23-3f-a3-80-4b' },
      ],
    });
    assert.deepEqual(errors, [
      'scanners[1].id "a" repeats scanners[0].id',
      'dogs[1].beacon "ac:23:3f:a3:80:4b" repeats dogs[0].beacon',
    ]);
  });

  it('checks zone shapes and the dogs a zone names', () => {
    const errors = errorsOf({
      scanners: [],
      dogs: [{ id: 'rex', beacon: 'ac:23:3f:a3:80:4b' }],
      zones: [
        { id: 'z1', kind: 'safe' },
        {
          id: 'z2',
          kind: 'safe',
          polygon: [
            [0, 0],
            [1, 1],
          ],
        },
        {
          id: 'z3',
          kind: 'safe',
          polygon: [
            [0, 0],
            [1, 1],
            [2, 2],
          ],
        },
        {
          id: 'z4',
          kind: 'info',
          polygon: [
            [0, 0],
            [1, 'a'],
            [2, 0],
          ],
        },
        { id: 'z5', kind: 'info', circle: { x: 0, y: 0, r: 1 }, dogs: ['rex', 'fido'], severity: 'loud' },
        {
          id: 'z6',
          kind: 'info',
          circle: { x: 0, y: 0, r: 1 },
          polygon: [
            [0, 0],
            [1, 0],
            [0, 1],
          ],
        },
      ],
    });
    assert.deepEqual(errors, [
      'zones[0] must have exactly one of polygon or circle',
      'zones[1].polygon must be an array of at least 3 [x, y] points',
      'zones[2].polygon has no area (its points are collinear or repeated)',
      'zones[3].polygon[1] must be an [x, y] pair of numbers',
      'zones[4].severity must be one of info, warning, critical',
      'zones[4].dogs[1] names dog "fido", which is not in dogs',
      'zones[5] must have exactly one of polygon or circle',
    ]);
  });

  it('names duplicates by their place in the document, even after an invalid entry', () => {
    const errors = errorsOf({
      scanners: [
        { id: 'a', x: 'bad', y: 0 },
        { id: 'b', x: 0, y: 0 },
        { id: 'b', x: 1, y: 0 },
      ],
      dogs: [],
    });
    assert.deepEqual(errors, ['scanners[0].x must be a number', 'scanners[2].id "b" repeats scanners[1].id']);
  });

  it('warns, without refusing, when there are too few scanners for a fix', () => {
    const result = validateSite({ scanners: [{ id: 'a', x: 0, y: 0 }], dogs: [] });
    assert.ok(result.ok);
    assert.deepEqual(result.warnings, ['site has 1 scanner(s): at least 3 are needed for a 2-D fix']);
  });

  it('keys beacons by bare lower-case MAC or by lower-case id', () => {
    assert.equal(beaconKey('AC:23:3F:A3:80:4B'), 'ac:23:3f:a3:80:4b');
    assert.equal(beaconKey('mac:AC:23:3F:A3:80:4B'), 'ac:23:3f:a3:80:4b');
    assert.equal(
      beaconKey('iBeacon:FDA50693-A4E2-4FB1-AFCF-C6EB07647825:1:2'),
      'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2',
    );
  });
});
