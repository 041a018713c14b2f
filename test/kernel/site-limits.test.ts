// The bounds of a site document: every number range-checked, strings and counts capped, an over-cap
// array refused before it is walked, and a hostile document refused fast.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import {
  MAX_SITE_COORDINATE_M,
  parseSite,
  SITE_LIMITS,
  validateSite,
} from '../../nodes/kernel/site-document';
import { errorsOf, site } from './site-edits';

describe('site document bounds', () => {
  it('keeps coordinates within 100 km of the origin', () => {
    assert.equal(MAX_SITE_COORDINATE_M, 100_000);
    assert.ok(validateSite(site((d) => (d.scanners[0].x = 100_000))).ok, 'the bound itself is allowed');
    assert.deepEqual(
      errorsOf(
        site((d) => {
          d.scanners[0].x = 1e21;
          d.scanners[1].y = -100_001;
          d.zones[1].circle.x = 1e154;
          d.zones[0].polygon[2] = [20, 1e6];
        }),
      ),
      [
        'scanners[0].x must be between -100000 and 100000, not 1e+21',
        'scanners[1].y must be between -100000 and 100000, not -100001',
        'zones[0].polygon[2] must lie within 100000 m of the origin, not [20, 1000000]',
        'zones[1].circle.x must be between -100000 and 100000, not 1e+154',
      ],
    );
  });

  it('bounds radii, heights, rssiAt1m, path-loss exponents, offsets and dwell times', () => {
    const errors = errorsOf(
      site((d) => {
        d.zones[1].circle.r = 1e6;
        d.scanners[0].z = 500;
        d.defaults.tagHeight = -20;
        d.dogs[0].rssiAt1m = 5;
        d.defaults.pathLossExponent = 0.5;
        d.scanners[2].rssiOffset = 41;
        d.zones[0].dwellS = 0;
        d.zones[1].dwellS = 1e9;
        d.origin.lon = 181;
        d.origin.rotationDeg = 1e308;
      }),
    );
    assert.deepEqual(errors, [
      'origin.lon must be between -180 and 180, not 181',
      'origin.rotationDeg must be between -360 and 360, not 1e+308',
      'defaults.pathLossExponent must be between 1 and 6, not 0.5',
      'defaults.tagHeight must be between -10 and 100, not -20',
      'scanners[0].z must be between -10 and 100, not 500',
      'scanners[2].rssiOffset must be between -40 and 40, not 41',
      'dogs[0].rssiAt1m must be between -120 and 0, not 5',
      'zones[0].dwellS must be above 0, not 0',
      'zones[1].dwellS must be at most 604800, not 1000000000',
      'zones[1].circle.r must be at most 100000, not 1000000',
    ]);
  });

  it('caps the length of ids, names and beacons, quoting none of them', () => {
    const long = 'x'.repeat(100_000);
    const errors = errorsOf(
      site((d) => {
        d.scanners[0].id = long;
        d.dogs[0].name = long;
        d.dogs[1].beacon = `ibeacon:${long}`;
        d.zones[0].name = long;
        d.name = long;
      }),
    );
    assert.deepEqual(errors, [
      'name is 100000 characters; at most 200',
      'scanners[0].id is 100000 characters; at most 128',
      'dogs[0].name is 100000 characters; at most 200',
      'dogs[1].beacon is 100008 characters; at most 128',
      'zones[0].name is 100000 characters; at most 200',
    ]);
  });

  it('caps the counts of scanners, dogs, zones and vertices, before walking the lists', () => {
    const scanner = { id: 's', x: 0, y: 0 };
    const many = <T>(n: number, item: T): T[] => new Array<T>(n).fill(item);
    assert.deepEqual(errorsOf({ scanners: many(501, scanner), dogs: many(501, 42) }), [
      `scanners has 501 entries; at most ${SITE_LIMITS.maxScanners}`,
      `dogs has 501 entries; at most ${SITE_LIMITS.maxDogs}`,
    ]);
    const square = (n: number): number[][] =>
      Array.from({ length: n }, (_, i) => [Math.cos((2 * Math.PI * i) / n), Math.sin((2 * Math.PI * i) / n)]);
    assert.deepEqual(errorsOf(site((d) => (d.zones[0].polygon = square(200_000)))), [
      'zones[0].polygon has 200000 vertices; at most 1000',
    ]);
    const zones = Array.from({ length: 30 }, (_, i) => ({
      id: `z${i}`,
      kind: 'info',
      polygon: square(1000),
    }));
    assert.deepEqual(errorsOf(site((d) => (d.zones = zones))), [
      'zones have 30000 polygon vertices in all; at most 10000',
    ]);
    assert.deepEqual(errorsOf(site((d) => (d.zones = many(501, { id: 'z' })))), [
      'zones has 501 entries; at most 500',
    ]);
    assert.match(
      errorsOf(site((d) => (d.zones[1].dogs = many(1000, 'rex'))))[0],
      /zones\[1\]\.dogs has 1000 entries/,
    );
  });

  it('lists a few bad vertices of a polygon and counts the rest; caps the list of problems', () => {
    const errors = errorsOf(site((d) => (d.zones[0].polygon = new Array(1000).fill(['a', 0]))));
    assert.deepEqual(errors, [
      'zones[0].polygon[0] must be an [x, y] pair of numbers',
      'zones[0].polygon[1] must be an [x, y] pair of numbers',
      'zones[0].polygon[2] must be an [x, y] pair of numbers',
      'zones[0].polygon: and 997 more bad vertices',
    ]);
    const scanners = Array.from({ length: 100 }, (_, i) => ({ id: `s${i}`, x: 'far', y: 0 }));
    const many = errorsOf({ scanners, dogs: [] });
    assert.equal(many.length, 51);
    assert.equal(many[50], 'and 50 more problems');
  });

  it('refuses a hostile 10 MB document fast, and validates one at the caps in milliseconds', () => {
    const hostile = JSON.stringify({
      scanners: [],
      dogs: [],
      zones: [{ id: 'z', kind: 'info', polygon: [] }],
    }).replace('"polygon":[]', `"polygon":[${new Array(1_100_000).fill('[1e154,2]').join(',')}]`);
    assert.ok(hostile.length > 10_000_000);
    let t0 = performance.now();
    const refused = parseSite(hostile);
    const textMs = performance.now() - t0;
    assert.deepEqual(refused.ok ? [] : refused.errors, [
      `site is ${hostile.length} characters of JSON; at most ${SITE_LIMITS.maxTextChars}`,
    ]);
    // Already parsed (as the editor endpoint or a flow might hand it): refused before it is walked.
    const doc = JSON.parse(hostile) as unknown;
    t0 = performance.now();
    const errors = errorsOf(doc);
    const docMs = performance.now() - t0;
    assert.match(errors[0], /^zones\[0\]\.polygon has 1100000 vertices; at most 1000$/);
    // At the caps: 500 scanners, 500 dogs, 10 zones of 1000 vertices.
    const ring = Array.from({ length: 1000 }, (_, i) => [
      Math.cos(i / 159.15) * 50,
      Math.sin(i / 159.15) * 50,
    ]);
    const full = {
      scanners: Array.from({ length: 500 }, (_, i) => ({ id: `s${i}`, x: i, y: -i })),
      dogs: Array.from({ length: 500 }, (_, i) => ({
        id: `d${i}`,
        beacon: `mac:02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      })),
      zones: Array.from({ length: 10 }, (_, i) => ({ id: `z${i}`, kind: 'safe', polygon: ring })),
    };
    const text = JSON.stringify(full);
    // Best of 5: the first run pays for the JIT, and a shared machine for its garbage collector (about
    // 3 ms on a quiet x86 core; the bound leaves room for a loaded test machine).
    let fullMs = Infinity;
    let accepted = parseSite(text);
    for (let run = 0; run < 5; run++) {
      t0 = performance.now();
      accepted = parseSite(text);
      fullMs = Math.min(fullMs, performance.now() - t0);
    }
    assert.ok(accepted.ok, JSON.stringify(accepted.ok ? '' : accepted.errors.slice(0, 3)));
    console.log(
      `      site validation: 10 MB text refused in ${textMs.toFixed(2)} ms, parsed 10 MB document in ` +
        `${docMs.toFixed(2)} ms; a site at the caps (${(text.length / 1e6).toFixed(2)} MB) in ${fullMs.toFixed(1)} ms`,
    );
    assert.ok(textMs < 5, `text check took ${textMs} ms`);
    assert.ok(docMs < 20, `document check took ${docMs} ms`);
    assert.ok(fullMs < 100, `a site at the caps took ${fullMs} ms`);
  });
});
