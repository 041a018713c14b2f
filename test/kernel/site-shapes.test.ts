// What the site document keeps besides the radio model: the plan backdrop (validated, kept through
// save and load) and polygons whose outline must not cross itself (refused fast, even when hostile).
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { parseSite, SITE_LIMITS, validateSite } from '../../nodes/kernel/site-document';
import { selfCrossing } from '../../nodes/kernel/polygon-crossing';
import { CONTRACT_SITE } from '../tracker-site/fixtures';
import { errorsOf, site } from './site-edits';

/** A 1x1 PNG. */
export const PNG_1X1 =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('site document: backdrop', () => {
  it('keeps a PNG, JPEG or WebP backdrop with its placement, through JSON and back', () => {
    const doc = site((d) => (d.backdrop = { image: PNG_1X1, x: -2, y: -1.5, width: 24, height: 33.5 }));
    const result = parseSite(JSON.stringify(doc));
    assert.ok(result.ok);
    assert.deepEqual(result.site.backdrop, {
      image: PNG_1X1,
      type: 'png',
      x: -2,
      y: -1.5,
      width: 24,
      height: 33.5,
      opacity: 0.8,
    });
    assert.ok(Object.isFrozen(result.site.backdrop));
    const jpeg = site(
      (d) =>
        (d.backdrop = {
          image: 'data:image/jpeg;base64,/9j/4AAQ',
          x: 0,
          y: 0,
          width: 1,
          height: 1,
          opacity: 0.5,
        }),
    );
    const webp = site(
      (d) =>
        (d.backdrop = { image: 'data:image/webp;base64,UklGRgAAAABXRUJQ', x: 0, y: 0, width: 1, height: 1 }),
    );
    for (const d of [jpeg, webp]) assert.ok(validateSite(d).ok);
    const plain = validateSite(CONTRACT_SITE);
    assert.ok(plain.ok && plain.site.backdrop === undefined);
  });

  it('refuses other images, remote URLs, bad base64, mislabelled bytes, a bad placement and an oversized image', () => {
    const with_ = (backdrop: unknown): string[] => errorsOf(site((d) => (d.backdrop = backdrop)));
    const place = { x: 0, y: 0, width: 10, height: 10 };
    assert.deepEqual(with_({ image: 'data:image/svg+xml;base64,PHN2Zz4=', ...place }), [
      'backdrop.image must be a data:image/png, jpeg or webp;base64 URL, not "data:image/svg+xml;base64,PHN2Zz4="',
    ]);
    assert.match(with_({ image: 'https://example.com/plan.png', ...place })[0] ?? '', /must be a data:image/);
    assert.deepEqual(with_({ image: 'data:image/png;base64,iVBORw0KGgo<script>', ...place }), [
      'backdrop.image is not valid base64',
    ]);
    assert.deepEqual(with_({ image: 'data:image/png;base64,/9j/4AAQ', ...place }), [
      'backdrop.image does not hold a PNG image',
    ]);
    assert.deepEqual(with_({ image: PNG_1X1, x: 'left', y: 1e9, width: 0, height: -1, opacity: 2 }), [
      'backdrop.x must be a number',
      'backdrop.y must be between -100000 and 100000, not 1000000000',
      'backdrop.width must be above 0, not 0',
      'backdrop.height must be above 0, not -1',
      'backdrop.opacity must be between 0 and 1, not 2',
    ]);
    assert.deepEqual(with_('plan.png'), ['backdrop must be an object with image, x, y, width and height']);
    const huge = PNG_1X1 + 'A'.repeat(SITE_LIMITS.maxBackdropChars);
    const t0 = performance.now();
    assert.deepEqual(with_({ image: huge, ...place }), [
      `backdrop.image is ${huge.length} characters; at most 2000000 (about 1.5 MB)`,
    ]);
    assert.ok(performance.now() - t0 < 20);
    // At the cap: checked in milliseconds (one linear pass).
    const atCap = `data:image/png;base64,iVBORw0KGgo${'A'.repeat(SITE_LIMITS.maxBackdropChars - 33 - ((SITE_LIMITS.maxBackdropChars - 33) % 4) + 1)}`;
    const body = atCap.slice('data:image/png;base64,'.length);
    const padded = atCap.slice(0, atCap.length - (body.length % 4));
    assert.ok(padded.length <= SITE_LIMITS.maxBackdropChars);
    const t1 = performance.now();
    assert.ok(validateSite(site((d) => (d.backdrop = { image: padded, ...place }))).ok);
    assert.ok(performance.now() - t1 < 50, `a 2 MB backdrop took ${performance.now() - t1} ms`);
  });
});

describe('site document: polygons that cross themselves', () => {
  it('refuses a bow tie, naming the zone and the vertex; keeps concave outlines', () => {
    assert.deepEqual(
      errorsOf(
        site(
          (d) =>
            (d.zones[0].polygon = [
              [0, 0],
              [10, 10],
              [10, 0],
              [0, 10],
            ]),
        ),
      ),
      ['zones[0].polygon crosses itself at vertex 0 (edge 0–1 meets edge 2–3)'],
    );
    // A vertex touching another edge counts.
    assert.deepEqual(
      errorsOf(
        site(
          (d) =>
            (d.zones[0].polygon = [
              [0, 0],
              [10, 0],
              [10, 10],
              [5, 0],
              [0, 10],
            ]),
        ),
      ),
      ['zones[0].polygon crosses itself at vertex 0 (edge 0–1 meets edge 3–4)'],
    );
    const concave = site(
      (d) =>
        (d.zones[0].polygon = [
          [0, 0],
          [10, 0],
          [10, 10],
          [5, 3],
          [0, 10],
        ]),
    );
    assert.ok(validateSite(concave).ok);
  });

  it('finds a crossing anywhere in a long outline, whichever edge comes first in x', () => {
    // A 1000-vertex star-free ring with one pair of neighbouring vertices swapped far from vertex 0.
    const ring = Array.from({ length: 1000 }, (_, i): [number, number] => [
      Math.cos((i / 1000) * 2 * Math.PI) * 50,
      Math.sin((i / 1000) * 2 * Math.PI) * 50,
    ]);
    assert.equal(selfCrossing(ring), undefined);
    const swapped = ring.slice();
    [swapped[600], swapped[601]] = [ring[601] as [number, number], ring[600] as [number, number]];
    // Edges 599 (599 -> 601) and 601 (600 -> 602) cross.
    assert.deepEqual(selfCrossing(swapped), [599, 601]);
  });

  it('stays fast on hostile polygons: 200 000 vertices refused uncounted, a zig-zag at the caps bounded', () => {
    const zigzag = (n: number): Array<[number, number]> =>
      // Every edge spans the whole width: the worst case of the sweep (each compared with every other).
      Array.from({ length: n }, (_, i): [number, number] => [i % 2 === 0 ? 0 : 1000, i * 0.01]);
    const hostile = site((d) => (d.zones[0].polygon = zigzag(200_000)));
    let t0 = performance.now();
    assert.deepEqual(errorsOf(hostile), ['zones[0].polygon has 200000 vertices; at most 1000']);
    const hugeMs = performance.now() - t0;
    // 10 zones of 1000 vertices (the total cap), each a zig-zag closed without crossing: the slow case.
    const comb = (): Array<[number, number]> => {
      const pts = zigzag(999);
      pts.push([-1, 998 * 0.01]);
      pts.push([-1, 0]);
      return pts.slice(0, 1000);
    };
    const doc = site((d) => {
      d.zones = Array.from({ length: 10 }, (_, i) => ({ id: `z${i}`, kind: 'info', polygon: comb() }));
    });
    let capMs = Infinity;
    for (let run = 0; run < 3; run++) {
      t0 = performance.now();
      validateSite(doc);
      capMs = Math.min(capMs, performance.now() - t0);
    }
    console.log(
      `      crossing check: 200 000 vertices refused in ${hugeMs.toFixed(2)} ms; 10 x 1000-vertex zig-zags in ${capMs.toFixed(1)} ms`,
    );
    assert.ok(hugeMs < 50, `200 000 vertices took ${hugeMs} ms`);
    assert.ok(capMs < 250, `the zig-zags at the caps took ${capMs} ms`);
  });
});
