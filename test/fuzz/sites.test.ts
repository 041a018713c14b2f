// Fuzz of site documents: the kernel's validateSite / parseSite / SiteView on hostile documents (numbers
// like 1e21 and 1e154, negative radii, duplicate ids, a 200 000-vertex zone now and then, garbage text),
// then the tracker-site node itself: its editor's validation endpoint, and loading hostile documents.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import type { TrackerSiteNode } from '../../nodes/tracker-site/tracker-site-node';
import { nonFinitePath } from '../../nodes/kernel/checks';
import { parseSite, validateSite, type Site } from '../../nodes/kernel/site-document';
import { SiteView } from '../../nodes/kernel/site-view';
import { helper, onTab } from '../support/flow';
import { CONTRACT_SITE, siteText } from '../tracker-site/fixtures';
import {
  BLOCK_LIMIT_MS,
  Breaches,
  countCases,
  ERROR_TEXT_LIMIT,
  runs,
  SEED,
  show,
  TimedCases,
} from './harness';
import { fcOptions, garbage, hostileNumber, hostileValue, mutate } from './generators';

const SITE_NUMBER = fc.oneof(
  { weight: 4, arbitrary: hostileNumber },
  { weight: 3, arbitrary: fc.constantFrom(1e21, 1e154, -1e154, 1e155, 1e200, -3, -1e-9, 0) },
  { weight: 3, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
);

const HUGE_POLYGON = Array.from({ length: 200_000 }, (_, i) => {
  const a = (2 * Math.PI * i) / 200_000;
  return [10 + 5 * Math.cos(a), 10 + 5 * Math.sin(a)];
});

type Edit = (doc: Record<string, unknown>) => void;

const lists = (doc: Record<string, unknown>, key: string): Record<string, unknown>[] =>
  Array.isArray(doc[key]) ? (doc[key] as Record<string, unknown>[]) : [];

/** Edits aimed at the places a site's numbers and ids matter. */
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc
    .record({
      i: fc.nat(),
      key: fc.constantFrom('x', 'y', 'z', 'rssiOffset', 'pathLossExponent'),
      n: SITE_NUMBER,
    })
    .map(({ i, key, n }) => (doc: Record<string, unknown>) => {
      const s = lists(doc, 'scanners');
      if (s.length) s[i % s.length][key] = n;
    }),
  fc
    .record({ i: fc.nat(), j: fc.nat(), k: fc.nat({ max: 1 }), n: SITE_NUMBER })
    .map(({ i, j, k, n }) => (doc: Record<string, unknown>) => {
      const poly = lists(doc, 'zones').find((z) => Array.isArray(z.polygon))?.polygon as
        number[][] | undefined;
      if (poly?.length) poly[(i + j) % poly.length][k] = n;
    }),
  fc
    .record({ key: fc.constantFrom('x', 'y', 'r'), n: SITE_NUMBER })
    .map(({ key, n }) => (doc: Record<string, unknown>) => {
      const circle = lists(doc, 'zones').find((z) => z.circle)?.circle as Record<string, unknown> | undefined;
      if (circle) circle[key] = n;
    }),
  SITE_NUMBER.map((n) => (doc: Record<string, unknown>) => {
    doc.origin = { lat: 52, lon: 5, rotationDeg: n };
  }),
  fc
    .record({
      key: fc.constantFrom('rssiAt1m', 'pathLossExponent', 'tagHeight', 'scannerHeight'),
      n: SITE_NUMBER,
    })
    .map(({ key, n }) => (doc: Record<string, unknown>) => {
      doc.defaults = { ...(doc.defaults as object), [key]: n };
    }),
  fc
    .record({ key: fc.constantFrom('rssiAt1m', 'tagHeight'), n: SITE_NUMBER })
    .map(({ key, n }) => (doc: Record<string, unknown>) => {
      const d = lists(doc, 'dogs');
      if (d.length) d[0][key] = n;
    }),
  fc.constantFrom('scanners', 'dogs', 'zones').map((key) => (doc: Record<string, unknown>) => {
    const l = lists(doc, key);
    if (l.length) l.push({ ...l[0] }); // a duplicate id
  }),
  fc.constantFrom(0, 1, 2, 50, 50, 50, 50, 50, 50, 3000).map((n) => (doc: Record<string, unknown>) => {
    doc.scanners = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, x: i, y: -i }));
  }),
  fc.constant((doc: Record<string, unknown>) => {
    lists(doc, 'zones').push({
      id: 'walk',
      name: 'Walk',
      kind: 'info',
      polygon: [
        [0, 0],
        [1e21, 0],
        [0, 1e21],
      ],
    });
  }),
  fc.constant((doc: Record<string, unknown>) => {
    lists(doc, 'zones').push({
      id: 'tiny',
      kind: 'safe',
      polygon: [
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    });
  }),
  fc
    .record({ path: fc.nat(), value: hostileValue })
    .map(({ path, value }) => (doc: Record<string, unknown>) => {
      Object.assign(doc, mutate(doc, { kind: 'set', pick: path, value }));
    }),
);

/** A hostile site: the contract's site with one to three edits, now and then a 200 000-vertex zone. */
const siteDoc: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4000,
    arbitrary: fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
      const doc = JSON.parse(JSON.stringify(CONTRACT_SITE)) as Record<string, unknown>;
      for (const e of edits) {
        try {
          e(doc);
        } catch {
          // An earlier edit changed the shape this one aims at (a scanner replaced by a number): skip it.
        }
      }
      return doc;
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constant(null).map(() => ({
      ...CONTRACT_SITE,
      zones: [{ id: 'huge', name: 'Huge', kind: 'safe', polygon: HUGE_POLYGON }],
    })),
  },
  { weight: 200, arbitrary: garbage },
);

/** Site documents as text: JSON of a hostile document, or garbage text. */
const siteTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: siteDoc.map((d) => JSON.stringify(d) ?? 'undefined') },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: siteDoc.map((d) => (JSON.stringify(d) ?? '').slice(0, 50)) },
);

/** Problems with an accepted site that geometry would trip on: overflow, empty or negative shapes, duplicates. */
function acceptedSiteProblem(site: Site): string | undefined {
  const nf = nonFinitePath(site);
  if (nf) return `non-finite ${nf}`;
  const sq = (v: number): number => v * v;
  for (const a of site.scanners)
    for (const b of site.scanners.slice(0, 50))
      if (!Number.isFinite(sq(a.x - b.x) + sq(a.y - b.y) + sq(a.z - b.z)))
        return `distance² of scanners ${a.id} and ${b.id} overflows: (${a.x}, ${a.y}) (${b.x}, ${b.y})`;
  for (const z of site.zones) {
    if (z.shape === 'circle') {
      if (!(z.circle.r > 0)) return `zones ${z.id}: radius ${z.circle.r}`;
      if (!Number.isFinite(sq(z.circle.r) + sq(z.circle.x) + sq(z.circle.y)))
        return `zones ${z.id}: circle (${z.circle.x}, ${z.circle.y}, r ${z.circle.r}) overflows when squared`;
    } else {
      let area = 0;
      const p = z.polygon;
      for (let i = 0; i < p.length; i++) {
        const [x1, y1] = p[i];
        const [x2, y2] = p[(i + 1) % p.length];
        area += x1 * y2 - x2 * y1;
      }
      if (!Number.isFinite(area)) return `zones ${z.id}: the polygon's area overflows (${show(p, 100)})`;
      if (area === 0) return `zones ${z.id}: the polygon has no area (${show(p, 100)})`;
    }
  }
  for (const [key, items] of [
    ['scanners', site.scanners],
    ['dogs', site.dogs],
    ['zones', site.zones],
  ] as const) {
    const ids = items.map((x) => x.id);
    if (new Set(ids).size !== ids.length) return `duplicate ${key} ids accepted`;
  }
  return undefined;
}

/**
 * Far beyond any real site (10 000 km, a quarter of the Earth's circumference) and far below where the
 * squares in geometry lose all precision: 1e21 or 1e154 in a site document is a typo or an attack.
 */
const SITE_BOUND_M = 1e7;

function farCoordinate(site: Site): string | undefined {
  const far = (v: number): boolean => !(Math.abs(v) <= SITE_BOUND_M);
  for (const s of site.scanners)
    if (far(s.x) || far(s.y) || far(s.z)) return `scanners ${s.id} at (${s.x}, ${s.y}, ${s.z})`;
  for (const z of site.zones) {
    if (z.shape === 'circle') {
      const c = z.circle;
      if (far(c.x) || far(c.y) || far(c.r)) return `zones ${z.id}: circle (${c.x}, ${c.y}, r ${c.r})`;
    } else {
      const p = z.polygon.find(([x, y]) => far(x) || far(y));
      if (p) return `zones ${z.id}: vertex (${p[0]}, ${p[1]})`;
    }
  }
  return undefined;
}

describe('fuzz: site documents (kernel)', function () {
  this.timeout(120_000);
  const cases = new TimedCases();
  const longErrors = new Breaches();
  const accepted = new Breaches();
  const viewNonFinite = new Breaches();
  const outOfBounds = new Breaches();

  const check = (input: unknown, work: () => ReturnType<typeof validateSite>): void => {
    const result = cases.run(input, work);
    if (!result) return;
    if (!result.ok) {
      const long = result.errors.find((e) => e.length >= ERROR_TEXT_LIMIT);
      const all = result.errors.join('\n').length;
      if (long)
        longErrors.add(cases.count, input, `an error of ${long.length} chars: ${long.slice(0, 120)}…`);
      else if (all >= 10 * ERROR_TEXT_LIMIT)
        longErrors.add(cases.count, input, `${result.errors.length} errors, ${all} chars in all`);
      return;
    }
    const far = farCoordinate(result.site);
    if (far) outOfBounds.add(cases.count, input, `accepted, but ${far}`);
    const problem = acceptedSiteProblem(result.site);
    if (problem) accepted.add(cases.count, input, `accepted, but ${problem}`);
    else {
      // What the nodes derive from an accepted site must stay finite too.
      try {
        const view = new SiteView(result.site);
        for (const s of view.scanners) {
          const ll = view.toWgs84(s.x, s.y);
          const where = ll && nonFinitePath(ll);
          if (where)
            viewNonFinite.add(
              cases.count,
              input,
              `toWgs84 of scanner ${s.id} (${s.x}, ${s.y}): ${where} = ${show(ll)}`,
            );
        }
      } catch (err) {
        cases.thrown.add(cases.count, input, `SiteView threw: ${String(err).slice(0, 200)}`);
      }
    }
  };

  before(() => {
    fc.assert(
      fc.property(siteDoc, (doc) => check(doc, () => validateSite(doc))),
      fcOptions(SEED + 31, runs(7_000)),
    );
    fc.assert(
      fc.property(siteTextArb, (text) => check(text, () => parseSite(text))),
      fcOptions(SEED + 32, runs(5_000)),
    );
    countCases('site documents (validateSite, parseSite)', cases.count);
  });

  it('never throws', () => cases.thrown.assertNone('site documents: throws'));
  it(`keeps each error under ${ERROR_TEXT_LIMIT} characters and the list bounded`, () =>
    longErrors.assertNone('site documents: long errors'));
  it('accepts only sites whose geometry stays finite: bounded coordinates, positive radii, areas, unique ids', () =>
    accepted.assertNone('site documents: accepted but unusable'));
  it(`accepts no coordinate or radius beyond ${SITE_BOUND_M} m (a site is a yard, not a planet)`, () =>
    outOfBounds.assertNone('site documents: coordinates out of bounds'));
  it('gives finite map coordinates for every accepted site', () =>
    viewNonFinite.assertNone('site documents: non-finite WGS84'));
  it(`validates each document in under ${BLOCK_LIMIT_MS} ms`, () => cases.assertFast('site documents'));
  it('still accepts the contract site afterwards', () => {
    const result = parseSite(siteText());
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(
      [result.site.scanners.length, result.site.dogs.length, result.site.zones.length],
      [3, 2, 2],
    );
  });
});

describe('fuzz: tracker-site node', function () {
  this.timeout(120_000);
  const thrown = new Breaches();
  const longErrors = new Breaches();
  const blocking = new Breaches();
  const viewNonFinite = new Breaches();
  let cases = 0;
  let maxMs = 0;

  before(async () => {
    await helper.startServer();
    await helper.load(
      [trackerSite] as never,
      onTab([{ id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() }]),
    );
    // The editor's validation endpoint, with hostile typed-in JSON.
    const texts = fc.sample(siteTextArb, { seed: SEED + 33, numRuns: runs(200) });
    for (const config of texts) {
      cases++;
      const t = performance.now();
      const res = await helper.request().post('/dogtracker/site/validate').send({ config });
      maxMs = Math.max(maxMs, performance.now() - t);
      // 413: Node-RED's own body limit refused a document of megabytes before the node saw it (an answer).
      if (res.status !== 200 && res.status !== 413)
        thrown.add(cases, config, `status ${res.status}: ${res.text.slice(0, 200)}`);
      const errors = (res.body as { errors?: string[] }).errors ?? [];
      const long = errors.find((e) => e.length >= ERROR_TEXT_LIMIT);
      if (long)
        longErrors.add(cases, config, `validate: an error of ${long.length} chars: ${long.slice(0, 120)}…`);
    }
    // Loading hostile documents: few, since each is a deploy.
    const docs = fc.sample(siteTextArb, { seed: SEED + 34, numRuns: runs(20) });
    for (const config of docs) {
      cases++;
      await helper.unload();
      const t = performance.now();
      try {
        await helper.load(
          [trackerSite] as never,
          onTab([{ id: 'site1', type: 'tracker-site', name: 'the site', config }]),
        );
      } catch (err) {
        thrown.add(cases, config, `load threw: ${String(err).slice(0, 200)}`);
        continue;
      }
      const ms = performance.now() - t;
      maxMs = Math.max(maxMs, ms);
      if (ms >= 10 * BLOCK_LIMIT_MS) blocking.add(cases, config, `load took ${ms.toFixed(1)} ms`);
      const node = helper.getNode('site1') as TrackerSiteNode;
      if ((node.problem ?? '').length >= ERROR_TEXT_LIMIT)
        longErrors.add(
          cases,
          config,
          `problem of ${node.problem?.length} chars: ${node.problem?.slice(0, 120)}…`,
        );
      const where = node.view && nonFinitePath(node.view.scanners);
      if (where) viewNonFinite.add(cases, config, `view.scanners${where}`);
    }
    countCases('tracker-site node (validate endpoint, loads)', cases);
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('answers every validation and survives every load without a throw', () =>
    thrown.assertNone('tracker-site: throws'));
  it(`keeps each problem text under ${ERROR_TEXT_LIMIT} characters`, () =>
    longErrors.assertNone('tracker-site: long problem texts'));
  it('gives dependents a view with finite numbers only', () =>
    viewNonFinite.assertNone('tracker-site: non-finite view'));
  it(`loads each document in under ${10 * BLOCK_LIMIT_MS} ms`, () =>
    blocking.assertNone(`tracker-site: slow loads (max ${maxMs.toFixed(1)} ms)`));
  it('still loads the contract site afterwards and finds its dogs', async () => {
    await helper.unload();
    await helper.load(
      [trackerSite] as never,
      onTab([{ id: 'site1', type: 'tracker-site', name: 'the site', config: siteText() }]),
    );
    const node = helper.getNode('site1') as TrackerSiteNode;
    assert.equal(node.problem, undefined);
    assert.equal(node.view?.dogByBeacon('ac:23:3f:a3:80:4b')?.id, 'rex');
  });
});
